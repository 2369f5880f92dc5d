"""Writing files so that an interruption never leaves a half-written one."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from ..errors import ScenarioError


def _new_file_mode() -> int:
    """The mode open() would give a new file (mkstemp's temporary files are private, 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file beside it and os.replace.

    A reader (or a crash, Ctrl-C or full disk) sees either the old file or the new one, never a
    mix. An existing file keeps its permission bits.
    """
    target = Path(path)
    directory = target.parent
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = _new_file_mode()
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as error:
        raise ScenarioError(str(path), [f"cannot write the file: {error.strerror}"]) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise ScenarioError(str(path), [f"cannot write the file: {error.strerror}"]) from None
        raise
