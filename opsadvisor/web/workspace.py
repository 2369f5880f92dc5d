"""The workspace: the folder of scenario files the workbench serves, and nothing outside it.

A page names a scenario by its path relative to the folder; `resolve` refuses anything else (an
absolute path, `..`, a symbolic link or a folder link that leads out, a file that is not a scenario file:
`*.json`, or the suffix of another registered scenario format, see scenario_formats; a name the file
system cannot hold: a control character, a part too long). The list skips hidden files and folders
(`.git`, `.venv`) without entering them and a link that loops, and a new file must be a name it shows.
Every scenario's batch outcome (what the portfolio summary and the scenario list read) is kept by its
file stamp (modification time, size and inode: an atomic write makes a new inode), so a page of
10,000 scenarios assesses only the files that changed since the last look.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .. import api, scenario_formats
from ..batch import with_evidence
from ..batch.inputs import FILE, Entry
from ..batch.runner import Outcome, assess_entries, default_jobs
from ..batch.summary import Summary
from ..errors import ScenarioError
from ..files import version_of_bytes
from ..scenario import decode_scenario, read_file_bytes
from ..text import BIDI, printable

PARALLEL_FROM = 2000  # fewer changed files than this are assessed in this process; more, in workers (docs/batch.md)

STALE_AFTER = 60  # seconds: an older temporary file of an interrupted save is left over, not being written
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

_Stamp = tuple[int, int, int]


class OutsideWorkspace(Exception):
    """A path that does not name a scenario file inside the workspace (the page answers 404)."""


class RefusedName(Exception):
    """A new scenario's file name that cannot be written or would not be listed; the message says why."""


@dataclass(frozen=True)
class Snapshot:
    """A scenario file read once: its version (of the bytes read; "" when it cannot be read) and its
    document, or why it cannot be used (its problem, naming the file as the page does)."""

    version: str
    document: Any
    problem: str


@dataclass(frozen=True)
class Listing:
    """Every scenario of the folder, in path order, with its outcome; and their summary."""

    outcomes: tuple[Outcome, ...]
    summary: Summary


