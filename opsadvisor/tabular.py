"""Tables someone else exported: column maps (`opsadvisor batch --map FILE.yaml`), headers, cells.

A map says, per source column, which scenario field it fills (`rename`), how a list cell is
separated (`split`), what its values mean (`values`, a table matched like the vocabulary: case,
spaces, `-` and `_` ignored; `null` = not known), or that it is not used (`ignore`); and which
fields every row has the same value for (`constants`). Without a map, a column is a field named by
its path (`data.classification`) or its label (`data classification`), forgivingly. The header is
checked once, column by column, before any row is read (`plan`).

The fields are a portfolio's scenario fields (`SCENARIO`), or another table's (`Columns`: the records
of opsadvisor.records read ticket exports, contract registers and access reviews through the same maps).

    columns:
      number: service.id                      # rename
      u_compliance: {field: regulations, split: ","}
      u_hosting:
        field: hosting
        values: {SaaS: saas, "On Premises": on_premise, Unknown: null}
      sys_updated_on: ignore
    constants:
      current.operated_by: it_ops
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import vocabulary
from .contract import ACCEPTED_RISKS, COLUMN_FIELDS, MITIGATIONS
from .errors import UsageError, did_you_mean
from .text import one_line, printable
from .yamlload import YamlProblem, load_yaml

IGNORE = "ignore"
# Fields a map may not give every row the same value of: an acceptance or a mitigation is one service's.
PER_SERVICE = (ACCEPTED_RISKS, MITIGATIONS)
PER_SERVICE_WHY = (
    "acceptances and mitigations are each one service's, recorded by a named person on a date, so a map cannot "
    "give every row the same one"
)
MAP_KEYS = ("columns", "constants")
COLUMN_KEYS = ("field", "split", "values")


@dataclass(frozen=True)
class MappedColumn:
    """Where one source column goes: a field path (None: ignored), its list separator and value table."""

    field: str | None
    split: str | None = None
    # vocabulary.key(source value) -> value (dataclasses.field: in this class, `field` is the attribute above)
    values: dict[str, str | None] = dataclasses.field(default_factory=dict)

    def text(self, cell: str) -> str | None:
        """The cell's text for its field after the value table and the split; None: not known."""
        if self.split is None:
            return self._value(cell)
        items = [self._value(item.strip()) for item in cell.split(self.split) if item.strip()]
        return "; ".join(item for item in items if item) or None

    def _value(self, text: str) -> str | None:
        return self.values.get(vocabulary.key(text), text) if self.values else text


@dataclass(frozen=True)
class TableMap:
    columns: dict[str, MappedColumn]  # vocabulary.key(source column) -> where it goes
    constants: dict[str, str]  # field path -> cell text, for every row
    source: str = ""
    constant_lines: dict[str, int] = field(default_factory=dict)  # field path -> the constant's line in the map


NO_MAP = TableMap({}, {})


@dataclass(frozen=True)
class Columns:
    """The fields a table's columns may fill, and how a header names one without a map."""

    what: str  # what a field is called in messages: "scenario field"
    fields: tuple[str, ...]  # the field paths
    required: tuple[str, ...]  # the fields every row needs
    resolve: Callable[[str], str | None]  # a header's field path, forgivingly (None: no field)
    remedy: str  # how to fix a header without a map
    strict: bool = True  # a column that names no field is a problem; else it is not read (Plan.ignored)


REQUIRED = tuple(item.path for item in COLUMN_FIELDS if item.required)
SCENARIO = Columns(
    "scenario field",
    tuple(item.path for item in COLUMN_FIELDS),
    REQUIRED,
    vocabulary.column,
    "rename it, or map it with --map FILE.yaml (batch --template FILE.yaml --map-from EXPORT)",
)


