"""Assessment stage: turn what fired into the report's content, the shared result type.

No rule logic lives here: which rules fired is decided by durable_rules. Each conclusion kind
(opsadvisor.kinds) settles its own conclusions into its part of the assessment (by priority, or by
collecting them) in registry order; this module only gathers what fired, fills in placeholders and
keeps the parts together.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from .clock import today
from .contract import SEVERITIES
from .engine import EngineResult, Firing, once_per_pack
from .facts import Facts
from .kinds import Kind
from .kinds import parts as kind_parts
from .kinds.accountability import MatrixRow
from .kinds.conflict import Conflict
from .kinds.governance import GovernanceArea
from .kinds.next_step import NextStep
from .kinds.open_decision import OpenDecision
from .kinds.open_question import OpenQuestion
from .kinds.recommend import Recommendation
from .kinds.risk import Risk
from .rulepack.crosscheck import PLACEHOLDER
from .rulepack.ir import Rule, RulePack
from .scenario import Scenario
from .text import say_value

__all__ = [
    "Assessment",
    "Conflict",
    "GovernanceArea",
    "MatrixRow",
    "NextStep",
    "OpenDecision",
    "OpenQuestion",
    "Recommendation",
    "Risk",
    "TraceEntry",
    "build_assessment",
]


class TraceEntry:
    """One firing as the trace shows it: the rule (id, title, priority), the facts it matched and what it
    concluded. The matched facts are read from the firing when first asked for (a report that writes no
    trace never makes them)."""

    __slots__ = ("_firing", "concluded", "priority", "rule", "title")

    def __init__(self, firing: Firing) -> None:
        rule = firing.rule
        self.rule: str = rule.id
        self.title: str = rule.title
        self.priority: int = rule.priority
        self.concluded: tuple[str, ...] = rule.concluded
        self._firing = firing

    @property
    def matched(self) -> dict[str, Any]:
        return self._firing.matched

    @property
    def source(self) -> Rule:
        """The rule that fired (its id, title, priority and conclusions are this entry's)."""
        return self._firing.rule

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TraceEntry) and self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # `matched` is a dict

    def _key(self) -> tuple[Any, ...]:
        return (self.rule, self.title, self.priority, self.matched, self.concluded)

    def __repr__(self) -> str:
        return f"TraceEntry(rule={self.rule!r}, matched={self.matched!r}, concluded={self.concluded!r})"


DateArg = str | datetime.date | None


@dataclass(frozen=True)
class AsOf:
    """The date risk acceptances are evaluated on, and whether it was given or is today's."""

    date: str  # YYYY-MM-DD
    given: bool

    @classmethod
    def of(cls, value: DateArg) -> AsOf:
        if value is None:
            return cls(today().isoformat(), False)
        return cls(value.isoformat() if isinstance(value, datetime.date) else value, True)

    def __str__(self) -> str:
        return self.date if self.given else f"{self.date} (today)"


