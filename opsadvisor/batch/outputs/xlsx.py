"""XLSX: one row per entry (see row_headers), written with openpyxl's write-only workbook.

openpyxl stamps the save time into the workbook properties and every zip member; both are fixed
here so that the same portfolio gives a byte-identical workbook.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from ...files import Spool, binary_file, write_failed
from ...text import printable
from ..runner import Outcome
from ..summary import Summary
from . import ReportContext, row, row_headers

FIXED_TIME = datetime.datetime(2000, 1, 1)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


class XlsxWriter:
    """Rows are spooled (files.Spool) and the workbook is built when the batch is done.

    openpyxl streams a write-only sheet into a named temporary file of its own: built at the end,
    that file exists only while the workbook is saved, so Ctrl-C, SIGTERM or a full disk during the
    batch leaves nothing behind.
    """

    needs_json = False

    def __init__(self, path: Path, context: ReportContext) -> None:
        self.path = path
        self.spool = Spool(path)

    def add(self, outcome: Outcome) -> None:
        self.spool.write(json.dumps(row(outcome), ensure_ascii=False) + "\n")

    def finish(self, summary: Summary) -> None:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("services")
        try:
            sheet.append(list(row_headers()))
            for line in self.spool.lines():
                sheet.append([_cell(sheet, value) for value in json.loads(line)])
            save_workbook(workbook, self.path)
        except OSError as error:
            raise write_failed(self.path, error) from None
        finally:
            self.spool.close()

    def abort(self) -> None:
        self.spool.close()


def _cell(sheet: Any, value: Any) -> Any:
    """Text stays text: control characters escaped (XML cannot hold them), never a formula."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, printable(value))
    cell.data_type = "s"
    return cell


def save_workbook(workbook: Workbook, path: Path) -> None:
    """Save atomically and reproducibly (same content, same bytes)."""
    workbook.properties.created = FIXED_TIME
    saved = io.BytesIO()
    workbook.save(saved)
    with binary_file(path) as stream:
        _write_reproducible(saved, stream)


def _write_reproducible(saved: io.BytesIO, stream: Any) -> None:
    """Copy a saved workbook with a fixed modification time and fixed zip member times."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(stream, "w") as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "docProps/core.xml":
                data = _MODIFIED.sub(lambda match: match.group(1) + stamp + match.group(2), data)
            info = zipfile.ZipInfo(member.filename, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = member.compress_type
            target.writestr(info, data)
