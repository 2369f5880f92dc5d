"""Batch input: every entry of a portfolio, streamed, each with where it came from.

Sources: a directory (every `*.json` below it, sorted by path), a JSON Lines file, a JSON file
holding an array of scenarios, a CSV file or an XLSX workbook (see docs/batch.md for the column
mapping: the columns are the scenario fields of contract.FIELDS). An entry carries its location
("file", "file:line 3", "file[3]", "file:row 3") and a payload that `Entry.document()` turns into
the decoded scenario document or a ScenarioError with the message `opsadvisor assess` gives. JSON
text is decoded there, not while reading, so that the worker processes of a parallel batch share
the decoding work.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..contract import FIELDS, Count, Flag, ListOf, MapOf, Spec
from ..errors import ScenarioError
from ..scenario import decode_json_text, get_path, read_scenario_file, set_path
from ..text import CsvRows, printable

# Kinds of payload
FILE = "file"  # a path: read and decode the scenario file
TEXT = "text"  # JSON text of one scenario
DOCUMENT = "document"  # an already decoded document (JSON array item, CSV or XLSX row)
INVALID = "invalid"  # a ScenarioError found while reading

LIST_SEPARATOR = ";"
EMPTY_LIST = "none"  # a list cell saying "none" is an empty list; an empty cell is a missing fact


# The CSV/XLSX columns, in the contract's order, with the spec of each: a scenario field's dotted
# path is its column ("data.classification"), so a field added to contract.FIELDS is a column too.
_LAYOUT: dict[str, Spec] = {item.path: item.node() for item in FIELDS}
COLUMNS = tuple(_LAYOUT)
_TRUE = ("true", "yes")
_FALSE = ("false", "no")
_WHOLE = re.compile(r"^[+-]?\d+$")
_DATED = re.compile(r"^(.*):(\d{4}-\d{2}-\d{2})$")
SYSTEM_OF_RECORD = ":sor"
MAX_DIGITS = 20  # a longer number is kept as text (the validator reports it): int() refuses 4,300 digits
MAX_WORKBOOK_BYTES = 256 * 1024 * 1024  # what an XLSX input's parts may expand to


@dataclass(frozen=True)
class Entry:
    """One portfolio entry: its location and what `document()` decodes (cheap to send to a worker)."""

    location: str
    kind: str
    payload: Any

    def document(self) -> Any:
        """The decoded scenario document, or raise the ScenarioError `assess` would give."""
        if self.kind == FILE:
            return read_scenario_file(self.payload)
        if self.kind == TEXT:
            return _decode_line(self.payload, self.location)
        if self.kind == INVALID:
            raise self.payload
        return self.payload


def _decode_line(text: str, location: str) -> Any:
    """Decode one JSON Lines entry; a syntax error points at the file's line and column."""
    try:
        return decode_json_text(text, location)
    except ScenarioError as error:
        prefix = f"{location}:1:"
        if error.source.startswith(prefix):  # decoded alone, the line is line 1: say column only
            raise ScenarioError(f"{location}:col {error.source[len(prefix) :]}", error.problems) from None
        raise


Reader = Callable[[Path], Iterator[Entry]]


def iter_entries(inputs: Iterable[str | Path]) -> Iterator[Entry]:
    """Every entry of every input, in order, streamed: a directory, or a file read by its suffix's reader.

    An input without entries (an empty file, array, sheet or folder) is an invalid entry whatever
    its format, so that a check run on the wrong file fails instead of passing on nothing.
    """
    for item in inputs:
        path = Path(item)
        reader = _directory if _is_dir(path) else READERS.get(path.suffix.lower())
        if reader is None:
            *others, last = ("a directory", *READERS)
            yield _unreadable(path, f"unknown input type; expected {', '.join(others)} or {last}")
            continue
        found = False
        for entry in reader(path):
            found = True
            yield entry
        if not found:
            yield _unreadable(path, "no entries; expected at least one scenario")


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a name too long, a loop of links: the reader says why it cannot read the file
        return False


def _unreadable(path: Path, problem: str) -> Entry:
    return Entry(str(path), INVALID, ScenarioError(str(path), [problem]))


def _directory(path: Path) -> Iterator[Entry]:
    files = sorted(file for file in path.rglob("*.json") if file.is_file())
    for file in files:
        yield Entry(str(file), FILE, str(file))


def _open_text(path: Path) -> Any:
    return path.open(encoding="utf-8-sig", newline="")


def _json_lines(path: Path) -> Iterator[Entry]:
    try:
        with _open_text(path) as lines:
            for number, line in enumerate(lines, 1):
                if line.strip():
                    yield Entry(f"{path}:line {number}", TEXT, line.rstrip("\r\n"))
    except OSError as error:
        yield _unreadable(path, f"cannot read the file: {error.strerror}")
    except UnicodeDecodeError as error:
        yield _unreadable(path, f"byte {error.start} is not UTF-8 text; expected a JSON Lines file")


