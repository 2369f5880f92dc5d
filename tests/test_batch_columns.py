"""The batch tables (CSV, XLSX, Markdown): each value lands under its own header."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from .batch_helpers import run_cli, write_jsonl
from .helpers import scenario

# a conflict (contract_ownership), a pending risk and an accepted one
DOCUMENT = {
    **scenario(
        ambition="business_operated",
        contract_owner="it",
        criticality="high",
        data={"personal_data": True},
        accepted_risks=[
            {"risk": "personal-data-outside-it", "role": "business_owner", "name": "Jo", "date": "2026-11-01"}
        ],
    ),
    "service": {"id": "crm", "name": "CRM"},
}
EXPECTED = {
    "id": "crm",
    "name": "CRM",
    "status": "ok",
    "model": "B",
    "conflicts": "model_fit",
    "pending_risks": "business-operated-critical-service;continuity-outside-it",
}


def batch_report(tmp_path: Path, suffix: str) -> Path:
    out = tmp_path / f"out{suffix}"
    inputs = write_jsonl(tmp_path / "in.jsonl", [DOCUMENT])
    result = run_cli("batch", inputs, "--jobs", "1", "-q", "--out", out, "--as-of", "2026-12-01")
    assert result.exit_code == 0, result.output
    return out


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def xlsx_rows(path: Path) -> list[dict[str, str]]:
    from openpyxl import load_workbook

    headers, *rows = load_workbook(path, read_only=True)["Services"].iter_rows(values_only=True)
    return [{str(h): "" if v is None else str(v) for h, v in zip(headers, row, strict=True)} for row in rows]


def markdown_rows(path: Path) -> list[dict[str, str]]:
    services = path.read_text(encoding="utf-8").split("\n## Services\n")[1]
    lines = [line.strip().strip("|").split("|") for line in services.splitlines() if line.startswith("|")]
    headers, _, *rows = ([cell.strip() for cell in line] for line in lines)
    return [dict(zip(headers, row, strict=True)) for row in rows]


@pytest.mark.parametrize(
    ("suffix", "read"),
    [(".csv", csv_rows), (".xlsx", xlsx_rows), (".md", markdown_rows)],
    ids=["csv", "xlsx", "markdown"],
)
def test_each_value_is_under_its_header(
    tmp_path: Path, suffix: str, read: Callable[[Path], list[dict[str, str]]]
) -> None:
    (row,) = read(batch_report(tmp_path, suffix))
    assert {header: row[header] for header in EXPECTED} == EXPECTED


COLUMNS = [
    "location",
    "id",
    "name",
    "status",
    "model",
    "mode",
    "conflicts",
    "pending_risks",
    "governance_areas",
    "open_decisions",
    "drifts",
    "error",
]


@pytest.mark.parametrize(
    ("suffix", "read"),
    [(".csv", csv_rows), (".xlsx", xlsx_rows), (".md", markdown_rows)],
    ids=["csv", "xlsx", "markdown"],
)
def test_the_columns_keep_their_documented_order(
    tmp_path: Path, suffix: str, read: Callable[[Path], list[dict[str, str]]]
) -> None:
    """Spreadsheets and scripts read the columns by position too: their order is part of the contract."""
    (row,) = read(batch_report(tmp_path, suffix))
    assert [header for header in row if header != "#"] == COLUMNS  # Markdown numbers the rows first
