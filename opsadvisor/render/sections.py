"""The report's sections as plain rows, shared by the table and Markdown renderers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..assessment import Assessment, Risk
from ..text import party, show_value


@dataclass(frozen=True)
class Section:
    title: str
    headers: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    empty: str = "None."
    wrap: tuple[int | None, ...] = ()


def recommendation_lines(assessment: Assessment) -> list[str]:
    rec = assessment.recommendation
    if rec.model is None:
        return ["No model recommended: the facts given do not decide one."]
    label = "Suggested model" if rec.suggestion else "Recommended model"
    lines = [f"{label}: {rec.model} - {rec.name}"]
    if rec.mode is not None:
        lines.append(f"Mode: {rec.mode} ({'predictable, IT-run' if rec.mode == 1 else 'exploratory, business-led'})")
    if rec.suggestion:
        lines.append("This is a suggestion from the facts: the operate-ownership ambition is not yet set.")
    lines.append("Because: " + ", ".join(rec.because))
    return lines


def _risk_status(risk: Risk) -> str:
    if not risk.accepted:
        return "PENDING"
    when = f" on {risk.accepted_on}" if risk.accepted_on else ""
    return f"accepted by {risk.accepted_by}{when}"


def sections(assessment: Assessment, explain: bool) -> list[Section]:
    names = {row.process: row.name for row in assessment.accountability}
    result = [
        Section(
            "Conflicts",
            ("severity", "kind", "conflict", "remedy", "rule"),
            [(c.severity, c.kind, c.message, c.remedy, c.rule) for c in assessment.conflicts],
            "No conflicts found.",
            (None, None, 40, 40, None),
        ),
        Section(
            "Where IT can add value",
            ("process", "advice", "rule"),
            [(names.get(g.process, g.process), g.advice, g.rule) for g in assessment.governance_areas],
            "No governance areas flagged.",
            (None, 60, None),
        ),
        Section(
            "Risks to accept",
            ("risk", "status", "must be accepted by", "why", "rule"),
            [(r.id, _risk_status(r), r.accept_by, r.message, r.rule) for r in assessment.risks],
            "No risks need acceptance.",
            (None, 20, 24, 44, None),
        ),
        Section(
            "Accountability",
            ("support process", "application", "interface"),
            [(row.name, party(row.application), party(row.interface)) for row in assessment.accountability],
        ),
        Section(
            "Open decisions",
            ("process", "column"),
            [(names.get(d.process, d.process), d.column) for d in assessment.open_decisions],
            "No open decisions.",
        ),
        Section(
            "Open questions",
            ("fact", "question"),
            [(q.fact, q.question) for q in assessment.open_questions],
            "No open questions.",
            (None, 70),
        ),
        Section(
            "Next steps",
            ("#", "step", "rule"),
            [(index, s.step, s.rule) for index, s in enumerate(assessment.next_steps, 1)],
            "No next steps.",
            (None, 70, None),
        ),
    ]
    if explain:
        result.append(
            Section(
                "Trace (rules in firing order)",
                ("#", "rule", "priority", "matched", "concluded"),
                [
                    (
                        index,
                        f"{entry.rule}: {entry.title}",
                        entry.priority,
                        "; ".join(f"{k} = {show_value(v)}" for k, v in entry.matched.items()) or "-",
                        "; ".join(entry.concluded),
                    )
                    for index, entry in enumerate(assessment.trace, 1)
                ],
                "No rule fired.",
                (None, 36, None, 36, 36),
            )
        )
    return result
