"""Open questions: the scenario fields still missing, with the pack's question for each. Made from the facts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..contract import label_for, question_for
from .base import Kind, Section


@dataclass(frozen=True)
class OpenQuestion:
    fact: str
    question: str


class OpenQuestionKind(Kind):
    name = "open_question"
    authored = False
    part = "open_questions"
    order = 70

    def build(self, settling: Any) -> tuple[OpenQuestion, ...]:
        questions = settling.pack.questions
        return tuple(OpenQuestion(name, question_for(name, questions)) for name in settling.facts.missing_fields)

    def sections(self, value: tuple[OpenQuestion, ...], assessment: Any) -> list[Section]:
        rows = [(label_for(q.fact), q.question) for q in value]
        return [Section("Open questions", ("about", "question"), rows, "No open questions.", (None, 70))]


KIND = OpenQuestionKind()
