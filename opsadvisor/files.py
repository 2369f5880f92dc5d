"""Writing output files so that an interruption never leaves a half-written one, and locking a file
that is read, edited and written back.

Every report, scenario edit and generated document goes through a temporary file beside the target
and `os.replace`: a reader, a crash, Ctrl-C or a full disk sees the old file or the new one, never
a mix, and the temporary file is removed whatever happened. A symbolic link is followed: the file
it points to is replaced and the link stays. An existing file keeps its permission bits and its
owner; a new one gets what `open()` would give it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from .errors import UsageError

# An output's write buffer: a batch writes one JSON line of several KB per service, which with the
# default 8 KB buffer is about one system call per service (docs/batch.md, Performance).
WRITE_BUFFER = 1 << 20


class OutputError(UsageError):
    """An output file cannot be written: no such folder, no permission, disk full (exit 2)."""


def write_failed(target: Path, error: OSError) -> OutputError:
    return OutputError(str(target), [f"cannot write the file: {error.strerror or error}"])


def _existing(target: Path) -> os.stat_result | None:
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        return target.stat()
    return None


def _new_file_bits() -> int:
    """The permission bits open() gives a new file (mkstemp's are 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


class AtomicFile:
    """A temporary file in the target's folder; `commit()` renames it over the target.

    Write through `write()` (or the `stream`, inside `text_file`/`binary_file`): a failed write
    removes the temporary file and raises OutputError (exit 2) naming the target.
    """

    def __init__(self, target: str | Path, mode: str = "w") -> None:
        self.target = Path(os.path.realpath(target))  # through a symlink: replace its target, keep the link
        self.as_named = Path(target)
        self.temporary = ""
        try:
            self._existing = _existing(self.target)
            descriptor, self.temporary = tempfile.mkstemp(
                prefix=f".{self.target.name}.", suffix=".tmp", dir=self.target.parent
            )
        except OSError as error:
            raise write_failed(self.as_named, error) from None
        options: dict[str, Any] = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        self.stream: IO[Any] = os.fdopen(descriptor, mode, buffering=WRITE_BUFFER, **options)

    def write(self, data: Any) -> None:
        try:
            self.stream.write(data)
        except OSError as error:
            self.abort()
            raise write_failed(self.as_named, error) from None

    def commit(self, replace: bool = True) -> None:
        """Put the written file in place; with `replace` False only where no file is (else OutputError):
        a file another writer created meanwhile is never replaced."""
        try:
            self.stream.flush()
            os.fsync(self.stream.fileno())
            self.stream.close()
            self._keep_owner_and_mode()
            if replace:
                os.replace(self.temporary, self.target)
            else:
                os.link(self.temporary, self.target)  # fails when the target exists, whoever made it
                os.unlink(self.temporary)
        except FileExistsError:
            self.abort()
            raise OutputError(str(self.as_named), ["already exists; nothing was written"]) from None
        except OSError as error:
            self.abort()
            raise write_failed(self.as_named, error) from None

    def _keep_owner_and_mode(self) -> None:
        if self._existing is None:
            os.chmod(self.temporary, _new_file_bits())
            return
        with contextlib.suppress(PermissionError):  # only root may give a file away
            os.chown(self.temporary, self._existing.st_uid, self._existing.st_gid)
        os.chmod(self.temporary, stat.S_IMODE(self._existing.st_mode))

    def abort(self) -> None:
        """Remove the temporary file first: closing may fail again (a full disk fails the flush)."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temporary)
        with contextlib.suppress(OSError):
            self.stream.close()


@contextlib.contextmanager
def _atomic(target: str | Path, mode: str) -> Iterator[IO[Any]]:
    file = AtomicFile(target, mode)
    try:
        yield file.stream
    except OSError as error:
        file.abort()
        raise write_failed(file.as_named, error) from None
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


def keep_newest(folder: Path, pattern: str, marker: bytes, count: int) -> None:
    """Remove all but the `count` files written last in `folder` whose names match `pattern` and whose bytes
    begin with `marker` (a cache's entries: a file of anybody else's, in a folder the user chose, is never
    touched). A file another process removes meanwhile, or that cannot be read or removed, is left to it."""
    named = list(folder.glob(pattern))
    if len(named) <= count:  # the usual case: no file need be opened
        return
    written: list[tuple[int, Path]] = []
    for path in named:
        with contextlib.suppress(OSError), path.open("rb") as stream:
            if stream.read(len(marker)) == marker:
                written.append((os.fstat(stream.fileno()).st_mtime_ns, path))
    for _, path in sorted(written, reverse=True)[count:]:
        with contextlib.suppress(OSError):
            path.unlink()


def atomic_create(target: str | Path, data: bytes) -> None:
    """Write a new file `target` holding `data` in one step; OutputError when it exists (never replaced)."""
    file = AtomicFile(target, "wb")
    file.write(data)
    file.commit(replace=False)


def version_of_bytes(data: bytes) -> str:
    """A file's version as a page or a form carries it: a digest of its bytes, so any change shows."""
    return hashlib.sha256(data).hexdigest()[:20]


def refuse_existing(target: str | Path, force: bool) -> None:
    """OutputError (exit 2) when `target` exists and `force` is not given: never overwrite a filled-in file."""
    if not force and os.path.lexists(target):
        raise OutputError(str(target), ["already exists; use --force to replace it"])


def same_file(one: str | Path, other: str | Path) -> bool:
    """Whether two paths name the same file (after symlinks, or the same inode)."""
    if os.path.realpath(one) == os.path.realpath(other):
        return True
    with contextlib.suppress(OSError):
        return os.path.samefile(one, other)
    return False


def refuse_replacing_input(
    target: str | Path, inputs: Iterable[str | Path], read_in_folder: Iterable[str] = ()
) -> None:
    """OutputError (exit 2) when writing `target` would replace an input: the same file (through links,
    or the same inode), or a file inside an input folder that the command reads from it (suffixes in
    `read_in_folder`: by the name written or by the file it links to)."""
    resolved = Path(os.path.realpath(target))
    suffixes = {suffix.lower() for suffix in read_in_folder}
    for source in inputs:
        inside = (
            os.path.isdir(source)
            and Path(os.path.realpath(source)) in resolved.parents
            and bool({Path(target).suffix.lower(), resolved.suffix.lower()} & suffixes)
        )
        if inside or same_file(target, source):
            raise OutputError(str(target), [f"is an input of this command ({source}); write the output elsewhere"])


@contextlib.contextmanager
def locked(path: str | Path) -> Iterator[None]:
    """Hold an exclusive advisory lock (flock) on the file while reading, editing and replacing it.

    Two `decide` runs on one file take turns instead of both editing the same old text. The lock is
    on the file itself (no lock file is left behind); as `commit` replaces the file, a waiting
    process that wakes up holding the lock of the replaced file opens the new one and locks again.
    A file that cannot be opened is not locked: reading it reports why.
    """
    import fcntl  # POSIX only, and only edits need it

    target = os.path.realpath(path)
    descriptor: int | None = None
    while descriptor is None:
        try:
            descriptor = os.open(target, os.O_RDONLY)
        except OSError:
            break
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        if not _is_current(descriptor, target):
            os.close(descriptor)
            descriptor = None
    try:
        yield
    finally:
        if descriptor is not None:
            os.close(descriptor)


def _is_current(descriptor: int, target: str) -> bool:
    """Whether the locked descriptor is still the file at `target` (not replaced while we waited)."""
    held = os.fstat(descriptor)
    try:
        now = os.stat(target)
    except OSError:
        return False
    return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)


class Spool:
    """Text kept on disk until a report can be written in order (its summary first), then read back.

    An unnamed temporary file: nothing is left behind, whatever stops the process. A failed write
    (the temporary space is full) raises OutputError naming the report it was for.
    """

    def __init__(self, target: str | Path) -> None:
        self.target = Path(target)
        try:
            self.file = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (closed by close())
        except OSError as error:
            raise write_failed(self.target, error) from None

    def write(self, text: str) -> None:
        try:
            self.file.write(text)
        except OSError as error:
            self.close()
            raise write_failed(self.target, error) from None

    def lines(self) -> Iterator[str]:
        self.file.seek(0)
        yield from self.file

    def chunks(self, size: int = 1 << 20) -> Iterator[str]:
        """The text in pieces of about `size` characters, each ending at the end of a line."""
        self.file.seek(0)
        while chunk := self.file.read(size):
            yield chunk + self.file.readline()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()