@dataclass(frozen=True)
class Assessment:
    """One service's assessment: a part per conclusion kind (kinds.parts() order), and the trace."""

    service_id: str
    service_name: str
    parts: Mapping[str, Any]
    trace: tuple[TraceEntry, ...]
    rules_version: str
    as_of: AsOf = field(default_factory=lambda: AsOf.of(None))
    # Where the roles and the acceptance policy in force come from (policy_provenance): JSON-ready, one per pack.
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def part(self, key: str) -> Any:
        return self.parts[key]

    @property
    def recommendation(self) -> Recommendation:
        return self.parts["recommendation"]

    @property
    def conflicts(self) -> tuple[Conflict, ...]:
        return self.parts["conflicts"]

    @property
    def governance_areas(self) -> tuple[GovernanceArea, ...]:
        return self.parts["governance_areas"]

    @property
    def risks(self) -> tuple[Risk, ...]:
        return self.parts["risks"]

    @property
    def accountability(self) -> tuple[MatrixRow, ...]:
        return self.parts["accountability"]

    @property
    def open_decisions(self) -> tuple[OpenDecision, ...]:
        return self.parts["open_decisions"]

    @property
    def open_questions(self) -> tuple[OpenQuestion, ...]:
        return self.parts["open_questions"]

    @property
    def next_steps(self) -> tuple[NextStep, ...]:
        return self.parts["next_steps"]

    @property
    def pending_risks(self) -> tuple[Risk, ...]:
        return tuple(risk for risk in self.risks if not risk.accepted)

    @property
    def process_names(self) -> dict[str, str]:
        """Process id -> name, in matrix order."""
        return {row.process: row.name for row in self.accountability}

    @property
    def rule_titles(self) -> dict[str, str]:
        """The title of every rule that fired, by id: what reports for people name a rule by."""
        return {entry.rule: entry.title for entry in self.trace}

    def risk_name(self, risk: Risk) -> str:
        """A risk in words, as reports for people name it: the title of the rule that raised it (as the
        portfolio reports do); its id stays in JSON and in the commands that record an acceptance."""
        return self.rule_titles.get(risk.rule, risk.id)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: stable keys, sorted lists."""
        return {
            "service": {"id": self.service_id, "name": self.service_name},
            **{kind.part: kind.to_json(self.parts[kind.part]) for kind in kind_parts()},
            "trace": [
                {
                    "rule": entry.rule,
                    "title": entry.title,
                    "priority": entry.priority,
                    "matched": {key: _jsonable(value) for key, value in entry.matched.items()},
                    "concluded": list(entry.concluded),
                }
                for entry in self.trace
            ],
            "provenance": {
                part: {key: dict(item) for key, item in items.items()} for part, items in self.provenance.items()
            },
            "as_of": self.as_of.date,
            "rules_version": self.rules_version,
        }


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


# --- building ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FiredConclusion:
    """A conclusion of a rule that fired: its payload and the rule (made once per rule of a pack, see
    _conclusions, and shared by every service that rule fires for)."""

    payload: Any
    rule: Rule

    @property
    def rank(self) -> tuple[int, str]:
        return (self.rule.priority, self.rule.id)


# Assesses the service with another ambition (the suggested model chosen), on the same pack and day: the
# preview of a suggestion (kinds.preview). Given by the caller that runs the engine (api.Assessor); it
# records the texts it interpolates in the dict, when one is given (batch.memo compares them), and builds
# the parts named (see build_assessment's `only`; None: every part).
AssessChosen = Callable[[Scenario, "dict[str, list[str]] | None", "Collection[str] | None"], "Assessment"]


class AssessmentDraft:
    """The assessment being built, as each kind sees it while it builds its part: what fired, the
    service, the pack and the parts built so far (the recommend and accountability kinds also build
    from one between the engine's two stages, see effective.py)."""

    def __init__(
        self,
        scenario: Scenario,
        facts: Facts,
        result: EngineResult,
        pack: RulePack,
        as_of: AsOf,
        assess_chosen: AssessChosen | None = None,
    ) -> None:
        self.scenario = scenario
        self.facts = facts
        self.pack = pack
        self.as_of = as_of.date  # acceptances are evaluated on this day (YYYY-MM-DD)
        self.assess_chosen = assess_chosen  # None: no preview of a suggested model
        self._result = result
        self.text = _Interpolator(scenario, facts, result)
        self.parts: dict[str, Any] = {}
        # Parts settled before the engine's second stage, handed on to be taken as they are (api.Assessor),
        # and the matrix of each model as settled for this draft (the recommendation reads it too).
        self.settled: Mapping[str, Any] = {}
        self.matrices: dict[str | None, Any] = {}
        self._fired = _conclusions(result.firings, pack)

    @property
    def derived(self) -> dict[str, tuple[Any, ...]]:
        """Each derived fact's values, the effective model's included; grouped when first read (the
        built-in kinds read it only on evidence: a draft between the engine's stages never does)."""
        return self._result.derived

    def conclusions(self, kind: str) -> list[FiredConclusion]:
        """The conclusions of one kind that fired, in firing order."""
        return self._fired.get(kind, [])


def build_assessment(
    scenario: Scenario,
    facts: Facts,
    result: EngineResult,
    pack: RulePack,
    as_of: AsOf,
    texts: dict[str, list[str]] | None = None,
    assess_chosen: AssessChosen | None = None,
    settled: Mapping[str, Any] | None = None,
    only: Collection[str] | None = None,
) -> Assessment:
    """The assessment of what fired; with `texts`, the texts each kind interpolates, by part; with
    `assess_chosen`, a suggested model's preview (see AssessChosen); with `settled`, parts settled from
    the same firings before the second stage (the recommendation and the matrix: effective.py).

    With `only`, the parts it names are built and the parts they read (Kind.reads), and no other: a kind
    reads only parts built before it, so those are what they are in a whole assessment, and the others
    are missing (the preview reads a suggested model's conflicts and risks: about a tenth of the services
    assess their suggestion; the summary lines read the outlined parts)."""
    draft = AssessmentDraft(scenario, facts, result, pack, as_of, assess_chosen)
    if settled:
        draft.settled = settled
    for kind in kind_parts() if only is None else _needed(frozenset(only), kind_parts()):
        if texts is not None:
            draft.text.texts = texts.setdefault(kind.part, [])
        draft.parts[kind.part] = kind.build(draft)
    return Assessment(
        service_id=scenario.service_id,
        service_name=scenario.service_name,
        parts=draft.parts,
        trace=tuple(map(TraceEntry, result.firings)),
        rules_version=pack.version,
        as_of=as_of,
        provenance=once_per_pack(pack, "provenance", policy_provenance),
    )


@functools.cache
def _needed(only: frozenset[str], ordered: tuple[Kind, ...]) -> tuple[Kind, ...]:
    """The kinds to build for the parts named, in order: those and the parts they read, in turn (a kind that
    does not say what it reads reads every part before it)."""
    needed = set(only)
    for index in range(len(ordered) - 1, -1, -1):
        kind = ordered[index]
        if kind.part not in needed:
            continue
        needed.update(kind.reads if kind.reads is not None else (item.part for item in ordered[:index]))
    return tuple(kind for kind in ordered if kind.part in needed)


def policy_provenance(pack: RulePack) -> dict[str, Any]:
    """The roles and the acceptance policy (by severity, the highest first) in force, each with the file:line
    and the layer it comes from: what the JSON report's `provenance` says an acceptance was judged under."""
    roles = {
        role.id: {
            "name": role.name,
            "line": role.line,
            "authority": role.authority,
            "from": str(role.location),
            "layer": role.layer,
        }
        for role in pack.roles.values()
    }
    policy = {
        severity: {
            "review_months": item.review_months,
            "minimum_authority": item.minimum_authority,
            "from": str(item.location),
            "layer": item.layer,
        }
        for severity in reversed(SEVERITIES)
        if (item := pack.acceptance.get(severity)) is not None
    }
    return {"acceptance_policy": policy, "roles": roles}


def _conclusions(firings: tuple[Firing, ...], pack: RulePack) -> dict[str, list[FiredConclusion]]:
    by_kind: dict[str, list[FiredConclusion]] = {}
    seen: set[str] = set()
    by_rule: dict[str, tuple[Rule, tuple[tuple[str, FiredConclusion], ...]]] = once_per_pack(
        pack, "conclusions", lambda pack: {}
    )
    for firing in firings:
        rule = firing.rule
        if rule.id in seen:
            continue  # a rule that fired again for another derived value concludes the same
        seen.add(rule.id)
        conclusions = by_rule.get(rule.id)
        if conclusions is None or conclusions[0] is not rule:
            conclusions = by_rule[rule.id] = (
                rule,
                tuple((c.kind, FiredConclusion(c.payload, rule)) for c in rule.then),
            )
        for kind, item in conclusions[1]:
            by_kind.setdefault(kind, []).append(item)
    return by_kind


def interpolator(scenario: Scenario, facts: Facts, result: EngineResult) -> Callable[[str], str]:
    """Fills a rule text's {placeholders} as reports do, for a text no kind built (a refused acceptance's remedy)."""
    return _Interpolator(scenario, facts, result)


class _Interpolator:
    """Fills {placeholders} in rule messages with the service's facts and derived facts; appends each
    text it makes to `texts` while that is a list (batch.memo checks how a kind's texts compare)."""

    def __init__(self, scenario: Scenario, facts: Facts, result: EngineResult) -> None:
        self.service: dict[str, str] = {
            "service.id": scenario.service_id,
            "service.name": scenario.service_name,
            "service.business_owner": scenario.business_owner or "the business owner (not yet named)",
        }
        self.facts = facts.values
        self.result = result  # its derived facts are grouped when a message names one (EngineResult.derived)
        self.texts: list[str] | None = None

    def _value(self, name: str) -> str:
        """A placeholder's text, looked up only when a message uses it (the hot path)."""
        derived = self.result.values_of(name)
        if derived is not None:
            return say_value(derived)
        if name in self.facts:
            return say_value(self.facts[name])
        return self.service.get(name, "unknown")

    def __call__(self, template: str) -> str:
        text = PLACEHOLDER.sub(lambda match: self._value(match.group(1)), template) if "{" in template else template
        if self.texts is not None:
            self.texts.append(text)
        return text
