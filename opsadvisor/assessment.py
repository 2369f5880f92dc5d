"""Assessment stage: turn what fired into the report's content, the shared result type.

No rule logic lives here: which rules fired is decided by durable_rules. This module only settles
single-valued conclusions by priority (the higher priority wins; ties go to the later rule id),
fills in the matrix, merges duplicates, interpolates messages and sorts every list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .contract import COLUMNS, SEVERITIES, UNDECIDED
from .engine import EngineResult, Firing
from .facts import Facts
from .rulepack import PLACEHOLDER, Conclusion, Rule, RulePack
from .scenario import Scenario


@dataclass(frozen=True)
class Recommendation:
    model: str | None
    name: str | None
    mode: int | None
    suggestion: bool
    because: tuple[str, ...]


@dataclass(frozen=True)
class Conflict:
    kind: str
    severity: str
    message: str
    remedy: str
    rule: str


@dataclass(frozen=True)
class GovernanceArea:
    process: str
    advice: str
    rule: str


@dataclass(frozen=True)
class Risk:
    id: str
    message: str
    accept_by: str
    accepted: bool
    accepted_by: str | None
    accepted_on: str | None
    rule: str


@dataclass(frozen=True)
class MatrixRow:
    process: str
    name: str
    application: str
    interface: str


@dataclass(frozen=True)
class OpenDecision:
    process: str
    column: str


@dataclass(frozen=True)
class OpenQuestion:
    fact: str
    question: str


@dataclass(frozen=True)
class NextStep:
    step: str
    rule: str


@dataclass(frozen=True)
class TraceEntry:
    rule: str
    title: str
    priority: int
    matched: dict[str, Any]
    concluded: tuple[str, ...]


@dataclass(frozen=True)
class Assessment:
    service_id: str
    service_name: str
    recommendation: Recommendation
    conflicts: tuple[Conflict, ...]
    governance_areas: tuple[GovernanceArea, ...]
    risks: tuple[Risk, ...]
    accountability: tuple[MatrixRow, ...]
    open_decisions: tuple[OpenDecision, ...]
    open_questions: tuple[OpenQuestion, ...]
    next_steps: tuple[NextStep, ...]
    trace: tuple[TraceEntry, ...]
    rules_version: str

    @property
    def pending_risks(self) -> tuple[Risk, ...]:
        return tuple(risk for risk in self.risks if not risk.accepted)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: stable keys, sorted lists."""
        return {
            "service": {"id": self.service_id, "name": self.service_name},
            "recommendation": {
                "model": self.recommendation.model,
                "name": self.recommendation.name,
                "mode": self.recommendation.mode,
                "suggestion": self.recommendation.suggestion,
                "because": list(self.recommendation.because),
            },
            "conflicts": [_fields(item) for item in self.conflicts],
            "governance_areas": [_fields(item) for item in self.governance_areas],
            "risks": [_fields(item) for item in self.risks],
            "accountability": [_fields(item) for item in self.accountability],
            "open_decisions": [_fields(item) for item in self.open_decisions],
            "open_questions": [_fields(item) for item in self.open_questions],
            "next_steps": [_fields(item) for item in self.next_steps],
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
            "rules_version": self.rules_version,
        }


def _fields(item: Any) -> dict[str, Any]:
    """A flat dataclass as a dict, in field order: dataclasses.asdict without its deep copy (the hot path)."""
    return dict(item.__dict__)


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


# --- building ----------------------------------------------------------------------------------


@dataclass(slots=True)  # not frozen: made for every conclusion of every service, and never shared
class _Made:
    """A conclusion together with the rule that made it."""

    conclusion: Conclusion
    rule: Rule

    @property
    def rank(self) -> tuple[int, str]:
        return (self.rule.priority, self.rule.id)


def build_assessment(scenario: Scenario, facts: Facts, result: EngineResult, pack: RulePack) -> Assessment:
    made = _conclusions(result.firings)
    text = _Interpolator(scenario, facts, result)
    recommendation = _recommendation(made.get("recommend", []), made.get("mode", []), pack)
    matrix = _matrix(recommendation.model, made.get("accountability", []), scenario, pack)
    return Assessment(
        service_id=scenario.service_id,
        service_name=scenario.service_name,
        recommendation=recommendation,
        conflicts=_conflicts(made.get("conflict", []), text),
        governance_areas=_governance(made.get("governance", []), text, pack),
        risks=_risks(made.get("risk", []), text, scenario),
        accountability=matrix,
        open_decisions=tuple(
            OpenDecision(row.process, column)
            for row in matrix
            if UNDECIDED in (row.application, row.interface)
            for column in COLUMNS
            if getattr(row, column) == UNDECIDED
        ),
        open_questions=tuple(
            OpenQuestion(name, pack.questions.get(name, f"What is the service's {name}?"))
            for name in facts.missing_fields
        ),
        next_steps=_next_steps(made.get("next_step", []), text),
        trace=tuple(_trace_entry(firing) for firing in result.firings),
        rules_version=pack.version,
    )


def _conclusions(firings: tuple[Firing, ...]) -> dict[str, list[_Made]]:
    made: dict[str, list[_Made]] = {}
    seen: set[str] = set()
    for firing in firings:
        if firing.rule.id in seen:
            continue  # a rule that fired again for another derived value concludes the same
        seen.add(firing.rule.id)
        for conclusion in firing.rule.then:
            made.setdefault(conclusion.kind, []).append(_Made(conclusion, firing.rule))
    return made


