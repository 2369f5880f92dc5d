"""Batch outputs: one module per format, chosen by the file extension of `--out`.

Every writer takes the entries in input order and writes its file atomically when the batch is
finished (a temporary file beside the target, then a rename). JSON Lines, JSON and summary lines take
the lines the workers encoded, a chunk of entries at a time (`lines`, `add_lines`: the parent only
writes them); the others take outcomes one by one (`add`). JSON Lines, JSON, CSV and XLSX stream; the
Markdown and HTML reports spool their per-service rows to a temporary file so that the summary can
come first without keeping the portfolio in memory.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

from ... import kinds
from ...files import AtomicFile
from ...formats import BATCH
from ...text import id_words
from ..runner import OK, Outcome
from ..summary import Summary


def row_headers() -> tuple[str, ...]:
    """The headers of row(): the entry's own columns, the conclusion kinds' columns, then the error."""
    return ("location", "id", "name", "status", *(column.header for _, column in kinds.columns()), "error")


@dataclass(frozen=True)
class ReportContext:
    """What every report needs besides the outcomes: the pack's processes and version, and the words
    reports for people use for ids (conflict kinds, risks and rules by their titles)."""

    processes: tuple[tuple[str, str], ...]  # (id, name), in matrix order
    rules_version: str
    conflict_kinds: dict[str, str] = field(default_factory=dict)  # kind -> what it means
    risk_titles: dict[str, str] = field(default_factory=dict)  # risk id -> the title of the rule raising it
    rule_titles: dict[str, str] = field(default_factory=dict)  # rule id -> title
    bom: bool = True  # a CSV report starts with a UTF-8 BOM (so that Excel reads it as UTF-8)

    def kind_label(self, kind: str) -> str:
        """A conflict kind in words: 'contract ownership'."""
        return id_words(kind)

    def risk_label(self, risk: str) -> str:
        return self.risk_titles.get(risk) or risk.replace("-", " ")

    @property
    def process_names(self) -> dict[str, str]:
        return dict(self.processes)


Lines = bytes | memoryview  # a chunk's lines (batch.chunks): a memoryview of the buffer a worker sent them in


class Writer(Protocol):
    needs_json: bool  # whether it reads each assessment's JSON line: the workers then encode it
    # The line format it writes (batch.chunks.LINES: "jsonl", "summary"), a chunk at a time: a LinesWriter;
    # None: it takes each Outcome, an OutcomeWriter
    lines: str | None

    def finish(self, summary: Summary) -> None: ...

    def abort(self) -> None: ...


class OutcomeWriter(Writer, Protocol):
    def add(self, outcome: Outcome) -> None: ...


class LinesWriter(Writer, Protocol):
    def add_lines(self, lines: Lines) -> None:
        """A chunk's lines, each ending with a line break, in input order."""

    def path_for_workers(self) -> tuple[str, str] | None:
        """(the file, the output's name in an error) the worker processes may write the lines into
        themselves, each chunk's where the parent says (batch.chunks), the file being empty until then;
        None: add_lines takes every chunk's."""


def by_input(writers: list[Writer]) -> tuple[list[LinesWriter], list[OutcomeWriter]]:
    """The writers that take the workers' lines, and those that take each Outcome."""
    lines = [cast(LinesWriter, writer) for writer in writers if writer.lines is not None]
    return lines, [cast(OutcomeWriter, writer) for writer in writers if writer.lines is None]


def row(outcome: Outcome) -> tuple[Any, ...]:
    """One entry as a table row (CSV, XLSX, Markdown); lists are ';'-separated, an invalid entry's are empty."""
    assessed = outcome.status == OK
    return (
        outcome.location,
        outcome.service_id or "",
        outcome.service_name or "",
        outcome.status,
        *(column.value(outcome.outline(kind)) if assessed else "" for kind, column in kinds.columns()),
        outcome.error or "",
    )


# `--out -` streams JSON Lines to stdout, `--out -.csv` CSV, `--out -.summary.jsonl` summary lines (the
# extension picks the format, as for files).
STDOUT = {"-": ".jsonl", "-.jsonl": ".jsonl", "-.csv": ".csv", "-.summary.jsonl": ".summary.jsonl"}


class StdoutFile:
    """Where a streamed report goes instead of an AtomicFile: stdout, line by line, nothing to commit."""

    def write(self, text: str | Lines) -> None:
        if isinstance(text, str):
            sys.stdout.write(text)
            return
        binary = getattr(sys.stdout, "buffer", None)
        if binary is None:  # a text stream alone (a test's, an embedding application's)
            sys.stdout.write(str(text, "utf-8", "surrogatepass"))
            return
        sys.stdout.flush()  # what was written as text goes first
        binary.write(text)

    def commit(self) -> None:
        sys.stdout.flush()
        getattr(sys.stdout, "buffer", sys.stdout).flush()

    def abort(self) -> None:
        self.commit()


def output_file(path: Path, binary: bool = False) -> AtomicFile | StdoutFile:
    """The file a streaming report writes: stdout for `-` (and `-.csv`), else an atomic file (written as
    UTF-8 text, or as bytes when `binary`)."""
    return StdoutFile() if str(path) in STDOUT else AtomicFile(path, "wb" if binary else "w")


def check_output(path: str | Path) -> str:
    """The format of an output path (its extension), or ValueError naming the registered ones."""
    found = STDOUT[str(path)] if str(path) in STDOUT else BATCH.for_path(path)
    if str(path).startswith("-") and str(path) not in STDOUT and found is None:
        raise ValueError(f"{path}: to stream to stdout, use --out - (JSON Lines), --out -.csv or --out -.summary.jsonl")
    if found is None:
        suffix = Path(path).suffix.lower() or "(no extension)"
        raise ValueError(f"{path}: unknown output format {suffix}; use {', '.join(BATCH.names)}")
    return found


def open_writer(path: str | Path, context: ReportContext) -> Writer:
    """A writer for the path's format (formats.BATCH); its module is imported only when used."""
    return BATCH.get(check_output(path))(Path(path), context)
