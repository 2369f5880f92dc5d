"""The workspace: the folder of scenario files the workbench serves, and nothing outside it.

A page names a scenario by its path relative to the folder; `resolve` refuses anything else (an
absolute path, `..`, a symbolic link or a folder link that leads out, a file that is not a scenario file:
`*.json`, or the suffix of another registered scenario format, see scenario_formats).
Every scenario's batch outcome (what the portfolio summary and the scenario list read) is kept by its
file stamp (modification time, size and inode: an atomic write makes a new inode), so a page of
10,000 scenarios assesses only the files that changed since the last look.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .. import api, scenario_formats
from ..batch.inputs import FILE, Entry
from ..batch.runner import Outcome, assess_entries, default_jobs
from ..batch.summary import Summary
from ..scenario import read_file_bytes

PARALLEL_FROM = 2000  # fewer changed files than this are assessed in this process (~0.6 ms each); more, in workers

_Stamp = tuple[int, int, int]


class OutsideWorkspace(Exception):
    """A path that does not name a scenario file inside the workspace (the page answers 404)."""


@dataclass(frozen=True)
class Listing:
    """Every scenario of the folder, in path order, with its outcome; and their summary."""

    outcomes: tuple[Outcome, ...]
    summary: Summary


class Workspace:
    def __init__(self, root: Path, pack: api.RulePack) -> None:
        self.root = root.resolve()
        self.pack = pack
        self._outcomes: dict[str, tuple[_Stamp, Outcome]] = {}

    def resolve(self, name: str) -> Path:
        """The file a relative name stands for, or OutsideWorkspace."""
        relative = PurePosixPath(name)
        if not name or relative.is_absolute() or "\\" in name or any(part in ("", "..") for part in relative.parts):
            raise OutsideWorkspace(name)
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root) or path.suffix not in scenario_formats.suffixes():
            raise OutsideWorkspace(name)
        return path

    def existing(self, name: str) -> Path:
        """The scenario file a relative name stands for; OutsideWorkspace when it is none."""
        path = self.resolve(name)
        if not path.is_file():
            raise OutsideWorkspace(name)
        return path

    def name_of(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def files(self) -> list[Path]:
        """The scenario files in the folder and its subfolders, whose real place is inside it."""
        found = []
        for suffix in scenario_formats.suffixes():
            for path in self.root.rglob(f"*{suffix}"):
                real = path.resolve()
                if real.is_file() and real.is_relative_to(self.root) and not _hidden(path.relative_to(self.root)):
                    found.append(path)
        return sorted(found)

    def listing(self) -> Listing:
        """Every scenario's outcome, assessing only the files whose stamp changed since the last call."""
        files = self.files()
        stamps = {self.name_of(path): _stamp_of(path) for path in files}
        stale = [name for name, stamp in stamps.items() if self._outcomes.get(name, (None,))[0] != stamp]
        entries = [Entry(name, FILE, str(self.root / name)) for name in stale]
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


def _hidden(relative: Path) -> bool:
    """Files in hidden folders (.git, .venv) are not scenarios of the workspace."""
    return any(part.startswith(".") for part in relative.parts)


def _stamp_of(path: Path) -> _Stamp:
    status = path.stat()
    return (status.st_mtime_ns, status.st_size, status.st_ino)


def version_of(path: Path) -> str:
    """The version a page was made from (its ETag): a digest of the file's bytes, so any change shows."""
    return hashlib.sha256(read_file_bytes(path)).hexdigest()[:20]


def writable_name(name: str) -> str:
    """A file name as typed for a new scenario: the default format's suffix (`.json`) added unless it ends
    with a scenario format's."""
    name = name.strip()
    if name.endswith(scenario_formats.suffixes()):
        return name
    return f"{name}{scenario_formats.default().suffixes[0]}"
