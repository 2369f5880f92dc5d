"""The drift heat map of a batch with records (issue 28), for the HTML page and the XLSX workbook.

Drifts by support process (rows, in matrix order) and the party that did the work in practice
(columns: IT OPS, IT Delivery, Business, Vendor, and the drifts that name no party), each cell shaded by
its share of the largest, as the page's accountability heat map is. Read from the drift kind's tally,
so it is there only when the batch read records; the terminal and Markdown summaries have the same
table, unshaded (kinds/drift.py, heat_map).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...kinds.drift import heat_map
from ..summary import Summary

LEVELS = 4
# The fills of the XLSX cells by level, as portfolio.css shades `.heat td.l0` .. `.l4`.
FILLS = ("FFFFFF", "EBF4FF", "C3DAFE", "A3BFFA", "7F9CF5")


@dataclass(frozen=True)
class DriftHeat:
    headers: list[str]
    rows: list[tuple[str, list[tuple[int, int]], int]]  # process, (count, level) per party, total
    services: int  # with records
    drifting: int  # with a drift
    drifts: int


def drift_heat(summary: Summary, process_names: dict[str, str]) -> DriftHeat | None:
    """The heat map of the summary's drifts, or None when the batch read no records."""
    tally = summary.tallies.get("drift")
    if tally is None or not tally.services_with_evidence:
        return None
    table = heat_map(tally, process_names)
    counts = [[cell or 0 for cell in row[1:-1]] for row in table.rows]
    top = max((count for row in counts for count in row), default=0) or 1
    rows = [
        (str(row[0]), [(count, round(LEVELS * count / top)) for count in cells], int(row[-1]))
        for row, cells in zip(table.rows, counts, strict=True)
    ]
    return DriftHeat(
        table.headers, rows, tally.services_with_evidence, tally.services_with_drift, sum(tally.by_id.values())
    )


def add_drift_sheet(workbook: Any, summary: Summary, process_names: dict[str, str]) -> None:
    """A **Drift** sheet: the heat map, shaded (nothing when the batch read no records)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    found = drift_heat(summary, process_names)
    if found is None:
        return
    sheet = workbook.create_sheet("Drift")
    sheet.column_dimensions["A"].width = 40
    bold = Font(bold=True)

    def text(value: str, font: Any = None) -> Any:
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        if font is not None:
            cell.font = font
        return cell

    sheet.append(
        [text(f"{found.drifting} of {found.services} services with records drift; {found.drifts} drifts", bold)]
    )
    sheet.append([text(header, bold) for header in found.headers])
    for process, cells, total in found.rows:
        shaded = []
        for count, level in cells:
            cell = WriteOnlyCell(sheet, count or None)
            cell.fill = PatternFill("solid", fgColor=FILLS[level])
            if level == LEVELS:
                cell.font = Font(color="FFFFFF")
            shaded.append(cell)
        sheet.append([text(process), *shaded, total])
