"""Reading records: a CSV, XLSX or JSON Lines file, streamed row by row through its column map.

Nothing is kept of a row once it is read: each becomes a small dict of typed values (a `Record`)
that the caller aggregates at once, so a file of any size is read in flat memory. A row that does not
fit (a date that is no date, an unknown ticket type, no service) is reported with its location, the
field, what was expected and what was found, and left out; the others are used. A header that lacks a
required field makes the whole file one problem, reported before any row is read.

- CSV: separated by `,`, `;` or tab (as the header line uses), UTF-8 with or without a BOM, else
  Windows-1252 (said so); a row is `FILE:row N`.
- XLSX: the first sheet, opened safely (workbooks.py); `FILE:row N`.
- JSON Lines: one object per line, nested objects flattened to dotted keys (`fields.issuetype.name`),
  lists of values joined with `; `; a key the map and the fields do not name is not read; `FILE:line N`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..tabular import (
    LEGACY_ENCODING,
    MappedColumn,
    Plan,
    TableMap,
    csv_encoding,
    delimiter,
    plan,
    resolve,
    text_of_cell,
)
from ..text import printable
from ..validation import describe
from ..workbooks import open_workbook
from .schema import RecordKind

MAX_WORKBOOK_BYTES = 1024 * 1024 * 1024  # what a records workbook's parts may expand to (a million rows)
MAX_SHOWN = 20  # bad rows reported one by one; the rest are counted
MAX_KEYS = 1000  # JSON keys remembered for the note on keys not read
SUFFIXES = (".csv", ".xlsx", ".jsonl")
Record = dict[str, Any]  # field -> value (None: the table gives the field, this row leaves it empty)


@dataclass
class Problems:
    """Bad rows and unreadable files, as `LOCATION: field: expected ...; found ...` lines: the first
    MAX_SHOWN kept, every one counted."""

    shown: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, line: str) -> None:
        self.count += 1
        if len(self.shown) < MAX_SHOWN:
            self.shown.append(printable(line))

    def lines(self) -> list[str]:
        more = self.count - len(self.shown)
        return [*self.shown, *([f"... and {more} more"] if more else [])]


@dataclass
class FileTally:
    """What reading one file found: rows read, used, left out by the map (a type mapped to null), bad."""

    path: str
    rows: int = 0
    used: int = 0
    left_out: int = 0
    bad: int = 0


class Reader:
    """One records file of one kind, read through its map into Records (see `records`)."""

    def __init__(self, path: Path, kind: RecordKind, table_map: TableMap, problems: Problems, notes: list[str]):
        self.path = path
        self.kind = kind
        self.table_map = table_map
        self.problems = problems
        self.notes = notes
        self.tally = FileTally(str(path))
        self._columns = kind.columns()
        self._fields = kind.field

    def records(self) -> Iterator[Record]:
        """The file's records, in file order; bad rows go to `problems`, notes to `notes`."""
        suffix = self.path.suffix.lower()
        try:
            if suffix == ".csv":
                yield from self._csv()
            elif suffix == ".xlsx":
                yield from self._xlsx()
            else:
                yield from self._jsonl()
        except OSError as error:
            self.problems.add(f"{self.path}: cannot read the file: {error.strerror}")
        except UnicodeDecodeError as error:
            self.problems.add(
                f"{self.path}: byte {error.start} is not UTF-8 text; expected a {suffix[1:].upper()} file"
            )
        except csv.Error as error:
            self.problems.add(f"{self.path}: not a valid CSV file: {error}")

    # --- formats ---------------------------------------------------------------------------------

    def _csv(self) -> Iterator[Record]:
        encoding = csv_encoding(self.path)
        if encoding == LEGACY_ENCODING:
            self.notes.append(f"{self.path}: not UTF-8 text; read as Windows-1252 (save it as CSV UTF-8 to be sure)")
        with self.path.open(encoding=encoding, newline="") as stream:
            separator = delimiter(stream.readline())
            stream.seek(0)
            yield from self._table(csv.reader(stream, delimiter=separator), str.strip)

    def _xlsx(self) -> Iterator[Record]:
        try:
            workbook = open_workbook(self.path, MAX_WORKBOOK_BYTES)
        except Exception as error:  # openpyxl raises many types for a damaged or foreign file
            self.problems.add(f"{self.path}: cannot read the workbook: {str(error) or type(error).__name__}")
            return
        try:
            yield from self._table(workbook.worksheets[0].iter_rows(values_only=True))
        except Exception as error:  # the sheet is parsed as it is read: a forbidden entity shows up here
            self.problems.add(f"{self.path}: cannot read the workbook: {str(error) or type(error).__name__}")
        finally:
            workbook.close()

    def _table(self, rows: Iterator[Sequence[Any]], cell_text: Callable[[Any], str] = text_of_cell) -> Iterator[Record]:
        """The records of a sheet's or a CSV file's rows (a CSV cell is text already: `cell_text` str.strip)."""
        header = next(rows, None)
        if header is None:
            self.notes.append(f"{self.path}: no rows")
            return
        found = plan([text_of_cell(cell) for cell in header], self.table_map, self._columns)
        if isinstance(found, list):
            for problem in found:
                self.problems.add(f"{self.path}: {problem}")
            return
        self._note_plan(found)
        columns = [(index, column) for index, column in enumerate(found.columns) if column.field is not None]
        for number, row in enumerate(rows, 2):
            if not any(cell not in (None, "") for cell in row):
                continue  # an empty row
            cells = [(column, cell_text(row[index]) if index < len(row) else "") for index, column in columns]
            record = self._record(f"{self.path}:row {number}", cells, found.constants)
            if record is not None:
                yield record

    def _jsonl(self) -> Iterator[Record]:
        resolved: dict[str, MappedColumn | None] = {}
        not_read: set[str] = set()
        with self.path.open(encoding="utf-8-sig") as stream:
            for number, line in enumerate(stream, 1):
                if not line.strip():
                    continue
                location = f"{self.path}:line {number}"
                try:
                    item = json.loads(line)
                except json.JSONDecodeError as error:
                    self._bad(location, f"not JSON: {error.msg} at column {error.colno}")
                    continue
                if not isinstance(item, dict):
                    self._bad(location, f"expected a JSON object; found {describe(item)}")
                    continue
                cells = []
                for key, text in flatten(item):
                    if key not in resolved:
                        resolved[key] = resolve(key, self.table_map, self._columns) if len(resolved) < 100_000 else None
                    column = resolved[key]
                    if column is None and len(not_read) < MAX_KEYS:
                        not_read.add(key)  # neither mapped nor a field (a key mapped to ignore is not noted)
                    if column is None or column.field is None:
                        continue
                    cells.append((column, text))
                record = self._record(location, cells, self.table_map.constants)
                if record is not None:
                    yield record
        if not_read:
            self.notes.append(f"{self.path}: keys not read: {_names(sorted(not_read))}")

    # --- rows ------------------------------------------------------------------------------------

    def _note_plan(self, found: Plan) -> None:
        self.notes.extend(found.notes)
        if found.ignored:
            self.notes.append(f"{self.path}: columns not read: {_names(found.ignored)}")

    def _record(self, location: str, cells: list[tuple[MappedColumn, str]], constants: dict[str, str]) -> Record | None:
        """A row's record, or None: left out by the map, or bad (reported)."""
        self.tally.rows += 1
        texts: dict[str, str | None] = dict(constants)
        for column, text in cells:
            assert column.field is not None
            texts[column.field] = column.text(text) if text else ""
        record: Record = {}
        for name, given in texts.items():
            spec = self._fields[name]
            if given is None:  # the map's values say "not known" (null)
                if spec.required:
                    self.tally.left_out += 1  # e.g. a ticket type the map leaves out
                    return None
                record[name] = None
            elif not given:
                if spec.required:
                    self._bad(location, f"{name}: required, but the cell is empty")
                    return None
                record[name] = None
            else:
                value, expected = spec.read(given)
                if expected:
                    self._bad(location, spec.problem(given, expected))
                    return None
                record[name] = value
        missing = [item.name for item in self.kind.fields if item.required and item.name not in record]
        if missing:
            self._bad(location, f"{missing[0]}: required, but the row has none")
            return None
        self.tally.used += 1
        return record

    def _bad(self, location: str, problem: str) -> None:
        self.tally.bad += 1
        self.problems.add(f"{location}: {problem}")


def flatten(item: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """A JSON object's values as (dotted key, text): nested objects flattened, lists of values joined
    with '; ', a list of objects by index (`approvals.0.group`); null is an empty cell."""
    for key, value in item.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from flatten(value, f"{name}.")
        elif isinstance(value, list) and any(isinstance(entry, dict) for entry in value):
            for index, entry in enumerate(value):
                if isinstance(entry, dict):
                    yield from flatten(entry, f"{name}.{index}.")
        elif isinstance(value, list):
            yield name, "; ".join(_text(entry) for entry in value if entry is not None)
        else:
            yield name, _text(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _names(names: Sequence[str], shown: int = 8) -> str:
    listed = ", ".join(f'"{printable(name)}"' for name in names[:shown])
    return listed + (f" and {len(names) - shown} more" if len(names) > shown else "")
