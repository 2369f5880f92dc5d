"""`recommend`: the reference model to aim for (A, B or C), and with `mode`, the recommendation part.

Competing firings settle by priority: the highest-priority rule wins (ties: the later rule id).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, cast

from ..contract import COLUMNS, MODELS, UNDECIDED
from ..text import count
from .accountability import KIND as ACCOUNTABILITY
from .base import BatchColumn, Expectation, Kind, SummaryTable, ValueExpectation, mapping, unknown


@dataclass(frozen=True)
class Recommend:
    model: str
    suggestion: bool = False


@dataclass(frozen=True)
class Recommendation:
    model: str | None
    name: str | None
    mode: int | None
    suggestion: bool
    because: tuple[str, ...]
    transition_due: bool = False  # mode 2, and the move to mode 1 is due
    mode_note: str = ""  # why (the mode rule's note, interpolated)
    departures: tuple[str, ...] = ()  # names of the processes recorded decisions set otherwise than the model
    effectively: str = ""  # what the decided matrix makes of the model when it differs: EFFECTIVELY_C, NO_PART_FOR_IT


NO_MODEL = "none"
IT_PARTIES = ("it_ops", "it_delivery")
EFFECTIVELY_C = "C"
NO_PART_FOR_IT = "business operated (IT has no part)"


class RecommendKind(Kind):
    name = "recommend"
    shape = "`recommend: A`, or `{model: A, suggestion: true}`"
    meaning = "the reference model (A, B or C); the highest priority wins"
    catalogue = "Model and mode"
    catalogue_order = 10
    part = "recommendation"
    compares_texts = False  # by id / the winning rule, never by text
    order = 10
    reads = ()
    columns = (
        BatchColumn("model", 10, lambda outline: model_label(outline) or ""),
        BatchColumn("mode", 20, lambda outline: "" if outline[1] is None else outline[1]),
    )
    aspects = (("model", 10), ("mode", 20))

    def parse(self, data: Any) -> Recommend | str:
        if isinstance(data, str):
            data = {"model": data}
        result = mapping(data, ("model",), ("suggestion",))
        if isinstance(result, str):
            return result
        if result["model"] not in MODELS:
            return unknown("model", result["model"], MODELS)
        if not isinstance(result.get("suggestion", False), bool):
            return "suggestion must be true or false"
        return Recommend(result["model"], result.get("suggestion", False))

    def describe(self, payload: Recommend) -> str:
        return f"{'suggest' if payload.suggestion else 'recommend'} model {payload.model}"

    def disagreement(self, mine: Any, theirs: Any, other: str, pack: Any) -> str:
        ours, yours = {p.model for p in mine}, {p.model for p in theirs}
        if ours and yours and ours != yours:
            return f"recommends model {', '.join(sorted(ours))}, but rule {other} recommends {', '.join(sorted(yours))}"
        return ""

    def build(self, draft: Any) -> Recommendation:
        recommends, modes = draft.conclusions("recommend"), draft.conclusions("mode")
        mode = max(modes, key=lambda m: m.rank, default=None)
        settled = draft.settled.get(self.part)
        if settled is not None:  # settled from the same rules; its note is interpolated anew (derived facts grew)
            note = draft.text(mode.payload.note) if mode is not None and mode.payload.note else ""
            return cast(Recommendation, settled if note == settled.mode_note else replace(settled, mode_note=note))
        if not recommends:
            return _with_mode(Recommendation(None, None, None, False, ()), mode, draft)
        winner = max(recommends, key=lambda m: m.rank)
        model_id = winner.payload.model
        model = draft.pack.models.get(model_id)
        because = {m.rule.id for m in recommends if m.payload.model == model_id}
        if mode is not None:
            because.add(mode.rule.id)
        recommendation = Recommendation(
            model_id,
            model.name if model else None,
            None,  # the mode follows the lifecycle and the triggers (mode rules), never the model's label
            winner.payload.suggestion,
            tuple(sorted(because)),
            # a suggested model is nobody's decision yet, so no recorded decision departs from it
            departures=tuple(_departures(model, draft)) if model and not winner.payload.suggestion else (),
        )
        return _effectively(_with_mode(recommendation, mode, draft), draft)

    def to_json(self, value: Recommendation) -> dict[str, Any]:
        return {
            "model": value.model,
            "name": value.name,
            "mode": value.mode,
            "transition_due": value.transition_due,
            "mode_note": value.mode_note,
            "suggestion": value.suggestion,
            "because": list(value.because),
            "departures": list(value.departures),
            "effectively": value.effectively,
        }

    def headline(self, value: Recommendation, assessment: Any) -> list[str]:
        if value.model is None:
            return ["No model recommended: the facts given do not decide one."]
        label = "Suggested model" if value.suggestion else "Recommended model"
        lines = [f"{label}: {value.model} - {value.name}"]
        if value.departures:
            decided = count(len(value.departures), "process", "processes")
            lines[0] += f", with {decided} decided otherwise: {said_effectively(value.effectively)}"
            lines.append(f"Decided otherwise: {', '.join(value.departures)}")
        elif value.effectively:
            lines[0] += f", decided as it stands: {said_effectively(value.effectively)}"
        if value.transition_due:
            lines.append(f"Mode: 2, transition to mode 1 due ({value.mode_note or 'it meets the mode 1 triggers'})")
        elif value.mode is not None:
            lines.append(f"Mode: {value.mode} ({'predictable' if value.mode == 1 else 'exploratory'})")
        else:
            lines.append("Mode: not known yet: the lifecycle stage decides it (see the open questions)")
        if value.suggestion:
            lines.append(
                "This is a suggestion from the facts: the operate-ownership ambition is not yet set. Until it is, "
                f"every cell of the matrix is an open decision; the preview shows what model {value.model} would "
                "require."
            )
        titles = assessment.rule_titles
        lines.append("Because: " + "; ".join(titles.get(rule, rule) for rule in value.because))
        return lines

    def outranked(self, payload: Recommend, assessment: Any) -> str | None:
        rec = assessment.recommendation
        if payload.model == rec.model:
            return None
        return f"recommend model {payload.model}: model {rec.model} wins ({_winners(rec)}, higher priority)"

    def expectations(self) -> tuple[Expectation, ...]:
        return (
            ValueExpectation(
                "model",
                lambda a: a.recommendation.model,
                lambda v: v is None or v in MODELS,
                f"one of {', '.join(MODELS)} or null",
            ),
            ValueExpectation(
                "suggestion",
                lambda a: a.recommendation.suggestion,
                lambda v: isinstance(v, bool),
                "true or false",
            ),
        )

    def outline(self, value: Recommendation) -> tuple[str | None, int | None, bool, str]:
        """(model, mode, whether the model is only a suggestion: shown as "B (suggested)", what the decided
        matrix effectively makes of it: "" or "C", as the report's headline says)."""
        return (value.model, value.mode, bool(value.model and value.suggestion), value.effectively)

    def new_tally(self) -> dict[tuple[str, str], int]:
        return {}

    def tally(self, tally: dict[tuple[str, str], int], outline: tuple[str | None, int | None, bool]) -> Any:
        """Services per model and mode; a suggested model apart from the recommended one ("C (suggested)")."""
        key = (model_label(outline) or NO_MODEL, "-" if outline[1] is None else str(outline[1]))
        tally[key] = tally.get(key, 0) + 1
        return tally

    def merge(self, tally: dict[tuple[str, str], int], later: dict[tuple[str, str], int]) -> Any:
        for key, services in later.items():
            tally[key] = tally.get(key, 0) + services
        return tally

    def summary_tables(self, tally: dict[tuple[str, str], int], process_names: Any) -> list[SummaryTable]:
        rows = [(model, mode, count) for (model, mode), count in sorted(tally.items())]
        return [SummaryTable("Services per model and mode", ["model", "mode", "services"], rows)]

    def diff_aspects(self, outline: tuple[str | None, int | None, bool]) -> dict[str, str]:
        return {"model": outline[0] or "none", "mode": "none" if outline[1] is None else str(outline[1])}


def model_label(outline: tuple[Any, ...]) -> str | None:
    """The model of an outline as every table shows it: "B", or "B (suggested)" while the ambition is open."""
    return f"{outline[0]} (suggested)" if outline[2] else outline[0]


def said_effectively(effectively: str) -> str:
    """What the decided matrix makes of the model, as every headline says it: "effectively C"."""
    return f"effectively {effectively}"


def model_said(model: str | None, suggested: bool, effectively: str) -> str:
    """The model in a few words, as the workbench's board and lists say it: the effective model first, as
    the report's headline has it ("effectively C (A recommended)"), "B (suggested)", "A", or "none"."""
    if not model:
        return NO_MODEL
    if suggested:
        return f"{model} (suggested)"
    if effectively and effectively != model:
        return f"{said_effectively(effectively)} ({model} recommended)"
    return model


def _with_mode(recommendation: Recommendation, mode: Any, draft: Any) -> Recommendation:
    """The recommendation with the winning mode rule's mode, when one outranks the model's own."""
    if mode is None:
        return recommendation
    payload = mode.payload
    return replace(
        recommendation,
        mode=payload.mode,
        transition_due=payload.transition,
        mode_note=draft.text(payload.note) if payload.note else "",
    )


def _effectively(recommendation: Recommendation, draft: Any) -> Recommendation:
    """The recommendation with what the decided matrix effectively makes of the model: business operated
    when IT has no part in any decided cell, else model C when decisions depart from the model."""
    if recommendation.model is None or recommendation.suggestion:
        return recommendation
    draft.parts["recommendation"] = recommendation  # the matrix starts from it
    if _no_part_for_it(ACCOUNTABILITY.build(draft)):
        effectively = NO_PART_FOR_IT
    else:
        effectively = EFFECTIVELY_C if recommendation.departures else ""
    return (
        recommendation
        if effectively == recommendation.effectively
        else replace(recommendation, effectively=effectively)
    )


# Whether IT has no part in a matrix, every cell decided, by the matrix object (most services share their
# model's reference matrix), kept with the matrix so that its id stays its own.
_NO_PART: dict[int, tuple[Any, bool]] = {}
MAX_MATRICES = 256


def _no_part_for_it(matrix: Any) -> bool:
    kept = _NO_PART.get(id(matrix))
    if kept is None or kept[0] is not matrix:
        cells = [getattr(row, column) for row in matrix for column in COLUMNS]
        if len(_NO_PART) >= MAX_MATRICES:
            _NO_PART.clear()
        kept = _NO_PART[id(matrix)] = (matrix, UNDECIDED not in cells and not any(cell in IT_PARTIES for cell in cells))
    return kept[1]


def _departures(model: Any, draft: Any) -> list[str]:
    """The processes whose recorded decision differs from a decided cell of the model, in matrix order."""
    decisions = draft.scenario.decisions
    if not decisions:
        return []  # most services record none: then no process departs (asked twice per service)
    return [
        process.name
        for process in draft.pack.processes
        if any(
            model.cells[process.id][index] not in (UNDECIDED, decisions[process.id][column])
            for index, column in enumerate(COLUMNS)
            if column in decisions.get(process.id, {})
        )
    ]


def _winners(rec: Recommendation) -> str:
    return ", ".join(rec.because) if rec.because else "another rule"


KIND = RecommendKind()
