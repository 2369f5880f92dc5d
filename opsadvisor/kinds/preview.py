"""The preview: what the suggested model would require, while the ambition is open.

A suggestion is the tool's own, not a decision: raising conflicts or risks against it would make the
tool argue with itself ("suggest B", then "B does not fit"). While the ambition is open every cell is
an open decision (kinds.accountability); this part assesses the service once more as if the suggested
model's ambition were set, and shows the conflicts and risks that choice would bring, as a preview.
Made by the assessment itself, not written in rules.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..text import id_words
from .base import Kind, Section


@dataclass(frozen=True)
class PreviewItem:
    finding: str  # "conflict" or "risk to accept"
    what: str  # the conflict's kind or the risk's id
    severity: str
    text: str
    then: str  # the conflict's remedy, or who would accept the risk
    rule: str
    because: str  # the rule's title (the rule fired in the preview's assessment, not in this one)


@dataclass(frozen=True)
class Preview:
    model: str
    ambition: str
    items: tuple[PreviewItem, ...]


# The parts of the chosen model's assessment that the preview shows (besides the titles of the rules that fired).
SHOWN = ("conflicts", "risks")


class PreviewKind(Kind):
    name = "preview"
    authored = False
    meaning = "what the suggested model would require, while the ambition is open (made by the assessment)"
    part = "preview"
    order = 15
    reads = ("recommendation",)

    def build(self, draft: Any) -> Preview | None:
        recommendation = draft.parts["recommendation"]
        model = draft.pack.models.get(recommendation.model) if recommendation.suggestion else None
        if model is None or draft.assess_chosen is None:
            return None
        chosen = _assessed_as_chosen(draft, model.ambition)
        titles = chosen.rule_titles
        items = [
            PreviewItem("conflict", c.kind, c.severity, c.message, c.remedy, c.rule, titles[c.rule])
            for c in chosen.conflicts
        ] + [
            PreviewItem("risk to accept", r.id, r.severity, r.message, r.accept_by, r.rule, titles[r.rule])
            for r in chosen.risks
        ]
        return Preview(model.id, model.ambition, tuple(items))

    def to_json(self, value: Preview | None) -> dict[str, Any] | None:
        if value is None:
            return None
        return {"model": value.model, "ambition": value.ambition, "items": [dict(i.__dict__) for i in value.items]}

    def sections(self, value: Preview | None, assessment: Any) -> list[Section]:
        if value is None:
            return []
        title = f"If model {value.model} is chosen (a preview, not findings)"
        # in words: a conflict's kind ("ambition risk"), a risk by the title of its rule (its id stays in JSON)
        rows = [
            (
                i.finding,
                id_words(i.what) if i.finding == "conflict" else i.because,
                i.severity,
                i.text,
                i.then,
                i.because,
            )
            for i in value.items
        ]
        note = (
            f"The ambition is open, so model {value.model} is only suggested and every cell is an open decision. "
            f"Choosing it (ambition: {value.ambition}) would bring what is listed here."
        )
        empty = f"Choosing model {value.model} would bring no conflict and no risk to accept."
        headers = ("finding", "what", "severity", "what it means", "remedy or who accepts", "because")
        return [Section(title, headers, rows, empty, (None, None, None, 40, 30, 30), note=note)]


def _assessed_as_chosen(draft: Any, ambition: str) -> Any:
    """The service assessed with the ambition set (the suggested model chosen), on the same pack and day,
    by the caller's assessor (AssessmentDraft.assess_chosen), as far as the parts this one shows; the
    texts it makes count as this part's (batch.memo compares them)."""
    chosen = dataclasses.replace(draft.scenario, ambition=ambition)
    texts: dict[str, list[str]] | None = None if draft.text.texts is None else {}
    assessment = draft.assess_chosen(chosen, texts, SHOWN)
    if texts is not None and draft.text.texts is not None:
        draft.text.texts.extend(text for part in texts.values() for text in part)
    return assessment


KIND = PreviewKind()
