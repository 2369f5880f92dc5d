"""Hostile input that must not hang or crash: endless streams, closed stdin, huge numbers, duplicate
columns, impossible paths, broken generated-doc markers, empty inputs, missing diff inputs."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from opsadvisor.authoring.catalogue import BEGIN
from opsadvisor.batch.inputs import COLUMNS
from opsadvisor.rulepack import default_rules_dir

from .hostile_helpers import PAYROLL, cli, crashed, opsadvisor

# --- endless input -------------------------------------------------------------------------------------


def _rule_test_reading_dev_zero(tmp_path: Path) -> list[str]:
    cases = tmp_path / "cases.yaml"
    cases.write_text("cases:\n  - name: endless\n    scenario: /dev/zero\n    expect: {model: A}\n")
    return ["rules", "test", str(cases)]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize(
    ("args", "stdin"),
    [(["assess", "/dev/zero"], None), (["assess", "-"], "/dev/zero"), (["explain", "-"], "/dev/zero"), (None, None)],
    ids=["scenario-file", "assess-stdin", "explain-stdin", "rule-test-scenario"],
)
def test_reading_an_endless_stream_stops_at_the_scenario_limit(tmp_path: Path, args, stdin) -> None:
    args = args or _rule_test_reading_dev_zero(tmp_path)
    with open(stdin or os.devnull, "rb") as source:
        # a 2 GB address-space cap turns reading without a limit into a quick failure, not a swapping machine
        result = opsadvisor(*args, stdin=source, preexec_fn=_cap_memory, timeout=60)
    assert result.returncode in (3, 4) if args[0] == "rules" else result.returncode == 3, result.stderr
    assert "larger than 5,000,000 bytes" in result.stderr and "Traceback" not in result.stderr


def _cap_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


@pytest.mark.no_faketime
@pytest.mark.parametrize("args", [["assess", "-"], ["explain", "-"], ["interview"]], ids=lambda a: a[0])
def test_a_closed_stdin_exits_2(args: list[str]) -> None:
    result = opsadvisor(*args, preexec_fn=lambda: os.close(0))
    assert result.returncode == 2, result.stderr
    assert "standard input is closed" in result.stderr and "Traceback" not in result.stderr


# --- portfolios ----------------------------------------------------------------------------------------


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_a_5000_digit_number_in_a_csv_makes_only_its_row_invalid(tmp_path: Path) -> None:
    portfolio = _csv(
        tmp_path / "p.csv", ["service.id", "service.name", "users"], [["a", "A", "9" * 5000], ["b", "B", "12"]]
    )
    result = cli("batch", portfolio, "--out", tmp_path / "r.csv", "--jobs", "1", "-q")
    assert result.exit_code == 3 and not crashed(result), result.output
    statuses = [row["status"] for row in csv.DictReader((tmp_path / "r.csv").open(newline=""))]
    assert statuses == ["invalid", "ok"]
    assert "$.users: expected a whole number" in result.output


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_duplicate_column_header_is_an_error_naming_both_columns(tmp_path: Path, suffix: str) -> None:
    header = ["service.id", "service.name", "ambition", "criticality", "ambition"]
    row = ["a", "A", "it_operated", "high", "business_operated"]
    path = tmp_path / f"p{suffix}"
    if suffix == ".csv":
        _csv(path, header, [row])
    else:
        from openpyxl import Workbook

        workbook = Workbook()
        workbook.active.append(header)
        workbook.active.append(row)
        workbook.save(path)
    result = cli("batch", path, "--jobs", "1", "-q")
    assert result.exit_code == 3, result.output
    assert 'columns 3 and 5 are both named "ambition"' in result.output


def _xlsx_header_only(path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(list(COLUMNS))
    workbook.save(path)


EMPTY_INPUTS = {
    "empty.jsonl": lambda path: path.write_text(""),
    "blank-lines.jsonl": lambda path: path.write_text("\n  \n"),
    "empty.json": lambda path: path.write_text(""),
    "empty-array.json": lambda path: path.write_text("[]"),
    "empty.csv": lambda path: path.write_text(""),
    "header-only.csv": lambda path: path.write_text(",".join(COLUMNS) + "\n"),
    "header-only.xlsx": _xlsx_header_only,
    "folder": lambda path: path.mkdir(),
}


@pytest.mark.parametrize("name", EMPTY_INPUTS)
def test_an_empty_input_has_no_entries_whatever_its_format(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    EMPTY_INPUTS[name](path)
    result = cli("batch", path, "--jobs", "1", "-q")
    assert result.exit_code == 3, result.output
    assert f"{path}: no entries" in result.output


def test_diff_on_a_missing_input_is_a_usage_error(tmp_path: Path) -> None:
    result = cli("diff", tmp_path / "missing.jsonl", "--base-rules", default_rules_dir(), "--jobs", "1")
    assert result.exit_code == 2, result.output
    assert "missing.jsonl: no such file or folder" in result.output


# --- paths ---------------------------------------------------------------------------------------------

LONG = "n" * 300


@pytest.mark.parametrize(
    "where",
    ["input", "batch-input", "--out", "--rules", "OPSADVISOR_RULES", "-o"],
)
def test_a_path_component_over_255_characters_exits_2_with_the_path(tmp_path: Path, where: str) -> None:
    long_path = tmp_path / LONG
    args, env = {
        "input": (["assess", f"{long_path}.json"], None),
        "batch-input": (["batch", f"{long_path}.jsonl", "-q"], None),
        "--out": (["batch", PAYROLL, "--out", f"{long_path}.csv", "-q", "--jobs", "1"], None),
        "--rules": (["assess", PAYROLL, "--rules", long_path], None),
        "OPSADVISOR_RULES": (["assess", PAYROLL], {"OPSADVISOR_RULES": str(long_path)}),
        "-o": (["workshop", PAYROLL, "-o", f"{long_path}.md"], None),
    }[where]
    result = cli(*args, env=env)
    assert result.exit_code == 2 and not crashed(result), (result.output, result.exception)
    assert LONG in result.output and "too long" in result.output


# --- the generated reference block ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [f"# Guide\n\n{BEGIN}\nold reference, no end marker\n".encode(), b"\xff\xfe not UTF-8 " + BEGIN.encode()],
    ids=["begin-without-end", "not-utf-8"],
)
def test_rules_docs_reference_refuses_a_broken_target_and_leaves_it(tmp_path: Path, content: bytes) -> None:
    target = tmp_path / "rules.md"
    target.write_bytes(content)
    result = cli("rules", "docs", "--reference", "-o", target)
    assert result.exit_code == 2 and not crashed(result), (result.output, result.exception)
    assert str(target) in result.output
    assert target.read_bytes() == content
