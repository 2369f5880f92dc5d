"""`rules table convert`: a decision table from one form to another (CSV, XLSX, YAML), cells as written.

An architect edits a table in Excel and commits it as XLSX or CSV, or keeps it in a YAML rule file
beside the rules; converting keeps every cell's text, so the table reads back to the same rules.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from ..errors import EXIT_USAGE, OpsAdvisorError, RulesError
from ..files import text_file
from ..rulepack.ir import Problems
from ..rulepack.table_front import grid_tables, table_from_yaml
from ..rulepack.tables import ROW_SETTINGS, Table, TableRow, table_cell_text
from ..text import csv_cell
from ..yamlload import LineDict, YamlProblem, load_yaml_bytes

FORMATS = ("csv", "xlsx", "yaml")


class ConvertError(OpsAdvisorError):
    """A conversion the command cannot make as asked (a usage error, exit 2)."""

    exit_code = EXIT_USAGE


def read_tables(path: Path) -> list[Table]:
    """The tables of a CSV, XLSX or YAML file, cells as written; RulesError (exit 4) when one is broken."""
    problems = Problems()
    raw = path.read_bytes()
    if path.suffix in (".csv", ".xlsx"):
        tables = grid_tables(str(path), raw, problems)
    else:
        tables = _yaml_tables(str(path), raw, problems)
    if problems.items:
        raise RulesError("", [str(problem) for problem in problems.items])
    if not tables:
        raise ConvertError(str(path), ["holds no decision table"])
    return tables


def _yaml_tables(name: str, raw: bytes, problems: Problems) -> list[Table]:
    try:
        document = load_yaml_bytes(raw)
    except (UnicodeDecodeError, YamlProblem) as error:
        problems.add(name, str(error))
        return []
    items = document.get("tables") if isinstance(document, LineDict) else None
    found = [table_from_yaml(name, item, problems) for item in items or []]
    return [table for table in found if table is not None]


def grid(table: Table) -> list[list[Any]]:
    """The table as spreadsheet rows: key/value rows, the marker row, the names row, one row per row."""
    settings = [key for key in ROW_SETTINGS if any(getattr(row, key) is not None for row in table.rows)]
    head: list[list[Any]] = [["table", table.id], ["title", table.title], ["rationale", table.rationale]]
    head += [["source", table.source]] if table.source else []
    head += [["hit_policy", table.hit_policy]]
    head += [["priority", table.priority]] if table.priority is not None else []
    markers = ["input"] * len(table.inputs) + ["output"] * len(table.outputs) + ["row"] * len(settings)
    body = [
        [
            *(table_cell_text(cell) for cell in row.cells),
            *("" if getattr(row, key) is None else getattr(row, key) for key in settings),
        ]
        for row in table.rows
    ]
    return [*head, markers, [*table.inputs, *table.outputs, *settings], *body]


def _yaml_row(row: TableRow) -> Any:
    settings = {key: getattr(row, key) for key in ROW_SETTINGS if getattr(row, key) is not None}
    cells = list(row.cells)
    return {**settings, "cells": cells} if settings else cells


def yaml_document(tables: list[Table]) -> str:
    import yaml

    entries = []
    for table in tables:
        entry: dict[str, Any] = {"id": table.id, "title": table.title, "rationale": table.rationale}
        entry.update({"source": table.source} if table.source else {})
        entry["hit_policy"] = table.hit_policy
        entry.update({"priority": table.priority} if table.priority is not None else {})
        entry.update(
            inputs=list(table.inputs), outputs=list(table.outputs), rows=[_yaml_row(row) for row in table.rows]
        )
        entries.append(entry)
    return yaml.safe_dump({"tables": entries}, sort_keys=False, allow_unicode=True, width=120, default_flow_style=None)


def _write_csv(table: Table, target: Path) -> None:
    """The table as CSV; a cell a spreadsheet would run as a formula (one starting with `=`, `+`, `-` or `@`,
    such as the any-value cell `-`) starts with ' as the batch's CSV writes it; the table reader removes it."""
    with text_file(target) as stream:
        csv.writer(stream, lineterminator="\n").writerows([csv_cell(cell) for cell in row] for row in grid(table))


def _write_xlsx(tables: list[Table], target: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from ..xlsx_style import save_workbook

    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(re.sub(r"[\[\]:*?/\\]", "_", table.id)[:31])
        for row in grid(table):
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value)
                if isinstance(value, str):
                    cell.data_type = "s"  # a cell such as '= x' or '>= 500' is text, never a formula
                cells.append(cell)
            sheet.append(cells)
    save_workbook(workbook, target)


def convert_table(path: str | Path, to: str, output: str | Path | None = None, table_id: str | None = None) -> str:
    """Write the tables of `path` in another form; what was written, as a line for the user.

    `to` is csv, xlsx or yaml; `output` defaults to the file's name with the new suffix. A CSV holds
    one table: name it with `table_id` when the source holds several.
    """
    source = Path(path)
    if to not in FORMATS:
        raise ConvertError(str(source), [f"cannot convert to '{to}'; expected one of {', '.join(FORMATS)}"])
    tables = read_tables(source)
    if table_id is not None:
        tables = [table for table in tables if table.id == table_id]
        if not tables:
            raise ConvertError(str(source), [f"no table '{table_id}' in the file"])
    target = Path(output) if output is not None else source.with_suffix(f".{to}")
    if target.resolve() == source.resolve():
        raise ConvertError(str(source), ["the output would overwrite the source; name another file with -o"])
    if to == "csv":
        if len(tables) > 1:
            ids = ", ".join(table.id for table in tables)
            raise ConvertError(str(source), [f"a CSV file holds one table; choose one with --table ({ids})"])
        _write_csv(tables[0], target)
    elif to == "xlsx":
        _write_xlsx(tables, target)
    else:
        with text_file(target) as stream:
            stream.write(yaml_document(tables))
    return f"{target}: written ({', '.join(table.id for table in tables)})"
