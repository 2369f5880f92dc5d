"""The decision-table front end: a CSV file, an XLSX workbook (a table per sheet) or a YAML file's
`tables:` entries become Tables and their rows IR rules (see tables.py for what a row means).

A CSV or XLSX table, as an architect lays it out in a spreadsheet:

    table       | risk.data
    title       | Data outside IT's controls is a risk
    rationale   | ...
    source      | seed, "What is the danger"
    hit_policy  | collect
    priority    | 600                                        (optional)
    input       | input          | output   | output  | row  <- what each column is
    operated_by | data.personal_data | risk.id | risk.message | id   <- facts, then conclusion columns
    business    | true           | personal-data-outside-it | ... | risk.personal-data

Output columns are conclusion kinds (`next_step`, `mode`, `recommend`) or a kind's field
(`risk.id`, `governance.process`, `derive.NAME`); `row` columns set a row's own `id`, `priority` or
`title`. An empty or `-` output cell concludes nothing for that field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeGuard

from ..errors import did_you_mean
from ..kinds import authored
from ..rulesyntax import as_written
from ..text import FORMULA_START, unprintable_character
from ..workbooks import open_workbook
from ..yamlload import LineDict, LineList
from .document import Document
from .ir import Conclusion, Location, Problems, provenance
from .reading import conclusion, unknown_keys
from .tables import ROW_SETTINGS, Table, TableRow, check_header, compile_table, is_any, output_value

MAX_TABLE_WORKBOOK_BYTES = 16 * 1024 * 1024  # what a decision table workbook's parts may expand to
MAX_TABLE_CELL = 10_000  # characters in one cell of a CSV or XLSX table
# A sheet may claim (<dimension>) or place a cell at 16,384 columns and a million rows in a few bytes: it
# is read no further than this, so that padding rows to that size cannot take gigabytes.
MAX_TABLE_ROWS = 10_000  # lines of a CSV table, rows of a sheet, key rows and column names included
MAX_TABLE_COLUMNS = 256
FORMULA_GUARD = "'"  # before a cell a spreadsheet would run as a formula, as CSV outputs write it
TABLE_KEYS = ("id", "title", "rationale", "source", "hit_policy", "priority", "inputs", "outputs", "rows")
GRID_KEYS = ("table", "title", "rationale", "source", "hit_policy", "priority")
MARKERS = ("input", "output", "row")
ROW_KEYS = ("cells", *ROW_SETTINGS)


def read(name: str, raw: bytes, problems: Problems) -> Document | None:
    """The tables of a CSV file or of each sheet of an XLSX workbook, and their rows as rules."""
    document = Document()
    for table in grid_tables(name, raw, problems):
        add_table(document, table, problems)
    return document


def grid_tables(name: str, raw: bytes, problems: Problems) -> list[Table]:
    """The tables of a CSV file or an XLSX workbook, cells as written (not yet compiled)."""
    grids = _xlsx_grids(name, raw, problems) if Path(name).suffix == ".xlsx" else _csv_grid(name, raw, problems)
    found = [table_from_grid(file, grid, problems) for file, grid in grids]
    return [table for table in found if table is not None]


def add_table(document: Document, table: Table, problems: Problems) -> None:
    """Compile a table read by any front end into the document: the table, and its rows as rules."""
    compiled, rules = compile_table(table, problems, Concluder(problems))
    if all(row.rule_id for row in compiled.rows):  # its cells parsed: `rules check` can still find its gaps
        document.tables.append(compiled)
    document.rules.extend(rules)


# --- CSV and XLSX ------------------------------------------------------------------------------------

Grid = list[list[Any]]


def _csv_grid(name: str, raw: bytes, problems: Problems) -> list[tuple[str, Grid]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.add(name, "not UTF-8 text; save the table as CSV UTF-8")
        return []
    try:
        grid: Grid = [list(row) for row in csv.reader(io.StringIO(text))]
    except csv.Error as error:
        problems.add(name, f"not a valid CSV file: {error}")
        return []
    checked = _checked(name, grid, problems)
    return [] if checked is None else [(name, checked)]


def _xlsx_grids(name: str, raw: bytes, problems: Problems) -> list[tuple[str, Grid]]:
    try:
        workbook = open_workbook(raw, MAX_TABLE_WORKBOOK_BYTES)
    except Exception as error:  # openpyxl raises many types for a damaged or foreign file
        problems.add(name, f"cannot read the workbook: {error or type(error).__name__}")
        return []
    try:
        sheets = workbook.worksheets
        for number, sheet in enumerate(sheets, 1):
            if refused := unprintable_character(sheet.title):
                problems.add(name, f"sheet {number}: its name: {refused}")
                return []
        grids = [(name if len(sheets) == 1 else f"{name}[{sheet.title}]", _sheet_rows(sheet)) for sheet in sheets]
    finally:
        workbook.close()
    return [(file, checked) for file, grid in grids if (checked := _checked(file, grid, problems)) is not None]


def _sheet_rows(sheet: Any) -> Grid:
    """A sheet's rows, each without the empty cells that end it (open_workbook ignores the size a sheet
    claims, so a row is as long as its last cell); reading stops at the first cell beyond the columns or the
    rows a table may have, for _checked to refuse, so that no far cell makes every row long."""
    rows: Grid = []
    for values in sheet.iter_rows(values_only=True):
        beyond = values[MAX_TABLE_COLUMNS:]
        if beyond.count(None) < len(beyond):
            rows.append(list(values))
            break
        row = list(values[:MAX_TABLE_COLUMNS])
        while row and row[-1] is None:
            row.pop()
        if len(rows) < MAX_TABLE_ROWS or row:
            rows.append(row)
        if len(rows) > MAX_TABLE_ROWS:
            break
    return rows


def _checked(file: str, grid: Grid, problems: Problems) -> Grid | None:
    """The grid with each text cell as written (a leading ' that `rules table convert --to csv` put before a
    cell a spreadsheet would run as a formula removed), or None after a problem per cell that is too long
    or holds a control character (no table text may reach a terminal with an escape sequence), and per row
    beyond MAX_TABLE_ROWS or MAX_TABLE_COLUMNS."""
    before = len(problems.items)
    if any(_filled(row) for row in grid[MAX_TABLE_ROWS:]):
        problems.add(Location(file, MAX_TABLE_ROWS + 1), f"more than {MAX_TABLE_ROWS:,} rows; a table has at most that")
        return None
    for row_number, row in enumerate(grid, 1):
        if _filled(row[MAX_TABLE_COLUMNS:]):
            problems.add(Location(file, row_number), f"more than {MAX_TABLE_COLUMNS} columns; a table has at most that")
            continue
        for column, cell in enumerate(row, 1):
            if not isinstance(cell, str):
                continue
            where = Location(file, row_number)
            if len(cell) > MAX_TABLE_CELL:
                problems.add(where, f"column {column}: a cell of {len(cell):,} characters; at most {MAX_TABLE_CELL:,}")
            elif refused := unprintable_character(cell):
                problems.add(where, f"column {column}: {refused}")
            elif cell.startswith(FORMULA_GUARD) and cell[1:].startswith(FORMULA_START):
                row[column - 1] = cell[1:]
    return grid if len(problems.items) == before else None


def _filled(cells: Sequence[Any]) -> bool:
    return any(_text(cell) for cell in cells)


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _trimmed(row: Sequence[Any], width: int) -> list[Any]:
    cells = [int(cell) if isinstance(cell, float) and cell.is_integer() else cell for cell in row][:width]
    return cells + [None] * (width - len(cells))


def table_from_grid(file: str, grid: Grid, problems: Problems) -> Table | None:
    """A table from a spreadsheet's rows: key/value rows, the marker row, the names row, then the rows."""
    settings: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for number, row in enumerate(grid, 1):
        texts = [_text(cell) for cell in row]
        if not any(texts):
            continue
        if texts[0] in MARKERS:
            return _table_body(file, grid, number, settings, lines, problems)
        key = texts[0]
        if key not in GRID_KEYS:
            problems.add(
                Location(file, number),
                f"unknown key '{key}' before the table's columns; expected one of {', '.join(GRID_KEYS)}"
                f"{did_you_mean(key, GRID_KEYS)}, or a row of {', '.join(MARKERS)} naming what each column is",
            )
            continue
        value = row[1] if len(row) > 1 else None
        settings[key] = int(value) if isinstance(value, float) and value.is_integer() else value
        lines[key] = number
    problems.add(Location(file, 1), f"no table found: expected a row of {', '.join(MARKERS)} above the column names")
    return None


