"""Open decisions: the matrix cells still t.b.d. Made by the assessment from the matrix, not by rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..contract import COLUMNS, UNDECIDED
from .base import Column, Kind, Section


@dataclass(frozen=True)
class OpenDecision:
    process: str
    column: str


class OpenDecisionKind(Kind):
    name = "open_decision"
    authored = False
    part = "open_decisions"
    order = 60
    columns = (Column("open_decisions", 60, lambda outline: outline),)

    def build(self, settling: Any) -> tuple[OpenDecision, ...]:
        return tuple(
            OpenDecision(row.process, column)
            for row in settling.parts["accountability"]
            for column in COLUMNS
            if getattr(row, column) == UNDECIDED
        )

    def sections(self, value: tuple[OpenDecision, ...], assessment: Any) -> list[Section]:
        names = assessment.process_names
        rows = [(names.get(d.process, d.process), d.column) for d in value]
        return [Section("Open decisions", ("process", "column"), rows, "No open decisions.")]

    def outline(self, value: tuple[OpenDecision, ...]) -> int:
        return len(value)

    def findings(self, outline: int) -> int:
        return outline


KIND = OpenDecisionKind()
