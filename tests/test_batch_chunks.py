"""A batch in chunks (batch/chunks.py, batch/workers.py): the portfolio summary merged from the workers'
chunks is the one gathered entry by entry, whatever the chunk size and the number of workers; a worker's
error or death stops the batch with a clear error, no report replaced and no worker left."""

from __future__ import annotations

import ctypes
import errno
import itertools
import json
import os
import pickle
import signal
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from opsadvisor import api, batch
from opsadvisor.batch import chunks, inputs, report_context, runner, workers
from opsadvisor.batch.inputs import iter_entries
from opsadvisor.batch.outputs.summary_lines import summary_line
from opsadvisor.batch.summary import Summary
from opsadvisor.errors import EngineError
from opsadvisor.files import OutputError

from .batch_helpers import bundled, write_jsonl

AS_OF = "2026-12-01"
OUTPUTS = ("out.jsonl", "out.json", "out.summary.jsonl", "out.csv", "out.md", "out.html")


def _too_late(signal_number: int, frame: Any) -> None:
    raise TimeoutError("the workers' messages went astray: the parent waited a minute")


@pytest.fixture(autouse=True)
def _within_a_minute() -> Iterator[None]:
    """A TimeoutError instead of a hung test: a message framed wrong, or never sent, leaves the parent waiting
    for a worker."""
    previous = signal.signal(signal.SIGALRM, _too_late)
    signal.alarm(60)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _portfolio(path: Path) -> Path:
    """Bundled services repeated under their own ids (the memo's templates), some ids used twice, invalid
    entries between them."""
    documents: list[Any] = []
    for number, document in enumerate(bundled() * 3):
        service = {**document["service"], "id": f"{document['service']['id']}-{number % 40}"}
        documents.append({**document, "service": service})
        if number % 11 == 3:
            documents.append('{"broken"')
        if number % 13 == 5:
            documents.append({**document, "criticality": "hihg"})
    return write_jsonl(path, documents)


def _run(folder: Path, portfolio: Path, jobs: int) -> tuple[dict[str, bytes], Summary, list[str], list[str]]:
    folder.mkdir()
    notes: list[str] = []
    errors: list[str] = []
    summary = api.run_batch(
        [portfolio],
        outputs=[folder / name for name in OUTPUTS],
        jobs=jobs,
        as_of=AS_OF,
        on_note=notes.append,
        on_progress=lambda done, invalid: errors.extend(outcome.error for outcome in invalid),
    )
    return {name: (folder / name).read_bytes() for name in OUTPUTS}, summary, notes, errors


def test_outputs_summary_gates_and_warnings_are_the_same_whatever_the_chunks_and_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portfolio = _portfolio(tmp_path / "in.jsonl")
    first, summary, notes, errors = _run(tmp_path / "whole", portfolio, jobs=1)  # one chunk holds them all
    assert summary.invalid and summary.read > 60 and notes and errors  # invalid entries, repeated ids
    assert "Services with the most findings" in first["out.md"].decode()
    for size, jobs in ((1, 1), (7, 2), (7, 3)):
        monkeypatch.setattr(runner, "CHUNK_SIZE", size)
        outputs, chunked, chunk_notes, chunk_errors = _run(tmp_path / f"chunks-{size}-{jobs}", portfolio, jobs)
        assert outputs == first, (size, jobs)  # the Markdown and HTML hold the summary's tables and top services
        assert chunked.gates.failed(["conflict", "risk", "decision"]) == summary.gates.failed(
            ["conflict", "risk", "decision"]
        )
        assert (chunk_notes, chunk_errors) == (notes, errors)


