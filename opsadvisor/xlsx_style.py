"""XLSX workbooks as opsadvisor writes them (the portfolio report, its template, converted decision
tables): bold frozen headers, fitted column widths, and a reproducible save.

openpyxl stamps the save time into the workbook properties and every zip member; both are fixed
here so that the same content gives a byte-identical workbook.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl.styles import Font

from .files import binary_file

if TYPE_CHECKING:
    from openpyxl import Workbook

FIXED_TIME = datetime.datetime(2000, 1, 1)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
BOLD = Font(bold=True)
MAX_WIDTH = 60


def style_header(sheet: Any) -> None:
    """A normal (not write-only) sheet's first row bold and frozen."""
    for cell in sheet[1]:
        cell.font = BOLD
    sheet.freeze_panes = "A2"


def fit_widths(sheet: Any, rows: Sequence[Sequence[Any]]) -> None:
    """A normal sheet's columns as wide as their longest value (within limits)."""
    from openpyxl.utils import get_column_letter

    for index in range(max((len(values) for values in rows), default=0)):
        longest = max(len(str(values[index])) for values in rows if index < len(values))
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(max(longest, 6) + 2, MAX_WIDTH)


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
