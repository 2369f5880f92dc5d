"""Engine stage: run a compiled rule pack on durable_rules, one session per service.

The only module that touches durable_rules. It works around the traps listed in
shared/notes/durable-rules.md: a host without timer threads (actions run inside assert_fact), one
host per process, a private counter for session ids, each session deleted before the next one
starts (at most 1,024 may live), and action errors read back from the session state.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from dataclasses import dataclass
from typing import Any

from durable.engine import Host, MessageNotHandledException, MessageObservedException

from .compiler import DERIVED, compile_item, compile_probe, compile_rule, derived_alias, encode_probe, encode_service
from .errors import EngineError
from .facts import Facts, FactValue
from .rulepack import Condition, Rule, RulePack


class _QuietHost(Host):
    """A durable_rules host without the background dispatch threads."""

    def _run(self) -> None:
        return None


_host: _QuietHost | None = None
_host_pid = 0
_ruleset_numbers = itertools.count(1)


def _process_host() -> _QuietHost:
    """One host per process, made after any fork."""
    global _host, _host_pid
    if _host is None or _host_pid != os.getpid():
        _host = _QuietHost()
        _host_pid = os.getpid()
    return _host


@dataclass(frozen=True)
class Firing:
    """One rule firing: the rule and the facts its conditions matched (by catalogue name)."""

    rule: Rule
    matched: dict[str, FactValue]


@dataclass(frozen=True)
class EngineResult:
    firings: tuple[Firing, ...]
    derived: dict[str, tuple[Any, ...]]


WARM_UP = "~warm-up"
WARM_UP_RULE = "_warm_up"


def _warm_up_action(closure: Any) -> None:
    return None


def _register_warmed(host: _QuietHost, name: str, ruleset: dict[str, Any]) -> None:
    """Register a ruleset and run one throw-away action in it before any real session.

    Measured on durable_rules 2.0.28: until a ruleset has run any action, deleting a session in it
    crashes the process (segfault or 'free(): invalid pointer'); a service that no rule matches
    would hit exactly that.
    """
    host.set_rulesets({name: {**ruleset, WARM_UP_RULE: {"all": [{"w": {"t": WARM_UP}}], "run": _warm_up_action}}})
    host.assert_fact(name, {"t": WARM_UP, "sid": "0"})
    host.delete_state(name, "0")


class Engine:
    """A rule pack compiled into one durable_rules ruleset, ready to assess services."""

    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        self._host = _process_host()
        self._name = f"opsadvisor_{next(_ruleset_numbers)}"
        self._sids = itertools.count(1)
        self._fired: list[tuple[Rule, tuple[Any, ...]]] = []
        self._seen: set[tuple[str, tuple[Any, ...]]] = set()
        self._derived: list[tuple[str, Any]] = []
        definition = {rule.id: {**compile_rule(rule), "run": self._action(rule)} for rule in pack.rules}
        _register_warmed(self._host, self._name, definition)

    def _action(self, rule: Rule) -> Any:
        derived = [
            (name, value)
            for conclusion in rule.then
            if conclusion.kind == "derive"
            for name, value in conclusion.data.items()
        ]
        aliases = [derived_alias(index) for index, _ in enumerate(_derived_conditions(rule))]

        def action(closure: Any) -> None:
            matched = closure._m
            values = tuple(matched[alias]["v"] for alias in aliases)
            if (rule.id, values) in self._seen:
                # durable_rules fires once per branch of an $or that holds (e.g. two regulations
                # for `regulations: {empty: false}`); the same facts make one firing.
                return
            self._seen.add((rule.id, values))
            self._fired.append((rule, values))
            for name, value in derived:
                self._derived.append((name, value))
                # MessageNotHandled: no rule tests it; MessageObserved: another rule derived it already
                with contextlib.suppress(MessageNotHandledException, MessageObservedException):
                    closure.assert_fact({"t": DERIVED, "n": name, "v": value})

        return action

    def run(self, facts: Facts) -> EngineResult:
        """Assert one service's facts, let the rules chain, and collect what fired."""
        sid = str(next(self._sids))
        self._fired = []
        self._seen = set()
        self._derived = []
        service = encode_service(facts.values)
        service["sid"] = sid
        # MessageNotHandled: no rule tests anything this service has, so nothing fires
        with contextlib.suppress(MessageNotHandledException):
            self._host.assert_fact(self._name, service)
        state = self._host.get_state(self._name, sid)
        self._host.delete_state(self._name, sid)
        if "exception" in state:
            raise EngineError("durable_rules", [f"a rule action failed: {state['exception']}"])
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
        self._host = _process_host()
        self._name = f"opsadvisor_match_{next(_ruleset_numbers)}"
        self._sids = itertools.count(1)
        self._held: set[str] = set()
        ruleset = {key: {**definition, "run": self._action(key)} for key, definition in definitions.items()}
        _register_warmed(self._host, self._name, ruleset)

    def _action(self, key: str) -> Any:
        def action(closure: Any) -> None:
            self._held.add(key)

        return action

    def matches(self, facts: list[dict[str, Any]]) -> set[str]:
        sid = str(next(self._sids))
        self._held = set()
        for fact in facts:
            # NotHandled: the fact meets no definition; Observed: the same content came twice
            with contextlib.suppress(MessageNotHandledException, MessageObservedException):
                self._host.assert_fact(self._name, {**fact, "sid": sid})
        state = self._host.get_state(self._name, sid)
        self._host.delete_state(self._name, sid)
        if "exception" in state:
            raise EngineError("durable_rules", [f"a match failed: {state['exception']}"])
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
