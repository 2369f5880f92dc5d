"""JSON Lines: one line per entry, the `assess --format json` contract or status/source/error."""

from __future__ import annotations

from pathlib import Path

from ...files import AtomicFile
from ..runner import Outcome
from ..summary import Summary
from . import ReportContext


class JsonLinesWriter:
    needs_json = True

    def __init__(self, path: Path, context: ReportContext) -> None:
        self.file = AtomicFile(path)

    def add(self, outcome: Outcome) -> None:
        self.file.write(outcome.to_json() + "\n")

    def finish(self, summary: Summary) -> None:
        self.file.commit()

    def abort(self) -> None:
        self.file.abort()
