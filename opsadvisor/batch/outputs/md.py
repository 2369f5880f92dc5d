"""Markdown portfolio report: the summary tables, then every entry in input order."""

from __future__ import annotations

from pathlib import Path

from ...files import Spool, text_file
from ...rulepack import version_parts
from ...text import escape_markdown, escape_markdown_cell, markdown_table
from ..runner import Outcome
from ..summary import Summary
from . import ReportContext, row, row_headers


class MarkdownWriter:
    needs_json = False
    lines = None  # it takes each Outcome

    def __init__(self, path: Path, context: ReportContext) -> None:
        self.path = path
        self.context = context
        self.spool = Spool(path)
        headers = row_headers()
        self.spool.write("| # | " + " | ".join(headers) + " |\n")
        self.spool.write("|---:|" + "---|" * len(headers) + "\n")
        self.count = 0

    def add(self, outcome: Outcome) -> None:
        self.count += 1
        cells = [escape_markdown_cell(value) for value in row(outcome)]
        self.spool.write(f"| {self.count} | " + " | ".join(cells) + " |\n")

    def finish(self, summary: Summary) -> None:
        with text_file(self.path) as out:
            out.write("# Operating model portfolio report\n")
            for title, headers, rows in summary.tables(self.context.process_names):
                out.write(f"\n## {escape_markdown(title)}\n\n")
                out.write(markdown_table(headers, rows) + "\n" if rows else "_None._\n")
            out.write("\n## Services\n\n")
            if self.count:
                out.writelines(self.spool.lines())
            else:
                out.write("_No entries._\n")
            version, note = version_parts(self.context.rules_version)
            out.write(f"\n_Rules version: `{version}`{note}_\n")
        self.spool.close()

    def abort(self) -> None:
        self.spool.close()
