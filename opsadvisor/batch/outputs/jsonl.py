"""JSON Lines: one line per entry, the `assess --format json` contract or status/source/error.

Written to a file atomically, or streamed to stdout line by line (`--out -`)."""

from __future__ import annotations

from pathlib import Path

from ...files import AtomicFile
from ..summary import Summary
from . import Lines, ReportContext, output_file


class JsonLinesWriter:
    needs_json = True
    lines = "jsonl"  # the workers encode the lines (batch.chunks): written as they come

    def __init__(self, path: Path, context: ReportContext) -> None:
        self.file = output_file(path, binary=True)

    def add_lines(self, lines: Lines) -> None:
        self.file.write(lines)

    def path_for_workers(self) -> tuple[str, str] | None:
        return (self.file.temporary, str(self.file.as_named)) if isinstance(self.file, AtomicFile) else None

    def finish(self, summary: Summary) -> None:
        self.file.commit()

    def abort(self) -> None:
        self.file.abort()
