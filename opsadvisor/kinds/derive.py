"""`derive`: a derived fact other rules can test (forward chaining). The engine asserts it; no report part."""

from __future__ import annotations

import json
import re
from typing import Any

from ..contract import FACTS
from ..rulesyntax import as_written
from .base import Kind

NAME = re.compile(r"^[a-z][a-z0-9_]*$")
Derive = tuple[tuple[str, Any], ...]  # (name, value) pairs, in the order written


class DeriveKind(Kind):
    name = "derive"
    shape = "`derive: {name: value}`"
    meaning = "a derived fact other rules can test (chaining); values are text, numbers or true/false"
    catalogue = "Derived facts"
    catalogue_order = 90

    def parse(self, data: Any) -> Derive | str:
        if not isinstance(data, dict) or not data:
            return "expected a mapping of derived fact: value"
        for name, value in data.items():
            if name in FACTS:
                return f"{name} is a scenario fact; derive a new name"
            if not NAME.match(name):
                return f"derived fact names are lower_case words; found {as_written(name)}"
            if not isinstance(value, (str, int, bool)):
                return f"{name}: expected text, a number or true/false"
        return tuple(data.items())

    def describe(self, payload: Derive) -> str:
        return "derive " + ", ".join(f"{name} = {json.dumps(value)}" for name, value in payload)


KIND = DeriveKind()