def test_a_merged_summary_is_the_one_gathered_entry_by_entry(tmp_path: Path) -> None:
    portfolio = _portfolio(tmp_path / "in.jsonl")
    pack = api.rule_pack()
    outcomes = list(runner.assess_entries(iter_entries([portfolio]), pack, jobs=1, as_of=AS_OF))
    gathered = Summary()
    for outcome in outcomes:
        gathered.add(outcome)
    merged = Summary()
    for start in range(0, len(outcomes), 5):
        part = Summary()
        for outcome in outcomes[start : start + 5]:
            part.add(outcome)
        merged.merge(part)
    names = report_context(pack).process_names
    assert merged.tables(names) == gathered.tables(names)
    assert merged.tallies == gathered.tallies
    assert merged.gates == gathered.gates


def test_summary_lines_are_those_the_workers_encode(tmp_path: Path) -> None:
    portfolio = _portfolio(tmp_path / "in.jsonl")
    target = tmp_path / "out.summary.jsonl"
    api.run_batch([portfolio], outputs=[target], jobs=2, as_of=AS_OF)
    outcomes = runner.assess_entries(iter_entries([portfolio]), api.rule_pack(), jobs=1, as_of=AS_OF)
    assert target.read_text(encoding="utf-8").splitlines() == [summary_line(outcome) for outcome in outcomes]


def _at_line_30(act: Callable[[], None]) -> Any:
    """A worker's outcome_of that does `act` at line 30 (the forked workers inherit it), then assesses."""
    real = chunks.outcome_of

    def outcome_of(entry: Any, *args: Any) -> Any:
        if entry.location.endswith(":line 30"):
            act()
        return real(entry, *args)

    return outcome_of


def _failing(error: BaseException | None = None) -> Any:
    def fail() -> None:
        if error is None:
            os._exit(7)  # a worker that dies (durable_rules' known segfaults)
        raise error

    return _at_line_30(fail)


@pytest.mark.parametrize("error", [EngineError("", ["the engine failed"]), None], ids=["raises", "dies"])
def test_a_failing_worker_stops_the_batch_with_its_error_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException | None
) -> None:
    portfolio = write_jsonl(tmp_path / "in.jsonl", [json.dumps(document) for document in bundled() * 4])
    old = tmp_path / "out.jsonl"
    old.write_text("old report\n")
    monkeypatch.setattr(runner, "CHUNK_SIZE", 8)
    monkeypatch.setattr(chunks, "outcome_of", _failing(error))  # the workers are forked: they inherit it
    children = set(_children())
    with pytest.raises(EngineError) as raised:
        api.run_batch([portfolio], outputs=[old, tmp_path / "out.md"], jobs=2, as_of=AS_OF)
    expected = "the engine failed" if error else "a worker process stopped unexpectedly (exit code 7)"
    assert expected in str(raised.value)
    assert old.read_text() == "old report\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]
    assert set(_children()) == children  # every worker stopped and waited for


def _children() -> list[str]:
    """This process's child processes (Linux: /proc)."""
    tasks = Path(f"/proc/{os.getpid()}/task")
    return [child for task in tasks.iterdir() for child in (task / "children").read_text().split()]


def test_where_the_system_cannot_fork_jobs_run_in_this_process_with_the_same_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portfolio = _portfolio(tmp_path / "in.jsonl")
    monkeypatch.setattr(runner, "CHUNK_SIZE", 7)
    forked = _run(tmp_path / "forked", portfolio, jobs=2)
    monkeypatch.delattr(os, "fork")  # as on Windows
    unforked = _run(tmp_path / "unforked", portfolio, jobs=2)
    assert unforked[0] == forked[0] and unforked[2:] == forked[2:]


