"""The report's sections as plain rows, shared by the table and Markdown renderers.

Each conclusion kind contributes its headline lines and sections (opsadvisor.kinds); the trace is
added here with --explain.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .. import kinds
from ..assessment import Assessment
from ..kinds import Section
from ..text import id_words, party, show_value

__all__ = ["Section", "party", "recommendation_lines", "sections", "show_value"]


def recommendation_lines(assessment: Assessment) -> list[str]:
    """The lines at the top of a report (the recommendation), from every kind that has them."""
    return [line for kind in kinds.parts() for line in kind.headline(assessment.parts[kind.part], assessment)]


GUIDE = "What each part of this report means: opsadvisor docs operating-models"  # the footer's pointer

RULE = "rule"  # a section's column of rule ids: people read the rule's title instead, under BECAUSE
BECAUSE = "because"


KIND = "kind"  # a section's column of conflict kinds: people read them as words ("ambition risk")
RISK = "risk"  # a section's column of risk ids: people read the title of the rule that raised the risk
RISK_ID = "risk id"  # where the risk's id stays, for `opsadvisor accept FILE RISK_ID`


def for_people(section: Section, titles: dict[str, str]) -> Section:
    """The section in words: rule ids replaced by the rules' titles, conflict kinds by their words, and a risk
    named by the title of its rule, its id kept in the place of the title it would repeat (ids stay in JSON
    and the trace)."""
    if RULE not in section.headers:
        return section
    at = section.headers.index(RULE)
    rows = [(*row[:at], titles.get(row[at], row[at]), *row[at + 1 :]) for row in section.rows]
    if KIND in section.headers:
        kind = section.headers.index(KIND)
        rows = [(*row[:kind], id_words(row[kind]), *row[kind + 1 :]) for row in rows]
    headers = (*section.headers[:at], BECAUSE, *section.headers[at + 1 :])
    wrap = list(section.wrap or (None,) * len(headers))
    wrap[at] = 30
    if RISK in section.headers:
        risk = section.headers.index(RISK)
        rows = [_swapped(row, risk, at) for row in rows]
        headers = (*headers[:at], RISK_ID, *headers[at + 1 :])
        wrap[risk], wrap[at] = 30, None
    return replace(section, headers=headers, rows=rows, wrap=tuple(wrap))


def _swapped(row: tuple[Any, ...], first: int, second: int) -> tuple[Any, ...]:
    """The row with two cells swapped."""
    cells = list(row)
    cells[first], cells[second] = cells[second], cells[first]
    return tuple(cells)


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
