"""What the rule IR (rulepack) and the conclusion kinds (kinds) both know of how rule files are written.

Kinds parse the payloads of rules' `then` lists and the rule pack reads everything around them; both
check ids and quote values in their messages the same way, from here, so neither imports the other.
"""

from __future__ import annotations

import re
from typing import Any

RULE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")  # rules, decision tables, and the risks and conflicts rules name


def as_written(value: Any) -> str:
    """A rule-file value as an author wrote it in YAML: 'text', 3, true, nothing, [a, b]."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(as_written(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {as_written(item)}" for key, item in value.items()) + "}"
    return str(value)
