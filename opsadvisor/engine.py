"""Engine stage: run a compiled rule pack on durable_rules, one session per service.

The only module that touches durable_rules. It drives the engine's native core (the C Rete
network that `durable.engine` wraps) directly, one session at a time: assert the facts, run the
agenda in this thread until it is empty, delete the session. That avoids the traps listed in
shared/notes/durable-rules.md that live in durable's Python host: no timer threads (actions never
run elsewhere), no action errors swallowed into the session state (they are raised), and never more
than one live session (the limit is 1,024). Session ids come from a private counter.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import durable_rules_engine as native

from .compiler import DERIVED, compile_item, compile_probe, compile_rule, derived_alias, encode_probe, encode_service
from .errors import EngineError
from .facts import Facts, FactValue
from .rulepack import Condition, Rule, RulePack

# What the native assert calls answer first (see durable/engine.py, Ruleset._handle_result).
_HANDLED, _NOT_HANDLED, _OBSERVED, _QUEUED = 0, 1, 2, 3
WARM_UP = "~warm-up"
WARM_UP_RULE = "_warm_up"

# An action gets the facts its rule matched (by alias) and a function that asserts a new fact.
Action = Callable[[dict[str, Any], Callable[[dict[str, Any]], None]], None]
_ruleset_numbers = itertools.count(1)


def _ignore(matched: dict[str, Any], emit: Callable[[dict[str, Any]], None]) -> None:
    return None


class _Ruleset:
    """One durable_rules ruleset whose actions run inline, in the thread that asserts."""

    def __init__(self, definitions: dict[str, dict[str, Any]], actions: dict[str, Action]) -> None:
        warm_up = {"all": [{"w": {"t": WARM_UP}}]}
        name = f"opsadvisor_{next(_ruleset_numbers)}"
        self._handle = native.create_ruleset(name, json.dumps({**definitions, WARM_UP_RULE: warm_up}))
        self._actions = {**actions, WARM_UP_RULE: _ignore}
        self._sids = itertools.count()
        # Measured on durable_rules 2.0.28: until a ruleset has completed one action, deleting a
        # session in it crashes the process (segfault or 'free(): invalid pointer'), which a service
        # that no rule matches would hit. One throw-away action first avoids it.
        self.run([{"t": WARM_UP}])

    def run(self, facts: list[dict[str, Any]]) -> None:
        """Assert the facts in a new session, run every action they trigger, delete the session."""
        sid = str(next(self._sids))
        try:
            for fact in facts:
                state = self._assert({**fact, "sid": sid})
                if state is not None:
                    self._run_agenda(sid, state)
        finally:
            native.delete_state(self._handle, sid)

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


@dataclass(frozen=True)
class Firing:
    """One rule firing: the rule and the facts its conditions matched (by catalogue name)."""

    rule: Rule
    matched: dict[str, FactValue]


@dataclass(frozen=True)
class EngineResult:
    firings: tuple[Firing, ...]
    derived: dict[str, tuple[Any, ...]]


class Engine:
    """A rule pack compiled into one durable_rules ruleset, ready to assess services."""

    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        self._fired: list[tuple[Rule, tuple[Any, ...]]] = []
        self._seen: set[tuple[str, tuple[Any, ...]]] = set()
        self._derived: list[tuple[str, Any]] = []
        self._ruleset = _Ruleset(
            {rule.id: compile_rule(rule) for rule in pack.rules}, {rule.id: self._action(rule) for rule in pack.rules}
        )

    def _action(self, rule: Rule) -> Action:
        derived = rule.derives
        aliases = [derived_alias(index) for index, _ in enumerate(_derived_conditions(rule))]

        def action(matched: dict[str, Any], emit: Callable[[dict[str, Any]], None]) -> None:
            values = tuple(matched[alias]["v"] for alias in aliases)
            if (rule.id, values) in self._seen:
                # durable_rules fires once per branch of an $or that holds (e.g. two regulations
                # for `regulations: {empty: false}`); the same facts make one firing.
                return
            self._seen.add((rule.id, values))
            self._fired.append((rule, values))
            for name, value in derived:
                self._derived.append((name, value))
                emit({"t": DERIVED, "n": name, "v": value})

        return action

    def run(self, facts: Facts) -> EngineResult:
        """Assert one service's facts, let the rules chain, and collect what fired."""
        self._fired = []
        self._seen = set()
        self._derived = []
        try:
            self._ruleset.run([encode_service(facts.values)])
        except Exception as error:  # a bug in an action or in durable_rules: never a silent gap
            raise EngineError("durable_rules", [f"a rule action failed: {error!r}"]) from error
        return EngineResult(
            firings=tuple(Firing(rule, _matched(rule, facts, values)) for rule, values in self._fired),
            derived=_group_derived(self._derived),
        )


