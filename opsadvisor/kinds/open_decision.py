"""Open decisions: the matrix cells still t.b.d., made by the assessment from the matrix.

Rules may raise their priority: `open_decision: {priority: high, why: text}` (e.g. on a critical or
regulated service nobody is accountable for an undecided process). The highest priority concluded
applies to every open cell, with the reasons of the rules that concluded it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..contract import COLUMNS, UNDECIDED
from .base import BatchColumn, Finding, FindingCount, Kind, Section, Words, mapping, text_fields

PRIORITIES = ("normal", "high")


@dataclass(frozen=True)
class OpenDecisionPriority:
    priority: str
    why: str


@dataclass(frozen=True)
class OpenDecision:
    process: str
    column: str
    priority: str = "normal"
    why: str = ""


class OpenDecisionKind(Kind):
    name = "open_decision"
    shape = "`{priority: high, why: text}`"
    meaning = "raise the priority of the open (t.b.d.) cells of the matrix, saying why"
    catalogue = "Open decisions"
    catalogue_order = 35
    part = "open_decisions"
    order = 60
    columns = (BatchColumn("open_decisions", 60, lambda outline: outline),)
    finding_count = FindingCount("decisions", "open decisions")

    def parse(self, data: Any) -> OpenDecisionPriority | str:
        result = mapping(data, ("priority", "why"))
        if isinstance(result, str):
            return result
        if result["priority"] not in PRIORITIES:
            return f"priority must be one of {', '.join(PRIORITIES)}"
        result = text_fields(result, ("why",))
        return result if isinstance(result, str) else OpenDecisionPriority(**result)

    def describe(self, payload: OpenDecisionPriority) -> str:
        return f"open decisions priority {payload.priority}"

    def detail(self, payload: OpenDecisionPriority) -> str:
        return payload.why

    def detail_lines(self, payload: OpenDecisionPriority) -> list[tuple[str, str]]:
        return [("why", payload.why)]

    def texts(self, payload: OpenDecisionPriority) -> tuple[str, ...]:
        return (payload.why,)

    def build(self, draft: Any) -> tuple[OpenDecision, ...]:
        flags = draft.conclusions(self.name)
        priority = max((m.payload.priority for m in flags), key=PRIORITIES.index, default="normal")
        why = " ".join(dict.fromkeys(draft.text(m.payload.why) for m in flags if m.payload.priority == priority))
        return tuple(
            OpenDecision(row.process, column, priority, why)
            for row in draft.parts["accountability"]
            for column in COLUMNS
            if getattr(row, column) == UNDECIDED
        )

    def sections(self, value: tuple[OpenDecision, ...], assessment: Any) -> list[Section]:
        names = assessment.process_names
        if any(d.priority != "normal" for d in value):
            rows: list[tuple[str, ...]] = [(names.get(d.process, d.process), d.column, d.priority) for d in value]
            why = next(d.why for d in value if d.why)
            return [Section("Open decisions", ("process", "column", "priority"), rows, "No open decisions.", note=why)]
        rows = [(names.get(d.process, d.process), d.column) for d in value]
        return [Section("Open decisions", ("process", "column"), rows, "No open decisions.")]

    def outline(self, value: tuple[OpenDecision, ...]) -> int:
        return len(value)

    def findings(self, outline: int) -> int:
        return outline

    def listed_findings(self, part: list[dict[str, Any]], words: Words) -> list[Finding]:
        names = words.process_names
        return [
            Finding(
                "open decision",
                f"{names.get(item['process'], item['process'])}: {item['column']}",
                item["priority"],
                item["why"],
                "",
            )
            for item in part
        ]


KIND = OpenDecisionKind()
