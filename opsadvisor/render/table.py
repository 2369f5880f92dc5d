"""Terminal report: plain text tables (tabulate)."""

from __future__ import annotations

import textwrap

from tabulate import tabulate

from ..assessment import Assessment
from ..rulepack import version_label
from .sections import recommendation_lines, sections


def render(assessment: Assessment, explain: bool = False) -> str:
    title = f"opsadvisor assessment: {assessment.service_name} ({assessment.service_id})"
    out = [title, "=" * len(title), ""]
    out += [textwrap.fill(line, width=100, subsequent_indent="  ") for line in recommendation_lines(assessment)]
    for section in sections(assessment, explain):
        out += ["", section.title, "-" * len(section.title)]
        if section.rows:
            wrap = list(section.wrap) if section.wrap else None
            out.append(tabulate(section.rows, headers=section.headers, maxcolwidths=wrap))
        else:
            out.append(section.empty)
        if section.note:
            out += ["", textwrap.fill(section.note, width=100)]
    out += ["", f"Rules version: {version_label(assessment.rules_version)}", ""]
    return "\n".join(out)