def _json_array(path: Path) -> Iterator[Entry]:
    """A JSON file: an array of scenarios (each an entry), or a single scenario object."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
        if not text.strip():
            return  # no entries
        value = decode_json_text(text, str(path))
    except OSError as error:
        yield _unreadable(path, f"cannot read the file: {error.strerror}")
        return
    except UnicodeDecodeError as error:
        yield _unreadable(path, f"byte {error.start} is not UTF-8 text; expected a JSON file, found binary data")
        return
    except ScenarioError as error:
        yield Entry(str(path), INVALID, error)
        return
    if not isinstance(value, list):
        yield Entry(str(path), FILE, str(path))  # one scenario: exactly what `assess` does with it
        return
    for index, document in enumerate(value):
        yield Entry(f"{path}[{index}]", DOCUMENT, document)


# --- spreadsheets --------------------------------------------------------------------------------


def _csv(path: Path) -> Iterator[Entry]:
    try:
        with _open_text(path) as stream:
            yield from _table_entries(path, csv.reader(stream))
    except OSError as error:
        yield _unreadable(path, f"cannot read the file: {error.strerror}")
    except UnicodeDecodeError as error:
        yield _unreadable(path, f"byte {error.start} is not UTF-8 text; expected a CSV file")
    except csv.Error as error:
        yield _unreadable(path, f"not a valid CSV file: {error}")


def _xlsx(path: Path) -> Iterator[Entry]:
    """The first sheet's rows. The workbook's XML is parsed by defusedxml (no DTD, no entities: no
    billion laughs, no XXE), and its parts may expand to at most MAX_WORKBOOK_BYTES (no zip bomb)."""
    try:
        workbook = _open_workbook(path)
    except Exception as error:  # openpyxl raises many types for a damaged or foreign file
        yield _unreadable(path, f"cannot read the workbook: {_reason(error)}")
        return
    try:
        yield from _table_entries(path, workbook.worksheets[0].iter_rows(values_only=True))
    except Exception as error:  # the sheet is parsed as it is read: a forbidden entity shows up here
        yield _unreadable(path, f"cannot read the workbook: {_reason(error)}")
    finally:
        workbook.close()


def _open_workbook(path: Path) -> Any:
    import zipfile

    import openpyxl

    if not openpyxl.DEFUSEDXML:
        raise ValueError("defusedxml is not in use (is OPENPYXL_DEFUSEDXML set to False?)")
    with zipfile.ZipFile(path) as archive:  # the sizes it declares are enforced as it is read
        expanded = sum(member.file_size for member in archive.infolist())
    if expanded > MAX_WORKBOOK_BYTES:
        raise ValueError(f"its parts expand to {expanded:,} bytes; at most {MAX_WORKBOOK_BYTES:,} allowed")
    return openpyxl.load_workbook(path, read_only=True, data_only=True)


def _reason(error: Exception) -> str:
    return str(error) or type(error).__name__


def _table_entries(path: Path, rows: Iterator[Sequence[Any]]) -> Iterator[Entry]:
    """A CSV file's or a sheet's rows as entries: the first row names the columns."""
    header = next(rows, None)
    if header is None:
        return  # no entries
    names = [_cell_text(cell) for cell in header]
    problem = _header_problem(names)
    if problem:
        yield _unreadable(path, problem)
        return
    for number, row in enumerate(rows, 2):
        if any(_cell_text(cell) for cell in row):
            yield _row_entry(path, number, names, row)


def _header_problem(names: list[str]) -> str | None:
    """A column named twice, or None: "last wins" would silently drop a fact."""
    first: dict[str, int] = {}
    for number, name in enumerate(names, 1):
        if name and name in first:
            return f'columns {first[name]} and {number} are both named "{printable(name)}"; name each column once'
        first.setdefault(name, number)
    return None


def _cell_text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _row_entry(path: Path, number: int, header: list[str], row: Iterable[Any]) -> Entry:
    location = f"{path}:row {number}"
    cells = list(row)
    if len(cells) > len(header) and any(_cell_text(cell) for cell in cells[len(header) :]):
        error = ScenarioError(location, [f"the row has {len(cells)} cells but the header only {len(header)}"])
        return Entry(location, INVALID, error)
    document: dict[str, Any] = {}
    for name, cell in zip(header, cells, strict=False):
        text = _cell_text(cell)
        if text and name:
            set_path(document, name, _column_value(name, text))
    return Entry(location, DOCUMENT, document)


def _items(text: str) -> list[str]:
    if text.lower() == EMPTY_LIST:
        return []
    return [item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()]


def _column_value(column: str, text: str) -> Any:
    """A cell's text as the scenario value; text that does not fit is kept for the validator to report.

    Unknown columns are kept as text too (the validator names them)."""
    spec = _LAYOUT.get(column)
    if isinstance(spec, Flag):
        lowered = text.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else text
    if isinstance(spec, Count):
        return int(text) if _WHOLE.match(text) and len(text) <= MAX_DIGITS else text
    if isinstance(spec, ListOf) and column in _RECORD_ITEMS:
        read = _RECORD_ITEMS[column][0]
        return [read(item) for item in _items(text)]
    if isinstance(spec, ListOf):
        return _items(text)
    if isinstance(spec, MapOf):
        return _decisions(text)
    return text


def cell_text(column: str, value: Any) -> str:
    """A scenario value as the text of its column's cell: what `_column_value` reads back."""
    spec = _LAYOUT[column]
    if isinstance(spec, Flag):
        return "true" if value else "false"
    if isinstance(spec, ListOf):
        write = _RECORD_ITEMS[column][1] if column in _RECORD_ITEMS else str
        return f"{LIST_SEPARATOR} ".join(write(item) for item in value) if value else EMPTY_LIST
    if isinstance(spec, MapOf):
        cells = [f"{key}.{name}={party}" for key, row in value.items() for name, party in row.items()]
        return f"{LIST_SEPARATOR} ".join(cells) if cells else EMPTY_LIST
    return str(value)


