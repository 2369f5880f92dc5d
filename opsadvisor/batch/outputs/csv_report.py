"""CSV: one row per entry (see row_headers)."""

from __future__ import annotations

import csv
from pathlib import Path

from ...files import AtomicFile
from ..runner import Outcome
from ..summary import Summary
from . import ReportContext, row, row_headers


class CsvWriter:
    needs_json = False

    def __init__(self, path: Path, context: ReportContext) -> None:
        self.file = AtomicFile(path)
        self.writer = csv.writer(self.file.stream, lineterminator="\n")
        self.writer.writerow(row_headers())

    def add(self, outcome: Outcome) -> None:
        self.writer.writerow(row(outcome))

    def finish(self, summary: Summary) -> None:
        self.file.commit()

    def abort(self) -> None:
        self.file.abort()
