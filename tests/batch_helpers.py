"""Helpers for the batch tests: run the CLI, write portfolios in every input format."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from opsadvisor.batch.inputs import COLUMNS
from opsadvisor.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


def run_cli(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)


def bundled() -> list[dict[str, Any]]:
    """The bundled scenario documents, sorted by file name."""
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(SCENARIOS.glob("*.json"))]


def cells(document: dict[str, Any]) -> dict[str, str]:
    """A scenario document as a CSV/XLSX row, following the documented column mapping."""
    row: dict[str, str] = {}
    for column in COLUMNS:
        value: Any = document
        for key in column.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            continue
        if column == "integrations":
            value = [f"{i['system']}:{i['type']}{':sor' if i.get('system_of_record') else ''}" for i in value]
        elif column == "accepted_risks":
            value = [_acceptance_cell(a) for a in value]
        elif column == "decisions":
            value = [f"{p}.{c}={party}" for p, decided in value.items() for c, party in decided.items()]
        if isinstance(value, bool):
            value = str(value).lower()
        if isinstance(value, list):
            value = "; ".join(value) or "none"
        row[column] = str(value)
    return row


def write_csv(path: Path, documents: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS)
        writer.writeheader()
        for document in documents:
            writer.writerow(cells(document))
    return path


def write_xlsx(path: Path, documents: list[dict[str, Any]]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.worksheets[0]  # a new workbook's only sheet
    sheet.append(list(COLUMNS))
    for document in documents:
        row = cells(document)
        sheet.append([row.get(column) for column in COLUMNS])
    workbook.save(path)
    return path


def write_jsonl(path: Path, lines: list[Any]) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _acceptance_cell(acceptance: dict[str, str]) -> str:
    """An accepted risk as a CSV cell: risk|role=..|name=..|date=..|review_by=.., or the older risk:who:date."""
    if "role" not in acceptance:
        return f"{acceptance['risk']}:{acceptance['accepted_by']}" + (
            f":{acceptance['date']}" if "date" in acceptance else ""
        )
    keys = ("role", "name", "date", "review_by")
    return "|".join([acceptance["risk"], *(f"{key}={acceptance[key]}" for key in keys if key in acceptance)])
