"""Markdown report, for sharing: GitHub-flavoured tables."""

from __future__ import annotations

from ..assessment import Assessment
from ..rulepack import version_parts
from ..text import escape_markdown, markdown_table
from .sections import GUIDE, recommendation_lines, sections


def render(assessment: Assessment, explain: bool = False) -> str:
    name, service_id = escape_markdown(assessment.service_name), escape_markdown(assessment.service_id)
    out = [f"# Operating model assessment: {name} ({service_id})", ""]
    out += ["## Recommendation", ""]
    out += [f"- {escape_markdown(line)}" for line in recommendation_lines(assessment)]
    for section in sections(assessment, explain):
        out += ["", f"## {section.title}", ""]
        out.append(markdown_table(section.headers, section.rows) if section.rows else f"_{section.empty}_")
        if section.note:
            out += ["", escape_markdown(section.note)]
    version, note = version_parts(assessment.rules_version)
    out += ["", f"_Rules version: `{version}`{note}_", "", f"_{escape_markdown(GUIDE)}_", ""]
    return "\n".join(out)
