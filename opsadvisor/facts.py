"""Facts stage: a validated Scenario becomes the facts rules test, plus the list of missing ones.

Only values from closed vocabularies (choices, flags, counts) become facts: names, descriptions and
other free text never reach the rules engine. Which facts a field yields, and how, is declared with
the field (contract.FIELDS).
"""

from __future__ import annotations

from dataclasses import dataclass

from .contract import FACT_FIELDS, FACTS, FIELD, QUESTION_FIELDS, FactValue
from .scenario import Scenario

__all__ = ["FactValue", "Facts", "build_facts", "fact_source"]


@dataclass(frozen=True)
class Facts:
    """The facts known about one service, by catalogue name; a missing fact is absent."""

    values: dict[str, FactValue]
    missing_fields: tuple[str, ...]


def build_facts(scenario: Scenario) -> Facts:
    values: dict[str, FactValue] = {}
    for name, fact in FACTS.items():
        value = scenario.value(FACT_FIELDS[name].path)
        if value is not None:
            values[name] = fact.read(value)
    missing = tuple(
        path for path in QUESTION_FIELDS if scenario.value(path) is None and FIELD[path].applies(scenario.value)
    )
    return Facts(values=values, missing_fields=missing)


def fact_source(name: str) -> str:
    """The scenario field a fact is read from (for 'missing' explanations)."""
    return FACT_FIELDS[name].path