def _table_body(
    file: str, grid: Grid, marker_line: int, settings: dict[str, Any], lines: dict[str, int], problems: Problems
) -> Table | None:
    markers = [_text(cell) for cell in grid[marker_line - 1]]
    while markers and not markers[-1]:
        markers.pop()
    location = Location(file, lines.get("table", marker_line))
    if marker_line >= len(grid):
        problems.add(Location(file, marker_line), "the column names are missing below the row of input/output/row")
        return None
    names = [_text(cell) for cell in _trimmed(grid[marker_line], len(markers))]
    bad = [(index, marker) for index, marker in enumerate(markers) if marker not in MARKERS]
    for index, marker in bad:
        problems.add(Location(file, marker_line), f"column {index + 1}: '{marker}' is not one of {', '.join(MARKERS)}")
    if bad:
        return None
    inputs = [n for n, m in zip(names, markers, strict=True) if m == "input"]
    outputs = [n for n, m in zip(names, markers, strict=True) if m == "output"]
    settings_at = {n: i for i, (n, m) in enumerate(zip(names, markers, strict=True)) if m == "row"}
    for setting in settings_at:
        if setting not in ROW_SETTINGS:
            problems.add(
                Location(file, marker_line + 1),
                f"a row column is one of {', '.join(ROW_SETTINGS)}; "
                f"found '{setting}'{did_you_mean(setting, ROW_SETTINGS)}",
            )
    rows: list[TableRow] = []
    for number, row in enumerate(grid[marker_line + 1 :], marker_line + 2):
        cells = _trimmed(row, len(markers))
        if all(_text(cell) == "" for cell in cells):
            continue
        by_role = {role: [c for c, m in zip(cells, markers, strict=True) if m == role] for role in ("input", "output")}
        values = {setting: cells[index] for setting, index in settings_at.items() if _text(cells[index])}
        rows.append(
            _row(len(rows) + 1, [*by_role["input"], *by_role["output"]], values, Location(file, number), problems)
        )
    return _table(
        {**settings, "id": settings.get("table"), "inputs": inputs, "outputs": outputs},
        rows,
        location,
        problems,
    )


