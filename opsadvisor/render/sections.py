"""The report's sections as plain rows, shared by the table and Markdown renderers.

Each conclusion kind contributes its headline lines and sections (opsadvisor.kinds); the trace is
added here with --explain.
"""

from __future__ import annotations

from dataclasses import replace

from .. import kinds
from ..assessment import Assessment
from ..kinds import Section
from ..text import party, show_value

__all__ = ["Section", "party", "recommendation_lines", "sections", "show_value"]


def recommendation_lines(assessment: Assessment) -> list[str]:
    """The lines at the top of a report (the recommendation), from every kind that has them."""
    return [line for kind in kinds.parts() for line in kind.headline(assessment.parts[kind.part], assessment)]


GUIDE = "What each part of this report means: opsadvisor docs operating-models"  # the footer's pointer

RULE = "rule"  # a section's column of rule ids: people read the rule's title instead, under BECAUSE
BECAUSE = "because"


def for_people(section: Section, titles: dict[str, str]) -> Section:
    """The section with its rule ids replaced by the rules' titles (ids stay in JSON and the trace)."""
    if RULE not in section.headers:
        return section
    at = section.headers.index(RULE)
    headers = (*section.headers[:at], BECAUSE, *section.headers[at + 1 :])
    rows = [(*row[:at], titles.get(row[at], row[at]), *row[at + 1 :]) for row in section.rows]
    wrap = list(section.wrap or (None,) * len(headers))
    wrap[at] = 30
    return replace(section, headers=headers, rows=rows, wrap=tuple(wrap))


def sections(assessment: Assessment, explain: bool) -> list[Section]:
    titles = assessment.rule_titles
    result = [
        for_people(section, titles)
        for kind in kinds.parts()
        for section in kind.sections(assessment.parts[kind.part], assessment)
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
