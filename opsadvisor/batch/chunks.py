"""A batch in chunks of entries: each chunk assessed by one worker, which hands back what the parent needs
of it in a few objects, whatever the number of entries: the parent's CPU is what `--jobs` cannot spread
(docs/batch.md, Performance).

Of a chunk the parent gets its summary (counts, the services with the most findings, the --fail-on gates:
Summary.merge adds it to the portfolio's), its lines as the line outputs write them (JSON Lines, summary
lines: encoded by the worker, written as they are, one write a chunk), the ids its entries use (to warn
about an id several entries use), its invalid entries (their errors) and, only when an output or a caller
reads each entry (CSV, XLSX, Markdown, HTML, roll-ups, `on_outcome`), every Outcome. One process (`jobs`
1) runs the same code on the same chunks, so the outputs are the same bytes whatever `jobs` is.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import pickle
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..assessment import AsOf, DateArg
from ..rulepack import RulePack
from .inputs import Entry, each_entry
from .memo import OutcomeMemo
from .outputs import Lines
from .outputs.summary_lines import summary_bytes
from .runner import (
    INVALID,
    Outcome,
    as_task,
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


@dataclass
class Chunk:
    """What a worker hands back of a chunk of entries, in input order."""

    summary: Summary  # of the chunk's entries alone
    lines: dict[str, Lines]  # by format (Request.lines): each entry's line with its line break
    ids: tuple[str, ...] = ()  # the service ids the entries use, with each one's location below
    locations: tuple[str, ...] = ()
    invalid: list[Outcome] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)  # every entry's, when Request.outcomes

    def __reduce_ex__(self, protocol: Any) -> tuple[type[Chunk], tuple[Any, ...]]:
        """Pickled with its lines out of band where the protocol allows (5: workers.py reads each into a
        buffer the parent writes from)."""
        wrap = pickle.PickleBuffer if protocol >= 5 else bytes
        lines = {name: wrap(value) for name, value in self.lines.items()}
        return Chunk, (self.summary, lines, self.ids, self.locations, self.invalid, self.outcomes)


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


def _work(task: tuple[Request, list[tuple[Any, ...]]]) -> Chunk:
    """In a worker: one chunk."""
    request, entries = task
    (memo,), _, as_of = worker_state()
    return chunk_of(entries_of(entries), memo, request, as_of)


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
    tasks = ((request, as_task(entries_of_chunk)) for entries_of_chunk in chunked(entries))
    start = functools.partial(start_worker, (pack,), request.with_json, day)
    with contextlib.closing(ordered(_work, tasks, jobs, start)) as chunks:  # stops the workers, however it ends
        yield from chunks
