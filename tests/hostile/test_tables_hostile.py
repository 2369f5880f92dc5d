"""Decision tables as an attacker writes them: a workbook that expands without bound or carries entities,
a cell with a control character or of a megabyte, a cell a spreadsheet would run as a formula, and rows
whose gaps and overlaps would take exponential work to work out."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest

from opsadvisor import api

from .hostile_helpers import PAYROLL, cli, crashed, opsadvisor, sheet_xml
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


SYNTAX_CSV = """table,acme.syntax
title,Cells of every kind
rationale,Cells that start as a formula would.
source,"practice, a test"
hit_policy,collect
input,input,input,output,row
users,criticality,regulations,next_step,id
>= 500,-,-,"=HYPERLINK(""http://evil.example"")",acme.big
[100..500),>= high,sox,+1 reviewer for {service.name},
<= 10,<= medium,"not sox, dora",@security: review {service.name},
< 100,not critical,contains_any: sox,- nothing to do -,
-,-,-,-,
"""
PREFIXED = {
    '\'=HYPERLINK("http://evil.example")',
    "'+1 reviewer for {service.name}",
    "'@security: review {service.name}",
}
PREFIXED |= {"'- nothing to do -", "'-"}  # an any-value cell is one a spreadsheet would run too


def _cells(path: Path) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))) for cell in row]


def _rules_of(path: Path) -> list[tuple[str, str, object]]:
    rules = api.rule_pack([path.parent]).rules
    return [(rule.id, rule.when.describe(), rule.concluded) for rule in rules if rule.table == "acme.syntax"]


@pytest.mark.parametrize("through", ["xlsx", "yaml"])
def test_a_table_converted_to_csv_keeps_its_rules_and_only_formula_cells_are_prefixed(
    tmp_path: Path, through: str
) -> None:
    names = ("source/syntax.csv", f"a/syntax.{through}", "one/syntax.csv", "b/syntax.xlsx", "two/syntax.csv")
    source, between, first, workbook, second = (tmp_path / name for name in names)
    for path in (source, between, first, workbook, second):
        path.parent.mkdir()
    source.write_text(SYNTAX_CSV, encoding="utf-8")
    for origin, target in ((source, between), (between, first), (first, workbook), (workbook, second)):
        api.convert_table(origin, target.suffix[1:], target)
    written = _cells(first)
    assert {cell for cell in written if cell.startswith("'")} == PREFIXED
    assert {">= 500", "[100..500)", "<= 10", "< 100", ">= high", "<= medium", "not sox, dora"} <= set(written)
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")  # CSV -> XLSX -> CSV
    expected = _rules_of(source)
    assert len(expected) == 5 and _rules_of(between) == _rules_of(first) == _rules_of(second) == expected


# --- what a sheet claims and what it holds -----------------------------------------------------------------


def _far_cell(reference: str) -> str:
    """A row holding one cell, at `reference` (XFD20: column 16,384 of row 20)."""
    row = reference.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return f'<row r="{row}"><c r="{reference}" t="inlineStr"><is><t>x</t></is></c></row>'


TABLE_ROWS = list(csv.reader(io.StringIO(TABLE_CSV.format(step="Plan for a big service."))))


@pytest.mark.parametrize(
    "dimension",
    ['<dimension ref="A1:XFD1048576"/>', '<dimension ref="A1:B2"/>'],
    ids=["claims-16384-columns-and-a-million-rows", "claims-two-rows"],
)
def test_a_table_sheet_is_read_as_it_holds_whatever_size_it_claims(
    tmp_path: Path, table_workbook: Path, dimension: str
) -> None:
    rules = tmp_path / "claims"
    rules.mkdir()
    _workbook_with_sheet(rules / "size.xlsx", table_workbook, sheet_xml(TABLE_ROWS, dimension))
    result = opsadvisor("rules", "show", "acme.size", "--rules", rules, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "hit policy first · 2 rows" in result.stdout


@pytest.mark.parametrize(
    ("far", "said"),
    [
        ("XFD20", "size.xlsx:20: error: more than 256 columns"),
        ("A1048576", "size.xlsx:10001: error: more than 10,000 rows"),
    ],
    ids=["column-16384", "row-1048576"],
)
def test_a_table_sheet_with_a_cell_beyond_what_a_table_may_have_is_refused(
    tmp_path: Path, table_workbook: Path, far: str, said: str
) -> None:
    rules = tmp_path / "far"
    rules.mkdir()
    _workbook_with_sheet(rules / "size.xlsx", table_workbook, sheet_xml(TABLE_ROWS, after=_far_cell(far)))
    result = opsadvisor("rules", "check", rules, timeout=60)
    assert result.returncode == 4, result.stdout + result.stderr
    assert said in result.stdout


def test_a_table_sheet_named_with_a_control_character_is_refused(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "size\x9b2J"
    for row in TABLE_ROWS:
        workbook.active.append(row)
    workbook.create_sheet("other")
    rules = tmp_path / "rules"
    rules.mkdir()
    workbook.save(rules / "size.xlsx")
    for command in (["rules", "check", rules], ["assess", PAYROLL, "--rules", rules]):
        result = cli(*command)
        assert result.exit_code == 4, result.output
        assert "size.xlsx" in result.output
        assert "sheet 1: its name: a text holds the control character \\x9b at position 5" in result.output
        assert "\x9b" not in result.output


# --- generated tables ---------------------------------------------------------------------------------

FLAGS = (
    "vendor_run",
    "data.personal_data",
    *(f"dora.{name}" for name in ("critical_function", "register_entry", "exit_strategy", "contract_clauses")),
    *(f"sox.{name}" for name in ("soc1_report", "key_controls_owner", "cuecs_owned")),
    *(f"gdpr.{name}" for name in ("dpa", "processing_record", "high_risk", "dpia", "transfers_outside_eea")),
    *(f"security.{name}" for name in ("sso_mfa", "central_logging", "vulnerability_management")),
    *(f"exit.{name}" for name in ("data_portability", "escrow", "termination_assistance")),
    *(f"low_code.{name}" for name in ("dlp_policy", "environments", "support_owner")),
)
# Every input splits in two: (cell, what `rules check` says of the cases it holds) for each side.
SIDES = {
    **{flag: (("true", f"{flag} equals true"), ("false", f"{flag} equals false")) for flag in FLAGS},
    **{
        number: (("< 100", f"{number} lt 100"), (">= 100", f"{number} gte 100"))
        for number in ("users", "integrations", "expected_benefits", "system_of_record_integrations")
    },
    "criticality": (("<= medium", "criticality at_most medium"), (">= high", "criticality at_least high")),
}
INPUTS = tuple(SIDES)  # 30

Row = dict[str, int]  # input -> side (0 or 1); an input not in it is `-`


def _partition(inputs: tuple[str, ...], count: int, rng: random.Random) -> list[Row]:
    """`count` rows that split the inputs' cases as a decision tree does: no two overlap, none is missing."""
    leaves: list[Row] = [{}]
    while len(leaves) < count:
        leaf = leaves.pop(rng.randrange(len(leaves)))
        fact = rng.choice([fact for fact in inputs if fact not in leaf])
        leaves += [{**leaf, fact: 0}, {**leaf, fact: 1}]
    return leaves


