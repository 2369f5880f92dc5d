"""Worker processes for a batch: tasks out, results back in task order, all in the calling thread.

Each worker is forked with its end of two pipes (tasks in, results out), answers once `start` has run in
it, then serves one task at a time: a task goes only to a worker waiting for one, which reads it whole
before it writes its result, so neither side can block the other. Results are read as they come and
handed back in task order (at most WINDOW tasks ahead of the oldest one not yet back).

Why not multiprocessing.Pool: its parent runs three threads, pickles and unpickles through queues, reads
a large result a pipe's worth (64 KB) at a time into a new buffer of the whole remaining size, and its
worker-handler thread wakes on every result in the pipe and spins while one is being read: about 35 µs
of the parent's CPU per service with full JSON Lines, the CPU `--jobs` cannot spread (docs/batch.md,
Performance). Here the parent's pipes hold 1 MB (where Linux allows) and a result is read into one
buffer of its size. A message is pickled with protocol 5 and its out-of-band buffers (pickle.PickleBuffer:
a chunk's encoded lines) follow the pickle in the pipe; each is read into a buffer of its own that the
unpickled result uses as it is, not copied again (a chunk's JSON lines are about 1.75 MB).

An error raised by a task travels back and is raised here (OpsAdvisorError pickles); a worker that dies
is an EngineError, and so is one that stops responding: a thread in each worker counts a heartbeat into
memory shared with the parent every HEARTBEAT seconds, and it needs the GIL to do so, which Python code
hands over every few milliseconds however long it runs, but a C extension caught in an endless loop (a
durable_rules bug, memory it corrupted) never does. A worker whose count stays still for STUCK_AFTER
seconds of the parent's waiting is stopped and named, instead of hanging the batch. However the
iteration ends (the last result, an error, Ctrl-C, SIGTERM, the caller closing it), every worker is sent
SIGTERM and waited for.
"""

from __future__ import annotations

import contextlib
import itertools
import mmap
import os
import pickle
import signal
import struct
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from multiprocessing.connection import wait
from typing import Any, cast

from ..errors import EngineError

PIPE_SIZE = 1 << 20  # bytes a pipe holds (fcntl F_SETPIPE_SZ; Linux's default maximum for a user)
WINDOW = 4  # results read ahead, per worker, of the oldest task not yet back
_HEADER = struct.Struct("!QI")  # the pickle's size, then how many out-of-band buffers follow it
_SIZE = struct.Struct("!Q")  # an out-of-band buffer's size, one per buffer after the header
HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}
HEARTBEAT = 1.0  # seconds between a worker's heartbeats, and the longest the parent waits before looking
STUCK_AFTER = 60.0  # seconds of the parent's waiting without a heartbeat: the worker no longer responds
_BEAT = struct.Struct("Q")  # a worker's heartbeat count, in memory it shares with the parent


def ordered(
    work: Callable[[Any], Any],
    tasks: Iterable[Any],
    jobs: int,
    start: Callable[[], None],
    mail: Callable[[int], Any] | None = None,
    doing: Callable[[Any], str] = lambda task: "on a task",
) -> Generator[Any, None, None]:
    """work(task) for each task, in `jobs` forked processes, in task order; `start` runs first in each.

    With `mail`, a worker is sent (mail(its pid), task) instead of the task: what the caller has learnt,
    from the results handed back so far, that this worker needs (batch.chunks: where to write the lines
    it holds). Once every result is handed back, each worker gets a last message, (mail(its pid), None),
    and its answer is awaited (an error it raises is raised here) before the iteration ends. `doing(task)`
    says what a worker that stops responding was doing, for the EngineError that names it."""
    workers: list[_Worker] = []
    try:
        with _signals_held():
            for _ in range(jobs):
                workers.append(_Worker(work, start, workers))
        _answers(workers)  # `start` ran in each (an error it raised is raised here)
        yield from _results(iter(tasks), workers, mail, doing)
        if mail is not None:
            for worker in workers:
                worker.send((mail(worker.pid), None), "writing its last lines")
            _answers(workers)
    finally:
        for worker in workers:
            worker.stop()


