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

from .compiler import DERIVED, compile_rule, derived_alias, encode_service
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


class Engine:
    """A rule pack compiled into one durable_rules ruleset, ready to assess services."""

    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        self._host = _process_host()
        self._name = f"opsadvisor_{next(_ruleset_numbers)}"
        self._sids = itertools.count(1)
        self._fired: list[tuple[Rule, tuple[Any, ...]]] = []
        self._derived: list[tuple[str, Any]] = []
        definition = {rule.id: {**compile_rule(rule), "run": self._action(rule)} for rule in pack.rules}
        self._host.set_rulesets({self._name: definition})

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
            self._fired.append((rule, tuple([matched[alias]["v"] for alias in aliases]) if aliases else ()))
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
