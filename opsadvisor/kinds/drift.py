"""`drift`: where practice, as the service's records show it, departs from the agreed operating model.

Rules conclude drifts over the effective matrix (`accountable.<process>.*`, `performed_by.<process>`)
and the evidence facts of the records (`evidence.*`, opsadvisor/evidence.py): "IT OPS is accountable
for incidents, yet business groups handled more than 20% of them". Per drift `id` the highest-priority
rule wins, like a risk. Each drift is explained from the rule that made it: the evidence it rests on
(each `evidence.*` condition of the rule, with its value and the threshold it crossed), what was
agreed (the rule's other conditions, with their values) and the period the records cover.

The part is None for a service without evidence (no records read, none in the scenario file), so a
report says nothing of drift unless records were given.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from ..contract import PERFORMERS, SEVERITIES, label_for
from ..errors import did_you_mean
from ..evidence import EVIDENCE_FACTS, HANDLERS, TICKET_PROCESSES, Evidence
from ..rulesyntax import RULE_ID
from ..text import count, party, performer, say_value
from .base import (
    BatchColumn,
    Expectation,
    Finding,
    FindingCount,
    IdsExpectation,
    Kind,
    PackFacts,
    Section,
    SummaryTable,
    Words,
    mapping,
    text_fields,
    unknown,
)

if TYPE_CHECKING:
    from ..rulepack.ir import Condition, Group

DEFAULT_SEVERITY = "medium"
NO_PARTY = "-"  # the heat map's column of drifts that name no party
THRESHOLDS = {
    "gt": "more than",
    "gte": "at least",
    "lt": "less than",
    "lte": "at most",
    "equals": "exactly",
    "not": "not",
    "in": "one of",
    "not_in": "none of",
}


@dataclass(frozen=True)
class DriftRule:
    id: str
    message: str
    process: str | None = None  # the support process the drift is in
    party: str | None = None  # who does the work in practice (a performer: vendor, business, it_ops, it_delivery)
    severity: str = DEFAULT_SEVERITY
    remedy: str | None = None


@dataclass(frozen=True)
class Reading:
    """One fact a drift rests on: its value, the test its rule made of it (the threshold), in words."""

    fact: str
    value: Any
    test: str
    operand: Any
    words: str  # 'incident tickets handled by Business: 80% (more than 20%)', 'accountable for Incident Mgmt: IT OPS'

    @property
    def evidence(self) -> bool:
        return self.fact in EVIDENCE_FACTS

    def to_json(self) -> dict[str, Any]:
        operand = list(self.operand) if isinstance(self.operand, tuple) else self.operand
        return {"fact": self.fact, "value": self.value, "test": self.test, "threshold": operand}


def _amount(value: Any, unit: str) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value}{unit}" if isinstance(value, int) else say_value(value)


@dataclass(frozen=True)
class Drift:
    id: str
    process: str | None
    party: str | None
    severity: str
    message: str
    remedy: str | None
    rule: str
    readings: tuple[Reading, ...] = ()

    def evidence_text(self) -> str:
        """The records' side, then the agreement's, as one sentence for a report's cell."""
        shown = [reading.words for reading in self.readings if reading.evidence]
        agreed = [reading.words for reading in self.readings if not reading.evidence]
        parts = [f"Records: {'; '.join(shown)}."] if shown else []
        return " ".join([*parts, *([f"Agreed: {'; '.join(agreed)}."] if agreed else [])])


@dataclass(frozen=True)
class DriftPart:
    """A service's drift: the period its records cover, what they hold, and the drifts found."""

    evidence: Evidence
    drifts: tuple[Drift, ...]


@dataclass
class DriftTally:
    services_with_evidence: int = 0
    services_with_drift: int = 0
    by_id: Counter[str] = field(default_factory=Counter)
    cells: Counter[tuple[str, str]] = field(default_factory=Counter)  # (process, party or NO_PARTY) -> drifts


