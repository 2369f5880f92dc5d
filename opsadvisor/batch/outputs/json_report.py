"""JSON: an array with one item per entry, one item per line (streamed, not held in memory)."""

from __future__ import annotations

from pathlib import Path

from ...files import AtomicFile
from ..runner import Outcome
from ..summary import Summary
from . import ReportContext


class JsonWriter:
    needs_json = True

    def __init__(self, path: Path, context: ReportContext) -> None:
        self.file = AtomicFile(path)
        self.separator = "[\n"

    def add(self, outcome: Outcome) -> None:
        self.file.write(self.separator + outcome.to_json())
        self.separator = ",\n"

    def finish(self, summary: Summary) -> None:
        self.file.write("[]\n" if self.separator == "[\n" else "\n]\n")
        self.file.commit()

    def abort(self) -> None:
        self.file.abort()
