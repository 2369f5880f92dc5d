"""Hostile text that must not become a formula, a split row, a terminal escape, a live link, or
rules other than the files' own; hostile workbooks that must not expand."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from opsadvisor.batch.inputs import write_template

from .hostile_helpers import (
    CONTROL_CHARACTERS,
    PAYROLL,
    cli,
    crashed,
    document,
    opsadvisor,
    sheet_xml,
    write_json,
    write_jsonl,
)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP: what a spreadsheet may run as a formula

# --- CSV and XLSX cells --------------------------------------------------------------------------------


@pytest.mark.parametrize("start", FORMULA_START, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_a_csv_cell_that_would_start_a_formula_is_neutralised(tmp_path: Path, start: str) -> None:
    name = f'{start}HYPERLINK("http://evil")'
    portfolio = write_jsonl(tmp_path / "p.jsonl", [document(name, f"{start}id")])
    cli("batch", portfolio, "--out", tmp_path / "r.csv", "--jobs", "1", "-q")
    rows = list(csv.reader(io.StringIO((tmp_path / "r.csv").read_text(), newline="")))
    cells = [cell for row in rows[1:] for cell in row]
    assert len(rows) == 2 and not [cell for cell in cells if cell.startswith(FORMULA_START)]


@pytest.mark.parametrize("brk", ["\n", "\r", "\r\n"], ids=["lf", "cr", "crlf"])
def test_a_line_break_inside_a_value_never_splits_a_csv_row(tmp_path: Path, brk: str) -> None:
    portfolio = write_jsonl(tmp_path / "p.jsonl", [document(f"first{brk}second"), document("plain", "svc-2")])
    cli("batch", portfolio, "--out", tmp_path / "r.csv", "--jobs", "1", "-q")
    rows = list(csv.reader(io.StringIO((tmp_path / "r.csv").read_text(), newline="")))
    assert len(rows) == 3 and {len(row) for row in rows} == {len(rows[0])}
    assert rows[1][2].startswith("first") and rows[1][2].endswith("second")


def test_xlsx_keeps_formula_text_as_text(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    portfolio = write_jsonl(tmp_path / "p.jsonl", [document("=1+1")])
    assert cli("batch", portfolio, "--out", tmp_path / "r.xlsx", "--jobs", "1", "-q").exit_code == 0
    cell = load_workbook(tmp_path / "r.xlsx")["Services"]["C2"]
    assert (cell.value, cell.data_type) == ("=1+1", "s")


def test_a_control_character_in_a_name_never_crashes_the_xlsx_writer(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    portfolio = write_jsonl(tmp_path / "p.jsonl", [document("bell\x07 escape\x1b[2J"), document("fine", "svc-2")])
    outputs = [tmp_path / name for name in ("r.xlsx", "r.csv", "r.md")]
    result = cli("batch", portfolio, *(arg for out in outputs for arg in ("--out", out)), "--jobs", "1", "-q")
    assert result.exit_code == 3 and not crashed(result), result.output  # the named entry is invalid
    assert all(out.exists() for out in outputs)
    assert load_workbook(outputs[0])["Services"]["C2"].value == "bell\\x07 escape\\x1b[2J"


# --- control characters and lone surrogates -------------------------------------------------------------


@pytest.mark.parametrize("character", CONTROL_CHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
def test_a_control_character_in_scenario_text_is_refused_naming_the_field(tmp_path: Path, character: str) -> None:
    path = write_json(tmp_path / "s.json", document(f"name{character}]52;c;ZXZpbA==\x07"))
    result = cli("assess", path)
    assert result.exit_code == 3, result.output
    assert "$.service.name: expected text without control characters; found string" in result.output
    assert not any(c in result.output for c in CONTROL_CHARACTERS)


def test_an_error_message_never_carries_a_control_character_to_the_terminal(tmp_path: Path) -> None:
    path = write_json(tmp_path / "s.json", document(ambition="\x9b2J\x1b]0;owned\x07"))
    result = cli("assess", path)
    assert result.exit_code == 3
    assert not any(c in result.output for c in CONTROL_CHARACTERS)
    assert "\\x9b2J" in result.output


@pytest.mark.parametrize("command", ["assess", "explain", "workshop"])
def test_a_lone_surrogate_in_a_name_exits_3_with_a_message(tmp_path: Path, command: str) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(document("x")).replace('"x"', '"x\\ud800"'))
    result = cli(command, path)
    assert result.exit_code == 3 and not crashed(result), result.output
    assert "$.service.name: expected valid Unicode text" in result.output and "\\ud800" in result.output


# --- Markdown -------------------------------------------------------------------------------------------

EVIL = "![pixel](http://evil.example/p.png) [click](http://evil.example) `code` <img src=x>"


def _no_live_markdown(text: str) -> None:
    """No link (an unescaped `](`), image, code span or HTML: `(` after an escaped `\\]` is plain text."""
    assert not re.search(r"(?<!\\)\]\(http", text) and "<img" not in text and "`code`" not in text and "![" not in text


@pytest.mark.parametrize("command", ["assess", "workshop", "batch"])
def test_markdown_output_cannot_become_a_link_an_image_or_code(tmp_path: Path, command: str) -> None:
    path = write_json(tmp_path / "s.json", document(EVIL, ambition="mixed"))
    if command == "batch":
        cli("batch", path, "--out", tmp_path / "r.md", "--jobs", "1", "-q")
        text = (tmp_path / "r.md").read_text()
    else:
        text = cli(command, path, *(["--format", "markdown"] if command == "assess" else [])).output
    assert "pixel" in text
    _no_live_markdown(text)


# --- the YAML parse cache --------------------------------------------------------------------------------


def _assess_json(cache: Path) -> dict:
    result = opsadvisor("assess", PAYROLL, "--format", "json", env={"OPSADVISOR_CACHE_DIR": str(cache)})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _tamper(entry: Path) -> None:
    entry.write_bytes(entry.read_bytes().replace(b"ambition.it-operated", b"ambition.tampered"))


def _swap(entry: Path) -> None:
    others = sorted(path for path in entry.parent.iterdir() if path != entry)
    entry.write_bytes(others[0].read_bytes())  # an entry, but of other bytes


@pytest.mark.parametrize("damage", [_tamper, _swap], ids=["tampered", "another-files-entry"])
def test_a_damaged_cache_entry_cannot_change_what_runs(tmp_path: Path, damage) -> None:
    cache = tmp_path / "cache"
    clean = _assess_json(cache)
    entries = sorted(cache.iterdir())
    assert entries
    for entry in entries:
        if b"ambition.it-operated" in entry.read_bytes():
            damage(entry)
    assert _assess_json(cache) == clean  # same conclusions, same rules_version


ALIAS_BOMB = "\n".join(
    ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    + [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 10)]
    + ["rules:", "  - id: bomb.rule", "    title: t", "    when: {ambition: mixed}", "    then: [{next_step: *a9}]", ""]
)


@pytest.mark.parametrize("cache", ["on", "off"])
def test_an_alias_bomb_in_a_rule_file_exits_4(tmp_path: Path, cache: str) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bomb.yaml").write_text(ALIAS_BOMB)
    env = {"OPSADVISOR_CACHE_DIR": str(tmp_path / "cache") if cache == "on" else ""}
    result = opsadvisor("assess", PAYROLL, "--rules", rules, env=env, timeout=60)
    assert result.returncode == 4, result.stderr
    assert "aliases are not allowed" in result.stderr


# --- hostile workbooks ------------------------------------------------------------------------------------

SHEET = "xl/worksheets/sheet1.xml"
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10))
    + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
)
XXE = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>'
)


def _workbook_with_sheet(path: Path, template: Path, sheet: bytes | None) -> Path:
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if member.filename == SHEET and sheet is None:
                _write_bomb(target)
            else:
                target.writestr(member, sheet if member.filename == SHEET and sheet else source.read(member))
    return path


def _write_bomb(target: zipfile.ZipFile) -> None:
    """A sheet of 300 MB of empty rows that deflates to well under 1 MB."""
    block = b"<row/>" * 100_000
    with target.open(zipfile.ZipInfo(SHEET), "w", force_zip64=True) as stream:
        stream.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
        for _ in range(500):
            stream.write(block)
        stream.write(b"</sheetData></worksheet>")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / "template.xlsx"
    write_template(path)
    return path


@pytest.mark.parametrize("sheet", [LAUGHS.encode(), XXE.encode(), None], ids=["billion-laughs", "xxe", "zip-bomb"])
def test_a_hostile_workbook_cannot_be_read_exit_3(tmp_path: Path, template: Path, sheet: bytes | None) -> None:
    workbook = _workbook_with_sheet(tmp_path / "hostile.xlsx", template, sheet)
    result = opsadvisor("batch", workbook, "--jobs", "1", "-q", timeout=60)
    assert result.returncode == 3, result.stderr
    assert "cannot read the workbook" in result.stderr and "Traceback" not in result.stderr
    assert "root:" not in result.stderr


@pytest.mark.parametrize(
    "dimension",
    ['<dimension ref="A1:XFD1048576"/>', '<dimension ref="A1:B2"/>'],
    ids=["claims-16384-columns-and-a-million-rows", "claims-two-rows"],
)
def test_a_portfolio_sheet_is_read_as_it_holds_whatever_size_it_claims(
    tmp_path: Path, template: Path, dimension: str
) -> None:
    rows = [["service.id", "service.name"], *([f"svc-{n}", f"Service {n}"] for n in range(1, 4))]
    last = (  # far below: every row between is read, padded to the width the sheet claims unless that is ignored
        '<row r="100000"><c r="A100000" t="inlineStr"><is><t>svc-4</t></is></c>'
        '<c r="B100000" t="inlineStr"><is><t>Service 4</t></is></c></row>'
    )
    workbook = _workbook_with_sheet(tmp_path / "p.xlsx", template, sheet_xml(rows, dimension, last))
    result = opsadvisor("batch", workbook, "--out", tmp_path / "r.csv", "--jobs", "1", "-q", timeout=60)
    assert result.returncode == 0, result.stderr
    report = list(csv.reader(io.StringIO((tmp_path / "r.csv").read_text(encoding="utf-8"), newline="")))
    assert [row[1:3] for row in report[1:]] == [[f"svc-{n}", f"Service {n}"] for n in range(1, 5)]
