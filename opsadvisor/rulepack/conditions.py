"""Condition tests: which tests apply to which fact, and whether an operand fits.

Shared by every front end: a YAML `when` mapping and a decision table's cell both end up here, so a
test means the same and is checked the same wherever it is written.
"""

from __future__ import annotations

from typing import Any

from ..contract import FACTS, FactSpec
from ..errors import did_you_mean
from ..rulesyntax import as_written
from .ir import Condition, Location

# Which tests apply to which kind of fact; "derived" is any fact a rule derives.
TESTS_BY_KIND: dict[str, tuple[str, ...]] = {
    "choice": ("equals", "in", "not", "not_in", "exists"),
    "ordered": ("equals", "in", "not", "not_in", "at_least", "at_most", "exists"),
    "flag": ("equals", "exists"),
    "number": ("equals", "not", "gt", "gte", "lt", "lte", "exists"),
    "set": ("contains", "contains_any", "contains_all", "lacks", "empty", "exists"),
    "derived": ("equals", "in", "exists"),
}
GROUP_KEYS = ("any", "all")


def fact_kind(fact: str) -> str:
    """The kind of a fact for its tests: its catalogue kind, or "derived" when no scenario fact has the name."""
    spec = FACTS.get(fact)
    return spec.kind if spec else "derived"


def shorthand(fact: str, value: Any) -> tuple[str, Any] | str:
    """The (test, operand) a bare value stands for: `fact: v` is equals (contains for a set), `fact: [..]` is in."""
    kind = fact_kind(fact)
    if isinstance(value, list) and kind == "set":
        return (
            f"{fact} is a list fact: write {fact}: {{contains_any: {as_written(value)}}} "
            f"or {fact}: {{contains_all: {as_written(value)}}}"
        )
    if isinstance(value, list):
        return ("in", value)
    return ("contains" if kind == "set" else "equals", value)


def make_condition(fact: str, test: str, operand: Any, location: Location) -> Condition | str:
    """The condition, or why the test does not apply to the fact or the operand does not fit it."""
    spec = FACTS.get(fact)
    kind = fact_kind(fact)
    allowed = TESTS_BY_KIND[kind]
    if test not in allowed:
        return (
            f"{fact} cannot be tested with '{test}'; {_article(kind)} {kind} fact takes "
            f"{', '.join(allowed)}{did_you_mean(test, allowed)}"
        )
    problem = _operand_problem(spec, kind, test, operand)
    if problem:
        return f"{fact} {test}: {problem}"
    if isinstance(operand, list):
        operand = tuple(operand)
    return Condition(fact, test, operand, location, derived=spec is None)


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _operand_problem(spec: FactSpec | None, kind: str, test: str, operand: Any) -> str:
    """Why an operand does not fit the test and fact, or '' when it fits."""
    if test in ("exists", "empty"):
        if not isinstance(operand, bool):
            return "expected true or false"
        if kind == "derived" and operand is False:
            return "a derived fact can only be tested with exists: true (durable_rules cannot re-check a negation)"
        return ""
    many = test in ("in", "not_in", "contains_any", "contains_all")
    operands = operand if many else [operand]
    if many and (not isinstance(operand, list) or not operand):
        return "expected a non-empty list"
    for value in operands:
        problem = _value_problem(spec, kind, value)
        if problem:
            return problem
    return ""


def _value_problem(spec: FactSpec | None, kind: str, value: Any) -> str:
    if kind in ("choice", "ordered", "set"):
        assert spec is not None
        if value not in spec.values:
            return (
                f"{as_written(value)} is not a value {spec.name} can take; expected one of "
                f"{', '.join(spec.values)}{did_you_mean(str(value), spec.values)}"
            )
    elif kind == "flag":
        if not isinstance(value, bool):
            return f"expected true or false; found {as_written(value)}"
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, int):
            return f"expected a whole number; found {as_written(value)}"
    elif not isinstance(value, (str, int, bool)):
        return f"expected text, a number or true/false; found {as_written(value)}"
    return ""


class _Missing:
    """A fact the scenario does not give (or a derived fact no rule derived)."""

    def __repr__(self) -> str:
        return "missing"


MISSING: Any = _Missing()


def holds(condition: Condition, value: Any) -> bool:
    """Whether the condition holds for one value of its fact (MISSING: the fact is absent).

    The meaning of each test as the durable_rules backend compiles it (durable_backend._scalar_test,
    _set_test, _derived_test); a set fact's value is the tuple of its members. Used to enumerate a
    decision table's input domains without a durable_rules session per combination; a property test
    (tests/test_tables.py) keeps it in agreement with durable_rules.
    """
    test, operand = condition.test, condition.operand
    if test == "exists":
        return (value is not MISSING) == operand
    if value is MISSING:
        return False
    if test in _SET_TESTS:
        return _SET_TESTS[test](set(value), operand)
    if test in ("at_least", "at_most"):
        order = FACTS[condition.fact].values
        position, bound = order.index(value), order.index(operand)
        return position >= bound if test == "at_least" else position <= bound
    return _SCALAR_TESTS[test](value, operand)


_SCALAR_TESTS = {
    "equals": lambda value, operand: value == operand,
    "in": lambda value, operand: value in operand,
    "not": lambda value, operand: value != operand,
    "not_in": lambda value, operand: value not in operand,
    "gt": lambda value, operand: value > operand,
    "gte": lambda value, operand: value >= operand,
    "lt": lambda value, operand: value < operand,
    "lte": lambda value, operand: value <= operand,
}
_SET_TESTS = {
    "contains": lambda members, operand: operand in members,
    "lacks": lambda members, operand: operand not in members,
    "contains_any": lambda members, operand: bool(members & set(operand)),
    "contains_all": lambda members, operand: set(operand) <= members,
    "empty": lambda members, operand: (not members) == operand,
}
