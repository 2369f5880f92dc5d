"""Rule-pack stage: read rule files (data, never code) into a validated, typed RulePack.

- ir: the rule IR (rules, conditions, conclusions, the pack) every front end produces;
- conditions: which tests apply to which fact, shared by every front end;
- yaml_front, table_front (and frontends, their registry by file suffix): a rule file becomes IR rules
  with locations; reading: what the two front ends share;
- layering: layers, overrides, disabling, the pack's version, the seed-only filter;
- crosscheck: checks that need the whole pack.
Conclusions are parsed by their kinds (opsadvisor.kinds).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .ir import (
    DEFAULT_PRIORITY,
    MAX_PRIORITY,
    Conclusion,
    Condition,
    Group,
    Location,
    Model,
    Problem,
    Process,
    Provenance,
    Rule,
    RulePack,
    derived_names,
    version_label,
    version_parts,
)

if TYPE_CHECKING:
    from .conditions import GROUP_KEYS, TESTS_BY_KIND
    from .crosscheck import PLACEHOLDER
    from .layering import default_rules_dir, load_pack, load_pack_with_problems, seed_rules_only
    from .yaml_front import FILE_KEYS, RULE_KEYS

# The names below live in modules imported on first use (PEP 562): `import opsadvisor.rulepack.ir` runs this
# file, and a pack loaded from its snapshot (snapshot.py) needs neither the front ends nor the cross-checks.
_HOMES = {
    "GROUP_KEYS": "conditions",
    "TESTS_BY_KIND": "conditions",
    "PLACEHOLDER": "crosscheck",
    "default_rules_dir": "layering",
    "load_pack": "layering",
    "load_pack_with_problems": "layering",
    "seed_rules_only": "layering",
    "FILE_KEYS": "yaml_front",
    "RULE_KEYS": "yaml_front",
}

__all__ = [
    "DEFAULT_PRIORITY",
    "FILE_KEYS",
    "GROUP_KEYS",
    "MAX_PRIORITY",
    "PLACEHOLDER",
    "RULE_KEYS",
    "TESTS_BY_KIND",
    "Conclusion",
    "Condition",
    "Group",
    "Location",
    "Model",
    "Problem",
    "Process",
    "Provenance",
    "Rule",
    "RulePack",
    "default_rules_dir",
    "derived_names",
    "load_pack",
    "load_pack_with_problems",
    "seed_rules_only",
    "version_label",
    "version_parts",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{home}", __name__), name)
