"""`next_step`: a next step of the dialogue. All firings are collected, ordered by priority, duplicates merged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .base import Kind, Section


@dataclass(frozen=True)
class Step:
    step: str


@dataclass(frozen=True)
class NextStep:
    step: str
    rule: str


class NextStepKind(Kind):
    name = "next_step"
    shape = "`next_step: text`"
    meaning = "a next step of the dialogue, ordered by priority"
    catalogue = "Next steps"
    catalogue_order = 60
    part = "next_steps"
    order = 80

    def parse(self, data: Any) -> Step | str:
        if not isinstance(data, str) or not data.strip():
            return "expected the step as text"
        return Step(" ".join(data.split()))

    def describe(self, payload: Step) -> str:
        return "next step"

    def detail(self, payload: Step) -> str:
        return payload.step

    def detail_lines(self, payload: Step) -> list[tuple[str, str]]:
        return [("step", payload.step)]

    def texts(self, payload: Step) -> tuple[str, ...]:
        return (payload.step,)

    def build(self, draft: Any) -> tuple[NextStep, ...]:
        steps: dict[str, Any] = {}
        for m in sorted(draft.conclusions(self.name), key=lambda m: m.rank):
            steps.setdefault(draft.text(m.payload.step), m)
        ordered = sorted(steps.items(), key=lambda item: (item[1].rank, item[0]))
        return tuple(NextStep(step, m.rule.id) for step, m in ordered)

    def sections(self, value: tuple[NextStep, ...], assessment: Any) -> list[Section]:
        return [
            Section(
                "Next steps",
                ("#", "step", "rule"),
                [(index, s.step, s.rule) for index, s in enumerate(value, 1)],
                "No next steps.",
                (None, 70, None),
            )
        ]


KIND = NextStepKind()
