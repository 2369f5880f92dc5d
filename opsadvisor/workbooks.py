"""Opening an XLSX workbook someone else wrote: its XML parsed by defusedxml (no DTD, no entities: no
billion laughs, no XXE), its parts allowed to expand to a bounded size (no zip bomb), and the size each
sheet claims (its <dimension>) ignored: openpyxl would pad every row read to that width and yield empty
rows up to that height (a few bytes claiming 16,384 columns and a million rows are hours of empty cells),
and drop the rows beyond it (a sheet claiming less than it holds would lose rows). The batch's portfolio
reader and the decision-table reader open workbooks here, each with its own bound."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any


def open_workbook(source: Path | bytes, max_expanded: int) -> Any:
    """The workbook, read-only with values; ValueError saying why when defusedxml is not in use or the
    parts would expand beyond `max_expanded` bytes (the sizes the archive declares are enforced as it is read)."""
    import openpyxl

    if not openpyxl.DEFUSEDXML:
        raise ValueError("defusedxml is not in use (is OPENPYXL_DEFUSEDXML set to False?)")
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    with zipfile.ZipFile(stream) as archive:
        expanded = sum(member.file_size for member in archive.infolist())
    if expanded > max_expanded:
        raise ValueError(f"its parts expand to {expanded:,} bytes; at most {max_expanded:,} allowed")
    if isinstance(stream, io.BytesIO):
        stream.seek(0)
    workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    for sheet in workbook.worksheets:
        sheet.reset_dimensions()
    return workbook
