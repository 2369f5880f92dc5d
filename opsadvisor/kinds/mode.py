"""`mode`: the bimodal mode (1 predictable, 2 exploratory); settled with the recommendation by priority."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..contract import MODES
from ..rulepack.ir import shown
from .base import Expectation, Kind, ValueExpectation


@dataclass(frozen=True)
class Mode:
    mode: int


class ModeKind(Kind):
    name = "mode"
    shape = "`mode: 1` or `mode: 2`"
    meaning = "the bimodal mode; the highest priority wins (the model's mode otherwise)"
    catalogue = "Model and mode"
    catalogue_order = 10

    def parse(self, data: Any) -> Mode | str:
        if data not in MODES or isinstance(data, bool):
            return f"expected 1 or 2; found {shown(data)}"
        return Mode(data)

    def describe(self, payload: Mode) -> str:
        return f"mode {payload.mode}"

    def disagreement(self, mine: Any, theirs: Any, other: str, pack: Any) -> str:
        ours, yours = {p.mode for p in mine}, {p.mode for p in theirs}
        if ours and yours and ours != yours:
            return f"sets mode {_join(ours)}, but rule {other} sets mode {_join(yours)}"
        return ""

    def outranked(self, payload: Mode, assessment: Any) -> str | None:
        rec = assessment.recommendation
        if payload.mode == rec.mode:
            return None
        winners = ", ".join(rec.because) if rec.because else "another rule"
        return f"mode {payload.mode}: mode {rec.mode} wins ({winners}, higher priority)"

    def expectations(self) -> tuple[Expectation, ...]:
        return (
            ValueExpectation(
                "mode",
                lambda a: a.recommendation.mode,
                lambda v: v is None or (v in MODES and not isinstance(v, bool)),
                "1, 2 or null",
            ),
        )


def _join(values: set[Any]) -> str:
    return ", ".join(sorted(map(str, values)))


KIND = ModeKind()
