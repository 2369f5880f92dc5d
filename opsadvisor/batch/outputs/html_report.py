"""HTML portfolio page: one self-contained file (inline CSS and SVG, no scripts, no external resources).

It shows the summary, a bar chart of services per model, and a services-by-processes heat map of
the accountability matrix: each cell is split in the application and the interface party, open
decisions (t.b.d.) are outlined, services with conflicts are marked. The page is rendered from the
templates opsadvisor/templates/portfolio*.html.j2 with autoescaping, so every user string (service
ids, names, locations, errors, process names from rule packs) is HTML-escaped. Counts carry
`data-count` attributes so that tests can read them back from the rendered page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...files import Spool, text_file
from ...render.templating import markup, template
from ...rulepack import version_parts
from ...text import PARTIES, party_letter
from ..runner import INVALID, Outcome
from ..summary import Summary
from . import ReportContext

BAR_WIDTH = 56
CHART_HEIGHT = 160


@dataclass(frozen=True)
class Mark:
    """How an accountability cell value shows in the heat map."""

    letter: str
    label: str
    css: str


def _mark(value: str) -> Mark:
    known = PARTIES.get(value)
    css = "p-na" if value == "n/a" else f"p-{value}" if known else "p-other"
    return Mark(party_letter(value), known.legend if known else value, css)


def _cell(process: str, cell: tuple[str, str]) -> dict[str, Any]:
    marks = [_mark(value) for value in cell]
    labels = "; ".join(
        f"{column}: {mark.label}" for column, mark in zip(("application", "interface"), marks, strict=True)
    )
    return {"title": f"{process}: {labels}", "spans": marks}


def _chart(per_model: dict[str, int]) -> dict[str, Any]:
    """An inline SVG bar chart: one bar per model, its count written above it."""
    top = max(per_model.values(), default=0) or 1
    width = max(len(per_model), 1) * (BAR_WIDTH + 24) + 24
    bars = []
    for index, (model, count) in enumerate(per_model.items()):
        x = 24 + index * (BAR_WIDTH + 24)
        height = round(CHART_HEIGHT * count / top)
        y = 20 + CHART_HEIGHT - height
        bars.append({"model": model, "count": count, "x": x, "y": y, "height": height, "middle": x + BAR_WIDTH // 2})
    return {
        "width": width,
        "height": CHART_HEIGHT + 48,
        "bar_width": BAR_WIDTH,
        "label_y": CHART_HEIGHT + 38,
        "bars": bars,
    }


class HtmlWriter:
    needs_json = False

    def __init__(self, path: Path, context: ReportContext) -> None:
        self.path = path
        self.context = context
        self.spool = Spool(path)
        self.row = template("portfolio_row.html.j2")
        self.count = 0
        self.open_decisions = 0

    def add(self, outcome: Outcome) -> None:
        self.count += 1
        self.open_decisions += outcome.open_decisions
        self.spool.write(self.row.render(self._row(outcome)))

    def _row(self, outcome: Outcome) -> dict[str, Any]:
        row: dict[str, Any] = {"outcome": outcome, "number": self.count, "invalid": outcome.status == INVALID}
        if row["invalid"]:
            return row | {"span": len(self.context.processes) + 2}
        conflicts = len(outcome.conflicts)
        names = [name for _, name in self.context.processes]
        return row | {
            "css": "service conflict" if conflicts else "service",
            "model": outcome.model or "none",
            "conflicts": conflicts,
            "conflicts_css": "conflicts has" if conflicts else "conflicts",
            "conflicts_title": ", ".join(outcome.conflicts),
            "cells": [_cell(name, cell) for name, cell in zip(names, outcome.cells, strict=True)],
        }

    def _rows(self) -> Iterator[Any]:
        """The spooled rows, already HTML."""
        for line in self.spool.lines():
            yield markup(line)

    def finish(self, summary: Summary) -> None:
        figures = [
            ("read", "entries read", summary.read),
            ("assessed", "assessed", summary.assessed),
            ("invalid", "invalid", summary.invalid),
            ("with-conflicts", "services with conflicts", summary.services_with_conflicts),
            ("pending-risks", "risks pending", summary.pending_risks),
            ("open-decisions", "open decisions", self.open_decisions),
        ]
        rules_version, rules_note = version_parts(self.context.rules_version)
        page = template("portfolio.html.j2").generate(
            figures=figures,
            tables=summary.tables(self.context.process_names)[1:],
            chart=_chart(summary.per_model()),
            legend=[_mark(value) for value in PARTIES],
            processes=[name for _, name in self.context.processes],
            rows=self._rows(),
            rules_version=rules_version,
            rules_note=rules_note,
        )
        with text_file(self.path) as out:
            out.writelines(page)
        self.spool.close()

    def abort(self) -> None:
        self.spool.close()
