"""The engine's seam: what a rules backend does for opsadvisor, whichever library runs the rules.

A backend compiles rules once, then runs them on one service's facts at a time, letting them chain
through derived facts (`RuleBackend.compile`, `CompiledRules.run`), or step by step in a session
(`CompiledRules.session`): chain, add facts, chain on. For explanations and rule-pack
checks it also answers which of a list of condition items hold for given facts
(`RuleBackend.compile_items`, `CompiledItems.matches`), with the very evaluation the rules get, so
no second evaluator can disagree with the engine. durable_rules (`durable_backend`) is the backend
there is; nothing of it shows through these types.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, Self

from .facts import Facts, FactValue
from .rulepack.ir import Condition, Group, Rule

MISSING = "missing"
# One top-level item of a rule's `when`: a condition, or a nested any/all group.
Item = Condition | Group


@dataclass(frozen=True)
class Firing:
    """One rule firing: the rule and the facts its conditions matched (by catalogue name)."""

    rule: Rule
    matched: dict[str, FactValue]


@dataclass(frozen=True)
class EngineResult:
    """What the rules made of one service.

    `firings` are in firing order. A rule fires once for each distinct combination of derived values
    its conditions joined, and never twice for the same facts (however many branches of its `any`
    groups hold): a rule testing `alarm: [red, amber]` fires twice when both values were derived, with
    the same conclusions, so whoever collects conclusions takes each rule once. `derived` holds each
    derived fact's values, sorted.
    """

    firings: tuple[Firing, ...]
    derived: dict[str, tuple[Any, ...]]


@dataclass(frozen=True)
class Case:
    """Facts to test condition items against: scenario facts by name, and derived facts' values."""

    values: Mapping[str, FactValue]
    derived: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)


class Session(Protocol):
    """One service's run, step by step, in a `with` block: the service's facts are in, nothing has
    fired yet. The caller says what runs when: `chain`, then perhaps `add` facts of its own and
    `chain` on (api.py: the second stage, effective.py). Leaving the block ends the session, whether
    it failed or not, so each run is independent of the ones before; one session at a time."""

    def __enter__(self) -> Self: ...

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: Any) -> None: ...

    def chain(self) -> EngineResult:
        """Let the rules fire until none is left to fire; what fired and what was derived so far.
        Raises EngineError when the backend fails."""
        ...

    def add(self, facts: Iterable[tuple[str, Any]]) -> None:
        """Derived facts (name, value), as if a rule had concluded them: the next `chain` fires the rules
        that test them, and the result lists them among the derived facts."""
        ...


class CompiledRules(Protocol):
    def run(self, facts: Facts) -> EngineResult:
        """Assert one service's facts, let the rules chain, and say what fired and what was derived (a
        session that chains once). Raises EngineError when the backend fails."""
        ...

    def session(self, facts: Facts) -> Session:
        """A session for one service's facts, to run step by step (see Session)."""
        ...


class CompiledItems(Protocol):
    def matches(self, case: Case) -> frozenset[int]:
        """The positions (in the compiled sequence) of the items that hold for the case; nothing chains."""
        ...


class RuleBackend(Protocol):
    def compile(self, rules: Sequence[Rule]) -> CompiledRules:
        """The rules, ready to run on any number of services (costly: build once per rule pack)."""
        ...

    def compile_items(self, items: Sequence[Item]) -> CompiledItems:
        """Condition items, each compiled as it would be inside a rule, ready to be matched."""
        ...

    def limit(self, rule: Rule) -> str:
        """Why the backend cannot run the rule as written, or '' when it can: a limit of the engine
        (such as the size of one compiled expression) that `rules check` reports before anything runs,
        and `compile` refuses with RulesError (exit 4)."""
        ...


def firing(rule: Rule, facts: Facts, joined: Mapping[str, Any]) -> Firing:
    """A firing of `rule`: the values of the facts it tested, the derived values it `joined` first."""
    values = facts.values
    if not joined:
        return Firing(rule, {name: values.get(name, MISSING) for name in rule.facts_tested})
    return Firing(
        rule, {name: joined[name] if name in joined else values.get(name, MISSING) for name in rule.facts_tested}
    )


def group_derived(pairs: Iterable[tuple[str, Any]]) -> dict[str, tuple[Any, ...]]:
    """(name, value) pairs in derivation order -> each name's distinct values, names and values sorted."""
    grouped: dict[str, list[Any]] = {}
    for name, value in pairs:
        values = grouped.get(name)
        if values is None:
            grouped[name] = [value]
        elif value not in values:
            values.append(value)
    return {
        name: tuple(sorted(values, key=str)) if len(values) > 1 else (values[0],)
        for name, values in sorted(grouped.items())
    }
