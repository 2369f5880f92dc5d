"""What a front end makes of one rule file: rules and pack sections, each with its location."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .ir import AcceptancePolicy, Location, Process, Role, Rule


@dataclass
class Document:
    rules: list[Rule] = field(default_factory=list)
    disable: list[tuple[str, Location]] = field(default_factory=list)
    processes: list[Process] = field(default_factory=list)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)  # partial models: name, ambition, mode, cells
    questions: dict[str, str] = field(default_factory=dict)
    conflict_kinds: dict[str, str] = field(default_factory=dict)
    workshop_questions: dict[str, tuple[tuple[str, ...], Location]] = field(default_factory=dict)
    workshop_rules: list[Rule] = field(default_factory=list)
    tables: list[Any] = field(default_factory=list)  # decision tables (tables.Table); their rows are in `rules`
    roles: dict[str, Role] = field(default_factory=dict)
    acceptance: dict[str, AcceptancePolicy] = field(default_factory=dict)
