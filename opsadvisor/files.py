"""Writing output files so that an interruption never leaves a half-written one.

Every report, scenario edit and generated document goes through a temporary file beside the target
and `os.replace`: a reader, a crash, Ctrl-C or a full disk sees the old file or the new one, never
a mix. An existing file keeps its permission bits; a new one gets what `open()` would give it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .errors import EXIT_USAGE, OpsAdvisorError


class OutputError(OpsAdvisorError):
    """An output file cannot be written: no such folder, no permission, disk full (exit 2)."""

    exit_code = EXIT_USAGE


def _failed(target: Path, error: OSError) -> OutputError:
    return OutputError(str(target), [f"cannot write the file: {error.strerror or error}"])


def _mode_for(target: Path) -> int:
    """The target's permission bits, or those open() would give a new file (mkstemp's are 0600)."""
    with contextlib.suppress(FileNotFoundError):
        return stat.S_IMODE(target.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


class AtomicFile:
    """A temporary file in the target's folder; `commit()` renames it over the target."""

    def __init__(self, target: str | Path, mode: str = "w") -> None:
        self.target = Path(target)
        self._bits = _mode_for(self.target)
        try:
            descriptor, self.temporary = tempfile.mkstemp(
                prefix=f".{self.target.name}.", suffix=".tmp", dir=self.target.parent
            )
        except OSError as error:
            raise _failed(self.target, error) from None
        options: dict[str, Any] = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        self.stream: IO[Any] = os.fdopen(descriptor, mode, **options)

    def commit(self) -> None:
        try:
            self.stream.flush()
            os.fsync(self.stream.fileno())
            self.stream.close()
            os.chmod(self.temporary, self._bits)
            os.replace(self.temporary, self.target)
        except OSError as error:
            self.abort()
            raise _failed(self.target, error) from None

    def abort(self) -> None:
        self.stream.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temporary)


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


def atomic_write(target: str | Path, data: bytes) -> None:
    """Replace `target` with `data` in one step."""
    with binary_file(target) as stream:
        stream.write(data)