# --- YAML ------------------------------------------------------------------------------------------


def table_from_yaml(file: str, item: Any, problems: Problems) -> Table | None:
    """A table from one entry of a YAML rule file's `tables:` list (yaml_front hands them here)."""
    line = getattr(item, "line", 1)
    if not isinstance(item, LineDict):  # the rule files' loader makes every mapping a LineDict
        problems.add(Location(file, line), f"a table must be a mapping with {', '.join(TABLE_KEYS)}")
        return None
    unknown_keys(item, TABLE_KEYS, file, problems, "a table")
    items = item.get("rows")
    if not isinstance(items, LineList):
        problems.add(Location(file, item.line_of("rows")), f"table {item.get('id')}: rows must be a list")
        return None
    rows = []
    for index, entry in enumerate(items):
        where = Location(file, items.line_of(index))
        values: dict[str, Any] = {}
        if isinstance(entry, LineDict):
            unknown_keys(entry, ROW_KEYS, file, problems, "a table row")
            values = {key: entry[key] for key in ROW_SETTINGS if key in entry}
            entry = entry.get("cells")
        if not isinstance(entry, list):
            problems.add(where, f"table {item.get('id')}: a row is a list of cells (or a mapping with cells)")
            continue
        rows.append(_row(index + 1, list(entry), values, where, problems))
    return _table(dict(item), rows, Location(file, line), problems)