def _recommendation(recommends: list[_Made], modes: list[_Made], pack: RulePack) -> Recommendation:
    if not recommends:
        mode = max(modes, key=lambda m: m.rank, default=None)
        return Recommendation(None, None, mode.conclusion.data["mode"] if mode else None, False, ())
    winner = max(recommends, key=lambda m: m.rank)
    model_id = winner.conclusion.data["model"]
    model = pack.models.get(model_id)
    candidates = [(m.rank, m.conclusion.data["mode"], m.rule.id) for m in modes]
    if model is not None:
        candidates.append((winner.rank, model.mode, winner.rule.id))
    _, mode, mode_rule = max(candidates) if candidates else ((0, ""), None, None)
    because = {m.rule.id for m in recommends if m.conclusion.data["model"] == model_id}
    if mode_rule is not None:
        because.add(mode_rule)
    return Recommendation(
        model_id,
        model.name if model else None,
        mode,
        winner.conclusion.data["suggestion"],
        tuple(sorted(because)),
    )


def _matrix(model_id: str | None, settings: list[_Made], scenario: Scenario, pack: RulePack) -> tuple[MatrixRow, ...]:
    model = pack.models.get(model_id) if model_id else None
    cells = {
        process.id: list(model.cells[process.id]) if model else [UNDECIDED, UNDECIDED] for process in pack.processes
    }
    for made in sorted(settings, key=lambda m: m.rank):
        data = made.conclusion.data
        processes = cells if data["process"] == "all" else [data["process"]]
        columns = (0, 1) if data["column"] == "both" else (COLUMNS.index(data["column"]),)
        for process_id in processes:
            for column in columns:
                cells[process_id][column] = data["party"]
    for process_id, decided in scenario.decisions.items():
        for column, party in decided.items():
            if process_id in cells:
                cells[process_id][COLUMNS.index(column)] = party
    return tuple(MatrixRow(process.id, process.name, *cells[process.id]) for process in pack.processes)


def _conflicts(made: list[_Made], text: _Interpolator) -> tuple[Conflict, ...]:
    conflicts = {
        Conflict(
            m.conclusion.data["kind"],
            m.conclusion.data["severity"],
            text(m.conclusion.data["message"]),
            text(m.conclusion.data["remedy"]),
            m.rule.id,
        )
        for m in made
    }
    return tuple(sorted(conflicts, key=lambda c: (-SEVERITIES.index(c.severity), c.kind, c.rule, c.message)))


def _governance(made: list[_Made], text: _Interpolator, pack: RulePack) -> tuple[GovernanceArea, ...]:
    order = {process_id: index for index, process_id in enumerate(pack.process_ids)}
    areas = {GovernanceArea(m.conclusion.data["process"], text(m.conclusion.data["advice"]), m.rule.id) for m in made}
    return tuple(sorted(areas, key=lambda a: (order[a.process], a.rule, a.advice)))


def _risks(made: list[_Made], text: _Interpolator, scenario: Scenario) -> tuple[Risk, ...]:
    winners: dict[str, _Made] = {}
    for m in made:
        risk_id = m.conclusion.data["id"]
        if risk_id not in winners or m.rank > winners[risk_id].rank:
            winners[risk_id] = m
    acceptances = {item.risk: item for item in scenario.accepted_risks}
    risks = []
    for risk_id, m in winners.items():
        accepted = acceptances.get(risk_id)
        risks.append(
            Risk(
                risk_id,
                text(m.conclusion.data["message"]),
                text(m.conclusion.data["accept_by"]),
                accepted is not None,
                accepted.accepted_by if accepted else None,
                accepted.date if accepted else None,
                m.rule.id,
            )
        )
    return tuple(sorted(risks, key=lambda r: (r.accepted, r.id)))


def _next_steps(made: list[_Made], text: _Interpolator) -> tuple[NextStep, ...]:
    steps: dict[str, _Made] = {}
    for m in sorted(made, key=lambda m: m.rank):
        steps.setdefault(text(m.conclusion.data["step"]), m)
    ordered = sorted(steps.items(), key=lambda item: (item[1].rank, item[0]))
    return tuple(NextStep(step, m.rule.id) for step, m in ordered)


def _trace_entry(firing: Firing) -> TraceEntry:
    rule = firing.rule
    return TraceEntry(rule.id, rule.title, rule.priority, dict(firing.matched), rule.concluded)


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (tuple, list)):
        return ", ".join(str(item) for item in value) if value else "none"
    return str(value)


class _Interpolator:
    """Fills {placeholders} in rule messages with the service's facts and derived facts."""

    def __init__(self, scenario: Scenario, facts: Facts, result: EngineResult) -> None:
        self.service: dict[str, str] = {
            "service.id": scenario.service_id,
            "service.name": scenario.service_name,
            "service.business_owner": scenario.business_owner or "the business owner (not yet named)",
        }
        self.facts = facts.values
        self.derived = result.derived

    def _value(self, name: str) -> str:
        """A placeholder's text, looked up only when a message uses it (the hot path)."""
        if name in self.derived:
            return _plain(self.derived[name])
        if name in self.facts:
            return _plain(self.facts[name])
        return self.service.get(name, "unknown")

    def __call__(self, template: str) -> str:
        if "{" not in template:
            return template
        return PLACEHOLDER.sub(lambda match: self._value(match.group(1)), template)
