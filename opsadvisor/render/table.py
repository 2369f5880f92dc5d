"""Terminal report: plain text tables (tabulate), fitted to the terminal's width when there is one.

Not at a terminal (a file, a pipe, the golden tests) the layout is the full-width one with each
section's own wrap widths, and no colour. At a terminal (or with COLUMNS set) the wrapped columns
share the width there is; a section whose table cannot fit (most, under 100 columns) prints one block
per row instead, so nothing wraps into a mess.
"""

from __future__ import annotations

import textwrap

from tabulate import tabulate

from ..assessment import Assessment
from ..kinds import Section
from ..rulepack import version_label
from ..terminal import styled
from .sections import GUIDE, recommendation_lines, sections

PROSE = 100  # the width of the lines above and below the tables, when not at a terminal
GAP = 2  # tabulate's space between columns
NARROWEST = 30  # a wrapped column of prose narrower than this reads badly: print blocks instead


def render(assessment: Assessment, explain: bool = False, width: int | None = None, colour: bool = False) -> str:
    prose = min(width, PROSE) if width else PROSE
    title = f"opsadvisor assessment: {assessment.service_name} ({assessment.service_id})"
    out = [title, "=" * len(title), ""]
    out += [textwrap.fill(line, width=prose, subsequent_indent="  ") for line in recommendation_lines(assessment)]
    for section in sections(assessment, explain):
        out += ["", section.title, "-" * len(section.title)]
        out.append(_section(section, width, colour) if section.rows else section.empty)
        if section.note:
            # a note names files (locations): never split one at a hyphen or inside it
            out += ["", textwrap.fill(section.note, width=prose, break_on_hyphens=False, break_long_words=False)]
    out += ["", f"Rules version: {version_label(assessment.rules_version)}", GUIDE, ""]
    return "\n".join(out)


def _section(section: Section, width: int | None, colour: bool) -> str:
    rows = [
        [styled(h, cell) if colour else cell for h, cell in zip(section.headers, row, strict=True)]
        for row in section.rows
    ]
    wrap = list(section.wrap) if section.wrap else None
    if width is not None:
        wrap = fitted(section, width)
        if wrap is None:
            return _blocks(section, width, colour)
    return tabulate(rows, headers=section.headers, maxcolwidths=wrap)


def fitted(section: Section, width: int) -> list[int | None] | None:
    """Column wrap widths that fit the table in `width` columns, the room shared among the wrapped
    columns in proportion to their usual widths; None when it cannot fit."""
    count = len(section.headers)
    usual = list(section.wrap) or [None] * count
    natural = [  # tabulate makes a column at least as wide as its header and two spaces
        max(len(h) + 2, *(len(line) for cell in column for line in str(cell).splitlines() or [""]))
        for h, column in zip(section.headers, zip(*section.rows, strict=True), strict=True)
    ]
    room = width - GAP * (count - 1) - sum(natural[i] for i in range(count) if usual[i] is None)
    result: list[int | None] = [None] * count
    open_ = [i for i in range(count) if usual[i] is not None]
    while open_:
        weight = sum(usual[i] or 0 for i in open_)
        capped = [i for i in open_ if natural[i] <= room * (usual[i] or 0) // weight]
        for i in capped or open_:
            result[i] = natural[i] if capped else room * (usual[i] or 0) // weight
        room -= sum(natural[i] for i in capped)
        open_ = [i for i in open_ if i not in capped] if capped else []
    least = [max(NARROWEST, len(header) + 2) for header in section.headers]
    if room < 0 or any(w is not None and w < least[i] for i, w in enumerate(result)):
        return None
    return result


def _blocks(section: Section, width: int, colour: bool) -> str:
    """One block per row: its first cell, then each other cell under its column's name, wrapped."""
    label = max(len(header) for header in section.headers[1:])
    indent = " " * (2 + label + 2)
    blocks = []
    for row in section.rows:
        lines = [str(styled(section.headers[0], row[0]) if colour else row[0])]
        for header, cell in zip(section.headers[1:], row[1:], strict=True):
            if cell == "":
                continue
            shown = styled(header, cell) if colour else cell
            lines += _wrapped(f"  {header:<{label}}  ", str(shown), indent, width)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _wrapped(first: str, text: str, indent: str, width: int) -> list[str]:
    if "\x1b" in text:  # a coloured value is one short word: wrapping would count its escape codes
        return [first + text]
    wide = max(width, len(indent) + 20)
    return textwrap.wrap(text, wide, initial_indent=first, subsequent_indent=indent, break_on_hyphens=False)