# --- shared ------------------------------------------------------------------------------------------


def _row(number: int, cells: list[Any], values: dict[str, Any], location: Location, problems: Problems) -> TableRow:
    priority = output_value(values.get("priority"))
    if priority is not None and (isinstance(priority, bool) or not isinstance(priority, int)):
        problems.add(location, f"row {number}: priority must be a whole number; found {as_written(priority)}")
        priority = None
    text = {key: None if values.get(key) is None else str(values[key]).strip() for key in ("id", "title")}
    text |= {key: " ".join(str(values.get(key) or "").split()) or None for key in ("rationale", "source")}
    if text["source"] and isinstance(found := provenance(text["source"]), str):
        problems.add(location, f"row {number}: {found}")
        text["source"] = None
    return TableRow(
        number,
        tuple(cells),
        location,
        text["id"],
        priority,
        text["title"],
        rationale=text["rationale"],
        source=text["source"],
    )


def _table(data: dict[str, Any], rows: list[TableRow], location: Location, problems: Problems) -> Table | None:
    before = len(problems.items)
    table_id = data.get("id")
    policy = data.get("hit_policy", "unique")
    priority = output_value(data.get("priority"))
    check_header(table_id, policy, priority, location, problems)
    label = f"table {table_id}"
    texts = {}
    for key in ("title", "rationale"):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.add(location, f"{label}: missing {key} (text)")
        else:
            texts[key] = " ".join(value.split())
    inputs, outputs = data.get("inputs"), data.get("outputs")
    if not _names(inputs) or not _names(outputs):
        problems.add(location, f"{label}: inputs and outputs must be non-empty lists of names")
        return None
    _check_outputs(outputs, location, label, problems)
    width = len(inputs) + len(outputs)
    for row in rows:
        if len(row.cells) != width:
            problems.add(row.location, f"{label} row {row.number}: expected {width} cells; found {len(row.cells)}")
    source = " ".join(str(data.get("source") or "").split())
    if source and isinstance(found := provenance(source), str):
        problems.add(location, f"{label}: {found}")
    if len(problems.items) > before or not isinstance(table_id, str):  # check_header reported an id not text
        return None
    return Table(
        table_id,
        texts["title"],
        texts["rationale"],
        source,
        policy,
        tuple(inputs),
        tuple(outputs),
        tuple(rows),
        location,
        priority,
    )


def _names(value: Any) -> TypeGuard[list[str]]:
    return isinstance(value, list) and bool(value) and all(isinstance(name, str) and name for name in value)


def _check_outputs(outputs: list[str], location: Location, label: str, problems: Problems) -> None:
    names = tuple(k.name for k in authored())
    whole = {name for name in outputs if "." not in name}
    for name in outputs:
        kind_name, _, field = name.partition(".")
        if kind_name not in names:
            problems.add(
                location,
                f"{label}: output '{name}' is not a conclusion; expected one of {', '.join(names)} "
                f"(or kind.field){did_you_mean(kind_name, names)}",
            )
        elif kind_name == "derive" and not field:
            problems.add(location, f"{label}: a derive output names the fact: derive.NAME")
        elif field and kind_name in whole:
            problems.add(location, f"{label}: both '{kind_name}' and '{name}' are outputs; use one")


class Concluder:
    """A row's output cells to conclusions, each kind's cells parsed by the kind."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems

    def __call__(
        self, outputs: Sequence[str], cells: Sequence[Any], location: Location, label: str
    ) -> tuple[Conclusion, ...]:
        data: dict[str, Any] = {}
        for name, cell in zip(outputs, cells, strict=True):
            if is_any(cell):
                continue
            kind_name, _, field = name.partition(".")
            if field:
                data.setdefault(kind_name, {})[field] = output_value(cell)
            else:
                data[kind_name] = output_value(cell)
        conclusions = []
        for kind_name, value in data.items():
            parsed = conclusion(kind_name, value, location)
            if isinstance(parsed, str):
                self.problems.add(location, f"{label}: {kind_name}: {parsed}")
            else:
                conclusions.append(parsed)
        return tuple(conclusions)
