"""What the rule-file front ends (yaml_front, table_front) share: a mapping's unknown keys reported the
same way, and a conclusion parsed and described by its kind."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import did_you_mean
from ..kinds import kind
from ..yamlload import LineDict
from .ir import Conclusion, Location, Problems


def unknown_keys(mapping: LineDict, allowed: Iterable[str], file: str, problems: Problems, what: str) -> None:
    allowed = tuple(allowed)
    for key in mapping:
        if key not in allowed:
            problems.add(
                Location(file, mapping.line_of(key)),
                f'unknown key "{key}" in {what}; expected one of {", ".join(allowed)}{did_you_mean(key, allowed)}',
            )


def conclusion(name: str, written: Any, location: Location) -> Conclusion | str:
    """The conclusion of kind `name` as written in a rule file, or what is wrong with it (the kind says)."""
    found = kind(name)
    payload = found.parse(written)
    if isinstance(payload, str):
        return payload
    return Conclusion(name, payload, location, found.describe(payload))
