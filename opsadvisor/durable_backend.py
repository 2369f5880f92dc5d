"""The RuleBackend on durable_rules: the only module that knows durable_rules or imports it.

Rules compile to durable_rules' JSON rule language, and facts are encoded to match them (one session
per assessed service):
- one service fact `{"t": "s", ...}`: scalar facts under their name ('.' becomes '_'); a set fact
  becomes one true/false flag per possible value (`regulations__sox`), so "contains" and "lacks"
  are plain equality tests and a missing set has no flags at all;
- one fact per derived value `{"t": "d", "n": name, "v": value}`, asserted by rule actions.
Every condition tests `t`, so no other fact can ever match it.

The module drives the engine's native core (the C Rete network that `durable.engine` wraps)
directly, one session at a time: assert the facts, run the agenda in this thread until it is empty,
delete the session. That avoids the traps listed in shared/notes/durable-rules.md that live in
durable's Python host: no timer threads (actions never run elsewhere), no action errors swallowed
into the session state (they are raised), and never more than one live session (a ruleset allows
1,024). Session ids come from a private counter. The other traps handled here: a ruleset must
complete one action before a session may be deleted (the warm-up), a rule fires once per `$or`
branch that holds (deduplicated in `_CompiledRules`), and a native ruleset outlives the Python
object that created it unless deleted (done when the object is collected).
"""

from __future__ import annotations

import itertools
import json
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import durable_rules_engine as native

from .backend import Case, EngineResult, Item, SecondStage, firing, group_derived
from .contract import FACTS
from .errors import EngineError
from .facts import Facts, FactValue
from .rulepack import Condition, Group, Rule

SERVICE = "s"
DERIVED = "d"
SERVICE_ALIAS = "s"

# --- facts ----------------------------------------------------------------------------------------


def fact_key(name: str) -> str:
    return name.replace(".", "_")


def flag_key(name: str, value: str) -> str:
    return f"{fact_key(name)}__{value}"


# Per fact: its key, and for a set fact its (value, flag key) pairs; computed once (the hot path).
_ENCODING: dict[str, tuple[str, tuple[tuple[str, str], ...] | None]] = {
    name: (fact_key(name), tuple((option, flag_key(name, option)) for option in spec.values) if spec.is_set else None)
    for name, spec in FACTS.items()
}


def encode_service(values: Mapping[str, FactValue]) -> dict[str, Any]:
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


def encode_derived(name: str, value: Any) -> dict[str, Any]:
    return {"t": DERIVED, "n": name, "v": value}


# --- rules ----------------------------------------------------------------------------------------


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


def _service_test(condition: Condition) -> dict[str, Any]:
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
            tests.append(_service_test(item))
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


def _derived_alias(index: int) -> str:
    return f"d{index}"


def _derived_conditions(rule: Rule) -> list[Condition]:
    """The top-level derived-fact conditions, in the order compile_rule gives them aliases."""
    return [item for item in rule.when.items if isinstance(item, Condition) and item.derived]


def _service_match(expression: dict[str, Any] | None) -> dict[str, Any]:
    service = {"t": SERVICE}
    return {SERVICE_ALIAS: {"$and": [service, expression]} if expression else service}


def compile_rule(rule: Rule) -> dict[str, Any]:
    """The durable_rules definition of one rule (without its action): the service fact, then one
    derived fact per top-level derived condition (aliases d0, d1, ...)."""
    matches: list[dict[str, Any]] = []
    expression = _service_expression(rule.when)
    derived = _derived_conditions(rule)
    if expression is not None or not derived:
        matches.append(_service_match(expression))
    for index, condition in enumerate(derived):
        matches.append({_derived_alias(index): _derived_test(condition)})
    return {"all": matches, "pri": rule.priority}


def compile_item(item: Item) -> dict[str, Any]:
    """A definition (without action) that holds when one top-level item of a rule's `when` holds.

    The item compiles exactly as inside compile_rule, so "this condition held" is durable_rules'
    answer, not a second evaluator's.
    """
    if isinstance(item, Condition) and item.derived:
        return {"all": [{_derived_alias(0): _derived_test(item)}]}
    return {"all": [_service_match(_service_expression(Group("all", (item,))))]}


# --- the native core ------------------------------------------------------------------------------

# What the native assert calls answer first (see durable/engine.py, Ruleset._handle_result); the
# other answers (1: no rule wants the fact, 2: the same fact is already known) mean nothing to do.
_HANDLED, _QUEUED = 0, 3
_WARM_UP = "~warm-up"
_WARM_UP_RULE = "_warm_up"

# An action gets the facts its rule matched (by alias) and a function that asserts a new fact.
Action = Callable[[dict[str, Any], Callable[[dict[str, Any]], None]], None]
_ruleset_numbers = itertools.count(1)


def _ignore(matched: dict[str, Any], emit: Callable[[dict[str, Any]], None]) -> None:
    return None


