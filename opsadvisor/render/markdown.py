"""Markdown report, for sharing: GitHub-flavoured tables (tabulate)."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from ..assessment import Assessment
from .sections import recommendation_lines, sections


def escape(value: Any) -> str:
    """Text safe inside a Markdown table cell: no pipes, no line breaks, no raw HTML."""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.split())


def render(assessment: Assessment, explain: bool = False) -> str:
    out = [
        f"# Operating model assessment: {escape(assessment.service_name)} ({escape(assessment.service_id)})",
        "",
    ]
    out += ["## Recommendation", ""]
    out += [f"- {escape(line)}" for line in recommendation_lines(assessment)]
    for section in sections(assessment, explain):
        out += ["", f"## {section.title}", ""]
        if section.rows:
            rows = [[escape(cell) for cell in row] for row in section.rows]
            out.append(tabulate(rows, headers=section.headers, tablefmt="github", disable_numparse=True))
        else:
            out.append(f"_{section.empty}_")
    out += ["", f"_Rules version: `{assessment.rules_version}`_", ""]
    return "\n".join(out)