class Workspace:
    def __init__(self, root: Path, pack: api.RulePack, records: Any = None) -> None:
        self.root = root.resolve()
        self.pack = pack
        self.records = records  # an EvidenceBook: each scenario assessed with its evidence (serve --records)
        self.name_max = _name_max(self.root)
        self._outcomes: dict[str, tuple[_Stamp, Outcome]] = {}

    def resolve(self, name: str) -> Path:
        """The file a relative name stands for, or OutsideWorkspace."""
        relative = PurePosixPath(name)
        if not name or relative.is_absolute() or "\\" in name or any(part in ("", "..") for part in relative.parts):
            raise OutsideWorkspace(name)
        if _CONTROL.search(name) or any(len(os.fsencode(part)) > self.name_max for part in relative.parts):
            raise OutsideWorkspace(name)
        try:
            path = (self.root / relative).resolve()
        except (OSError, RuntimeError):  # a link that loops (RuntimeError before Python 3.13)
            raise OutsideWorkspace(name) from None
        if not path.is_relative_to(self.root) or path.suffix not in scenario_formats.suffixes():
            raise OutsideWorkspace(name)
        return path

    def new_file(self, name: str) -> Path:
        """Where a new scenario named `name` (as typed, its suffix added) is written; RefusedName when it
        cannot be, or when the scenario list would not show it."""
        relative = PurePosixPath(name)
        if _CONTROL.search(name):
            raise RefusedName(f"{name!r}: a file name cannot hold control characters (such as a NUL byte)")
        if BIDI.search(name):
            raise RefusedName(
                f"{printable(name)}: a file name cannot hold bidirectional controls (they reorder how it reads)"
            )
        too_long = [part for part in relative.parts if len(os.fsencode(part)) > self.name_max]
        if too_long:
            raise RefusedName(
                f"{too_long[0][:40]}...: a file name may have at most {self.name_max} bytes between slashes; "
                f"this one has {len(os.fsencode(too_long[0]))}"
            )
        if relative.is_absolute() or ".." in relative.parts:
            raise RefusedName(f"{name}: a file name inside the workspace, such as my-service.json")
        if _hidden(Path(relative)):
            raise RefusedName(
                f"{name}: a name starting with a dot is hidden: the scenario list would not show it; "
                "choose a name without a leading dot"
            )
        try:
            path = self.resolve(name)
        except OutsideWorkspace:
            raise RefusedName(f"{name}: a file name inside the workspace, such as my-service.json") from None
        if path.exists():
            raise RefusedName(f"{name} exists: open it from the scenario list to edit it")
        if not path.parent.is_dir():
            raise RefusedName(f"{name}: the workspace has no folder {relative.parent}")
        if path.parent != self.root / relative.parent:
            raise RefusedName(
                f"{name}: {relative.parent} is a link to a folder, which the scenario list does not enter"
            )
        return path

    def existing(self, name: str) -> Path:
        """The scenario file a relative name stands for; OutsideWorkspace when it is none."""
        path = self.resolve(name)
        if not path.is_file():
            raise OutsideWorkspace(name)
        return path

    def name_of(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def snapshot(self, name: str, path: Path) -> Snapshot:
        """The file's bytes read once, so that a page's version is the version of what it shows."""
        try:
            raw = read_file_bytes(path)
        except ScenarioError as error:
            return Snapshot("", None, error.render().replace(str(path), name))
        try:
            return Snapshot(version_of_bytes(raw), decode_scenario(raw, name, scenario_formats.for_path(path)), "")
        except ScenarioError as error:
            return Snapshot(version_of_bytes(raw), None, error.render())

    def files(self) -> list[Path]:
        """The scenario files in the folder and its subfolders, whose real place is inside it: hidden files
        and folders are skipped before a link is resolved, a folder link is not entered, and a link that
        loops or leads nowhere is no scenario."""
        suffixes = scenario_formats.suffixes()
        found = []
        for folder, names in _folders(self.root):
            for name in names:
                if not name.startswith(".") and name.endswith(suffixes) and self._inside(path := folder / name):
                    found.append(path)
        return sorted(found)

    def _inside(self, path: Path) -> bool:
        try:
            real = path.resolve()
            return real.is_file() and real.is_relative_to(self.root)
        except (OSError, RuntimeError):  # a link that loops (RuntimeError before Python 3.13)
            return False

    def stale_temporaries(self) -> list[Path]:
        """Temporary files an interrupted save left (`.NAME.json.XXXXXXXX.tmp`, see files.AtomicFile), older
        than STALE_AFTER seconds: no save still writes them."""
        pattern = re.compile(
            r"\.[^/]+(?:" + "|".join(re.escape(suffix) for suffix in scenario_formats.suffixes()) + r")\.\w{8}\.tmp"
        )
        before = time.time() - STALE_AFTER
        stale = []
        for folder, names in _folders(self.root):
            for path in (folder / name for name in names if pattern.fullmatch(name)):
                try:
                    if path.lstat().st_mtime < before:
                        stale.append(path)
                except OSError:  # removed meanwhile
                    continue
        return sorted(stale)

    def listing(self) -> Listing:
        """Every scenario's outcome, assessing only the files whose stamp changed since the last call."""
        stamps = dict(self._stamps())
        stale = [name for name, stamp in stamps.items() if self._outcomes.get(name, (None,))[0] != stamp]
        entries = [Entry(name, FILE, str(self.root / name)) for name in stale]
        if self.records is not None:
            entries = list(with_evidence(entries, self.records, api.assessor_for(self.pack)))
        jobs = 1 if len(entries) < PARALLEL_FROM else default_jobs()
        for entry, outcome in zip(entries, assess_entries(entries, self.pack, jobs, with_json=False), strict=True):
            self._outcomes[entry.location] = (stamps[entry.location], outcome)
        for gone in self._outcomes.keys() - stamps.keys():
            del self._outcomes[gone]
        outcomes = tuple(self._outcomes[name][1] for name in stamps)
        summary = Summary()
        for outcome in outcomes:
            summary.add(outcome)
        return Listing(outcomes, summary)

    def _stamps(self) -> Iterator[tuple[str, _Stamp]]:
        """Each scenario file's name and stamp; a file removed since it was found is left out."""
        for path in self.files():
            try:
                status = path.stat()
            except OSError:
                continue
            yield self.name_of(path), (status.st_mtime_ns, status.st_size, status.st_ino)


def _hidden(relative: Path) -> bool:
    """Files in hidden folders (.git, .venv) are not scenarios of the workspace."""
    return any(part.startswith(".") for part in relative.parts)


def _folders(root: Path) -> Iterator[tuple[Path, list[str]]]:
    """Each folder under `root` (itself included) that is not hidden, with the names of its files: a hidden
    folder is never entered, nor a folder link (os.walk does not follow them), and an unreadable one is skipped."""
    for folder, folders, names in os.walk(root):
        folders[:] = [name for name in folders if not name.startswith(".")]
        yield Path(folder), names


def _name_max(folder: Path) -> int:
    """The longest name the folder's file system holds, in bytes (255 where it does not say)."""
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def version_of(path: Path) -> str:
    """The version a page was made from (its ETag): a digest of the file's bytes, so any change shows."""
    return version_of_bytes(read_file_bytes(path))


def proposed_name(service_id: str) -> str:
    """The file name proposed for a new scenario: its service id, as a name the scenario list shows (no
    folder, no leading dot, no control character), with the default format's suffix; "" without an id."""
    stem = re.sub(r"[/\\\x00-\x1f\x7f]+", "-", BIDI.sub("", service_id.strip())).lstrip(".-")
    return writable_name(stem) if stem else ""


def writable_name(name: str) -> str:
    """A file name as typed for a new scenario: the default format's suffix (`.json`) added unless it ends
    with a scenario format's."""
    name = name.strip()
    if name.endswith(scenario_formats.suffixes()):
        return name
    return f"{name}{scenario_formats.default().suffixes[0]}"