class _Ruleset:
    """One durable_rules ruleset whose actions run inline, in the thread that asserts."""

    def __init__(self, definitions: dict[str, dict[str, Any]], actions: dict[str, Action]) -> None:
        warm_up = {"all": [{"w": {"t": _WARM_UP}}]}
        name = f"opsadvisor_{next(_ruleset_numbers)}"
        self._handle = native.create_ruleset(name, json.dumps({**definitions, _WARM_UP_RULE: warm_up}))
        # The native ruleset (about 0.5 MB for the default pack, and one of 131,071 handles) lives
        # until deleted, whatever becomes of this object: delete it with the object. Measured on
        # durable_rules 2.0.28: memory stays flat over 400 built and dropped rulesets. Not at exit:
        # the process frees everything then.
        weakref.finalize(self, native.delete_ruleset, self._handle).atexit = False
        self._actions = {**actions, _WARM_UP_RULE: _ignore}
        self._sids = itertools.count()
        # Measured on durable_rules 2.0.28: until a ruleset has completed one action, deleting a
        # session in it crashes the process (segfault or 'free(): invalid pointer'), which a service
        # that no rule matches would hit. One throw-away action first avoids it.
        self.run([{"t": _WARM_UP}])

    def run(self, facts: list[dict[str, Any]], then: Callable[[], list[dict[str, Any]]] | None = None) -> None:
        """Assert the facts in a new session, run every action they trigger, then (when given) the facts
        `then` answers once that is done, in the same session; delete the session."""
        sid = str(next(self._sids))
        try:
            self._assert_all(sid, facts)
            if then is not None:
                self._assert_all(sid, then())
        finally:
            native.delete_state(self._handle, sid)

    def _assert_all(self, sid: str, facts: list[dict[str, Any]]) -> None:
        for fact in facts:
            state = self._assert({**fact, "sid": sid})
            if state is not None:
                self._run_agenda(sid, state)

    def _assert(self, fact: dict[str, Any]) -> int | None:
        """The session's state handle when the fact was taken in; None if no rule wants it or it is known."""
        code, *rest = native.assert_fact(self._handle, json.dumps(fact, ensure_ascii=False))
        if code == _HANDLED:
            return rest[0]
        return 0 if code == _QUEUED else None

    def _run_agenda(self, sid: str, state: int) -> None:
        def emit(fact: dict[str, Any]) -> None:
            self._assert({**fact, "sid": sid})  # joins the agenda; the loop below picks it up

        started = native.start_action_for_state(self._handle, state)
        message = started[1] if started else None
        while message:
            name, matched = next(iter(json.loads(message).items()))
            try:
                self._actions[name](matched, emit)
            except BaseException:
                native.abandon_action(self._handle, state)
                raise
            message = native.complete_and_start_action(self._handle, state)


# --- the backend ----------------------------------------------------------------------------------


class _CompiledRules:
    """Rules compiled into one ruleset; an action asserts its rule's derived facts, so rules chain."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._fired: list[tuple[Rule, tuple[Any, ...]]] = []
        self._seen: set[tuple[str, tuple[Any, ...]]] = set()
        self._derived: list[tuple[str, Any]] = []
        self._joined = {rule.id: tuple(c.fact for c in _derived_conditions(rule)) for rule in rules}
        self._ruleset = _Ruleset(
            {rule.id: compile_rule(rule) for rule in rules}, {rule.id: self._action(rule) for rule in rules}
        )

    def _action(self, rule: Rule) -> Action:
        derived = rule.derives
        aliases = [_derived_alias(index) for index, _ in enumerate(_derived_conditions(rule))]

        def action(matched: dict[str, Any], emit: Callable[[dict[str, Any]], None]) -> None:
            values = tuple(matched[alias]["v"] for alias in aliases)
            if (rule.id, values) in self._seen:
                # durable_rules fires once per branch of an $or that holds (e.g. two regulations
                # for `regulations: {empty: false}`); the same facts make one firing. The one place
                # firings are deduplicated: see EngineResult for what a caller can rely on.
                return
            self._seen.add((rule.id, values))
            self._fired.append((rule, values))
            for name, value in derived:
                self._derived.append((name, value))
                emit(encode_derived(name, value))

        return action

    def run(self, facts: Facts, then: SecondStage | None = None) -> EngineResult:
        self._fired = []
        self._seen = set()
        self._derived = []

        def second_stage() -> list[dict[str, Any]]:
            assert then is not None
            pairs = list(then(self._result(facts)))
            self._derived += pairs
            return [encode_derived(name, value) for name, value in pairs]

        try:
            self._ruleset.run([encode_service(facts.values)], second_stage if then else None)
        except Exception as error:  # a bug in an action or in durable_rules: never a silent gap
            raise EngineError("durable_rules", [f"a rule action failed: {error!r}"]) from error
        return self._result(facts)

    def _result(self, facts: Facts) -> EngineResult:
        return EngineResult(
            firings=tuple(
                firing(rule, facts, dict(zip(self._joined[rule.id], values, strict=True)) if values else {})
                for rule, values in self._fired
            ),
            derived=group_derived(self._derived),
        )


class _CompiledItems:
    """One match-only definition per item; its action records the item and asserts nothing."""

    def __init__(self, items: Sequence[Item]) -> None:
        self._held: set[int] = set()
        self._ruleset = _Ruleset(
            {f"i{index}": compile_item(item) for index, item in enumerate(items)},
            {f"i{index}": self._action(index) for index in range(len(items))},
        )

    def _action(self, index: int) -> Action:
        def action(matched: dict[str, Any], emit: Callable[[dict[str, Any]], None]) -> None:
            self._held.add(index)

        return action

    def matches(self, case: Case) -> frozenset[int]:
        self._held = set()
        derived = [encode_derived(name, value) for name, values in case.derived.items() for value in values]
        try:
            self._ruleset.run([encode_service(case.values), *derived])
        except Exception as error:
            raise EngineError("durable_rules", [f"a match failed: {error!r}"]) from error
        return frozenset(self._held)


class DurableRules:
    """The RuleBackend on durable_rules (see the module docstring for how it is used)."""

    def compile(self, rules: Sequence[Rule]) -> _CompiledRules:
        return _CompiledRules(rules)

    def compile_items(self, items: Sequence[Item]) -> _CompiledItems:
        return _CompiledItems(items)
