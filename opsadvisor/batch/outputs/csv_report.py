"""CSV: one row per entry (see row_headers); cells are text.CsvRows cells (no formulas, one line per row).

Written to a file atomically, or streamed to stdout (`--out -.csv`)."""

from __future__ import annotations

from pathlib import Path

from ...text import CsvRows
from ..runner import Outcome
from ..summary import Summary
from . import STDOUT, ReportContext, output_file, row, row_headers

BOM = "\ufeff"  # so that Excel reads the file as UTF-8 ("Café", not "CafÃ©"); `--csv-encoding utf-8` drops it


class CsvWriter:
    needs_json = False
    lines = None  # it takes each Outcome

    def __init__(self, path: Path, context: ReportContext) -> None:
        self.file = output_file(path)
        if context.bom and str(path) not in STDOUT:  # a pipe gets plain UTF-8
            self.file.write(BOM)
        self.rows = CsvRows(self.file)
        self.rows.write(row_headers())

    def add(self, outcome: Outcome) -> None:
        self.rows.write(row(outcome))

    def finish(self, summary: Summary) -> None:
        self.file.commit()

    def abort(self) -> None:
        self.file.abort()
