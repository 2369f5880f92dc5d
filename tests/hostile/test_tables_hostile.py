"""Decision tables as an attacker writes them: a workbook that expands without bound or carries entities,
a cell with a control character or of a megabyte, and a cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from opsadvisor import api

from .hostile_helpers import PAYROLL, cli, crashed, opsadvisor
from .test_injection import LAUGHS, XXE, _workbook_with_sheet

TABLE_CSV = """table,acme.size
title,How big a service is
rationale,Users make a service big.
hit_policy,first
input,output
users,next_step
>= 500,{step}
-,Keep it small.
"""


def _rules(tmp_path: Path, step: str = "Plan for a big service.") -> Path:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / "size.csv").write_text(TABLE_CSV.format(step=step), encoding="utf-8")
    return folder


@pytest.fixture
def table_workbook(tmp_path: Path) -> Path:
    """A valid decision table as XLSX, converted from the CSV table."""
    api.convert_table(_rules(tmp_path) / "size.csv", "xlsx", tmp_path / "size.xlsx")
    return tmp_path / "size.xlsx"


@pytest.mark.slow
@pytest.mark.parametrize("sheet", [LAUGHS.encode(), XXE.encode(), None], ids=["billion-laughs", "xxe", "zip-bomb"])
def test_a_hostile_table_workbook_cannot_be_read_exit_4(
    tmp_path: Path, table_workbook: Path, sheet: bytes | None
) -> None:
    rules = tmp_path / "hostile"
    rules.mkdir()
    _workbook_with_sheet(rules / "size.xlsx", table_workbook, sheet)
    for command in (["rules", "check", rules], ["assess", PAYROLL, "--rules", rules]):
        result = opsadvisor(*command, timeout=60)
        said = result.stdout + result.stderr  # rules check reports on stdout, assess on stderr
        assert result.returncode == 4, said
        assert "cannot read the workbook" in said and "Traceback" not in said
        if sheet is None:
            assert "at most 16,777,216 allowed" in said


def test_a_valid_table_workbook_still_reads(tmp_path: Path, table_workbook: Path) -> None:
    rules = tmp_path / "xlsx-rules"
    rules.mkdir()
    table_workbook.rename(rules / "size.xlsx")
    result = cli("rules", "check", rules)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("hostile", ["\x1b]0;pwned\x07", "\x1b[2J", "\x9b31m"], ids=["osc-title", "clear", "c1-csi"])
def test_a_table_cell_with_a_control_character_is_refused_naming_row_and_column(tmp_path: Path, hostile: str) -> None:
    rules = _rules(tmp_path, step=f"Plan{hostile} big.")
    for command in (["rules", "check", rules], ["assess", PAYROLL, "--rules", rules]):
        result = cli(*command)
        assert not crashed(result) and result.exit_code == 4, result.output
        assert "size.csv:7:" in result.output and "column 2: a text holds the control character" in result.output
        assert "\x1b" not in result.output and "\x07" not in result.output and "\x9b" not in result.output


def test_an_over_long_table_cell_is_refused(tmp_path: Path) -> None:
    result = cli("rules", "check", _rules(tmp_path, step="x" * 20_000))
    assert result.exit_code == 4, result.output
    assert "size.csv:7: error: column 2: a cell of 20,000 characters; at most 10,000" in result.output


def test_convert_to_csv_neutralises_formula_cells_and_reads_them_back(tmp_path: Path) -> None:
    source = _rules(tmp_path, step="=CMD()") / "size.csv"
    converted = tmp_path / "out" / "size.csv"
    converted.parent.mkdir()
    yaml_copy = tmp_path / "size.yaml"
    api.convert_table(source, "yaml", yaml_copy)
    assert cli("rules", "table", "convert", yaml_copy, "--to", "csv", "-o", converted).exit_code == 0
    cells = [cell for row in csv.reader(io.StringIO(converted.read_text(encoding="utf-8"))) for cell in row]
    assert "'=CMD()" in cells and "'-" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    before, after = (api.rule_pack([path.parent]) for path in (source, converted))
    assert [(rule.id, rule.when.describe(), rule.concluded) for rule in before.rules if rule.table] == [
        (rule.id, rule.when.describe(), rule.concluded) for rule in after.rules if rule.table
    ]
