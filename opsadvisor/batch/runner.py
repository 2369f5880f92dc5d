"""Assess a stream of portfolio entries, in worker processes (workers.py), results in input order.

durable_rules holds the GIL, so parallelism means processes. Each worker builds its own Assessor
(and with it its own durable_rules host) after the fork, from the RulePack it inherits; the engine
deletes each session after reading it, so a worker never has more than one live session. Results
come back in input order whatever the number of workers, so the output is byte-identical for
every `--jobs`. A worker's task is a chunk of entries (CHUNK_SIZE); a batch's outputs take a chunk's
results at once (chunks.py).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .. import kinds
from ..api import Assessor, assessor_for
from ..assessment import AsOf, DateArg
from ..engine import once_per_pack
from ..errors import ScenarioError
from ..kinds import Kind
from ..rulepack import RulePack
from .fragments import encode, encode_utf8
from .inputs import BLOCK, Entry
from .memo import OutcomeMemo
from .workers import ordered, parallel

OK = "ok"
INVALID = "invalid"
# Entries per worker task (a chunk). Each task costs the parent some work (a message each way, a summary to
# merge), and the parent's CPU is what --jobs cannot spread: fewer, larger tasks (docs/batch.md, Performance).
CHUNK_SIZE = 256


@dataclass(frozen=True)
class Outcome:
    """What the reports need of one assessed (or invalid) entry; small, to travel between processes.

    `outlines` holds each conclusion kind's outline of its part (kinds.Kind.outline), by part key;
    `findings` the things to act on they hold (findings_in), counted where the outlines are made, so that
    a worker counts them, not the parent that gathers every outcome.
    """

    location: str
    status: str
    service_id: str | None
    service_name: str | None
    outlines: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    json: str | None = None  # the `assess --format json` contract, one line
    findings: int = 0

    def outline(self, kind: Kind) -> Any:
        return self.outlines.get(kind.part)

    # What the HTML heat map reads of the built-in kinds.
    @property
    def model(self) -> str | None:
        return self.outlines["recommendation"][0] if self.outlines else None

    @property
    def conflicts(self) -> tuple[str, ...]:
        return self.outlines.get("conflicts", ())

    @property
    def open_decisions(self) -> int:
        return self.outlines.get("open_decisions", 0)

    @property
    def cells(self) -> tuple[tuple[str, str], ...]:
        """(application, interface) party, per process of the pack."""
        return self.outlines.get("accountability", ())

    def to_json(self) -> str:
        """The JSON line of this entry: the assessment, or status, location and error."""
        if self.json is not None:
            return self.json
        return encode(
            {
                "status": self.status,
                "source": self.location,
                "service": {"id": self.service_id, "name": self.service_name},
                "error": self.error,
            }
        )


def outcome_of(entry: Entry, memo: OutcomeMemo, with_json: bool, as_of: str) -> Outcome:
    """Assess one entry; an invalid one becomes an Outcome with its error, never an exception."""
    document: Any = None
    try:
        document = entry.document()
        scenario = memo.assessor.parse(document, entry.location)
    except ScenarioError as error:
        return _invalid(entry, document, error)
    outlines, line = memo.outcome(scenario, as_of, with_json, encode_utf8)
    return Outcome(
        location=entry.location,
        status=OK,
        service_id=scenario.service_id,
        service_name=scenario.service_name,
        outlines=outlines,
        json=line,
        findings=findings_in(outlines),
    )


def findings_in(outlines: dict[str, Any]) -> int:
    """Things to act on, as the kinds count them: conflicts, risks nobody has accepted, open decisions."""
    return sum(kind.findings(outlines[kind.part]) for kind in kinds.parts() if kind.part in outlines)


def _invalid(entry: Entry, document: Any, error: ScenarioError) -> Outcome:
    service = document.get("service") if isinstance(document, dict) else None
    service = service if isinstance(service, dict) else {}
    return Outcome(
        location=entry.location,
        status=INVALID,
        service_id=_text_or_none(service.get("id")),
        service_name=_text_or_none(service.get("name")),
        error=error.render(),
    )


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# --- worker processes ----------------------------------------------------------------------------

_worker: tuple[tuple[OutcomeMemo, ...], bool, str] | None = None


def start_worker(packs: tuple[RulePack, ...], with_json: bool, as_of: str) -> None:
    """Runs in each worker after the fork (workers.ordered's `start`), so the durable_rules host is its own."""
    global _worker
    _worker = (tuple(OutcomeMemo(Assessor(pack)) for pack in packs), with_json, as_of)


def worker_state() -> tuple[tuple[OutcomeMemo, ...], bool, str]:
    """In a worker process: its memo per pack, whether to encode JSON lines, and the day (start_worker)."""
    assert _worker is not None, "start_worker did not run"
    return _worker


def _work(task: list[tuple[Any, ...]]) -> list[tuple[Outcome, ...]]:
    memos, with_json, as_of = worker_state()
    return [tuple(outcome_of(entry, memo, with_json, as_of) for memo in memos) for entry in entries_of(task)]


def outcome_memo_for(pack: RulePack) -> OutcomeMemo:
    """The pack's OutcomeMemo (on its Assessor), built once and kept by the pack, like the Assessor."""
    return once_per_pack(pack, "outcomes", lambda pack: OutcomeMemo(assessor_for(pack)))


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def chunked(entries: Iterable[Entry]) -> Iterator[list[Entry]]:
    """The entries in lists of about CHUNK_SIZE, a worker's task: a list ends once it holds CHUNK_SIZE
    entries or more, a BLOCK of lines (split where it is assessed: inputs.each_entry) counting as its lines."""
    chunk: list[Entry] = []
    size = 0
    for entry in entries:
        chunk.append(entry)
        size += entry.payload[2] if entry.kind == BLOCK else 1
        if size >= CHUNK_SIZE:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def as_task(entries: list[Entry]) -> list[tuple[Any, ...]]:
    """Entries as plain tuples: pickled several times faster than the named tuples (entries_of undoes it)."""
    return list(map(tuple, entries))


def entries_of(task: list[tuple[Any, ...]]) -> list[Entry]:
    return list(itertools.starmap(Entry, task))


def assessing(task: list[tuple[Any, ...]]) -> str:
    """What a worker on this task is doing, by its first and last entries (workers.ordered's `doing`)."""
    first, last = Entry(*task[0]), Entry(*task[-1])
    start = f"{first.location}:line {first.payload[0]}" if first.kind == BLOCK else first.location
    end = f"{last.location}:line {last.payload[0] + last.payload[2] - 1}" if last.kind == BLOCK else last.location
    return f"assessing {start}" if start == end else f"assessing the entries from {start} to {end}"


def assess_entries(
    entries: Iterable[Entry], pack: RulePack, jobs: int, with_json: bool = True, as_of: DateArg = None
) -> Generator[Outcome, None, None]:
    """Every entry's Outcome, in input order, assessed by `jobs` processes (1: in this process); risk
    acceptances are evaluated on `as_of` (default: today), the same day for every entry."""
    for (outcome,) in assess_entries_with(entries, (pack,), jobs, with_json, as_of):
        yield outcome


def assess_entries_with(
    entries: Iterable[Entry],
    packs: tuple[RulePack, ...],
    jobs: int,
    with_json: bool = True,
    as_of: DateArg = None,
) -> Generator[tuple[Outcome, ...], None, None]:
    """Every entry's Outcome under each pack, in input order (one set of workers for all packs)."""
    day = AsOf.of(as_of).date  # one day for every entry, whatever the clock does meanwhile
    if not parallel(jobs):
        memos = tuple(outcome_memo_for(pack) for pack in packs)
        for entry in entries:
            yield tuple(outcome_of(entry, memo, with_json, day) for memo in memos)
        return
    start = functools.partial(start_worker, packs, with_json, day)
    tasks = map(as_task, chunked(entries))
    with contextlib.closing(ordered(_work, tasks, jobs, start, doing=assessing)) as chunks:  # stops the workers
        for chunk in chunks:
            yield from chunk
