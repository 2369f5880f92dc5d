"""Atomic writes: a report is written to a temporary file beside it, then renamed over it.

An interrupted run (error, Ctrl-C, kill) never leaves a half-written report in place of an old one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


class AtomicFile:
    """A temporary file in the target's directory; `commit()` renames it over the target."""

    def __init__(self, target: str | Path, mode: str = "w") -> None:
        self.target = Path(target)
        descriptor, self.temporary = tempfile.mkstemp(
            prefix=f".{self.target.name}.", suffix=".tmp", dir=self.target.parent or Path(".")
        )
        kwargs: dict[str, Any] = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        self.stream: IO[Any] = os.fdopen(descriptor, mode, **kwargs)

    def commit(self) -> None:
        self.stream.flush()
        os.fsync(self.stream.fileno())
        self.stream.close()
        os.chmod(self.temporary, 0o666 & ~_umask())
        os.replace(self.temporary, self.target)

    def abort(self) -> None:
        self.stream.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temporary)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _atomic(target: str | Path, mode: str) -> Iterator[IO[Any]]:
    file = AtomicFile(target, mode)
    try:
        yield file.stream
    except BaseException:
        file.abort()
        raise
    file.commit()


def text_file(target: str | Path) -> contextlib.AbstractContextManager[IO[str]]:
    return _atomic(target, "w")


def binary_file(target: str | Path) -> contextlib.AbstractContextManager[IO[bytes]]:
    return _atomic(target, "wb")