def _results(
    tasks: Iterator[Any], workers: list[_Worker], mail: Callable[[int], Any] | None, doing: Callable[[Any], str]
) -> Iterator[Any]:
    idle = list(reversed(workers))
    busy: dict[int, tuple[_Worker, int]] = {}  # results' descriptor -> (worker, task number)
    done: dict[int, Any] = {}  # results read ahead, by task number
    sent = returned = 0
    more = True
    while True:
        while more and idle and sent - returned < WINDOW * len(workers):
            task = next(tasks, _END)
            if task is _END:
                more = False
                break
            worker = idle.pop()
            worker.send(task if mail is None else (mail(worker.pid), task), doing(task))
            busy[worker.results] = (worker, sent)
            sent += 1
        if returned in done:
            yield done.pop(returned)
            returned += 1
            continue
        if not busy:
            return
        for ready in _ready([worker for worker, _ in busy.values()]):
            worker, number = busy.pop(ready)
            done[number] = worker.receive()
            idle.append(worker)


def _answers(workers: list[_Worker]) -> None:
    """Each worker's next answer (an error it raised is raised here), awaited as _ready watches them. A task
    goes only to a worker whose answer is back: a worker that stopped responding before reading a task
    would leave the parent blocked in writing one larger than the pipe holds, out of _ready's watch."""
    waiting = {worker.results: worker for worker in workers}
    while waiting:
        for ready in _ready(list(waiting.values())):
            waiting.pop(ready).receive()


def _ready(busy: list[_Worker]) -> list[int]:
    """The results' descriptors of the busy workers ready to be read, after waiting at most HEARTBEAT
    seconds; raises an EngineError for one that has stopped responding."""
    since = time.monotonic()
    ready = cast(list[int], wait([worker.results for worker in busy], HEARTBEAT))
    # The wait counts, not the time between two: a parent stopped meanwhile (Ctrl-Z, a suspended machine)
    # must not find every worker silent when it resumes, before their heartbeat threads have run again.
    waited = min(time.monotonic() - since, 2 * HEARTBEAT)
    for worker in busy:
        if worker.results not in ready and worker.silent_for(waited) >= STUCK_AFTER:
            raise EngineError(
                "",
                [
                    f"a worker process stopped responding while {worker.doing}: no heartbeat for "
                    f"{STUCK_AFTER:.0f} s, so it was stopped (stuck inside durable_rules or another C extension, "
                    "or suspended: please report it)"
                ],
            )
    return ready


_END = object()


class _Worker:
    """One forked process and the parent's ends of its two pipes."""

    def __init__(self, work: Callable[[Any], Any], start: Callable[[], None], others: list[_Worker]) -> None:
        task_read, self.tasks = os.pipe()
        self.results, result_write = os.pipe()
        for descriptor in (self.tasks, self.results):
            _enlarge(descriptor)
        self.beats = mmap.mmap(-1, _BEAT.size)  # shared with the worker (an anonymous map is, across fork)
        self._beat = 0  # the count last seen
        self._silent = 0.0  # seconds waited since it last changed, or since the last message sent
        self.doing = "starting"  # what it was last asked to do, for the error should it stop responding
        self.pid = os.fork()
        if self.pid == 0:  # the worker: it never returns from here
            code = 1
            try:
                for other in others:
                    other.close()
                os.close(self.tasks)
                os.close(self.results)
                _serve(work, start, task_read, result_write, self.beats)
                code = 0
            finally:
                os._exit(code)
        os.close(task_read)
        os.close(result_write)

    def send(self, task: Any, doing: str) -> None:
        """Send a message; `doing`: what it asks of the worker."""
        self._silent = 0.0
        self.doing = doing
        try:
            _write(self.tasks, _message(task))
        except BrokenPipeError:  # it died since its last result (with mail, even after the last task)
            raise self._stopped() from None

    def receive(self) -> Any:
        message = _read(self.results)
        if message is None:
            raise self._stopped()
        failed, value = _unpickled(message)
        if failed:
            raise value
        return value

    def silent_for(self, waited: float) -> float:
        """How long the parent has waited since the worker's heartbeat count last changed (or since its
        last message), `waited` more seconds included."""
        (beat,) = _BEAT.unpack_from(self.beats)
        if beat != self._beat:
            self._beat, self._silent = beat, 0.0
        else:
            self._silent += waited
        return self._silent

    def _stopped(self) -> EngineError:
        return EngineError("", [f"a worker process stopped unexpectedly ({_exit_status(self)})"])

    def close(self) -> None:
        for descriptor in (self.tasks, self.results):
            with contextlib.suppress(OSError):
                os.close(descriptor)
        self.beats.close()

    def stop(self) -> None:
        """SIGTERM (a worker dies at once on it), wait for it, close the pipes."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        self.close()


def _serve(work: Callable[[Any], Any], start: Callable[[], None], tasks: int, results: int, beats: mmap.mmap) -> None:
    """The worker's loop: a task, its result (or the exception it raised), until the parent closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the process group: the parent handles it
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # and stops the workers with SIGTERM: no traceback
    signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD_SIGNALS)
    threading.Thread(target=_heartbeat, args=(beats,), name="heartbeat", daemon=True).start()
    _answer(results, start)  # the first answer: started (the parent sends no task before it)
    while (message := _read(tasks)) is not None:
        _answer(results, work, _unpickled(message))


