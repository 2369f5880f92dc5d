"""`mode`: the bimodal mode (1 predictable, 2 exploratory); settled with the recommendation by priority."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..contract import MODES
from ..rulesyntax import as_written
from .base import Expectation, Kind, ValueExpectation, mapping

TRANSITION = "transition"


@dataclass(frozen=True)
class Mode:
    """Mode 1 or 2; `transition`: mode 2 with the move to mode 1 due, `note` saying why (interpolated)."""

    mode: int
    transition: bool = False
    note: str = ""


class ModeKind(Kind):
    name = "mode"
    shape = "`mode: 1`, `mode: 2`, or `mode: {value: transition, note: text}`"
    meaning = (
        "the bimodal mode; `transition`: mode 2 with the move to mode 1 due, the note says why; "
        "the highest priority wins (none fired: the mode is not known yet; the model's label never sets it)"
    )
    catalogue = "Model and mode"
    catalogue_order = 10

    def parse(self, data: Any) -> Mode | str:
        if isinstance(data, dict):
            result = mapping(data, ("value",), ("note",))
            if isinstance(result, str):
                return result
            note = result.get("note", "")
            if not isinstance(note, str):
                return "note must be text"
            parsed = self.parse(result["value"])
            return parsed if isinstance(parsed, str) else replace(parsed, note=" ".join(note.split()))
        if data == TRANSITION:
            return Mode(2, transition=True)
        if data not in MODES or isinstance(data, bool):
            return f"expected 1, 2 or transition; found {as_written(data)}"
        return Mode(data)

    def describe(self, payload: Mode) -> str:
        return "mode 2, transition to mode 1 due" if payload.transition else f"mode {payload.mode}"

    def texts(self, payload: Mode) -> tuple[str, ...]:
        return (payload.note,)

    def disagreement(self, mine: Any, theirs: Any, other: str, pack: Any) -> str:
        ours, yours = {self.describe(p)[5:] for p in mine}, {self.describe(p)[5:] for p in theirs}
        if ours and yours and ours != yours:
            return f"sets mode {_join(ours)}, but rule {other} sets mode {_join(yours)}"
        return ""

    def outranked(self, payload: Mode, assessment: Any) -> str | None:
        rec = assessment.recommendation
        if (payload.mode, payload.transition) == (rec.mode, rec.transition_due):
            return None
        winners = ", ".join(rec.because) if rec.because else "another rule"
        shown_mode = "mode 2, transition to mode 1 due" if rec.transition_due else f"mode {rec.mode}"
        return f"{self.describe(payload)}: {shown_mode} wins ({winners}, higher priority)"

    def expectations(self) -> tuple[Expectation, ...]:
        return (
            ValueExpectation(
                "mode",
                lambda a: a.recommendation.mode,
                lambda v: v is None or (v in MODES and not isinstance(v, bool)),
                "1, 2 or null",
            ),
            ValueExpectation(
                "transition_due",
                lambda a: a.recommendation.transition_due,
                lambda v: isinstance(v, bool),
                "true or false",
            ),
        )


def _join(values: set[Any]) -> str:
    return ", ".join(sorted(map(str, values)))


KIND = ModeKind()
