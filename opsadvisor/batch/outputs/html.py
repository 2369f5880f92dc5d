"""HTML portfolio page: one self-contained file (inline CSS and SVG, no scripts, no external resources).

It shows the summary, a bar chart of services per model, and a services-by-processes heat map of
the accountability matrix: each cell is split in the application and the interface party, open
decisions (t.b.d.) are outlined, services with conflicts are marked. Every user string (service
ids, names, locations, errors, process names from rule packs) is HTML-escaped. Counts carry
`data-count` attributes so that tests can read them back from the rendered page.
"""

from __future__ import annotations

import shutil
import tempfile
from html import escape
from pathlib import Path
from typing import Any

from ...files import text_file
from ..runner import INVALID, Outcome
from ..summary import Summary
from . import ReportContext

PARTIES = {
    "it_ops": ("O", "IT OPS"),
    "it_delivery": ("D", "IT Delivery"),
    "business": ("B", "Business"),
    "tbd": ("?", "t.b.d. (open decision)"),
    "n/a": ("-", "n/a"),
}
BAR_WIDTH = 56
CHART_HEIGHT = 160

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1a202c}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}
.counts{display:flex;gap:1rem;flex-wrap:wrap;padding:0;margin:0}
.counts div{border:1px solid #cbd5e0;border-radius:6px;padding:.5rem 1rem;min-width:8rem}
.counts dt{font-size:.8rem;color:#4a5568}.counts dd{margin:0;font-size:1.5rem;font-weight:600}
table{border-collapse:collapse;font-size:.85rem}
th,td{border:1px solid #e2e8f0;padding:.2rem .4rem;text-align:left;vertical-align:top}
.heatmap td.cell{padding:0;white-space:nowrap}
.heatmap th.process{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:500}
.h{display:inline-block;width:1.1rem;text-align:center;font-weight:600}
.p-it_ops{background:#2b6cb0;color:#fff}.p-it_delivery{background:#2f855a;color:#fff}
.p-business{background:#dd6b20;color:#fff}.p-na{background:#edf2f7;color:#718096}
.p-tbd{background:#fff5f5;color:#c53030;outline:2px dashed #e53e3e;outline-offset:-2px}
tr.conflict td.service{border-left:6px solid #c53030}
td.conflicts.has{background:#fed7d7;color:#9b2c2c;font-weight:600}
tr.invalid td{background:#fffff0;color:#744210}
.legend span{margin-right:1rem}
svg text{font-size:12px;fill:#1a202c}svg rect.bar{fill:#4a5568}
"""


def _party(value: str) -> tuple[str, str, str]:
    """(letter, label, css class) of an accountability cell value."""
    letter, label = PARTIES.get(value, (value[:1].upper() or "?", value))
    css = "p-na" if value == "n/a" else f"p-{value}" if value in PARTIES else "p-other"
    return letter, label, css


class HtmlWriter:
    def __init__(self, path: Path, context: ReportContext) -> None:
        self.path = path
        self.context = context
        self.spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (closed by finish or abort)
        self.count = 0
        self.open_decisions = 0

    def add(self, outcome: Outcome) -> None:
        self.count += 1
        self.open_decisions += outcome.open_decisions
        self.spool.write(self._row(outcome))

    def _row(self, outcome: Outcome) -> str:
        service = (
            f"<td class=service>{escape(outcome.service_id or '')}<br><small>{escape(outcome.service_name or '')}"
            f"</small><br><small>{escape(outcome.location)}</small></td>"
        )
        if outcome.status == INVALID:
            span = len(self.context.processes) + 2
            return (
                f'<tr class="service invalid" data-status=invalid><td>{self.count}</td>{service}'
                f"<td colspan={span}><strong>invalid</strong>: {escape(outcome.error or '')}</td></tr>\n"
            )
        names = [name for _, name in self.context.processes]
        cells = "".join(self._cell(name, cell) for name, cell in zip(names, outcome.cells, strict=True))
        conflicts = len(outcome.conflicts)
        css = "service conflict" if conflicts else "service"
        title = escape(", ".join(outcome.conflicts))
        model = escape(outcome.model or "none")
        return (
            f'<tr class="{css}" data-status=ok data-model="{model}"><td>{self.count}</td>{service}'
            f'<td>{model}</td><td class="conflicts{" has" if conflicts else ""}" title="{title}"'
            f" data-count={conflicts}>{conflicts}</td>{cells}</tr>\n"
        )

    def _cell(self, process: str, cell: tuple[str, str]) -> str:
        spans = []
        labels = []
        for column, value in zip(("application", "interface"), cell, strict=True):
            letter, label, css = _party(value)
            spans.append(f'<span class="h {css}">{escape(letter)}</span>')
            labels.append(f"{column}: {label}")
        title = escape(f"{process}: " + "; ".join(labels))
        return f'<td class=cell title="{title}">{"".join(spans)}</td>'

    def finish(self, summary: Summary) -> None:
        with text_file(self.path) as out:
            out.write(self._head())
            out.write(self._summary(summary))
            out.write(self._chart(summary.per_model()))
            out.write(self._heatmap_head())
            self.spool.seek(0)
            shutil.copyfileobj(self.spool, out)
            out.write("</tbody></table>\n</section>\n")
            out.write(f"<footer><p>Rules version: <code>{escape(self.context.rules_version)}</code></p></footer>\n")
            out.write("</body>\n</html>\n")
        self.spool.close()

    def abort(self) -> None:
        self.spool.close()

    def _head(self) -> str:
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            "<title>Operating model portfolio</title>\n"
            f"<style>{STYLE}</style>\n</head>\n<body>\n<h1>Operating model portfolio</h1>\n"
        )

    def _summary(self, summary: Summary) -> str:
        figures = [
            ("read", "entries read", summary.read),
            ("assessed", "assessed", summary.assessed),
            ("invalid", "invalid", summary.invalid),
            ("with-conflicts", "services with conflicts", summary.services_with_conflicts),
            ("pending-risks", "risks pending", summary.pending_risks),
            ("open-decisions", "open decisions", self.open_decisions),
        ]
        boxes = "".join(
            f'<div><dt>{label}</dt><dd id="count-{key}" data-count={value}>{value}</dd></div>'
            for key, label, value in figures
        )
        out = [f'<section id=summary>\n<h2>Summary</h2>\n<dl class="counts">{boxes}</dl>\n']
        for title, headers, rows in summary.tables(self.context.process_names)[1:]:
            out.append(f"<h3>{escape(title)}</h3>\n")
            out.append(_table(headers, rows) if rows else "<p>None.</p>\n")
        out.append("</section>\n")
        return "".join(out)

    def _chart(self, per_model: dict[str, int]) -> str:
        """An inline SVG bar chart: one bar per model, its count written above it."""
        top = max(per_model.values(), default=0) or 1
        width = max(len(per_model), 1) * (BAR_WIDTH + 24) + 24
        bars = []
        for index, (model, count) in enumerate(per_model.items()):
            x = 24 + index * (BAR_WIDTH + 24)
            height = round(CHART_HEIGHT * count / top)
            y = 20 + CHART_HEIGHT - height
            bars.append(
                f'<g class=model data-model="{escape(model)}" data-count={count}>'
                f"<rect class=bar x={x} y={y} width={BAR_WIDTH} height={height}></rect>"
                f"<text class=value x={x + BAR_WIDTH // 2} y={y - 4} text-anchor=middle>{count}</text>"
                f"<text x={x + BAR_WIDTH // 2} y={CHART_HEIGHT + 38} text-anchor=middle>{escape(model)}</text></g>"
            )
        return (
            "<section id=models>\n<h2>Services per model</h2>\n"
            f'<svg xmlns="http://www.w3.org/2000/svg" role=img aria-label="Services per model" width={width}'
            f' height={CHART_HEIGHT + 48} viewBox="0 0 {width} {CHART_HEIGHT + 48}">{"".join(bars)}</svg>\n'
            "</section>\n"
        )

    def _heatmap_head(self) -> str:
        legend = "".join(
            f'<span><span class="h {_party(value)[2]}">{escape(letter)}</span> {escape(label)}</span>'
            for value, (letter, label) in PARTIES.items()
        )
        processes = "".join(f"<th class=process>{escape(name)}</th>" for _, name in self.context.processes)
        return (
            "<section id=heatmap>\n<h2>Accountability by service and process</h2>\n"
            "<p>Each cell shows the accountable party for the application (left) and the interface (right)."
            " Open decisions are outlined in red; services with conflicts have a red bar.</p>\n"
            f"<p class=legend>{legend}</p>\n"
            "<table class=heatmap>\n<thead><tr><th>#</th><th>service</th><th>model</th><th>conflicts</th>"
            f"{processes}</tr></thead>\n<tbody>\n"
        )


def _table(headers: list[str], rows: list[tuple[Any, ...]]) -> str:
    head = "".join(f"<th>{escape(str(header))}</th>" for header in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n"