class DriftKind(Kind):
    name = "drift"
    shape = "`{id, message, process?, party?, severity?: low|medium|high, remedy?}`"
    meaning = (
        "where practice, as the service's records show it (`evidence.*` facts), departs from the agreed model; "
        "`party` is who does the work in practice; the highest priority wins per id"
    )
    catalogue = "Drift: practice against the agreement"
    catalogue_order = 55
    part = "drift"
    order = 17
    reads = ()
    summary_order = 25
    columns = (BatchColumn("drifts", 65, lambda outline: ";".join(item[0] for item in outline or ())),)
    aspects = (("drift", 45),)
    finding_count = FindingCount("drifts", "drifts", highlight=True)
    compares_texts = False  # sorted by severity, process and id, never by text

    def parse(self, data: Any) -> DriftRule | str:
        result = mapping(data, ("id", "message"), ("process", "party", "severity", "remedy"))
        if isinstance(result, str):
            return result
        if not isinstance(result["id"], str) or not RULE_ID.match(result["id"]):
            return "id must be lower-case letters, digits, '.', '_' or '-'"
        severity = result.get("severity", DEFAULT_SEVERITY)
        if severity not in SEVERITIES:
            return f"severity must be one of {', '.join(SEVERITIES)}{did_you_mean(str(severity), SEVERITIES)}"
        party = result.get("party")
        if party is not None and party not in PERFORMERS:
            return unknown("party", party, PERFORMERS)
        process = result.get("process")
        if process is not None and not isinstance(process, str):
            return "process must be a process id, such as incident"
        texts = text_fields({key: result[key] for key in ("message", "remedy") if key in result}, ("message", "remedy"))
        if isinstance(texts, str):
            return texts
        return DriftRule(result["id"], texts["message"], process, party, severity, texts.get("remedy"))

    def describe(self, payload: DriftRule) -> str:
        where = ", ".join(item for item in (payload.process, payload.party) if item)
        return f"drift {payload.id} ({payload.severity}{', ' + where if where else ''})"

    def detail(self, payload: DriftRule) -> str:
        return payload.message

    def detail_lines(self, payload: DriftRule) -> list[tuple[str, str]]:
        lines = [("message", payload.message)]
        return [*lines, ("remedy", payload.remedy)] if payload.remedy else lines

    def texts(self, payload: DriftRule) -> tuple[str, ...]:
        return (payload.message, *((payload.remedy,) if payload.remedy else ()))

    def check(self, payload: DriftRule, pack: PackFacts) -> list[str]:
        if payload.process is None or payload.process in pack.process_ids:
            return []
        return [
            f"unknown process '{payload.process}'; expected one of "
            f"{', '.join(pack.process_ids)}{did_you_mean(payload.process, pack.process_ids)}"
        ]

    def build(self, draft: Any) -> DriftPart | None:
        evidence = draft.scenario.evidence
        if evidence is None:
            return None
        winners: dict[str, Any] = {}
        for made in draft.conclusions(self.name):
            if made.payload.id not in winners or made.rank > winners[made.payload.id].rank:
                winners[made.payload.id] = made
        order = {process: index for index, process in enumerate(draft.pack.process_ids)}
        drifts = [
            Drift(
                m.payload.id,
                m.payload.process,
                m.payload.party,
                m.payload.severity,
                draft.text(m.payload.message),
                draft.text(m.payload.remedy) if m.payload.remedy else None,
                m.rule.id,
                _readings(m.rule.when, draft),
            )
            for m in winners.values()
        ]
        drifts.sort(key=lambda d: (-SEVERITIES.index(d.severity), order.get(d.process or "", len(order)), d.id))
        return DriftPart(evidence, tuple(drifts))

    def to_json(self, value: DriftPart | None) -> dict[str, Any] | None:
        if value is None:
            return None
        evidence = value.evidence
        return {
            "period": {"start": evidence.start, "end": evidence.end, "days": evidence.days},
            "evidence": evidence.to_document(),
            "drifts": [
                {
                    "id": d.id,
                    "process": d.process,
                    "party": d.party,
                    "severity": d.severity,
                    "message": d.message,
                    "remedy": d.remedy,
                    "evidence": [reading.to_json() for reading in d.readings],
                    "rule": d.rule,
                }
                for d in value.drifts
            ],
        }

    def sections(self, value: DriftPart | None, assessment: Any) -> list[Section]:
        if value is None:
            return []
        names = assessment.process_names
        rows = [
            (
                d.severity,
                d.id.replace("-", " "),  # in words, as a conflict's kind: the JSON keeps the id
                names.get(d.process, d.process) if d.process else "",
                performer(d.party),
                " ".join(part for part in (d.message, d.evidence_text(), d.remedy) if part),
                d.rule,
            )
            for d in value.drifts
        ]
        return [
            Section(
                "Drift: practice against the agreement",
                ("severity", "drift", "process", "in practice", "what the records show", "rule"),
                rows,
                "No drift: the records show the service run as agreed.",
                (None, None, 16, 12, 50, None),
                note=records_note(value.evidence),
            )
        ]

    def expectations(self) -> tuple[Expectation, ...]:
        return (
            IdsExpectation(
                "drifts",
                "no_drifts",
                lambda a: sorted({d.id for d in a.parts["drift"].drifts}) if a.parts["drift"] else [],
                lambda pack: tuple(sorted({d.id for rule in pack.rules for d in rule.of_kind("drift")})),
            ),
        )

    def outline(self, value: DriftPart | None) -> tuple[tuple[str, str, str, str], ...] | None:
        """(id, process, party, severity) per drift; None for a service without evidence."""
        if value is None:
            return None
        return tuple((d.id, d.process or "", d.party or NO_PARTY, d.severity) for d in value.drifts)

    def findings(self, outline: Any) -> int:
        return len(outline or ())

    def listed_findings(self, part: dict[str, Any] | None, words: Words) -> list[Finding]:
        if not part:
            return []
        names = words.process_names
        return [
            Finding(
                "drift",
                " / ".join(
                    item for item in (names.get(d["process"] or "", d["process"] or ""), performer(d["party"])) if item
                )
                or d["id"],
                d["severity"],
                d["message"],
                d["rule"],
            )
            for d in part["drifts"]
        ]

    def new_tally(self) -> DriftTally:
        return DriftTally()

    def tally(self, tally: DriftTally, outline: Any) -> DriftTally:
        if outline is None:
            return tally
        drifts = outline
        tally.services_with_evidence += 1
        tally.services_with_drift += bool(drifts)
        tally.by_id.update(item[0] for item in drifts)
        tally.cells.update((process, party) for _, process, party, _ in drifts)
        return tally

    def merge(self, tally: DriftTally, later: DriftTally) -> DriftTally:
        tally.services_with_evidence += later.services_with_evidence
        tally.services_with_drift += later.services_with_drift
        tally.by_id.update(later.by_id)
        tally.cells.update(later.cells)
        return tally

    def summary_tables(self, tally: DriftTally, process_names: Any) -> list[SummaryTable]:
        if not tally.services_with_evidence:
            return []
        return [
            SummaryTable(
                "Drift",
                ["services with records", "services with drift", "drifts"],
                [(tally.services_with_evidence, tally.services_with_drift, sum(tally.by_id.values()))],
            ),
            heat_map(tally, process_names),
            SummaryTable("Drifts by id", ["drift", "services"], sorted(tally.by_id.items())),
        ]

    def diff_aspects(self, outline: Any) -> dict[str, str]:
        return {} if outline is None else {"drift": ", ".join(sorted({item[0] for item in outline})) or "none"}


