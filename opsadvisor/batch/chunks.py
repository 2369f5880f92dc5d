"""A batch in chunks of entries: each chunk assessed by one worker, which hands back what the parent needs
of it in a few objects, whatever the number of entries: the parent's CPU is what `--jobs` cannot spread
(docs/batch.md, Performance).

Of a chunk the parent gets its summary (counts, the services with the most findings, the --fail-on gates:
Summary.merge adds it to the portfolio's), its lines as the line outputs write them (JSON Lines, summary
lines: encoded by the worker, written as they are, one write a chunk), the ids its entries use (to warn
about an id several entries use), its invalid entries (their errors) and, only when an output or a caller
reads each entry (CSV, XLSX, Markdown, HTML, roll-ups, `on_outcome`), every Outcome. One process (`jobs`
1) runs the same code on the same chunks, so the outputs are the same bytes whatever `jobs` is.

Where every output of a line format is a file written as the lines come (Request.written: JSON Lines and
summary lines to a file, not to stdout, not the JSON array), the worker processes write that format's
lines into the files themselves and hand back only their size: the parent places each chunk's lines after
those of the chunks before it, in input order (_Places), and tells the worker holding them where they go
with its next message (workers.ordered's mail, the last message once every chunk is back). The parent
then never receives the 5-7 KB of a full line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import pickle
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..assessment import AsOf, DateArg
from ..files import write_failed
from ..rulepack import RulePack
from .inputs import Entry, each_entry
from .memo import OutcomeMemo
from .outputs import Lines
from .outputs.summary_lines import summary_bytes
from .runner import (
    INVALID,
    Outcome,
    as_task,
    assessing,
    chunked,
    entries_of,
    outcome_memo_for,
    outcome_of,
    start_worker,
    worker_state,
)
from .summary import Summary
from .workers import ordered, parallel

LINES = ("jsonl", "summary")  # the line formats a worker encodes: the full JSON line, the summary line


@dataclass(frozen=True)
class Request:
    """What the parent asks of every chunk."""

    lines: frozenset[str] = frozenset()  # the line formats to encode (LINES)
    outcomes: bool = False  # every Outcome too
    with_json: bool = False  # each Outcome with its JSON line (Outcome.json)
    # (line format, file, output name): the files a worker writes a format's lines into itself, where the
    # parent says (Placing), instead of handing them back; in worker processes only (one process hands them
    # back); the output's name is the one an error gives
    written: tuple[tuple[str, str, str], ...] = ()


@dataclass
class Chunk:
    """What a worker hands back of a chunk of entries, in input order."""

    summary: Summary  # of the chunk's entries alone
    lines: dict[str, Lines]  # by format (Request.lines): each entry's line with its line break
    ids: tuple[str, ...] = ()  # the service ids the entries use, with each one's location below
    locations: tuple[str, ...] = ()
    invalid: list[Outcome] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)  # every entry's, when Request.outcomes
    held: dict[str, int] = field(default_factory=dict)  # by format (Request.written): the lines' size in bytes
    worker: int = 0  # the process holding them (its pid)

    def __reduce_ex__(self, protocol: Any) -> tuple[type[Chunk], tuple[Any, ...]]:
        """Pickled with its lines out of band where the protocol allows (5: workers.py reads each into a
        buffer the parent writes from)."""
        wrap = pickle.PickleBuffer if protocol >= 5 else bytes
        lines = {name: wrap(value) for name, value in self.lines.items()}
        fields = (self.summary, lines, self.ids, self.locations, self.invalid, self.outcomes, self.held, self.worker)
        return Chunk, fields


def chunk_of(entries: Iterable[Entry], memo: OutcomeMemo, request: Request, as_of: str) -> Chunk:
    """Assess a chunk of entries (an invalid one becomes an invalid outcome, never an exception)."""
    summary = Summary()
    full: list[bytes] | None = [] if "jsonl" in request.lines else None
    brief: list[bytes] | None = [] if "summary" in request.lines else None
    with_json = full is not None or request.with_json
    ids: list[str] = []
    locations: list[str] = []
    invalid: list[Outcome] = []
    outcomes: list[Outcome] = []
    for entry in each_entry(entries):
        outcome = outcome_of(entry, memo, with_json, as_of)
        summary.add(outcome)
        if outcome.service_id:
            ids.append(outcome.service_id)
            locations.append(outcome.location)
        if outcome.status == INVALID:
            invalid.append(outcome)
        if full is not None:
            full.append(outcome.to_json().encode("utf-8", "surrogatepass") + b"\n")
        if brief is not None:
            brief.append(summary_bytes(outcome) + b"\n")
        if request.outcomes:
            outcomes.append(outcome if request.with_json else _without_json(outcome))
    lines = {"jsonl": full, "summary": brief}
    return Chunk(
        summary,
        {name: b"".join(found) for name, found in lines.items() if found is not None},
        tuple(ids),
        tuple(locations),
        invalid,
        outcomes,
    )


def _without_json(outcome: Outcome) -> Outcome:
    """The outcome without its JSON line, which only the line outputs asked for (it goes in the lines)."""
    return outcome if outcome.json is None else dataclasses.replace(outcome, json=None)


Task = tuple[Request, int, list[tuple[Any, ...]]]  # what to do, the chunk's number, its entries
Placing = tuple[int, str, int]  # (chunk number, line format, offset): where a worker writes lines it holds


def _work(message: tuple[list[Placing], Task | None]) -> Chunk | None:
    """In a worker: write the lines the parent has placed, then assess one chunk (None: the last message)."""
    placings, task = message
    _written.place(placings)
    if task is None:
        return None
    request, number, entries = task
    (memo,), _, as_of = worker_state()
    chunk = chunk_of(entries_of(entries), memo, request, as_of)
    for line_format in dict.fromkeys(line_format for line_format, _, _ in request.written):
        lines = chunk.lines.pop(line_format)
        chunk.held[line_format] = len(lines)
        files = [(path, name) for each, path, name in request.written if each == line_format]
        _written.hold(number, line_format, lines, files)
    chunk.worker = os.getpid()
    return chunk


class _Held:
    """In a worker: the lines it writes itself (Request.written), held until the parent places them. The
    parent knows where a chunk's lines go in a file once every chunk before it is back, in input order;
    writing them here spares it receiving and writing them (a full JSON line is 5-7 KB), the CPU --jobs
    cannot spread (docs/batch.md, Performance)."""

    def __init__(self) -> None:
        self._lines: dict[tuple[int, str], tuple[Lines, list[tuple[str, str]]]] = {}
        self._files: dict[str, int] = {}

    def hold(self, number: int, line_format: str, lines: Lines, files: list[tuple[str, str]]) -> None:
        """Keep a chunk's lines of a format, and the files they go into: (path, the output's name)."""
        self._lines[(number, line_format)] = (lines, files)

    def place(self, placings: list[Placing]) -> None:
        for number, line_format, offset in placings:
            lines, files = self._lines.pop((number, line_format))
            for path, name in files:
                try:
                    _write_at(self._file(path), lines, offset)
                except OSError as error:  # a full disk: the batch stops, its outputs are not replaced
                    raise write_failed(Path(name), error) from None

    def _file(self, path: str) -> int:
        if path not in self._files:
            self._files[path] = os.open(path, os.O_WRONLY)
        return self._files[path]


_written = _Held()


def _write_at(descriptor: int, data: Lines, offset: int) -> None:
    view = memoryview(data)
    while view:
        count = os.pwrite(descriptor, view, offset)
        view, offset = view[count:], offset + count


def assess_chunks(
    entries: Iterable[Entry], pack: RulePack, jobs: int, request: Request, as_of: DateArg = None
) -> Generator[Chunk, None, None]:
    """The entries' chunks (CHUNK_SIZE entries each, the last fewer), in input order, assessed by `jobs`
    processes (1: in this process); risk acceptances are evaluated on `as_of` (default: today)."""
    day = AsOf.of(as_of).date  # one day for every entry, whatever the clock does meanwhile
    if not parallel(jobs):
        memo = outcome_memo_for(pack)
        for entries_of_chunk in chunked(entries):
            yield chunk_of(entries_of_chunk, memo, request, day)
        return
    tasks = ((request, number, as_task(part)) for number, part in enumerate(chunked(entries)))
    start = functools.partial(start_worker, (pack,), request.with_json, day)
    places = _Places()
    with contextlib.closing(ordered(_work, tasks, jobs, start, places.mail, _assessing)) as chunks:  # stops the workers
        for number, chunk in enumerate(chunks):
            places.add(number, chunk)
            yield chunk


def _assessing(task: Task) -> str:
    """What a worker on this chunk is doing (workers.ordered's `doing`)."""
    return assessing(task[2])


class _Places:
    """In the parent: where each chunk's held lines go in their files (after the chunks before it, in input
    order), kept for the worker holding them until its next message (workers.ordered's mail)."""

    def __init__(self) -> None:
        self._ends: dict[str, int] = {}  # by line format: the bytes placed so far
        self._mail: dict[int, list[Placing]] = {}  # by worker

    def add(self, number: int, chunk: Chunk) -> None:
        for line_format, size in chunk.held.items():
            offset = self._ends.get(line_format, 0)
            self._mail.setdefault(chunk.worker, []).append((number, line_format, offset))
            self._ends[line_format] = offset + size

    def mail(self, worker: int) -> list[Placing]:
        return self._mail.pop(worker, [])
