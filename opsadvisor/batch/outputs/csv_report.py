"""CSV: one row per entry (see row_headers); cells are text.CsvRows cells (no formulas, one line per row)."""

from __future__ import annotations

from pathlib import Path

from ...files import AtomicFile
from ...text import CsvRows
from ..runner import Outcome
from ..summary import Summary
from . import ReportContext, row, row_headers


class CsvWriter:
    needs_json = False

    def __init__(self, path: Path, context: ReportContext) -> None:
        self.file = AtomicFile(path)
        self.rows = CsvRows(self.file)
        self.rows.write(row_headers())

    def add(self, outcome: Outcome) -> None:
        self.rows.write(row(outcome))

    def finish(self, summary: Summary) -> None:
        self.file.commit()

    def abort(self) -> None:
        self.file.abort()