def heat_map(tally: DriftTally, process_names: Any) -> SummaryTable:
    """Drifts by process (rows, in matrix order) and the party doing the work in practice (columns)."""
    parties = [*HANDLERS, NO_PARTY]
    processes = [process for process in process_names if any(tally.cells[(process, p)] for p in parties)]
    processes += sorted({process for process, _ in tally.cells if process not in process_names})
    rows = [
        (
            process_names.get(process, process) or "(no process)",
            *(tally.cells[(process, party)] or "" for party in parties),
            sum(tally.cells[(process, party)] for party in parties),
        )
        for process in processes
    ]
    headers = ["process", *(performer(party) for party in HANDLERS), "no party", "total"]
    return SummaryTable("Drift by process and party (heat map)", headers, rows)


def _readings(when: Group, draft: Any) -> tuple[Reading, ...]:
    """The conditions of a rule that all held when it fired (top level and nested all-groups; an any
    group's alternatives are left out), with the service's values."""
    names = {process.id: process.name for process in draft.pack.processes}
    readings = []
    for item in _all_conditions(when):
        value = _value(item, draft)
        if value is not None:
            readings.append(Reading(item.fact, value, item.test, item.operand, _words(item, value, names)))
    return tuple(readings)


def _words(condition: Condition, value: Any, names: dict[str, str]) -> str:
    """A fact a drift rests on, in words: the evidence with its threshold, or what was agreed."""
    fact = EVIDENCE_FACTS.get(condition.fact)
    if fact is None:
        kind, _, rest = condition.fact.partition(".")
        process, _, column = rest.partition(".")
        if kind == "accountable" and process in names:
            return (
                f"accountable for {names[process]}{'' if column == 'application' else f' ({column})'}: {party(value)}"
            )
        if kind == "performed_by" and process in names:
            return f"who does the work of {names[process]}: {performer(value) or 'not recorded'}"
        return f"{label_for(condition.fact)}: {say_value(value)}"
    unit, test = fact.unit, condition.test
    shown = f"{fact.words}: {_amount(value, unit)}"
    if not isinstance(value, int) or isinstance(value, bool):
        return shown  # a flag or a choice: its value says it
    operand = condition.operand
    threshold = (
        ", ".join(_amount(item, unit) for item in operand) if isinstance(operand, tuple) else _amount(operand, unit)
    )
    return f"{shown} ({THRESHOLDS.get(test, test)} {threshold})"


