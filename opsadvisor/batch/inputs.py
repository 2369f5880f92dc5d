"""Batch input: every entry of a portfolio, streamed, each with where it came from.

Sources: a directory (every scenario file below it, sorted by path: `*.json`, or the suffix of
another registered scenario format, see scenario_formats), a JSON Lines file, a JSON file holding an
array of scenarios, a CSV file, an XLSX workbook (see docs/batch.md for the column mapping: the
columns are the scenario fields of contract.FIELDS) or a file of another scenario format. An entry
carries its location ("file", "file:line 3", "file[3]", "file:row 3") and a payload that
`Entry.document()` turns into the decoded scenario document or a ScenarioError with the message
`opsadvisor assess` gives. JSON text is decoded there, not while reading, so that the worker
processes of a parallel batch share the decoding work; a batch reads a JSON Lines file in blocks of
lines (`iter_entries(blocks=True)`), which its workers split into entries (`each_entry`).
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from .. import scenario_formats, vocabulary
from ..contract import (
    ACCEPTED_RISKS,
    APPLICATION_CELLS,
    FIELDS,
    INTEGRATION_TYPES,
    INTERFACE_CELLS,
    MITIGATIONS,
    PERFORMED_BY,
    PERFORMERS,
    Choice,
    Count,
    Flag,
    ListOf,
    MapOf,
    Spec,
)
from ..errors import ScenarioError
from ..scenario import get_path, read_scenario_file, set_path
from ..scenario_formats.json_format import decode_json_text
from ..tabular import (
    LEGACY_ENCODING,
    NO_MAP,
    Plan,
    TableMap,
    csv_encoding,
    delimiter,
    plan,
    skeleton,
    text_of_cell,
)
from ..text import CsvRows
from ..workbooks import open_workbook

# Kinds of payload
FILE = "file"  # a path: read and decode the scenario file
TEXT = "text"  # JSON text of one scenario
DOCUMENT = "document"  # an already decoded document (JSON array item, CSV or XLSX row)
INVALID = "invalid"  # a ScenarioError found while reading
BLOCK = "block"  # consecutive lines of a JSON Lines file: (the first's number, their text, how many); see each_entry

LIST_SEPARATOR = ";"
CHOICE_SEPARATORS = ";,"  # a list of vocabulary values may be comma-separated too: no value holds a comma
EMPTY_LIST = "none"  # a list cell saying "none" is an empty list; an empty cell is a missing fact


# The CSV/XLSX columns, in the contract's order, with the spec of each: a scenario field's dotted
# path is its column ("data.classification"), so a field added to contract.FIELDS is a column too.
_LAYOUT: dict[str, Spec] = {item.path: item.node() for item in FIELDS if item.column}
COLUMNS = tuple(_LAYOUT)
_CELLS = {"application": APPLICATION_CELLS, "interface": INTERFACE_CELLS, PERFORMED_BY: PERFORMERS}
_WHOLE = re.compile(r"^[+-]?\d+$")
_DATED = re.compile(r"^(.*):(\d{4}-\d{2}-\d{2})$")
SYSTEM_OF_RECORD = ":sor"
MAX_DIGITS = 20  # a longer number is kept as text (the validator reports it): int() refuses 4,300 digits
MAX_WORKBOOK_BYTES = 256 * 1024 * 1024  # what an XLSX input's parts may expand to


class Entry(NamedTuple):
    """One portfolio entry: its location and what `document()` decodes (cheap to make, and to send to a
    worker as a plain tuple: tuple(entry))."""

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


class Note(str):
    """Something a reader tells the user without making an entry invalid (an encoding guessed, a map
    column not found): `iter_entries` passes it to `on_note`, never to the assessment."""


# A reader: an input file and the column map (used by the spreadsheet readers) to its entries and notes.
Reader = Callable[[Path, TableMap], Iterator["Entry | Note"]]


def iter_entries(
    inputs: Iterable[str | Path],
    table_map: TableMap = NO_MAP,
    on_note: Callable[[str], None] | None = None,
    blocks: bool = False,
) -> Iterator[Entry]:
    """Every entry of every input, in order, streamed: a directory, or a file read by its suffix's reader.

    An input without entries (an empty file, array, sheet or folder) is an invalid entry whatever
    its format, so that a check run on the wrong file fails instead of passing on nothing. The
    readers' notes go to `on_note` (default: dropped). With `blocks`, a JSON Lines file gives BLOCK
    entries, for the caller to split where the work is done (`each_entry`: a batch's workers).
    """
    for item in inputs:
        path = Path(item)
        reader = _directory if _is_dir(path) else _reader_for(path)
        if reader is None:
            yield _unreadable(path, unknown_type())
            continue
        if blocks and reader is _json_lines:
            reader = _json_line_blocks
        found = False
        for entry in reader(path, table_map):
            if isinstance(entry, Note):
                if on_note is not None:
                    on_note(entry)
                continue
            found = True
            yield entry
        if not found:
            yield _unreadable(path, "no entries; expected at least one scenario")


def _reader_for(path: Path) -> Reader | None:
    """The reader of an input file: by its suffix, and a file of a scenario format is one scenario."""
    suffix = path.suffix.lower()
    if suffix in READERS:
        return READERS[suffix]
    return _scenario_file if suffix in scenario_formats.suffixes() else None


def _input_types() -> tuple[str, ...]:
    return (*READERS, *(suffix for suffix in scenario_formats.suffixes() if suffix not in READERS))


def unknown_type() -> str:
    *others, last = ("a directory", *_input_types())
    return f"unknown input type; expected {', '.join(others)} or {last}"


def check_inputs(inputs: Iterable[str | Path]) -> list[str]:
    """The problems that stop a batch before any work (exit 2): an input that does not exist, cannot be
    read, or has no reader. An input that exists but holds no entries is left to the batch (exit 3)."""
    problems = []
    for item in inputs:
        path = Path(item)
        if _is_dir(path):
            if not os.access(path, os.R_OK | os.X_OK):
                problems.append(f"{path}: cannot read the folder")
            continue
        if not path.exists():
            problems.append(f"{path}: no such file or folder")
        elif _reader_for(path) is None:
            problems.append(f"{path}: {unknown_type()}")
        elif not os.access(path, os.R_OK):
            problems.append(f"{path}: cannot read the file (permission denied)")
    return problems


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a name too long, a loop of links: the reader says why it cannot read the file
        return False


def _unreadable(path: Path, problem: str) -> Entry:
    return Entry(str(path), INVALID, ScenarioError(str(path), [problem]))


def _directory(path: Path, table_map: TableMap = NO_MAP) -> Iterator[Entry]:
    files = sorted(
        file for suffix in scenario_formats.suffixes() for file in path.rglob(f"*{suffix}") if file.is_file()
    )
    for file in files:
        yield Entry(str(file), FILE, str(file))


def _scenario_file(path: Path, table_map: TableMap = NO_MAP) -> Iterator[Entry]:
    """A file of a scenario format other than JSON's: one scenario, read as `assess` reads it."""
    yield Entry(str(path), FILE, str(path))


# A JSON Lines file is read in blocks of whole lines: the parent of a parallel batch reads a block, checks
# its UTF-8 and counts its lines in a few C calls and sends it on, and the worker splits it (each_entry),
# instead of the parent making an entry of every line (docs/batch.md, The parent of `--jobs 2`). A line
# ends at "\n", "\r\n" or a lone "\r" (universal newlines, as a text file reads); a blank line is no entry.
BLOCK_LINES = 256  # lines a block holds, about (one batch chunk: runner.CHUNK_SIZE)
FIRST_READ = 64 * 1024  # then each read is sized from the lines read so far, within these:
MIN_READ = 1024
MAX_READ = 4 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"


def _json_lines(path: Path, table_map: TableMap = NO_MAP) -> Iterator[Entry]:
    return each_entry(_json_line_blocks(path, table_map))


def each_entry(entries: Iterable[Entry]) -> Iterator[Entry]:
    """The entries, each BLOCK split into the TEXT entries of its lines that are not blank."""
    for entry in entries:
        if entry.kind == BLOCK:
            first, text, _ = entry.payload
            yield from _lines_of(entry.location, first, text)
        else:
            yield entry


def _lines_of(name: str, first: int, text: str) -> Iterator[Entry]:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines[-1]:
        lines.pop()  # after the block's last line end
    for number, line in enumerate(lines, first):
        if line and not line.isspace():
            yield Entry(f"{name}:line {number}", TEXT, line)


def _json_line_blocks(path: Path, table_map: TableMap = NO_MAP) -> Iterator[Entry]:
    """The file's lines in BLOCK entries (none for a block of blank lines), then an invalid entry for
    a file that cannot be read or is not UTF-8 text (its lines before the bad one are read)."""
    name = str(path)
    number = 1  # of the next block's first line
    offset = 0  # in the file, of the next block's first byte
    try:
        with path.open("rb") as stream:
            blocks = _Blocks(stream)
            for block in blocks:
                if offset == 0 and block.startswith(_BOM):
                    block, offset = block[len(_BOM) :], len(_BOM)
                try:
                    text = block.decode("utf-8")
                except UnicodeDecodeError as error:
                    yield from _lines_before(name, number, block[: error.start])
                    bad, line = offset + error.start, number + _line_ends(block[: error.start])
                    yield _unreadable(path, f"byte {bad} (line {line}) is not UTF-8 text; expected a JSON Lines file")
                    return
                lines = _line_ends(block)
                yield from _blocks_of_lines(name, number, text, lines)
                blocks.held(lines, len(block))
                number += lines
                offset += len(block)
    except OSError as error:
        yield _unreadable(path, f"cannot read the file: {error.strerror}")


def _line_ends(block: bytes) -> int:
    feeds = block.count(b"\n")
    returns = block.count(b"\r")
    return feeds + returns - block.count(b"\r\n") if returns else feeds


def _blocks_of_lines(name: str, number: int, text: str, lines: int) -> Iterator[Entry]:
    """The BLOCK entries of a read's lines, the first numbered `number` (none for blank lines)."""
    for piece, count in _pieces(text, lines):
        if piece and not piece.isspace():
            yield Entry(name, BLOCK, (number, piece, count))
        number += count


def _pieces(text: str, lines: int) -> Iterator[tuple[str, int]]:
    """A read's text and its line count; or, where it holds more than twice BLOCK_LINES lines (short lines
    after long ones), cut after every BLOCK_LINES-th line feed, so that a worker's task stays about a chunk
    whatever the lines' lengths (a run of lone "\\r" line ends is not cut)."""
    if lines <= 2 * BLOCK_LINES:
        yield text, lines
        return
    start = 0
    while start < len(text):
        end = start
        for _ in range(BLOCK_LINES):
            end = text.find("\n", end) + 1
            if not end:
                end = len(text)
                break
        piece = text[start:end]
        yield piece, piece.count("\n") + piece.count("\r") - piece.count("\r\n")
        start = end


def _lines_before(name: str, number: int, before: bytes) -> Iterator[Entry]:
    """The whole lines of a block before its first byte that is not UTF-8."""
    whole = before[: max(before.rfind(b"\n"), before.rfind(b"\r")) + 1]
    yield from _blocks_of_lines(name, number, whole.decode("utf-8"), _line_ends(whole))


class _Blocks:
    """A stream's bytes in blocks of whole lines, about BLOCK_LINES each: the reader says how many lines
    each block held (`held`), and the next read is sized from that. Only a read's end is searched for its
    last line end (never a "\\r" that is its last byte: a "\\n" may follow it). A line longer than a read
    takes as many reads as it needs, kept as parts (joined once) until a line end comes."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._size = FIRST_READ

    def __iter__(self) -> Iterator[bytes]:
        parts: list[bytes] = []
        while data := self._stream.read(self._size):
            cut = max(data.rfind(b"\n"), data.rfind(b"\r", 0, len(data) - 1)) + 1
            if not cut:
                parts.append(data)
                continue
            yield b"".join([*parts, data[:cut]]) if parts else data[:cut]
            parts = [data[cut:]] if cut < len(data) else []
        if parts:
            yield b"".join(parts)

    def held(self, lines: int, length: int) -> None:
        self._size = min(MAX_READ, max(MIN_READ, length * BLOCK_LINES // max(lines, 1)))


def _json_array(path: Path, table_map: TableMap = NO_MAP) -> Iterator[Entry]:
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


def _csv(path: Path, table_map: TableMap = NO_MAP) -> Iterator[Entry | Note]:
    """A CSV file as Excel and exports write it: `,`, `;` or tab separated (seen in the header line),
    UTF-8 with or without a BOM, or else Windows-1252 (with a note: the guess may be wrong)."""
    try:
        encoding = csv_encoding(path)
        if encoding == LEGACY_ENCODING:
            yield Note(f"{path}: not UTF-8 text; read as Windows-1252 (save it as CSV UTF-8 to be sure)")
        with path.open(encoding=encoding, newline="") as stream:
            separator = delimiter(stream.readline())
            stream.seek(0)
            yield from _table_entries(path, csv.reader(stream, delimiter=separator), table_map)
    except OSError as error:
        yield _unreadable(path, f"cannot read the file: {error.strerror}")
    except UnicodeDecodeError as error:
        yield _unreadable(path, f"byte {error.start} is not UTF-8 text; expected a CSV file")
    except csv.Error as error:
        yield _unreadable(path, f"not a valid CSV file: {error}")


def _xlsx(path: Path, table_map: TableMap = NO_MAP) -> Iterator[Entry | Note]:
    """The first sheet's rows. The workbook's XML is parsed by defusedxml (no DTD, no entities: no
    billion laughs, no XXE), and its parts may expand to at most MAX_WORKBOOK_BYTES (no zip bomb)."""
    try:
        workbook = _open_workbook(path)
    except Exception as error:  # openpyxl raises many types for a damaged or foreign file
        yield _unreadable(path, f"cannot read the workbook: {_reason(error)}")
        return
    try:
        yield from _table_entries(path, workbook.worksheets[0].iter_rows(values_only=True), table_map)
    except Exception as error:  # the sheet is parsed as it is read: a forbidden entity shows up here
        yield _unreadable(path, f"cannot read the workbook: {_reason(error)}")
    finally:
        workbook.close()


def _open_workbook(path: Path) -> Any:
    return open_workbook(path, MAX_WORKBOOK_BYTES)


def _reason(error: Exception) -> str:
    return str(error) or type(error).__name__


def _table_entries(path: Path, rows: Iterator[Sequence[Any]], table_map: TableMap) -> Iterator[Entry | Note]:
    """A CSV file's or a sheet's rows as entries: the first row names the columns. A header problem
    (a column that is no field, a field given twice, a required field missing) makes the file one
    invalid entry naming every bad column, before any row is read."""
    header = next(rows, None)
    if header is None:
        return  # no entries
    names = [text_of_cell(cell) for cell in header]
    found = plan(names, table_map)
    if isinstance(found, list):
        yield Entry(str(path), INVALID, ScenarioError(str(path), found))
        return
    yield from (Note(note) for note in found.notes)
    for number, row in enumerate(rows, 2):
        if any(text_of_cell(cell) for cell in row):
            yield _row_entry(path, number, found, row)


def _row_entry(path: Path, number: int, layout: Plan, row: Iterable[Any]) -> Entry:
    location = f"{path}:row {number}"
    cells = list(row)
    if len(cells) > len(layout.columns) and any(text_of_cell(cell) for cell in cells[len(layout.columns) :]):
        problem = f"the row has {len(cells)} cells but the header only {len(layout.columns)}"
        return Entry(location, INVALID, ScenarioError(location, [problem]))
    document: dict[str, Any] = {}
    for path_, text in layout.constants.items():
        set_path(document, path_, _column_value(path_, text))
    for column, cell in zip(layout.columns, cells, strict=False):
        text = text_of_cell(cell)
        if not text or column.field is None:
            continue
        mapped = column.text(text)
        if mapped:
            set_path(document, column.field, _column_value(column.field, mapped))
    return Entry(location, DOCUMENT, document)


def _items(text: str, separators: str = LIST_SEPARATOR) -> list[str]:
    if text.lower() == EMPTY_LIST:
        return []
    return [item.strip() for item in re.split(f"[{separators}]", text) if item.strip()]


def _column_value(column: str, text: str) -> Any:
    """A cell's text as the scenario value, read with the forgiving vocabulary (vocabulary.py); text
    that does not fit is kept for the validator to report."""
    spec = _LAYOUT.get(column)
    if isinstance(spec, Flag):
        found = vocabulary.flag(text)
        return text if found is None else found
    if isinstance(spec, Count):
        return int(text) if _WHOLE.match(text) and len(text) <= MAX_DIGITS else text
    if isinstance(spec, Choice):
        return vocabulary.choice_or_text(text, spec.values)
    if isinstance(spec, ListOf) and column in _RECORD_ITEMS:
        read = _RECORD_ITEMS[column][0]
        return [read(item) for item in _items(text)]
    if isinstance(spec, ListOf) and isinstance(spec.item, Choice):
        values = spec.item.values
        return [vocabulary.choice_or_text(item, values) for item in _items(text, CHOICE_SEPARATORS)]
    if isinstance(spec, ListOf):
        return _items(text)
    if isinstance(spec, MapOf):
        return _decisions(text)
    return text


def value_as_cell(column: str, value: Any) -> str:
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
    result: dict[str, Any] = {
        "system": system.strip(),
        "type": vocabulary.choice_or_text(kind.strip(), INTEGRATION_TYPES),
    }
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
        return _record(item)
    risk, _, rest = item.partition(":")
    result = {"risk": risk.strip(), "accepted_by": rest.strip()}
    dated = _DATED.match(rest)
    if dated:
        result["accepted_by"] = dated.group(1).strip()
        result["date"] = dated.group(2)
    return result


def _write_acceptance(item: dict[str, Any]) -> str:
    return _write_record(item, ACCEPTANCE_KEYS)


MITIGATION_KEYS = ("action", "owner", "due")


def _record(item: str) -> dict[str, Any]:
    """ "risk|key=value|key=value": a record of a risk (a mitigation: action, owner, due)."""
    risk, *pairs = item.split("|")
    result: dict[str, Any] = {"risk": risk.strip()}
    for pair in pairs:
        key, _, value = pair.partition("=")
        result[key.strip()] = value.strip()
    return result


def _write_record(item: dict[str, Any], keys: tuple[str, ...]) -> str:
    return "|".join([item["risk"], *(f"{key}={item[key]}" for key in keys if key in item)])


def _write_mitigation(item: dict[str, Any]) -> str:
    return _write_record(item, MITIGATION_KEYS)


# How one record of a list-of-records field is written in a cell (read, write): the scenario fields
# whose items are records. A field of plain values needs no entry.
_RECORD_ITEMS: dict[str, tuple[Callable[[str], dict[str, Any]], Callable[[dict[str, Any]], str]]] = {
    "integrations": (_integration, _write_integration),
    ACCEPTED_RISKS: (_acceptance, _write_acceptance),
    MITIGATIONS: (_record, _write_mitigation),
}


def _decisions(text: str) -> dict[str, dict[str, str]]:
    """ "process.column=party; ..." -> {"process": {"column": "party"}}.

    A key of the decision record is written like a column: `incident.performed_by=vendor`."""
    decisions: dict[str, dict[str, str]] = {}
    for item in _items(text):
        cell, _, party = item.partition("=")
        process, _, column = cell.strip().partition(".")
        column = column.strip()
        decisions.setdefault(process.strip(), {})[column] = vocabulary.choice_or_text(
            party.strip(), _CELLS.get(column, ())
        )
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
        cells[column] = "" if value is None else value_as_cell(column, value)
    return cells


def write_template(path: str | Path, force: bool = False, map_from: str | Path | None = None) -> None:
    """An empty portfolio to fill in, or with `map_from` (an export) a column map skeleton for it.

    - FILE.xlsx: a Services sheet (the header, a drop-down of its values on every vocabulary column,
      a frozen bold header), the example service on an Example sheet and the instructions on a third;
      only the first sheet is read, so the example is never assessed.
    - FILE.csv: the header row only.
    - FILE.yaml with `map_from`: the export's columns, each mapped to the field it names or to ignore.

    An existing file is a filled-in portfolio, perhaps: OutputError (exit 2) unless `force`.
    """
    from .. import files

    target = Path(path)
    suffix = target.suffix.lower()
    if map_from is not None:
        if suffix not in (".yaml", ".yml"):
            raise ValueError(f"{path}: a map is a .yaml file")
        files.refuse_existing(target, force)
        files.atomic_write(target, skeleton(_header_of(Path(map_from)), str(map_from)).encode())
        return
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"{path}: a template is a .csv or .xlsx file (or a .yaml map with --map-from)")
    files.refuse_existing(target, force)
    if suffix == ".csv":
        with files.text_file(target) as stream:
            CsvRows(stream).write(COLUMNS)
        return
    from .template import write_workbook

    write_workbook(target, COLUMNS, list(row_of(example_document()).values()))


def _header_of(path: Path) -> list[str]:
    """The column names of an export's first row; ValueError when it cannot be read or has none."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"{path}: --map-from reads a .csv or .xlsx export")
    header: Sequence[Any]  # the CSV's texts, or the workbook's cell values
    try:
        if suffix == ".csv":
            with path.open(encoding=csv_encoding(path), newline="") as stream:
                separator = delimiter(stream.readline())
                stream.seek(0)
                header = next(csv.reader(stream, delimiter=separator), [])  # a record: a quoted cell may hold a newline
        else:
            workbook = _open_workbook(path)
            header = next(workbook.worksheets[0].iter_rows(values_only=True), ())
            workbook.close()
    except Exception as error:  # a missing file, a damaged workbook: the same message the batch gives
        raise ValueError(f"{path}: cannot read the export: {_reason(error)}") from None
    names = [text_of_cell(cell) for cell in header]
    if not any(names):
        raise ValueError(f"{path}: no header row")
    return names


# The input formats by file suffix: a new one is a reader (a module of its own) plus one line here.
READERS: dict[str, Reader] = {".json": _json_array, ".jsonl": _json_lines, ".csv": _csv, ".xlsx": _xlsx}
