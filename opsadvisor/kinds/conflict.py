"""`conflict`: an inconsistency to resolve (e.g. contract ownership), with a remedy. All firings are collected,
except that a conflict `id` names one finding: several rules concluding the same id (one fact seen from
several cells) make one conflict, the highest-priority rule's."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..contract import SEVERITIES
from ..errors import did_you_mean
from ..rulesyntax import RULE_ID
from ..text import count
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
)


@dataclass(frozen=True)
class ConflictRule:
    kind: str
    severity: str
    message: str
    remedy: str
    id: str | None = None  # names the finding (one per id), and an obligation, so `accept` can refuse it
    reference: str | None = None  # the legal or regulatory reference, e.g. GDPR Art. 28(3)


@dataclass(frozen=True)
class Conflict:
    kind: str
    severity: str
    message: str
    remedy: str
    rule: str
    id: str | None = None
    reference: str | None = None


@dataclass
class ConflictTally:
    by_kind: Counter[str]
    services: int = 0


class ConflictKind(Kind):
    name = "conflict"
    shape = "`{kind, severity, message, remedy, id?, reference?}`"
    meaning = (
        "a conflict to resolve; kind from `conflict_kinds`; an `id` makes it one finding however many rules "
        "conclude it (the highest priority wins); an `obligation` (kind) names its legal `reference` and an `id` "
        "that `accept` refuses"
    )
    catalogue = "Conflicts"
    catalogue_order = 20
    part = "conflicts"
    order = 20
    reads = ()
    columns = (BatchColumn("conflicts", 30, lambda outline: ";".join(outline)),)
    aspects = (("conflicts", 30),)
    finding_count = FindingCount("conflicts", "conflicts", highlight=True)

    def parse(self, data: Any) -> ConflictRule | str:
        result = mapping(data, ("kind", "severity", "message", "remedy"), ("id", "reference"))
        if isinstance(result, str):
            return result
        if result["severity"] not in SEVERITIES:
            return f"severity must be one of {', '.join(SEVERITIES)}{did_you_mean(str(result['severity']), SEVERITIES)}"
        if "id" in result and (not isinstance(result["id"], str) or not RULE_ID.match(result["id"])):
            return "id must be lower-case letters, digits, '.', '_' or '-'"
        result = text_fields(result, ("kind", "message", "remedy", "reference"))
        return result if isinstance(result, str) else ConflictRule(**result)

    def describe(self, payload: ConflictRule) -> str:
        return f"conflict {payload.kind} ({payload.severity})"

    def detail(self, payload: ConflictRule) -> str:
        return payload.message

    def detail_lines(self, payload: ConflictRule) -> list[tuple[str, str]]:
        return [("message", payload.message), ("remedy", payload.remedy)]

    def texts(self, payload: ConflictRule) -> tuple[str, ...]:
        return (payload.kind, payload.message, payload.remedy)

    def check(self, payload: ConflictRule, pack: PackFacts) -> list[str]:
        if payload.kind in pack.conflict_kinds:
            return []
        return [
            f"unknown conflict kind '{payload.kind}'; declare it under conflict_kinds "
            f"or use one of {', '.join(sorted(pack.conflict_kinds))}{did_you_mean(payload.kind, pack.conflict_kinds)}"
        ]

    def build(self, draft: Any) -> tuple[Conflict, ...]:
        text = draft.text
        conflicts = {
            Conflict(
                m.payload.kind,
                m.payload.severity,
                text(m.payload.message),
                text(m.payload.remedy),
                m.rule.id,
                m.payload.id,
                m.payload.reference,
            )
            for m in _one_per_id(draft.conclusions(self.name))
        }
        return tuple(sorted(conflicts, key=lambda c: (-SEVERITIES.index(c.severity), c.kind, c.rule, c.message)))

    def sections(self, value: tuple[Conflict, ...], assessment: Any) -> list[Section]:
        return [
            Section(
                "Conflicts",
                ("severity", "kind", "conflict", "remedy", "rule"),
                [(c.severity, c.kind, c.message, _remedy(c), c.rule) for c in value],
                _none_found(assessment),
                (None, None, 40, 40, None),
            )
        ]

    def expectations(self) -> tuple[Expectation, ...]:
        return (
            IdsExpectation(
                "conflicts",
                "no_conflicts",
                lambda a: sorted({c.kind for c in a.conflicts}),
                lambda pack: tuple(sorted(pack.conflict_kinds)),
            ),
        )

    def outline(self, value: tuple[Conflict, ...]) -> tuple[str, ...]:
        return tuple(conflict.kind for conflict in value)

    def findings(self, outline: tuple[str, ...]) -> int:
        return len(outline)

    def listed_findings(self, part: list[dict[str, Any]], words: Words) -> list[Finding]:
        return [
            Finding("conflict", words.kind_label(item["kind"]), item["severity"], item["message"], item["rule"])
            for item in part
        ]

    def new_tally(self) -> ConflictTally:
        return ConflictTally(Counter())

    def tally(self, tally: ConflictTally, outline: tuple[str, ...]) -> ConflictTally:
        tally.by_kind.update(outline)
        tally.services += bool(outline)
        return tally

    def merge(self, tally: ConflictTally, later: ConflictTally) -> ConflictTally:
        tally.by_kind.update(later.by_kind)
        tally.services += later.services
        return tally

    def summary_tables(self, tally: ConflictTally, process_names: Any) -> list[SummaryTable]:
        return [SummaryTable("Conflicts by kind", ["kind", "conflicts"], sorted(tally.by_kind.items()))]

    def diff_aspects(self, outline: tuple[str, ...]) -> dict[str, str]:
        return {"conflicts": ", ".join(sorted(set(outline))) or "none"}


def _none_found(assessment: Any) -> str:
    """No conflicts, said honestly: with cells still open, none found in what is decided so far."""
    still_open = len(assessment.open_decisions)
    if not still_open:
        return "No conflicts found."
    return f"No conflicts found in what is decided so far ({count(still_open, 'cell is', 'cells are')} still open)."


def _one_per_id(made: list[Any]) -> list[Any]:
    """The conflicts that fired, with one per `id` (the highest-priority rule's): an id names one finding."""
    winners: dict[str, Any] = {}
    for m in made:
        if m.payload.id is not None and (m.payload.id not in winners or m.rank > winners[m.payload.id].rank):
            winners[m.payload.id] = m
    return [m for m in made if m.payload.id is None or winners[m.payload.id] is m]


def _remedy(conflict: Conflict) -> str:
    return f"{conflict.remedy} ({conflict.reference})" if conflict.reference else conflict.remedy


KIND = ConflictKind()
