"""Opening an XLSX workbook someone else wrote: its XML parsed by defusedxml (no DTD, no entities: no
billion laughs, no XXE), and its parts allowed to expand to a bounded size (no zip bomb). The batch's
portfolio reader and the decision-table reader open workbooks here, each with its own bound."""

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
    return openpyxl.load_workbook(stream, read_only=True, data_only=True)
