"""The XLSX portfolio template: a Services sheet to fill in, an Example sheet and an Instructions sheet.

Only the first sheet of a workbook is read as a portfolio, so the example beside it is never
assessed. Every vocabulary column offers its values in a drop-down; other words the vocabulary
accepts (labels, synonyms) are allowed with a warning, not refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..contract import FIELD, Choice, Flag, ListOf
from ..xlsx_style import BOLD, fit_widths, save_workbook, style_header

FIRST_ROWS = 2000  # the rows a drop-down covers
INSTRUCTIONS = (
    "How to fill in this portfolio",
    "",
    "One service per row of the Services sheet; only that sheet is read (the Example sheet shows a filled-in row).",
    "service.id and service.name are required; leave a cell empty when the answer is not known (an open question).",
    "Columns with a drop-down take one of its values; their labels (Business operated, PCI DSS, High) work too.",
    "Lists (regulations, business_capabilities, expected_benefits) are separated by ';'. Write none for an empty list.",
    "Yes/no columns take yes, no, true, false, 1 or 0.",
    "integrations: system:type, or system:type:sor when it touches a system of record (ERP:api:sor; CRM:file).",
    "decisions: process.column=party, e.g. request.application=business; request.performed_by=vendor.",
    "Assess it: opsadvisor batch THIS_FILE.xlsx --out report.xlsx --out report.html (opsadvisor docs batch).",
)


def _choices(column: str) -> tuple[str, ...]:
    """The values a column's drop-down offers: a vocabulary, yes/no, or none."""
    node = FIELD[column].node()
    if isinstance(node, Choice):
        return node.values
    if isinstance(node, ListOf) and isinstance(node.item, Choice):
        return node.item.values
    if isinstance(node, Flag):
        return ("true", "false")
    return ()


def write_workbook(target: Path, columns: Sequence[str], example: Sequence[str]) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    services = workbook.worksheets[0]  # a new workbook's only sheet
    services.title = "Services"
    services.append(list(columns))
    style_header(services)
    for index, column in enumerate(columns, 1):
        values = _choices(column)
        if not values:
            continue
        letter = get_column_letter(index)
        check = DataValidation(type="list", formula1='"' + ",".join(values) + '"', errorStyle="warning")
        check.error = f"Expected one of {', '.join(values)} (or a label the vocabulary knows)"
        check.prompt = f"{column}: {', '.join(values)}"
        check.add(f"{letter}2:{letter}{FIRST_ROWS}")
        services.add_data_validation(check)
    fit_widths(services, [list(columns)])
    sample = workbook.create_sheet("Example")
    sample.append(list(columns))
    sample.append(list(example))
    style_header(sample)
    fit_widths(sample, [list(columns), list(example)])
    notes = workbook.create_sheet("Instructions")
    for line in INSTRUCTIONS:
        notes.append([line])
    notes["A1"].font = BOLD
    notes.column_dimensions["A"].width = 110
    save_workbook(workbook, target)