def _chunk_of_lines(size: int) -> chunks.Chunk:
    """A chunk whose JSON lines are `size` bytes (one line per KB), its summary empty."""
    line = b"x" * 1023 + b"\n"
    return chunks.Chunk(Summary(), {"jsonl": (line * (size // 1024 + 1))[:size], "summary": b"s\n"})


def test_a_chunks_lines_are_pickled_out_of_band_not_inside_the_pickle() -> None:
    chunk = _chunk_of_lines(3_000_000)
    buffers: list[pickle.PickleBuffer] = []
    payload = pickle.dumps(chunk, pickle.HIGHEST_PROTOCOL, buffer_callback=buffers.append)
    assert len(payload) < 2_000  # the summary and the shape of the chunk: the parent copies nothing large
    assert [bytes(buffer.raw()) for buffer in buffers] == [chunk.lines["jsonl"], b"s\n"]
    copy = pickle.loads(payload, buffers=[bytearray(buffer.raw()) for buffer in buffers])
    assert {name: bytes(lines) for name, lines in copy.lines.items()} == chunk.lines
    assert bytes(pickle.loads(pickle.dumps(chunk)).lines["jsonl"]) == chunk.lines["jsonl"]  # in band too


def test_results_larger_than_a_pipe_arrive_whole_and_in_order_from_the_workers() -> None:
    sizes = [3_000_000, 0, 1, 1_048_576, 2_500_001, 5]  # a pipe holds 1 MB: written and read in pieces
    results = list(workers.ordered(_chunk_of_lines, sizes, jobs=2, start=lambda: None))
    assert [bytes(chunk.lines["jsonl"]) for chunk in results] == [
        _chunk_of_lines(size).lines["jsonl"] for size in sizes
    ]
    assert [bytes(chunk.lines["summary"]) for chunk in results] == [b"s\n"] * len(sizes)


def test_a_message_arrives_whole_when_each_write_takes_only_some_of_its_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent = bytearray()

    def writev(descriptor: int, pieces: list[memoryview]) -> int:  # a write a signal cut short
        taken = b"".join(bytes(piece) for piece in pieces)[:777]
        sent.extend(taken)
        return len(taken)

    chunk = _chunk_of_lines(20_000)
    monkeypatch.setattr(workers.os, "writev", writev)
    workers._write(-1, workers._message(chunk))
    monkeypatch.undo()
    read, write = os.pipe()
    os.write(write, sent)
    os.close(write)
    message = workers._read(read)
    os.close(read)
    assert message is not None
    assert {name: bytes(lines) for name, lines in workers._unpickled(message).lines.items()} == chunk.lines


def test_workers_write_the_line_outputs_themselves_the_same_bytes_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portfolio = _portfolio(tmp_path / "in.jsonl")
    names = ("a.jsonl", "b.jsonl", "s.summary.jsonl", "c.csv")  # no JSON array: every line output is theirs
    expected = {}
    for size, jobs in ((10_000, 1), (1, 2), (7, 2), (5, 3)):
        monkeypatch.setattr(runner, "CHUNK_SIZE", size)
        folder = tmp_path / f"{size}-{jobs}"
        folder.mkdir()
        api.run_batch([portfolio], outputs=[folder / name for name in names], jobs=jobs, as_of=AS_OF)
        outputs = {name: (folder / name).read_bytes() for name in names}
        expected = expected or outputs
        assert outputs == expected, (size, jobs)
        assert sorted(path.name for path in folder.iterdir()) == sorted(names)  # no temporary file left
    assert expected["a.jsonl"].count(b"\n") > 60


def test_the_parent_receives_no_line_the_workers_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "CHUNK_SIZE", 7)
    entries = iter_entries([_portfolio(tmp_path / "in.jsonl")])
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"")
    request = chunks.Request(lines=frozenset({"jsonl", "summary"}), written=(("jsonl", str(target), "out.jsonl"),))
    received = list(chunks.assess_chunks(entries, api.rule_pack(), 2, request, AS_OF))
    assert len(received) > 5
    assert all("jsonl" not in chunk.lines and chunk.held["jsonl"] > 0 for chunk in received)
    assert all(chunk.lines["summary"] for chunk in received)  # not written by the workers: handed back
    assert target.stat().st_size == sum(chunk.held["jsonl"] for chunk in received)


def test_a_worker_that_cannot_write_its_lines_stops_the_batch_naming_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portfolio = _portfolio(tmp_path / "in.jsonl")
    old = tmp_path / "out.jsonl"
    old.write_text("old report\n")
    monkeypatch.setattr(runner, "CHUNK_SIZE", 7)

    def full_disk(descriptor: int, data: Any, offset: int) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "pwrite", full_disk)  # the workers are forked: they inherit it
    children = set(_children())
    with pytest.raises(OutputError) as raised:
        api.run_batch([portfolio], outputs=[old, tmp_path / "out.summary.jsonl"], jobs=2, as_of=AS_OF)
    assert str(old) in str(raised.value) and "No space left on device" in str(raised.value)
    assert old.read_text() == "old report\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]
    assert set(_children()) == children


def _dead(pid: int) -> bool:
    """Whether the process is gone, its pipes closed (a zombie, not yet waited for, counts as gone)."""
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state in ("Z", "X")


def test_a_worker_that_dies_after_its_last_result_is_an_engine_error_not_a_broken_pipe() -> None:
    results = workers.ordered(lambda message: os.getpid(), range(4), jobs=2, start=lambda: None, mail=lambda pid: [])
    pids = {next(results) for _ in range(4)}
    for pid in pids:  # every result is back: the workers wait for their last message
        os.kill(pid, signal.SIGKILL)
    while not all(_dead(pid) for pid in pids):
        time.sleep(0.01)
    with pytest.raises(EngineError, match=r"a worker process stopped unexpectedly \(killed by signal 9\)"):
        next(results)


def test_outputs_opened_before_one_that_cannot_be_leave_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portfolio = _portfolio(tmp_path / "in.jsonl")
    opened = batch.open_writer

    def open_writer(target: Path, context: Any) -> Any:
        if target.name == "second.csv":
            raise OutputError(str(target), ["cannot write the file: Read-only file system"])
        return opened(target, context)

    monkeypatch.setattr(batch, "open_writer", open_writer)
    with pytest.raises(OutputError):
        api.run_batch([portfolio], outputs=[tmp_path / "first.jsonl", tmp_path / "second.csv"], jobs=2, as_of=AS_OF)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.jsonl"]


def _stuck_in_c(*_: Any) -> None:
    """Stuck in C holding the GIL, as an endless loop inside durable_rules is (create_ruleset on a test too
    many, shared/notes/durable-rules.md; a corrupt dict): libc's sleep called through ctypes.PyDLL, which
    keeps the GIL."""
    ctypes.PyDLL(None).sleep(120)


def _running_python_for_2_s() -> None:
    end = time.monotonic() + 2
    while time.monotonic() < end:
        pass


@pytest.fixture
def _quick_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Heartbeats every 0.05 s, a worker stopped after 1 s without one; chunks of 8 lines."""
    monkeypatch.setattr(workers, "HEARTBEAT", 0.05)
    monkeypatch.setattr(workers, "STUCK_AFTER", 1.0)
    monkeypatch.setattr(runner, "CHUNK_SIZE", 8)
    monkeypatch.setattr(inputs, "BLOCK_LINES", 8)


@pytest.mark.usefixtures("_quick_watch")
def test_a_worker_stuck_in_native_code_is_stopped_naming_its_entries_and_nothing_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portfolio = write_jsonl(tmp_path / "in.jsonl", [json.dumps(document) for document in bundled() * 4])
    old = tmp_path / "out.jsonl"
    old.write_text("old report\n")
    monkeypatch.setattr(chunks, "outcome_of", _at_line_30(_stuck_in_c))
    children = set(_children())
    began = time.monotonic()
    with pytest.raises(EngineError) as raised:
        api.run_batch([portfolio], outputs=[old, tmp_path / "out.summary.jsonl"], jobs=2, as_of=AS_OF)
    assert time.monotonic() - began < 30  # not the 120 s the worker sleeps
    assert (
        f"a worker process stopped responding while assessing the entries from {portfolio}:line 25 to "
        f"{portfolio}:line 32: no heartbeat for 1 s, so it was stopped"
    ) in str(raised.value)
    assert old.read_text() == "old report\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]
    assert set(_children()) == children


@pytest.mark.usefixtures("_quick_watch")
def test_a_worker_running_python_for_longer_than_the_watch_allows_is_not_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portfolio = write_jsonl(tmp_path / "in.jsonl", [json.dumps(document) for document in bundled() * 4])
    monkeypatch.setattr(chunks, "outcome_of", _at_line_30(_running_python_for_2_s))
    api.run_batch([portfolio], outputs=[tmp_path / "slow.jsonl"], jobs=2, as_of=AS_OF)
    monkeypatch.undo()
    api.run_batch([portfolio], outputs=[tmp_path / "usual.jsonl"], jobs=1, as_of=AS_OF)
    assert (tmp_path / "slow.jsonl").read_bytes() == (tmp_path / "usual.jsonl").read_bytes()


def test_a_wait_counts_for_at_most_two_heartbeats_of_silence(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-Z stops the parent and its workers together; resumed, the parent's wait may return before a
    worker's heartbeat thread has run again: the minutes it was stopped must not count as the worker's silence."""
    monkeypatch.setattr(workers, "HEARTBEAT", 100.0)  # inherited by the worker: one heartbeat, at its start
    results = workers.ordered(lambda seconds: time.sleep(seconds) or seconds, [0.0, 1.0], jobs=1, start=lambda: None)
    assert next(results) == 0.0  # the worker is forked and on its second task
    monkeypatch.setattr(workers, "HEARTBEAT", 0.05)  # the parent looks every 0.05 s
    clock = itertools.count(0, 600)  # and each of its waits seems to take 10 minutes
    monkeypatch.setattr(workers, "time", types.SimpleNamespace(monotonic=lambda: next(clock), sleep=time.sleep))
    assert list(results) == [1.0]  # 20 waits of 0.1 s at most: 2 s of silence, not the 60 s that stop it


@pytest.mark.usefixtures("_quick_watch")
@pytest.mark.parametrize("pipe", ["1 MB", "64 KB"])
def test_a_worker_stuck_while_starting_is_stopped_and_not_blamed_on_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pipe: str
) -> None:
    """Before its first task: with a pipe smaller than that task (Linux refusing to enlarge it), sending the
    task would block the parent outside the watch."""
    portfolio = write_jsonl(tmp_path / "in.jsonl", [json.dumps(document) for document in bundled() * 40])
    if pipe == "64 KB":
        monkeypatch.setattr(workers, "_enlarge", lambda descriptor: None)
        monkeypatch.setattr(runner, "CHUNK_SIZE", 256)
        monkeypatch.setattr(inputs, "BLOCK_LINES", 256)  # a first task of about 300 KB
    monkeypatch.setattr(chunks, "start_worker", _stuck_in_c)
    children = set(_children())
    began = time.monotonic()
    with pytest.raises(EngineError) as raised:
        api.run_batch([portfolio], outputs=[tmp_path / "out.jsonl"], jobs=2, as_of=AS_OF)
    assert time.monotonic() - began < 30
    assert "a worker process stopped responding while starting: no heartbeat for 1 s" in str(raised.value)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.jsonl"]
    assert set(_children()) == children


def _cannot_start(*_: Any) -> None:
    raise EngineError("durable_rules", ["the native ruleset could not be built"])


def test_a_worker_that_cannot_start_stops_the_batch_with_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portfolio = write_jsonl(tmp_path / "in.jsonl", [json.dumps(document) for document in bundled()])
    monkeypatch.setattr(chunks, "start_worker", _cannot_start)
    with pytest.raises(EngineError, match="the native ruleset could not be built"):
        api.run_batch([portfolio], outputs=[tmp_path / "out.jsonl"], jobs=2, as_of=AS_OF)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.jsonl"]
