"""Compile rule conditions to durable_rules ruleset definitions, and encode facts to match them.

Layout of the facts inside durable_rules (one session per assessed service):
- one service fact `{"t": "s", ...}`: scalar facts under their name ('.' becomes '_'); a set fact
  becomes one true/false flag per possible value (`regulations__sox`), so "contains" and "lacks"
  are plain equality tests and a missing set has no flags at all;
- one fact per derived value `{"t": "d", "n": name, "v": value}`, asserted by rule actions.
Every condition tests `t`, so no other fact can ever match it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .contract import FACTS
from .facts import FactValue
from .rulepack import Condition, Group, Rule

SERVICE = "s"
DERIVED = "d"
SERVICE_ALIAS = "s"


def fact_key(name: str) -> str:
    return name.replace(".", "_")


def flag_key(name: str, value: str) -> str:
    return f"{fact_key(name)}__{value}"


# Per fact: its key, and for a set fact its (value, flag key) pairs; computed once (the hot path).
_ENCODING: dict[str, tuple[str, tuple[tuple[str, str], ...] | None]] = {
    name: (fact_key(name), tuple((option, flag_key(name, option)) for option in spec.values) if spec.is_set else None)
    for name, spec in FACTS.items()
}


def encode_service(values: dict[str, FactValue]) -> dict[str, Any]:
    """The service fact as durable_rules sees it (without its sid)."""
    encoded: dict[str, Any] = {"t": SERVICE}
    for name, value in values.items():
        key, flags = _ENCODING[name]
        if flags is None:
            encoded[key] = value
        else:
            present = set(value)  # type: ignore[arg-type]
            for option, flag in flags:
                encoded[flag] = option in present
    return encoded


def _any_of(tests: list[dict[str, Any]]) -> dict[str, Any]:
    return tests[0] if len(tests) == 1 else {"$or": tests}


def _all_of(tests: list[dict[str, Any]]) -> dict[str, Any]:
    return tests[0] if len(tests) == 1 else {"$and": tests}


def _scalar_test(condition: Condition) -> dict[str, Any]:
    key = fact_key(condition.fact)
    operand = condition.operand
    test = condition.test
    if test == "exists":
        return {"$ex" if operand else "$nex": {key: 1}}
    if test == "equals":
        return {key: operand}
    if test == "in":
        return _any_of([{key: value} for value in operand])
    if test == "not":
        return {"$neq": {key: operand}}
    if test == "not_in":
        return _all_of([{"$neq": {key: value}} for value in operand])
    if test in ("at_least", "at_most"):
        values = FACTS[condition.fact].values
        index = values.index(operand)
        chosen = values[index:] if test == "at_least" else values[: index + 1]
        return _any_of([{key: value} for value in chosen])
    return {f"${test}": {key: operand}}  # gt, gte, lt, lte


def _set_test(condition: Condition) -> dict[str, Any]:
    name = condition.fact
    options = FACTS[name].values
    operand = condition.operand
    test = condition.test
    if test == "exists":
        return {"$ex" if operand else "$nex": {flag_key(name, options[0]): 1}}
    if test == "contains":
        return {flag_key(name, operand): True}
    if test == "lacks":
        return {flag_key(name, operand): False}
    if test == "contains_any":
        return _any_of([{flag_key(name, value): True} for value in operand])
    if test == "contains_all":
        return _all_of([{flag_key(name, value): True} for value in operand])
    # empty: true -> no flag set; empty: false -> some flag set
    if operand:
        return _all_of([{flag_key(name, value): False} for value in options])
    return _any_of([{flag_key(name, value): True} for value in options])


def service_test(condition: Condition) -> dict[str, Any]:
    if FACTS[condition.fact].is_set:
        return _set_test(condition)
    return _scalar_test(condition)


def _service_expression(group: Group) -> dict[str, Any] | None:
    tests: list[dict[str, Any]] = []
    for item in group.items:
        if isinstance(item, Group):
            nested = [_service_expression(child) for child in item.items]  # type: ignore[arg-type]
            parts = [part for part in nested if part is not None]
            if parts:
                tests.append(_any_of(parts) if item.mode == "any" else _all_of(parts))
        elif not item.derived:
            tests.append(service_test(item))
    if not tests:
        return None
    return _all_of(tests)


def _derived_test(condition: Condition) -> dict[str, Any]:
    tests: list[dict[str, Any]] = [{"t": DERIVED}, {"n": condition.fact}]
    if condition.test == "equals":
        tests.append({"v": condition.operand})
    elif condition.test == "in":
        tests.append(_any_of([{"v": value} for value in condition.operand]))
    return {"$and": tests}


def derived_alias(index: int) -> str:
    return f"d{index}"


def compile_rule(rule: Rule) -> dict[str, Any]:
    """The durable_rules definition of one rule (without its action)."""
    matches: list[dict[str, Any]] = []
    expression = _service_expression(rule.when)
    derived = [item for item in rule.when.items if isinstance(item, Condition) and item.derived]
    if expression is not None or not derived:
        service = {"t": SERVICE}
        matches.append({SERVICE_ALIAS: {"$and": [service, expression]} if expression else service})
    for index, condition in enumerate(derived):
        matches.append({derived_alias(index): _derived_test(condition)})
    return {"all": matches, "pri": rule.priority}


# --- single conditions, for explanations and rule-pack checks --------------------------------

PROBE = "probe"


def compile_item(item: Condition | Group) -> dict[str, Any]:
    """A definition (without action) that holds when one top-level item of a rule's `when` holds.

    The item compiles exactly as inside compile_rule, so "this condition held" is durable_rules'
    answer, not a second evaluator's.
    """
    if isinstance(item, Condition) and item.derived:
        return {"all": [{derived_alias(0): _derived_test(item)}]}
    expression = _service_expression(Group("all", (item,)))
    service = {"t": SERVICE}
    return {"all": [{SERVICE_ALIAS: {"$and": [service, expression]} if expression else service}]}


def compile_probe(conditions: Sequence[Condition], probe: str) -> dict[str, Any]:
    """A definition that holds when the probe fact tagged `probe` meets every condition (all on one fact)."""
    tag = {PROBE: probe}
    if conditions[0].derived:
        tests = [{"t": DERIVED}, tag, *(_derived_test(condition) for condition in conditions)]
    else:
        tests = [{"t": SERVICE}, tag, *(service_test(condition) for condition in conditions)]
    return {"all": [{"p": {"$and": tests}}]}


def encode_probe(fact: str, value: Any, probe: str, derived: bool) -> dict[str, Any]:
    """A candidate fact for compile_probe: one value of one fact (None: the fact is missing)."""
    if derived:
        return {"t": DERIVED, "n": fact, "v": value, PROBE: probe}
    encoded = encode_service({} if value is None else {fact: value})
    encoded[PROBE] = probe
    return encoded
