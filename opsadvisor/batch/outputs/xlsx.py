"""XLSX portfolio report, for a portfolio owner to keep: four sheets, written with openpyxl's write-only workbook.

- Summary: the terminal summary's tables, and a bar chart of services per model.
- Services: one row per entry (see row_headers) as an Excel table: bold frozen header, filters,
  fitted widths; a suggested model reads "B (suggested)".
- Findings: one row per finding the conclusion kinds list (kinds.Kind.listed_findings: conflicts,
  risks nobody has accepted, governance areas, open decisions), with its text, severity (or priority)
  and the rule.
- Accountability: one row per service, the accountable party for each process's application and
  interface (two columns per process: 28 with the default pack).

The workbook is saved reproducibly (xlsx_style.save_workbook): the same portfolio gives a
byte-identical workbook.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from ... import kinds
from ...files import Spool, write_failed
from ...text import party, printable
from ...xlsx_style import BOLD, MAX_WIDTH, save_workbook
from ..runner import OK, Outcome
from ..summary import Summary
from . import ReportContext, row, row_headers
from .drift_heat import add_drift_sheet

FINDING_HEADERS = ("service", "name", "finding", "what", "severity", "text", "rule", "location")


def findings_of(document: dict[str, Any], context: ReportContext) -> list[kinds.Finding]:
    """The findings of one assessment (its JSON) in words, as every conclusion kind lists its own, in the
    summary's kind order: conflicts, risks nobody has accepted, governance areas, open decisions."""
    return [
        finding
        for kind in kinds.summarised()
        if kind.part in document
        for finding in kind.listed_findings(document[kind.part], context)
    ]


class XlsxWriter:
    """Rows are spooled (files.Spool) and the workbook is built when the batch is done.

    openpyxl streams a write-only sheet into a named temporary file of its own: built at the end,
    that file exists only while the workbook is saved, so Ctrl-C, SIGTERM or a full disk during the
    batch leaves nothing behind.
    """

    needs_json = True

    def __init__(self, path: Path, context: ReportContext) -> None:
        self.path = path
        self.context = context
        self.spool = Spool(path)
        self.rows = 0
        self.findings = 0
        self.widths = [len(header) for header in row_headers()]

    def add(self, outcome: Outcome) -> None:
        cells = row(outcome)
        self.rows += 1
        self.widths = [max(width, len(str(cell))) for width, cell in zip(self.widths, cells, strict=True)]
        found: list[Any] = []
        if outcome.status == OK and outcome.json is not None:
            found = findings_of(json.loads(outcome.json), self.context)
        self.findings += len(found)
        record = {"row": cells, "findings": found, "cells": outcome.cells}
        self.spool.write(json.dumps(record, ensure_ascii=False) + "\n")

    def finish(self, summary: Summary) -> None:
        workbook = Workbook(write_only=True)
        try:
            self._summary(workbook, summary)
            self._services(workbook)
            self._findings(workbook)
            self._accountability(workbook)
            add_drift_sheet(workbook, summary, self.context.process_names)
            save_workbook(workbook, self.path)
        except OSError as error:
            raise write_failed(self.path, error) from None
        finally:
            self.spool.close()

    def abort(self) -> None:
        self.spool.close()

    def _records(self) -> Iterable[dict[str, Any]]:
        for line in self.spool.lines():
            yield json.loads(line)

    def _summary(self, workbook: Workbook, summary: Summary) -> None:
        from openpyxl.chart import BarChart, Reference

        sheet = workbook.create_sheet("Summary")
        sheet.column_dimensions["A"].width = 45
        line = 0
        chart_rows: tuple[int, int] | None = None
        for title, headers, rows in summary.tables(self.context.process_names):
            sheet.append([_bold(sheet, title)])
            sheet.append([_bold(sheet, header) for header in headers])
            line += 2
            for values in rows:
                sheet.append([_cell(sheet, value) for value in values])
            line += len(rows)
            sheet.append([])
            line += 1
        per_model = summary.per_model()
        sheet.append([_bold(sheet, "Services per model"), _bold(sheet, "services")])
        first = line + 2
        for model, count in per_model.items():
            sheet.append([_cell(sheet, model), count])
        chart_rows = (first, first + len(per_model) - 1)
        if per_model:
            chart = BarChart()
            chart.title = "Services per model"
            chart.y_axis.title = "services"
            chart.legend = None
            chart.add_data(
                Reference(sheet, min_col=2, min_row=chart_rows[0] - 1, max_row=chart_rows[1]), titles_from_data=True
            )
            chart.set_categories(Reference(sheet, min_col=1, min_row=chart_rows[0], max_row=chart_rows[1]))
            sheet.add_chart(chart, "E2")

    def _services(self, workbook: Workbook) -> None:
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.filters import AutoFilter
        from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

        sheet = workbook.create_sheet("Services")
        headers = row_headers()
        _header_sheet(sheet, headers, self.widths)
        for record in self._records():
            sheet.append([_cell(sheet, value) for value in record["row"]])
        if self.rows:
            table = Table(displayName="Services", ref=f"A1:{get_column_letter(len(headers))}{self.rows + 1}")
            table.tableColumns = [TableColumn(id=index, name=name) for index, name in enumerate(headers, 1)]
            table.autoFilter = AutoFilter(ref=table.ref)
            table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
            with warnings.catch_warnings():  # "add table columns manually": they are, above
                warnings.simplefilter("ignore", UserWarning)
                sheet.add_table(table)
        else:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}1"

    def _findings(self, workbook: Workbook) -> None:
        from openpyxl.utils import get_column_letter

        sheet = workbook.create_sheet("Findings")
        _header_sheet(sheet, FINDING_HEADERS, [14, 30, 16, 40, 10, 100, 40, 40])
        for record in self._records():
            location, service_id, name = record["row"][:3]
            for finding in record["findings"]:
                sheet.append([_cell(sheet, value) for value in (service_id, name, *finding, location)])
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(FINDING_HEADERS))}{max(self.findings, 0) + 1}"

    def _accountability(self, workbook: Workbook) -> None:
        sheet = workbook.create_sheet("Accountability")
        headers = [
            "service",
            "name",
            *(f"{name}: {column}" for _, name in self.context.processes for column in ("application", "interface")),
        ]
        _header_sheet(sheet, headers, [14, 30, *([18] * (len(headers) - 2))])
        for record in self._records():
            cells = [party(value) for pair in record["cells"] for value in pair]
            sheet.append([_cell(sheet, value) for value in (record["row"][1], record["row"][2], *cells)])


def _header_sheet(sheet: Any, headers: Sequence[str], widths: Sequence[int]) -> None:
    """A bold header row, frozen, with each column as wide as its longest value (within limits)."""
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width, 6) + 2, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.append([_bold(sheet, header) for header in headers])


def _bold(sheet: Any, value: Any) -> Any:
    cell = WriteOnlyCell(sheet, printable(value))
    cell.data_type = "s"
    cell.font = BOLD
    return cell


def _cell(sheet: Any, value: Any) -> Any:
    """Text stays text: control characters escaped (XML cannot hold them), never a formula."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, printable(value))
    cell.data_type = "s"
    return cell
