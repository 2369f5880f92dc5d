"""Assess a stream of portfolio entries, in worker processes, results in input order.

durable_rules holds the GIL, so parallelism means processes. Each worker builds its own Assessor
(and with it its own durable_rules host) after the fork, from the RulePack it inherits; the engine
deletes each session after reading it, so a worker never has more than one live session. Results
come back in input order whatever the number of workers, so the output is byte-identical for
every `--jobs`.
"""

from __future__ import annotations

import contextlib
import os
import signal
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
from .inputs import Entry
from .memo import OutcomeMemo

OK = "ok"
INVALID = "invalid"
# Entries per task. Each task costs the parent some of the pool's work, and the parent's CPU is what
# --jobs cannot spread: fewer, larger tasks (docs/batch.md, Performance: benchmarks/portfolio.py).
CHUNK_SIZE = 256
HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}


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


def _start_worker(packs: tuple[RulePack, ...], with_json: bool, as_of: str) -> None:
    """Pool initializer: runs in the worker after the fork, so the durable_rules host is its own.

    Ctrl-C reaches the whole process group: the parent alone handles it (and stops the workers),
    so a worker ignores it and dies at once on the SIGTERM the parent sends: no traceback from workers.
    """
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD_SIGNALS)
    _worker = (tuple(OutcomeMemo(Assessor(pack)) for pack in packs), with_json, as_of)


def _work(entry: Entry) -> tuple[Outcome, ...]:
    assert _worker is not None, "the pool initializer did not run"
    memos, with_json, as_of = _worker
    return tuple(outcome_of(entry, memo, with_json, as_of) for memo in memos)


def outcome_memo_for(pack: RulePack) -> OutcomeMemo:
    """The pack's OutcomeMemo (on its Assessor), built once and kept by the pack, like the Assessor."""
    return once_per_pack(pack, "outcomes", lambda pack: OutcomeMemo(assessor_for(pack)))


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


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
    """Every entry's Outcome under each pack, in input order (one pool of workers for all packs)."""
    day = AsOf.of(as_of).date  # one day for every entry, whatever the clock does meanwhile
    if jobs <= 1:
        memos = tuple(outcome_memo_for(pack) for pack in packs)
        for entry in entries:
            yield tuple(outcome_of(entry, memo, with_json, day) for memo in memos)
        return
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with _signals_held():
        pool = context.Pool(jobs, initializer=_start_worker, initargs=(packs, with_json, day))
    with pool:
        yield from pool.imap(_work, entries, chunksize=CHUNK_SIZE)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while the workers are forked; one that arrives meanwhile is delivered
    when the pool exists to be stopped. Raised halfway through a fork, it would leave a worker that
    nothing stops, waiting forever on the task queue. The workers start with both held and release
    them in _start_worker."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