def _random_rows(inputs: tuple[str, ...], count: int, rng: random.Random) -> list[Row]:
    """Rows of random cells, each input tested in 40% of them: they overlap in every way."""
    return [{fact: rng.randrange(2) for fact in inputs if rng.random() < 0.4} for _ in range(count)]


def _write_table(folder: Path, policy: str, inputs: tuple[str, ...], rows: list[Row]) -> Path:
    folder.mkdir(exist_ok=True)
    head = [
        ["table", "acme.generated"],
        ["title", "A generated table"],
        ["rationale", "Hostile input"],
        ["source", "practice, generated"],
        ["hit_policy", policy],
        ["input"] * len(inputs) + ["output"],
        [*inputs, "next_step"],
    ]
    body = [
        [*(SIDES[fact][row[fact]][0] if fact in row else "-" for fact in inputs), f"Step {number}"]
        for number, row in enumerate(rows, 1)
    ]
    path = folder / "table.csv"
    with path.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream, lineterminator="\n").writerows([*head, *body])
    return folder


def _described(row: Row) -> str:
    return " and ".join(SIDES[fact][row[fact]][1] for fact in INPUTS if fact in row)


# --- the gap analysis and the rows' overlaps end, whatever the table ---------------------------------


@pytest.mark.slow
def test_a_gap_of_a_valid_table_of_30_columns_and_1000_rows_is_found_within_a_minute(tmp_path: Path) -> None:
    rows = _partition(INPUTS, 1000, random.Random(7))
    missing = rows.pop(500)
    full = opsadvisor("rules", "check", _write_table(tmp_path / "full", "unique", INPUTS, [*rows, missing]))
    assert full.returncode == 0 and "no problems found" in full.stdout, full.stdout + full.stderr
    result = opsadvisor("rules", "check", _write_table(tmp_path / "gap", "unique", INPUTS, rows), timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        f"{tmp_path}/gap/table.csv:1: warning [acme.generated]: gap (unique): no row matches 1 input combination:",
        f"  - {_described(missing)}",
    ]


