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

from .conditions import GROUP_KEYS, TESTS_BY_KIND
from .crosscheck import PLACEHOLDER
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
from .layering import default_rules_dir, load_pack, load_pack_with_problems, seed_rules_only
from .yaml_front import FILE_KEYS, RULE_KEYS

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
