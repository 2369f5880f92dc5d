"""The renderers of `opsadvisor diff`: what a rule change changes, as a table, JSON or Markdown."""

from __future__ import annotations

from tabulate import tabulate

from ..batch.diff import DiffReport, compared
from ..text import escape_markdown, json_text, markdown_table, printable

HEADERS = ("service", "location", "change", "added", "removed")


def _counts(report: DiffReport) -> list[tuple[str, int]]:
    return [(kind, report.counts[kind]) for kind in compared()]


def _rows(report: DiffReport) -> list[tuple[str, ...]]:
    """One row per change; a file name (the location) may hold anything: its control characters are escaped."""
    return [
        tuple(
            printable(cell)
            for cell in (
                service.service_id or "",
                service.location,
                change.kind,
                ", ".join(change.added),
                ", ".join(change.removed),
            )
        )
        for service in report.services
        for change in service.changes
    ]


def _headline(report: DiffReport) -> str:
    return f"{len(report.services)} of {report.entries} services change."


def render_table(report: DiffReport) -> str:
    out = [_headline(report), "", tabulate(_counts(report), headers=("change", "services"))]
    rows = _rows(report)
    if rows:
        out += ["", tabulate(rows, headers=HEADERS, maxcolwidths=[None, 40, None, 40, 40], disable_numparse=True)]
    return "\n".join(out) + "\n"


def render_json(report: DiffReport) -> str:
    return json_text(report.to_dict())


def render_markdown(report: DiffReport) -> str:
    out = ["# Rule change impact", "", escape_markdown(_headline(report)), "", "## Changes by kind", ""]
    out.append(tabulate(_counts(report), headers=("change", "services"), tablefmt="github"))
    out += ["", "## Services", ""]
    rows = _rows(report)
    out.append(markdown_table(HEADERS, rows) if rows else "_No service changes._")
    return "\n".join(out) + "\n"