def load_map(path: str | Path, columns: Columns = SCENARIO) -> TableMap:
    """Read and check a map file; UsageError (exit 2) naming the file, line and entry on any problem."""
    source = str(path)
    try:
        document = load_yaml(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise UsageError(source, [f"cannot read the map: {error.strerror}"]) from None
    except UnicodeDecodeError:
        raise UsageError(source, ["the map is not UTF-8 text"]) from None
    except YamlProblem as problem:
        raise UsageError(f"{source}:{problem.line}", [problem.message]) from None
    problems: list[str] = []
    table_map = _build(document, problems, source, columns)
    if problems:
        raise UsageError(source, problems)
    return table_map


def _line(node: Any, name: str) -> str:
    line = node.line_of(name) if hasattr(node, "line_of") else 0
    return f"line {line}: " if line else ""


def _build(document: Any, problems: list[str], source: str, columns_of: Columns) -> TableMap:
    if not isinstance(document, dict):
        problems.append(f"expected a mapping with {' and '.join(MAP_KEYS)}")
        return NO_MAP
    for name in document:
        if name not in MAP_KEYS:
            problems.append(f'{_line(document, name)}unknown key "{name}"; expected {", ".join(MAP_KEYS)}')
    columns = document.get("columns") or {}
    constants = document.get("constants") or {}
    if not isinstance(columns, dict) or not isinstance(constants, dict):
        problems.append("columns and constants are mappings")
        return NO_MAP
    built: dict[str, MappedColumn] = {}
    named: dict[str, str] = {}  # vocabulary.key -> the first entry naming that column, with its line
    filling: dict[str, str] = {}  # field path -> the entry of the column that fills it
    for name in columns:
        key, where = vocabulary.key(str(name)), f'{_line(columns, name)}column "{one_line(name)}"'
        if key in named:
            problems.append(f"{named[key]} and {where} name one column (case, spaces, - and _ are ignored); keep one")
            continue
        named[key] = where
        column = built[key] = _column(columns, str(name), problems, columns_of)
        if column.field is not None:
            filling.setdefault(column.field, where)
    for name in constants:
        _check_field(str(name), f"{_line(constants, name)}constant {name}", problems, columns_of)
        if name in PER_SERVICE:
            problems.append(
                f"{_line(constants, name)}constant {name}: {PER_SERVICE_WHY}; map the column that holds them instead"
            )
        if name in filling:  # the column would win over the constant, silently
            problems.append(
                f"{_line(constants, name)}constant {name} and {filling[name]} both give it; keep one of them"
            )
    lines = {str(name): constants.line_of(name) for name in constants} if hasattr(constants, "line_of") else {}
    return TableMap(built, {str(name): _constant(value) for name, value in constants.items()}, source, lines)


def _constant(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(str(item) for item in value) or "none"
    return str(value)


def _column(columns: dict[str, Any], name: str, problems: list[str], columns_of: Columns) -> MappedColumn:
    entry = columns[name]
    where = f"{_line(columns, name)}column {name}"
    if entry == IGNORE or entry is None:
        return MappedColumn(None)
    if isinstance(entry, str):
        _check_field(entry, where, problems, columns_of)
        return MappedColumn(entry)
    if not isinstance(entry, dict) or "field" not in entry:
        problems.append(f"{where}: expected a field path, {IGNORE}, or a mapping with field (and split, values)")
        return MappedColumn(None)
    for key in entry:
        if key not in COLUMN_KEYS:
            problems.append(f'{where}: unknown key "{key}"; expected {", ".join(COLUMN_KEYS)}')
    _check_field(str(entry["field"]), where, problems, columns_of)
    values = entry.get("values") or {}
    if values and entry["field"] in PER_SERVICE:
        problems.append(f"{where}: values cannot give {entry['field']}: {PER_SERVICE_WHY}")
        values = {}
    if not isinstance(values, dict):
        problems.append(f"{where}: values is a mapping of source value to scenario value")
        values = {}
    split = entry.get("split")
    if split is not None and not str(split):
        problems.append(f'{where}: split is the text between the items of a list cell (e.g. ","); found an empty one')
        split = None
    return MappedColumn(
        str(entry["field"]),
        None if split is None else str(split),
        {
            vocabulary.key(str(source)): None if target is None else _constant(target)
            for source, target in values.items()
        },
    )


def _check_field(path: str, where: str, problems: list[str], columns: Columns) -> None:
    if path not in columns.fields:
        problems.append(f'{where}: "{path}" is not a {columns.what}{did_you_mean(path, columns.fields)}')


# --- the header ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A header read with a map: each column's MappedColumn (by position), the constants, and notes to show."""

    columns: tuple[MappedColumn, ...]
    constants: dict[str, str]
    notes: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()  # the columns that name no field, when the Columns are not strict


def plan(names: list[str], table_map: TableMap, columns_of: Columns = SCENARIO) -> Plan | list[str]:
    """How each column of a header is read, or the header's problems, one per column, with did-you-means."""
    problems: list[str] = []
    columns: list[MappedColumn] = []
    first: dict[str, int] = {}
    ignored: list[str] = []
    for number, name in enumerate(names, 1):
        column = resolve(name, table_map, columns_of)
        if column is None:
            if name and not columns_of.strict:
                ignored.append(name)
            elif name:
                hint = did_you_mean(name, columns_of.fields)
                remedy = _remedy(table_map, columns_of)
                problems.append(f'column {number} "{one_line(name)}" is not a {columns_of.what}{hint}; {remedy}')
            column = MappedColumn(None)
        if column.field is not None:
            if column.field in first:
                problems.append(_twice(names, first[column.field], number, column.field))
            first.setdefault(column.field, number)
        columns.append(column)
    problems += [
        _given_by_both(table_map, path, names[first[path] - 1]) for path in table_map.constants if path in first
    ]
    given = set(first) | set(table_map.constants)
    problems += [
        f"no column gives {path}, which every {'service' if columns_of is SCENARIO else 'row'} needs"
        for path in columns_of.required
        if path not in given
    ]
    if problems:
        return problems
    found = {vocabulary.key(name) for name in names}
    unused = [name for name in table_map.columns if name not in found]
    notes = tuple(f"{table_map.source}: the map's column {name} is not in the file" for name in unused)
    return Plan(tuple(columns), table_map.constants, notes, tuple(ignored))


def _given_by_both(table_map: TableMap, path: str, column: str) -> str:
    line = table_map.constant_lines.get(path)
    where = f"{table_map.source}:{line}" if line else table_map.source
    return f'column "{one_line(column)}" and the constant {path} ({where}) both give {path}; keep one of them'


def _twice(names: list[str], earlier: int, number: int, field: str) -> str:
    """Two columns for one field: "last wins" would silently drop a fact."""
    if names[earlier - 1] == names[number - 1]:
        return f'columns {earlier} and {number} are both named "{one_line(names[number - 1])}"; name each column once'
    shown = f'"{one_line(names[earlier - 1])}" and "{one_line(names[number - 1])}"'
    return f"columns {earlier} and {number} ({shown}) both give {field}; keep one of them"


def resolve(name: str, table_map: TableMap, columns: Columns) -> MappedColumn | None:
    """Where a column goes: the map's entry for it, else the field it names (None: neither)."""
    mapped = table_map.columns.get(vocabulary.key(name))
    if mapped is not None:
        return mapped
    path = columns.resolve(name)
    return MappedColumn(path) if path else None


def _remedy(table_map: TableMap, columns: Columns) -> str:
    if table_map.source:
        return f"map it or write it as {IGNORE} in {table_map.source}"
    return columns.remedy


# --- cells and CSV files ------------------------------------------------------------------------------

LEGACY_ENCODING = "cp1252"
DELIMITERS = (",", ";", "\t")


def csv_encoding(path: Path) -> str:
    """utf-8-sig when the whole file is UTF-8 (a BOM or none), else cp1252 (what Excel writes in Western
    Europe). Binary data (a NUL byte) stays utf-8-sig, so that its error names the byte."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            if b"\0" in chunk:
                return "utf-8-sig"
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return LEGACY_ENCODING
    return "utf-8-sig"


def delimiter(header: str) -> str:
    """The separator the header line uses most (a comma when none)."""
    counts = {separator: header.count(separator) for separator in DELIMITERS}
    best = max(DELIMITERS, key=lambda separator: counts[separator])
    return best if counts[best] else ","


def text_of_cell(cell: Any) -> str:
    """A cell read from a workbook or a CSV row, as text: whole numbers without '.0', dates as YYYY-MM-DD."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat()
    return str(cell).strip()


# --- a map skeleton from an export's header ---------------------------------------------------------


def skeleton(names: list[str], source: str) -> str:
    """A map for an export's header: the columns that name fields already, the others to fill in."""
    lines = [
        f"# A column map for {source} (opsadvisor batch {source} --map THIS_FILE.yaml).",
        "# Each column: a scenario field path, ignore, or {field: PATH, split: SEPARATOR, values: {SOURCE: VALUE}}.",
        "# The fields: opsadvisor schema, or the column table of opsadvisor docs batch.",
        "columns:",
    ]
    for name in names:
        if not name:
            continue
        path = vocabulary.column(name)
        quoted = _quoted(name)
        lines.append(f"  {quoted}: {path}" if path else f"  {quoted}: {IGNORE}  # TODO: a field?{_guess(name)}")
    missing = [path for path in REQUIRED if path not in {vocabulary.column(name) for name in names}]
    lines.append("constants: {}" if not missing else "constants:")
    lines += [f"  # {path}: a column above must give it, or a constant here" for path in missing]
    return "\n".join(lines) + "\n"


def _guess(name: str) -> str:
    """The field a column may be: the one whose last part it names ('id' for service.id, 'tier' for
    low_code.tier), else a close spelling of a field's path."""
    paths = vocabulary.column_names()
    named = [path for path in paths if vocabulary.key(path.rsplit(".", 1)[-1]) == vocabulary.key(name)]
    return f' (did you mean "{named[0]}"?)' if len(named) == 1 else did_you_mean(name, paths)


def _quoted(name: str) -> str:
    import json

    return json.dumps(printable(name), ensure_ascii=False)