def test_a_gap_analysis_that_would_take_too_long_says_it_is_incomplete_and_lists_what_it_found(tmp_path: Path) -> None:
    folder = _write_table(tmp_path / "t", "first", INPUTS[:20], _random_rows(INPUTS[:20], 60, random.Random(3)))
    result = opsadvisor("rules", "check", folder, timeout=60)
    assert "Traceback" not in result.stderr
    warning = next(line for line in result.stdout.splitlines() if "gap (first)" in line)
    assert "gap analysis incomplete after" in warning and "so far, no row matches" in warning, warning
    assert "  ... and " in result.stdout  # more gaps than it lists


def test_a_row_the_rows_before_it_cut_into_too_many_pieces_is_refused_naming_it(tmp_path: Path) -> None:
    folder = _write_table(tmp_path / "t", "first", INPUTS, _random_rows(INPUTS, 100, random.Random(5)))
    result = opsadvisor("assess", PAYROLL, "--rules", folder, timeout=60)
    assert result.returncode == 4, result.stderr
    assert f"{folder}/table.csv:" in result.stderr
    assert "the rows before it cut what is left to it into more than 256 pieces" in result.stderr


@pytest.mark.slow
def test_a_table_whose_rows_overlap_in_too_many_ways_is_refused_within_a_minute(tmp_path: Path) -> None:
    folder = _write_table(tmp_path / "t", "first", INPUTS, _random_rows(INPUTS, 400, random.Random(5)))
    result = opsadvisor("rules", "check", folder, timeout=60)
    assert result.returncode == 4, result.stderr
    assert "the rows overlap in too many ways to work out which cases are left to each: gave up at row" in result.stdout


def test_a_table_whose_rows_all_overlap_names_the_first_hundred_pairs_and_counts_the_rest(tmp_path: Path) -> None:
    result = opsadvisor("rules", "check", _write_table(tmp_path / "t", "unique", INPUTS[:2], [{}] * 200))
    assert result.returncode == 4, result.stderr
    pairs = [line for line in result.stdout.splitlines() if "both match every case (hit policy unique" in line]
    assert len(pairs) == 100 and "rows 1 and 2 both match" in pairs[0]
    assert "19,800 more pairs of rows overlap as hit policy unique forbids" in result.stdout  # 200 * 199 / 2 - 100
