"""Facts stage: a validated Scenario becomes the facts rules test, plus the list of missing ones.

Only values from closed vocabularies (choices, flags, counts) become facts: names, descriptions and
other free text never reach the rules engine. Which facts a field yields, and how, is declared with
the field (contract.FIELDS).
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from .contract import FACT_FIELDS, FACTS, FIELD, FIELDS, QUESTION_FIELDS, FactValue, Text, same
from .scenario import Scenario

__all__ = ["FactValue", "Facts", "build_facts", "fact_source", "run_key"]

# Scenario attributes holding free text that yields no fact (the service's id, name, owner and
# description): only messages interpolate them. Every other attribute is part of a run's key; the
# dictionaries among them (recorded decisions) are frozen into tuples, the rest are hashable as they are.
FREE_TEXT = tuple(item.attr for item in FIELDS if isinstance(item.spec, Text) and not item.facts)
_KEYED = tuple(item for item in dataclasses.fields(Scenario) if item.name not in FREE_TEXT)
_KEYED_VALUES = operator.attrgetter(*(item.name for item in _KEYED))
_FREE_TEXT_VALUES = operator.attrgetter(*FREE_TEXT)
_DICTS = tuple(index for index, item in enumerate(_KEYED) if str(item.type).startswith("dict"))


@dataclass(frozen=True)
class Facts:
    """The facts known about one service, by catalogue name; a missing fact is absent."""

    values: dict[str, FactValue]
    missing_fields: tuple[str, ...]


# Per fact: its name, the Scenario attribute it is read from and how (computed once: the hot path); None
# for a fact that is the attribute's value as it is (contract.same: most are), taken without a call.
_READS = tuple((name, FACT_FIELDS[name].attr, None if fact.read is same else fact.read) for name, fact in FACTS.items())
# The same by attribute: (attribute, its facts' (name, read)); FACTS lists an attribute's facts together, so
# the facts keep their order.
_BY_ATTR = tuple(
    (attr, tuple((name, read) for name, named_attr, read in _READS if named_attr == attr))
    for attr in dict.fromkeys(attr for _, attr, _ in _READS)
)
# Per open question: its path, the Scenario attribute that answers it and its field (for `applies`).
_QUESTIONS = tuple((path, FIELD[path].attr, FIELD[path]) for path in QUESTION_FIELDS)


def build_facts(scenario: Scenario) -> Facts:
    values: dict[str, FactValue] = {}
    for attr, reads in _BY_ATTR:
        value = getattr(scenario, attr)
        if value is not None:  # a missing attribute (most of all the evidence: 30 facts) skips all its facts
            for name, read in reads:
                fact = value if read is None else read(value)
                if fact is not None:  # a record may leave one of its facts unsaid (evidence.py)
                    values[name] = fact
    missing = tuple(
        path for path, attr, field in _QUESTIONS if getattr(scenario, attr) is None and field.applies(scenario.value)
    )
    return Facts(values=values, missing_fields=missing)


def fact_source(name: str) -> str:
    """The scenario field a fact is read from (for 'missing' explanations)."""
    return FACT_FIELDS[name].path


def run_key(scenario: Scenario) -> Hashable:
    """Everything of a validated scenario that can change what the rules conclude, in both stages: every
    attribute (facts, decisions, today's operator, acceptances, ...) but the free text, of which only
    presence counts (a missing owner is an open question). Two scenarios with equal keys get the same
    firings and derived facts (engine.Engine.run keeps them under this key)."""
    values = list(_KEYED_VALUES(scenario))
    for index in _DICTS:
        values[index] = _frozen(values[index])
    return (tuple(values), tuple(value is None for value in _FREE_TEXT_VALUES(scenario)))


def _frozen(value: Any) -> Hashable:
    if isinstance(value, dict):
        return tuple((key, _frozen(item)) for key, item in sorted(value.items()))
    return value
