"""`next_step`: a next step of the dialogue. All firings are collected, ordered by priority, duplicates merged.

A high-severity conflict is resolved before anything else (docs/operating-models.md): its remedy leads
the steps, named by the rule that raised it, so that a report never shows a high conflict beside
"No next steps"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .base import Kind, Section

HIGH = "high"
OBLIGATION = "obligation"  # a conflict kind whose remedy is a legal duty (kinds.conflict)


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
    reads = ("conflicts",)

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
        first = tuple(
            NextStep(_first(conflict), conflict.rule)
            for conflict in draft.parts.get("conflicts", ())
            if conflict.severity == HIGH
        )
        steps: dict[str, Any] = {}
        for m in sorted(draft.conclusions(self.name), key=lambda m: m.rank):
            steps.setdefault(draft.text(m.payload.step), m)
        ordered = sorted(steps.items(), key=lambda item: (item[1].rank, item[0]))
        return first + tuple(NextStep(step, m.rule.id) for step, m in ordered)

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


def _first(conflict: Any) -> str:
    """A high conflict's remedy as the step that comes first: an obligation is met, any other resolved."""
    if conflict.kind == OBLIGATION:
        return f"Meet the obligation first ({conflict.reference}): {conflict.remedy}"
    return f"Resolve the {conflict.kind.replace('_', ' ')} conflict first: {conflict.remedy}"


KIND = NextStepKind()