def _integration(item: str) -> dict[str, Any]:
    """ "system:type" or "system:type:sor" (sor: the integration touches a system of record)."""
    system_of_record = item.endswith(SYSTEM_OF_RECORD)
    if system_of_record:
        item = item[: -len(SYSTEM_OF_RECORD)]
    system, _, kind = item.rpartition(":")
    result: dict[str, Any] = {"system": system.strip(), "type": kind.strip()}
    if system_of_record:
        result["system_of_record"] = True
    return result


def _write_integration(item: dict[str, Any]) -> str:
    return f"{item['system']}:{item['type']}" + (SYSTEM_OF_RECORD if item.get("system_of_record") else "")


ACCEPTANCE_KEYS = ("role", "name", "date", "review_by", "accepted_by")


def _acceptance(item: str) -> dict[str, Any]:
    """ "risk|role=business_owner|name=Jo|date=YYYY-MM-DD|review_by=YYYY-MM-DD" (any of the keys), or the
    older "risk:accepted by" / "risk:accepted by:YYYY-MM-DD"."""
    if "|" in item or ":" not in item:
        risk, *pairs = item.split("|")
        result: dict[str, Any] = {"risk": risk.strip()}
        for pair in pairs:
            key, _, value = pair.partition("=")
            result[key.strip()] = value.strip()
        return result
    risk, _, rest = item.partition(":")
    result = {"risk": risk.strip(), "accepted_by": rest.strip()}
    dated = _DATED.match(rest)
    if dated:
        result["accepted_by"] = dated.group(1).strip()
        result["date"] = dated.group(2)
    return result


def _write_acceptance(item: dict[str, Any]) -> str:
    return "|".join([item["risk"], *(f"{key}={item[key]}" for key in ACCEPTANCE_KEYS if key in item)])


# How one record of a list-of-records field is written in a cell (read, write): the two scenario
# fields whose items are records. A field of plain values needs no entry.
_RECORD_ITEMS: dict[str, tuple[Callable[[str], dict[str, Any]], Callable[[dict[str, Any]], str]]] = {
    "integrations": (_integration, _write_integration),
    "accepted_risks": (_acceptance, _write_acceptance),
}


def _decisions(text: str) -> dict[str, dict[str, str]]:
    """ "process.column=party; ..." -> {"process": {"column": "party"}}.

    A key of the decision record is written like a column: `incident.performed_by=vendor`."""
    decisions: dict[str, dict[str, str]] = {}
    for item in _items(text):
        cell, _, party = item.partition("=")
        process, _, column = cell.strip().partition(".")
        decisions.setdefault(process.strip(), {})[column.strip()] = party.strip()
    return decisions


# --- the template --------------------------------------------------------------------------------


def example_document() -> dict[str, Any]:
    """The scenario of the template's example row: every field's declared example."""
    document: dict[str, Any] = {}
    for item in FIELDS:
        set_path(document, item.path, item.example)
    return document


def row_of(document: dict[str, Any]) -> dict[str, str]:
    """A scenario document as CSV/XLSX cells by column; an absent field is an empty cell."""
    cells: dict[str, str] = {}
    for column in COLUMNS:
        value = get_path(document, column)
        cells[column] = "" if value is None else cell_text(column, value)
    return cells


def write_template(path: str | Path, force: bool = False) -> None:
    """An empty CSV or XLSX portfolio: the header row and one example row.

    An existing file is a filled-in portfolio, perhaps: OutputError (exit 2) unless `force`.
    """
    from .. import files

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"{path}: a template is a .csv or .xlsx file")
    files.refuse_existing(target, force)
    row = list(row_of(example_document()).values())
    if suffix == ".csv":
        with files.text_file(target) as stream:
            rows = CsvRows(stream)
            rows.write(COLUMNS)
            rows.write(row)
        return
    from openpyxl import Workbook

    from .outputs.xlsx import save_workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("services")
    sheet.append(list(COLUMNS))
    sheet.append(row)
    save_workbook(workbook, target)


# The input formats by file suffix: a new one is a reader (a module of its own) plus one line here.
READERS: dict[str, Reader] = {".json": _json_array, ".jsonl": _json_lines, ".csv": _csv, ".xlsx": _xlsx}