def _answer(results: int, call: Callable[..., Any], *arguments: Any) -> None:
    """Write call(*arguments)'s result to the parent, or the exception it raised."""
    try:
        reply = (False, call(*arguments))
    except Exception as error:
        reply = (True, error)
    try:
        pieces = _message(reply)
    except Exception as error:
        pieces = _message((True, EngineError("", [f"{type(error).__name__}: {error}"])))
    _write(results, pieces)


def _heartbeat(beats: mmap.mmap) -> None:
    """In a worker's thread: count a heartbeat every HEARTBEAT seconds, for as long as the worker lives."""
    for count in itertools.count(1):
        _BEAT.pack_into(beats, 0, count)
        time.sleep(HEARTBEAT)


Message = tuple[bytearray, list[bytearray]]  # the pickle, its out-of-band buffers


def _message(value: Any) -> list[memoryview]:
    """The pieces of one message: header, pickle (protocol 5), each out-of-band buffer's bytes."""
    buffers: list[pickle.PickleBuffer] = []
    payload = pickle.dumps(value, pickle.HIGHEST_PROTOCOL, buffer_callback=buffers.append)
    raws = [buffer.raw() for buffer in buffers]
    header = _HEADER.pack(len(payload), len(raws)) + b"".join(_SIZE.pack(raw.nbytes) for raw in raws)
    return [memoryview(header), memoryview(payload), *raws]


def _unpickled(message: Message) -> Any:
    payload, buffers = message
    return pickle.loads(payload, buffers=buffers)


def _write(descriptor: int, pieces: list[memoryview]) -> None:
    """Every piece, in order, however many bytes each write takes."""
    pieces = [piece for piece in pieces if piece.nbytes]
    while pieces:
        written = os.writev(descriptor, pieces)
        while pieces and written >= pieces[0].nbytes:
            written -= pieces.pop(0).nbytes
        if written:
            pieces[0] = pieces[0][written:]


def _read(descriptor: int) -> Message | None:
    """One message, the pickle and each buffer read into one buffer of its size; None at the end of the
    pipe (the writer is gone)."""
    header = _read_exactly(descriptor, _HEADER.size)
    if header is None:
        return None
    size, count = _HEADER.unpack(header)
    sizes = _read_exactly(descriptor, _SIZE.size * count)
    payload = _read_exactly(descriptor, size)
    if sizes is None or payload is None:
        return None
    buffers = [_read_exactly(descriptor, buffer_size) for (buffer_size,) in _SIZE.iter_unpack(sizes)]
    if None in buffers:
        return None
    return payload, cast(list[bytearray], buffers)


def _read_exactly(descriptor: int, size: int) -> bytearray | None:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        count = os.readv(descriptor, [view[got:]])
        if count == 0:
            return None
        got += count
    return buffer


def _enlarge(descriptor: int) -> None:
    """A larger pipe buffer: fewer reads and writes, each waking the other side, per result."""
    import fcntl

    with contextlib.suppress(OSError, AttributeError):
        fcntl.fcntl(descriptor, fcntl.F_SETPIPE_SZ, PIPE_SIZE)


def _exit_status(worker: _Worker) -> str:
    with contextlib.suppress(ChildProcessError):
        _, status = os.waitpid(worker.pid, 0)
        if os.WIFSIGNALED(status):
            return f"killed by signal {os.WTERMSIG(status)}"
        return f"exit code {os.WEXITSTATUS(status)}"
    return "gone"


def parallel(jobs: int) -> bool:
    """Whether `jobs` asks for worker processes and the system can fork them (Windows cannot: the work
    then runs in the calling process, as with one job)."""
    return jobs > 1 and hasattr(os, "fork")


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while the workers are forked; one that arrives meanwhile is delivered
    when every worker is there to be stopped. Raised halfway through a fork, it would leave a worker
    that nothing stops. The workers start with both held and release them in _serve."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