def _all_conditions(group: Group) -> list[Condition]:
    found: list[Condition] = []
    for item in group.items:
        if not hasattr(item, "mode"):  # a Condition (rulepack.ir imports the kinds: no isinstance here)
            found.append(item)
        elif item.mode == "all":
            found += _all_conditions(cast("Group", item))
    return found


def _value(condition: Condition, draft: Any) -> Any:
    if condition.derived:
        values = draft.derived.get(condition.fact)
        return values[0] if values and len(values) == 1 else None
    return draft.facts.values.get(condition.fact)


def records_note(evidence: Evidence) -> str:
    """What the records held for the service, in words: the period, the tickets by process and party."""
    parts = [f"Records of {evidence.start} to {evidence.end} ({count(evidence.days, 'day')})"]
    if evidence.tickets is not None:
        shown = []
        for process in TICKET_PROCESSES:
            handled = evidence.handled(process)
            if handled is None or not handled.total:
                continue
            shares = ", ".join(
                f"{performer(handler)} {handled.share(handler)}%" for handler in HANDLERS if getattr(handled, handler)
            )
            unmapped = f", {handled.unmapped} unmapped" if handled.unmapped else ""
            shown.append(f"{process} {handled.total} ({shares}{unmapped})")
        parts.append(f"{count(evidence.ticket_count, 'ticket')}" + (f": {'; '.join(shown)}" if shown else ""))
    if evidence.contract is not None:
        parts.append("A contract in the register" if evidence.contract.registered else "No contract in the register")
    if evidence.access_reviews is not None:
        parts.append(f"{count(evidence.access_reviews, 'access review')} on record")
    return ". ".join(parts) + "."


KIND = DriftKind()