def _derived_conditions(rule: Rule) -> list[Condition]:
    """The top-level derived-fact conditions, in the order compile_rule gives them aliases."""
    return [item for item in rule.when.items if isinstance(item, Condition) and item.derived]


def _matched(rule: Rule, facts: Facts, derived_values: tuple[Any, ...]) -> dict[str, FactValue]:
    """The values of the facts a rule tested: scenario facts, then the derived facts it joined."""
    values = facts.values
    if not derived_values:
        return {name: values.get(name, "missing") for name in rule.facts_tested}
    derived = {
        condition.fact: value for condition, value in zip(_derived_conditions(rule), derived_values, strict=True)
    }
    return {name: derived[name] if name in derived else values.get(name, "missing") for name in rule.facts_tested}


def _group_derived(pairs: list[tuple[str, Any]]) -> dict[str, tuple[Any, ...]]:
    grouped: dict[str, list[Any]] = {}
    for name, value in pairs:
        values = grouped.setdefault(name, [])
        if value not in values:
            values.append(value)
    return {name: tuple(sorted(values, key=str)) for name, values in sorted(grouped.items())}


class Matcher:
    """Match-only durable_rules definitions, for explanations and rule-pack checks.

    `matches(facts)` asserts the facts in a fresh session and answers which definitions they
    satisfied. Actions only record their key and assert nothing, so nothing chains.
    """

    def __init__(self, definitions: dict[str, dict[str, Any]]) -> None:
        self._held: set[str] = set()
        self._ruleset = _Ruleset(definitions, {key: self._action(key) for key in definitions})

    def _action(self, key: str) -> Action:
        def action(matched: dict[str, Any], emit: Callable[[dict[str, Any]], None]) -> None:
            self._held.add(key)

        return action

    def matches(self, facts: list[dict[str, Any]]) -> set[str]:
        self._held = set()
        try:
            self._ruleset.run(facts)
        except Exception as error:
            raise EngineError("durable_rules", [f"a match failed: {error!r}"]) from error
        return self._held


class ExplainEngine:
    """Which top-level conditions of each rule held for one service, asked of durable_rules.

    One durable rule per (rule, top-level item of `when`), compiled as the main ruleset compiles
    it; the service fact and the derived facts of the main run are asserted, nothing chains.
    """

    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        definitions = {
            _item_key(number, index): compile_item(item)
            for number, rule in enumerate(pack.rules)
            for index, item in enumerate(rule.when.items)
        }
        self._matcher = Matcher(definitions)

    def held(self, facts: Facts, derived: dict[str, tuple[Any, ...]]) -> dict[str, tuple[bool, ...]]:
        """For each rule id, whether each top-level item of its `when` held."""
        derived_facts = [{"t": DERIVED, "n": name, "v": value} for name, values in derived.items() for value in values]
        keys = self._matcher.matches([encode_service(facts.values), *derived_facts])
        return {
            rule.id: tuple(_item_key(number, index) in keys for index in range(len(rule.when.items)))
            for number, rule in enumerate(self.pack.rules)
        }


def _item_key(rule_number: int, item_index: int) -> str:
    return f"r{rule_number}_{item_index}"


def satisfiable(probes: dict[str, tuple[list[Condition], list[Any]]]) -> set[str]:
    """The probes some candidate value satisfies: probe key -> (conditions on one fact, candidate values).

    A candidate None stands for the fact being missing. Used by `rules check` to find conditions
    that can never hold, without evaluating them outside durable_rules.
    """
    if not probes:
        return set()
    matcher = Matcher({key: compile_probe(conditions, key) for key, (conditions, _) in probes.items()})
    facts = [
        encode_probe(conditions[0].fact, value, key, conditions[0].derived)
        for key, (conditions, values) in probes.items()
        for value in values
    ]
    return matcher.matches(facts)
