"""Batch outputs: one module per format, chosen by the file extension of `--out`.

Every writer takes outcomes one by one, in input order, and writes its file atomically when the
batch is finished (a temporary file beside the target, then a rename). JSON Lines, JSON, CSV and
XLSX stream; the Markdown and HTML reports spool their per-service rows to a temporary file so that
the summary can come first without keeping the portfolio in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ... import kinds
from ...formats import BATCH
from ..runner import OK, Outcome
from ..summary import Summary


def row_headers() -> tuple[str, ...]:
    """The headers of row(): the entry's own columns, the conclusion kinds' columns, then the error."""
    return ("location", "id", "name", "status", *(column.header for _, column in kinds.columns()), "error")


@dataclass(frozen=True)
class ReportContext:
    """What every report needs besides the outcomes: the pack's processes and version."""

    processes: tuple[tuple[str, str], ...]  # (id, name), in matrix order
    rules_version: str

    @property
    def process_names(self) -> dict[str, str]:
        return dict(self.processes)


class Writer(Protocol):
    needs_json: bool  # whether `add` reads outcome.to_json(): the runner then encodes each assessment

    def add(self, outcome: Outcome) -> None: ...

    def finish(self, summary: Summary) -> None: ...

    def abort(self) -> None: ...


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


def check_output(path: str | Path) -> str:
    """The format of an output path (its extension), or ValueError naming the registered ones."""
    found = BATCH.for_path(path)
    if found is None:
        suffix = Path(path).suffix.lower() or "(no extension)"
        raise ValueError(f"{path}: unknown output format {suffix}; use {', '.join(BATCH.names)}")
    return found


def open_writer(path: str | Path, context: ReportContext) -> Writer:
    """A writer for the path's format (formats.BATCH); its module is imported only when used."""
    return BATCH.get(check_output(path))(Path(path), context)
