"""The report's sections as plain rows, shared by the table and Markdown renderers.

Each conclusion kind contributes its headline lines and sections (opsadvisor.kinds); the trace is
added here with --explain.
"""

from __future__ import annotations

from .. import kinds
from ..assessment import Assessment
from ..kinds import Section
from ..text import party, show_value

__all__ = ["Section", "party", "recommendation_lines", "sections", "show_value"]


def recommendation_lines(assessment: Assessment) -> list[str]:
    """The lines at the top of a report (the recommendation), from every kind that has them."""
    return [line for kind in kinds.parts() for line in kind.headline(assessment.parts[kind.part])]


def sections(assessment: Assessment, explain: bool) -> list[Section]:
    result = [section for kind in kinds.parts() for section in kind.sections(assessment.parts[kind.part], assessment)]
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
