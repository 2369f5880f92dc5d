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
from functools import cached_property
from typing import Any, Protocol, Self

from .facts import Facts, FactValue
from .rulepack.ir import Condition, Group, Rule

MISSING = "missing"
# One top-level item of a rule's `when`: a condition, or a nested any/all group.
Item = Condition | Group


class Firing:
    """One rule firing: the rule and the facts its conditions matched (by catalogue name).

    `matched` is made when first read (the trace reads it; most of an assessment reads only the rule),
    from the service's facts and the derived values the rule joined, or given as it is."""

    __slots__ = ("_joined", "_matched", "_values", "rule")

    def __init__(
        self,
        rule: Rule,
        matched: dict[str, FactValue] | None = None,
        values: Mapping[str, FactValue] | None = None,
        joined: Mapping[str, Any] | None = None,
    ) -> None:
        self.rule = rule
        self._matched = matched
        self._values = values
        self._joined = joined

    @property
    def matched(self) -> dict[str, FactValue]:
        if self._matched is None:
            values, joined = self._values or {}, self._joined or {}
            self._matched = {
                name: joined[name] if name in joined else values.get(name, MISSING) for name in self.rule.facts_tested
            }
        return self._matched

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Firing) and (self.rule, self.matched) == (other.rule, other.matched)

    __hash__ = None  # type: ignore[assignment]  # `matched` is a dict

    def __repr__(self) -> str:
        return f"Firing(rule={self.rule.id!r}, matched={self.matched!r})"


@dataclass(frozen=True, eq=False)
class EngineResult:
    """What the rules made of one service.

    `firings` are in firing order. A rule fires once for each distinct combination of derived values
    its conditions joined, and never twice for the same facts (however many branches of its `any`
    groups hold): a rule testing `alarm: [red, amber]` fires twice when both values were derived, with
    the same conclusions, so whoever collects conclusions takes each rule once. `derived` holds each
    derived fact's values, sorted: `grouped` when given, else grouped from `pairs` (the derived (name,
    value) facts in derivation order) when first read (a run's first stage is rarely read so).
    """

    firings: tuple[Firing, ...]
    grouped: dict[str, tuple[Any, ...]] | None = None
    pairs: tuple[tuple[str, Any], ...] = ()

    @cached_property
    def derived(self) -> dict[str, tuple[Any, ...]]:
        return self.grouped if self.grouped is not None else group_derived(self.pairs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EngineResult) and (self.firings, self.derived) == (other.firings, other.derived)

    __hash__ = None  # type: ignore[assignment]  # holds dicts

    def values_of(self, name: str) -> tuple[Any, ...] | None:
        """`derived.get(name)`, without grouping the others (a message names one or two)."""
        if self.grouped is not None or "derived" in self.__dict__:
            return self.derived.get(name)
        values = [value for named, value in self.pairs if named == name]
        if not values:
            return None
        distinct = list(dict.fromkeys(values)) if len(values) > 1 else values
        return tuple(sorted(distinct, key=str)) if len(distinct) > 1 else (distinct[0],)


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
    return Firing(rule, None, facts.values, joined)


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
