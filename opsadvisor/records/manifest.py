"""What to read as evidence: a records manifest (YAML), and the parties map it names.

    # records.yaml: paths are relative to this file
    parties: parties.yaml              # assignment groups and vendors -> it_ops, it_delivery, business, vendor
    tickets:                           # one or more ticket exports, each with its column map
      - {file: servicenow-tasks.csv, map: servicenow-tasks-map.yaml}
      - {file: jsm-issues.jsonl, map: jsm-issues-map.yaml}
    contracts: {file: contract-register.xlsx, map: contract-register-map.yaml}
    access_reviews: access-reviews.csv # a file whose columns name the fields needs no map
    window_days: 90                    # the period: the days before the as-of day (default 90)

    # parties.yaml
    parties:
      Service Desk: it_ops
      Finance Super Users: business
      Acme Support: vendor
      Auto-close bot: null             # its tickets are nobody's work: not counted

A manifest or parties map that cannot be used is a usage error (exit 2) naming file:line, before any
record is read; so is a records file that does not exist or has another suffix than .csv, .xlsx, .jsonl.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import vocabulary
from ..contract import PERFORMERS
from ..errors import UsageError, did_you_mean
from ..tabular import NO_MAP, TableMap, load_map
from ..text import printable
from ..validation import describe
from ..yamlload import YamlProblem, load_yaml
from .reading import SUFFIXES
from .schema import KINDS, RecordKind

MANIFEST_KEYS = ("parties", "tickets", "contracts", "access_reviews", "window_days")
SOURCE_KEYS = ("file", "map")
DEFAULT_WINDOW = 90
MAX_WINDOW = 3660  # ten years of records


@dataclass(frozen=True)
class Source:
    """One records file and the column map it is read through."""

    path: Path
    table_map: TableMap = NO_MAP


@dataclass(frozen=True)
class Parties:
    """Assignment group (or vendor) names -> the party whose work a ticket in that group is; matched
    ignoring case, spaces, '-' and '_'. A name mapped to None is nobody's work (its tickets are not counted)."""

    names: dict[str, str | None] = field(default_factory=dict)  # vocabulary.key(name) -> party or None

    def of(self, name: str) -> tuple[bool, str | None]:
        """(whether the map names it, its party)."""
        found = vocabulary.key(name)
        return (found in self.names, self.names.get(found))


@dataclass(frozen=True)
class RecordSet:
    """The records to read: ticket exports, contract registers, access review logs, and the parties map."""

    tickets: tuple[Source, ...] = ()
    contracts: tuple[Source, ...] = ()
    access_reviews: tuple[Source, ...] = ()
    parties: Parties = Parties()
    window_days: int = DEFAULT_WINDOW
    source: str = ""  # the manifest, for messages

    def sources(self) -> list[tuple[RecordKind, Source]]:
        return [(KINDS[name], item) for name in KINDS for item in getattr(self, name)]

    def paths(self) -> list[Path]:
        """Every file the set reads: its records files (maps and the manifest are read when loaded)."""
        return [item.path for _, item in self.sources()]


def load_record_set(path: str | Path) -> RecordSet:
    """Read and check a manifest and what it names; UsageError (exit 2) with file:line on any problem (a
    problem of a map or parties map it names is said with that file's name)."""
    source = str(path)
    document = _yaml(Path(path))
    if not isinstance(document, dict):
        raise UsageError(source, [f"expected a mapping with {', '.join(MANIFEST_KEYS)}"])
    problems: list[str] = []  # the manifest's own; `named`: those of the files it names
    named: list[str] = []
    for key in document:
        if key not in MANIFEST_KEYS:
            hint = did_you_mean(str(key), MANIFEST_KEYS)
            problems.append(
                f"{_line(document, key)}unknown key {key!r}; expected one of {', '.join(MANIFEST_KEYS)}{hint}"
            )
    folder = Path(path).parent
    found = {name: tuple(_sources(document, name, kind, folder, problems, named)) for name, kind in KINDS.items()}
    parties = _parties_entry(document, folder, problems, named)
    window = document.get("window_days", DEFAULT_WINDOW)
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= MAX_WINDOW:
        where = _line(document, "window_days")
        problems.append(
            f"{where}window_days: expected a whole number of days from 1 to {MAX_WINDOW}; found {describe(window)}"
        )
        window = DEFAULT_WINDOW
    if not problems and not named and not any(found.values()):
        problems.append(f"names no records: expected at least one of {', '.join(KINDS)}")
    if not problems and found["tickets"] and "parties" not in document:
        problems.append("tickets need a parties map (parties: FILE.yaml) to say whose work each group's tickets are")
    if problems or named:
        raise UsageError("", [printable(f"{source}: {problem}") for problem in problems] + named)
    return RecordSet(found["tickets"], found["contracts"], found["access_reviews"], parties, window, source)


