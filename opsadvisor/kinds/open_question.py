"""Open questions: the scenario fields still missing, with the pack's question for each.

The dialogue's own fields are asked when missing (where they apply, contract.Field.ask_if); a rule
asks for any other field it needs with `question: field` (e.g. `question: gdpr.dpa` when personal data
goes to a vendor and nobody said whether a data-processing agreement exists), so a fact is asked
only where it matters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..contract import FIELD, label_for, question_for
from ..errors import did_you_mean
from .base import Kind, Section
from .governance import pending


@dataclass(frozen=True)
class Ask:
    field: str


@dataclass(frozen=True)
class OpenQuestion:
    fact: str
    question: str
    settles: tuple[str, ...] = ()  # the processes of the governance areas that depend on the answer


class OpenQuestionKind(Kind):
    name = "question"
    shape = "`question: field`"
    meaning = "ask for a scenario field the rule needs (an open question while it is missing)"
    catalogue = "Open questions"
    catalogue_order = 70
    part = "open_questions"
    order = 70

    def parse(self, data: Any) -> Ask | str:
        if not isinstance(data, str) or data not in FIELD:
            hint = did_you_mean(str(data), FIELD)
            return f"expected a scenario field such as gdpr.dpa; found {data!r}{hint}"
        return Ask(data)

    def describe(self, payload: Ask) -> str:
        return f"ask for {payload.field}"

    def build(self, draft: Any) -> tuple[OpenQuestion, ...]:
        """The dialogue's missing fields in its order, then the fields rules ask for in the contract's order
        (not the order the rules fired in, which is the engine's business)."""
        asked = [*draft.facts.missing_fields]
        wanted = {fired.payload.field for fired in draft.conclusions(self.name)}
        for field in FIELD:
            if field in wanted and field not in asked and draft.scenario.value(field) is None:
                asked.append(field)
        questions = draft.pack.questions
        waiting = pending(draft.parts.get("governance_areas", ()))
        return tuple(OpenQuestion(name, question_for(name, questions), tuple(waiting.get(name, ()))) for name in asked)

    def to_json(self, value: tuple[OpenQuestion, ...]) -> list[dict[str, Any]]:
        return [{"fact": q.fact, "question": q.question, "settles": list(q.settles)} for q in value]

    def outline(self, value: tuple[OpenQuestion, ...]) -> int:
        """How many questions are open (the batch's summary lines count them)."""
        return len(value)

    def sections(self, value: tuple[OpenQuestion, ...], assessment: Any) -> list[Section]:
        names = assessment.process_names
        rows = [(label_for(q.fact), question_text(q, names)) for q in value]
        return [Section("Open questions", ("about", "question"), rows, "No open questions.", (None, 70))]


def question_text(question: OpenQuestion, names: dict[str, str]) -> str:
    """The question, and which governance areas its answer settles (they are flagged until it is answered)."""
    if not question.settles:
        return question.question
    areas = ", ".join(names.get(process, process) for process in question.settles)
    return f"{question.question} Its answer settles where IT can add value: {areas}."


KIND = OpenQuestionKind()
