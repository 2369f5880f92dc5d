"""JSON: an array with one item per entry, one item per line (streamed, not held in memory)."""

from __future__ import annotations

from pathlib import Path

from ...files import AtomicFile
from ..summary import Summary
from . import Lines, ReportContext


class JsonWriter:
    needs_json = True
    lines = "jsonl"  # the JSON Lines the workers encode (batch.chunks), joined into an array

    def __init__(self, path: Path, context: ReportContext) -> None:
        self.file = AtomicFile(path, "wb")
        self.separator = b"[\n"

    def add_lines(self, lines: Lines) -> None:
        """A chunk's JSON lines as items: a JSON line holds no line break (JSON escapes it in a string)."""
        self.file.write(self.separator + bytes(lines)[:-1].replace(b"\n", b",\n"))
        self.separator = b",\n"

    def path_for_workers(self) -> tuple[str, str] | None:
        return None  # it joins the lines into an array

    def finish(self, summary: Summary) -> None:
        self.file.write(b"[]\n" if self.separator == b"[\n" else b"\n]\n")
        self.file.commit()

    def abort(self) -> None:
        self.file.abort()