def _yaml(path: Path) -> Any:
    try:
        return load_yaml(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise UsageError(str(path), [f"cannot read the file: {error.strerror}"]) from None
    except UnicodeDecodeError:
        raise UsageError(str(path), ["the file is not UTF-8 text"]) from None
    except YamlProblem as problem:
        raise UsageError(f"{path}:{problem.line}", [problem.message]) from None


def _line(node: Any, key: Any) -> str:
    line = node.line_of(key) if hasattr(node, "line_of") else 0
    return f"line {line}: " if line else ""


def _sources(
    document: dict[str, Any], name: str, kind: RecordKind, folder: Path, problems: list[str], named: list[str]
) -> list[Source]:
    entry = document.get(name)
    if entry is None:
        return []
    where = f"{_line(document, name)}{name}"
    items = entry if isinstance(entry, list) else [entry]
    sources = []
    for index, item in enumerate(items):
        at = f"{where}[{index}]" if isinstance(entry, list) else where
        if isinstance(item, str):
            item = {"file": item}
        if not isinstance(item, dict) or "file" not in item:
            problems.append(f"{at}: expected a file path, or {{file: PATH, map: PATH}}")
            continue
        unknown = [key for key in item if key not in SOURCE_KEYS]
        if unknown:
            problems.append(f"{at}: unknown key {unknown[0]!r}; expected file and map")
            continue
        path = folder / str(item["file"])
        problem = _file_problem(path)
        if problem:
            problems.append(f"{at}: {problem}")
            continue
        table_map = NO_MAP
        if item.get("map") is not None:
            try:
                table_map = load_map(folder / str(item["map"]), kind.columns())
            except UsageError as error:
                named += error.lines()
                continue
        sources.append(Source(path, table_map))
    return sources


def _file_problem(path: Path) -> str:
    if path.suffix.lower() not in SUFFIXES:
        return f"{printable(path)}: a records file is {', '.join(SUFFIXES)}"
    if not path.is_file():
        return f"{printable(path)}: no such file"
    if not os.access(path, os.R_OK):
        return f"{printable(path)}: cannot read the file (permission denied)"
    return ""


def _parties_entry(document: dict[str, Any], folder: Path, problems: list[str], named: list[str]) -> Parties:
    entry = document.get("parties")
    if entry is None:
        return Parties()
    if isinstance(entry, str):
        path = folder / entry
        try:
            return load_parties(path)
        except UsageError as error:
            named += error.lines()
            return Parties()
    problems.append(f"{_line(document, 'parties')}parties: expected the path of a parties map (FILE.yaml)")
    return Parties()


def load_parties(path: str | Path) -> Parties:
    """A parties map (`parties: {NAME: party}`); UsageError (exit 2) with file:line on any problem."""
    source = str(path)
    document = _yaml(Path(path))
    names = document.get("parties") if isinstance(document, dict) else None
    if not isinstance(names, dict) or not names:
        raise UsageError(source, ["expected parties: {GROUP OR VENDOR: it_ops | it_delivery | business | vendor}"])
    problems = []
    found: dict[str, str | None] = {}
    seen: dict[str, str] = {}
    for name, party in names.items():
        where = f"{_line(names, name)}{printable(name)}"
        key = vocabulary.key(str(name))
        if key in seen:
            problems.append(
                f"{where}: names the same group as {printable(seen[key])} (case, spaces, - and _ are ignored)"
            )
            continue
        seen[key] = str(name)
        value = None if party is None else vocabulary.choice(str(party), PERFORMERS)
        if party is not None and value is None:
            hint = did_you_mean(str(party), PERFORMERS)
            problems.append(
                f"{where}: expected one of {', '.join(PERFORMERS)} or null; found {printable(party)!r}{hint}"
            )
            continue
        found[key] = value
    if problems:
        raise UsageError(source, problems)
    return Parties(found)
