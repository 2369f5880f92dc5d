"""`governance`: a governance area (a support process) where IT can add value. All firings are collected.

An area may depend on an open question (`depends_on: business_capabilities`): it is flagged while the
answer is unknown, so that an unanswered question never reads as a clean result, and the report says
which areas answering it settles (kinds.open_question links the question to them)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..contract import FIELD, label_for
from ..errors import did_you_mean
from .base import (
    BatchColumn,
    Expectation,
    Finding,
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
class Governance:
    process: str
    advice: str
    depends_on: str | None = None  # the scenario field whose open question decides the area


@dataclass(frozen=True)
class GovernanceArea:
    process: str
    advice: str
    rule: str
    depends_on: str | None = None


class GovernanceKind(Kind):
    name = "governance"
    shape = "`{process, advice, depends_on?: field}`"
    meaning = (
        "a governance area where IT can add value; `depends_on` names the open question (a scenario field) "
        "whose answer settles it"
    )
    catalogue = "Governance: where IT adds value"
    catalogue_order = 40
    part = "governance_areas"
    order = 30
    reads = ()
    summary_order = 45
    columns = (BatchColumn("governance_areas", 50, lambda outline: ";".join(outline)),)
    aspects = (("governance", 50),)

    def parse(self, data: Any) -> Governance | str:
        result = mapping(data, ("process", "advice"), ("depends_on",))
        if not isinstance(result, str):
            result = text_fields(result, ("advice",))
        if isinstance(result, str):
            return result
        field = result.get("depends_on")
        if field is not None and field not in FIELD:
            hint = did_you_mean(str(field), FIELD)
            return f"depends_on names a scenario field, such as business_capabilities; found {field!r}{hint}"
        return Governance(**result)

    def describe(self, payload: Governance) -> str:
        return f"governance area {payload.process}"

    def detail(self, payload: Governance) -> str:
        return payload.advice

    def detail_lines(self, payload: Governance) -> list[tuple[str, str]]:
        return [("advice", payload.advice)]

    def texts(self, payload: Governance) -> tuple[str, ...]:
        return (payload.advice,)

    def check(self, payload: Governance, pack: PackFacts) -> list[str]:
        if payload.process in pack.process_ids:
            return []
        return [
            f"unknown process '{payload.process}'; expected one of "
            f"{', '.join(pack.process_ids)}{did_you_mean(str(payload.process), pack.process_ids)}"
        ]

    def build(self, draft: Any) -> tuple[GovernanceArea, ...]:
        order = {process_id: index for index, process_id in enumerate(draft.pack.process_ids)}
        text = draft.text
        areas = {
            GovernanceArea(m.payload.process, text(m.payload.advice), m.rule.id, m.payload.depends_on)
            for m in draft.conclusions(self.name)
        }
        return tuple(sorted(areas, key=lambda a: (order[a.process], a.rule, a.advice)))

    def sections(self, value: tuple[GovernanceArea, ...], assessment: Any) -> list[Section]:
        names = assessment.process_names
        return [
            Section(
                "Where IT can add value",
                ("process", "advice", "rule"),
                [(names.get(g.process, g.process), g.advice, g.rule) for g in value],
                "No governance areas flagged.",
                (None, 60, None),
                note=pending_note(value, assessment),
            )
        ]

    def expectations(self) -> tuple[Expectation, ...]:
        return (
            IdsExpectation(
                "governance",
                "no_governance",
                lambda a: sorted({g.process for g in a.governance_areas}),
                lambda pack: pack.process_ids,
            ),
        )

    def outline(self, value: tuple[GovernanceArea, ...]) -> tuple[str, ...]:
        return tuple(area.process for area in value)

    def listed_findings(self, part: list[dict[str, Any]], words: Words) -> list[Finding]:
        """Listed, not counted: an area where IT can add value is advice, not a problem (findings() is 0)."""
        names = words.process_names
        return [
            Finding("governance area", names.get(item["process"], item["process"]), "", item["advice"], item["rule"])
            for item in part
        ]

    def new_tally(self) -> Counter[str]:
        return Counter()

    def tally(self, tally: Counter[str], outline: tuple[str, ...]) -> Counter[str]:
        tally.update(outline)
        return tally

    def merge(self, tally: Counter[str], later: Counter[str]) -> Counter[str]:
        tally.update(later)
        return tally

    def summary_tables(self, tally: Counter[str], process_names: Any) -> list[SummaryTable]:
        rows = [
            (process_names.get(process, process), count)
            for process, count in sorted(tally.items(), key=lambda item: (-item[1], item[0]))
        ]
        return [SummaryTable("Governance areas (where IT can add value)", ["process", "services"], rows)]

    def diff_aspects(self, outline: tuple[str, ...]) -> dict[str, str]:
        return {"governance": ", ".join(sorted(set(outline))) or "none"}


def pending(areas: tuple[GovernanceArea, ...]) -> dict[str, list[str]]:
    """The areas that depend on an open question: field -> the process ids, in report order."""
    waiting: dict[str, list[str]] = {}
    for area in areas:
        if area.depends_on and area.process not in waiting.get(area.depends_on, []):
            waiting.setdefault(area.depends_on, []).append(area.process)
    return waiting


def pending_note(areas: tuple[GovernanceArea, ...], assessment: Any) -> str:
    """In words, which areas an unanswered question leaves open: they are flagged until it is answered."""
    names = assessment.process_names
    return " ".join(
        f"{', '.join(names.get(p, p) for p in processes)}: flagged because the open question about "
        f"{label_for(field)} is unanswered; its answer confirms or removes {'it' if len(processes) == 1 else 'them'}."
        for field, processes in pending(areas).items()
    )


KIND = GovernanceKind()
