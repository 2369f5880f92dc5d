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
from ...text import printable
from ..summary import Summary

LEVELS = 4
# The fills of the XLSX cells by level, as portfolio.css shades `.heat td.l0` .. `.l4` (the last in white text).
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


def add_drift_sheet(workbook: Any, summary: Summary, process_names: dict[str, str], bold: Any) -> None:
    """A **Drift** sheet of an XlsxWriter workbook: the heat map, shaded (nothing when the batch read no
    records). `bold` is the workbook's header format."""
    found = drift_heat(summary, process_names)
    if found is None:
        return
    sheet = workbook.add_worksheet("Drift")
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, len(found.headers) - 1, 12)
    fills = [workbook.add_format({"bg_color": f"#{fill}"}) for fill in FILLS]
    fills[LEVELS].set_font_color("#FFFFFF")
    title = f"{found.drifting} of {found.services} services with records drift; {found.drifts} drifts"
    sheet.write_string(0, 0, title, bold)
    sheet.write_row(1, 0, [printable(header) for header in found.headers], bold)
    for line, (process, cells, total) in enumerate(found.rows, 2):
        sheet.write_string(line, 0, printable(process))
        for column, (count, level) in enumerate(cells, 1):
            if count:
                sheet.write_number(line, column, count, fills[level])
            else:
                sheet.write_blank(line, column, None, fills[0])
        sheet.write_number(line, len(cells) + 1, total)
