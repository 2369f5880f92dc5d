"""XLSX: one row per entry (see ROW_HEADERS), streamed with openpyxl's write-only workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from ..runner import Outcome
from ..summary import Summary
from . import ROW_HEADERS, ReportContext, row
from .atomic import AtomicFile


class XlsxWriter:
    def __init__(self, path: Path, context: ReportContext) -> None:
        self.path = path
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet("services")
        self.sheet.append(list(ROW_HEADERS))

    def add(self, outcome: Outcome) -> None:
        self.sheet.append([self._cell(value) for value in row(outcome)])

    def _cell(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(self.sheet, value)
            cell.data_type = "s"  # user text, never a formula
            return cell
        return value

    def finish(self, summary: Summary) -> None:
        file = AtomicFile(self.path, "wb")
        try:
            self.workbook.save(file.stream)
        except BaseException:
            file.abort()
            raise
        file.commit()

    def abort(self) -> None:
        self.workbook.close()
