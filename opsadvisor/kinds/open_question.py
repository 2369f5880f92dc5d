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
from .base import Kind, PackFacts, Section
from .governance import pending

# The fields a rule may ask for: every scenario field but those the workshop's commands record.
ASKABLE = tuple(path for path, item in FIELD.items() if not callable(item.spec))


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
    meaning = (
        "ask for a scenario field the rule needs (an open question while it is missing; `opsadvisor interview` "
        "asks it where the rule fires, in the field's words or the pack's `questions:`)"
    )
    catalogue = "Open questions"
    catalogue_order = 70
    part = "open_questions"
    order = 70
    reads = ("governance_areas",)

    def parse(self, data: Any) -> Ask | str:
        if not isinstance(data, str) or data not in ASKABLE:
            hint = did_you_mean(str(data), ASKABLE)
            recorded = " (recorded by opsadvisor decide and accept, not asked)" if data in FIELD else ""
            return f"expected a scenario field the interview can ask, such as gdpr.dpa; found {data!r}{recorded}{hint}"
        return Ask(data)

    def check(self, payload: Ask, pack: PackFacts) -> list[str]:
        """A question needs words, the contract's (Field.question) or the pack's (`questions:`): the interview
        asks it and the report lists it in them."""
        if question_for(payload.field, pack.questions):
            return []
        return [
            f"question {payload.field} has no words to ask it in: add them under `questions:` in the rule file, "
            f"e.g. `questions: {{{payload.field}: ...?}}`"
        ]

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
