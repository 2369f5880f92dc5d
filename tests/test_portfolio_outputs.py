"""The portfolio outputs a portfolio owner keeps, prints and shares (issue 26): the XLSX report that prints
legibly, suggested models kept apart in every summary, each conflict's own message in the HTML report,
duplicate service ids warned about, and an example portfolio of any size."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from opsadvisor import api
from opsadvisor.batch import report_context
from opsadvisor.batch.outputs import row_headers
from opsadvisor.batch.outputs.xlsx import CHART_ROWS, XlsxWriter, without_trace
from opsadvisor.batch.runner import INVALID, Outcome
from opsadvisor.batch.summary import Summary
from opsadvisor.text import printable

from .batch_helpers import SCENARIOS, bundled, read_jsonl, run_cli, write_jsonl
from .test_batch_reports import page_data

# --- XLSX: what it holds, and how it prints -------------------------------------------------------------


def _workbook(tmp_path: Path, *inputs: Path) -> tuple[Any, list[dict[str, Any]]]:
    from openpyxl import load_workbook

    report, lines = tmp_path / "r.xlsx", tmp_path / "r.jsonl"
    run_cli("batch", *inputs, "--jobs", "1", "-q", "--out", report, "--out", lines)
    return load_workbook(report), read_jsonl(lines)


def test_every_sheet_prints_landscape_a_page_wide_with_its_header_on_every_page(tmp_path: Path) -> None:
    workbook, lines = _workbook(tmp_path, SCENARIOS)
    for sheet in workbook:
        setup = sheet.page_setup
        assert setup.orientation == "landscape" and setup.paperSize == 9, sheet.title  # A4
        last_row = sheet.max_row
        area = sheet.print_area[0] if isinstance(sheet.print_area, list) else sheet.print_area
        assert area.startswith(f"'{sheet.title}'!$A$1:") and area.endswith(f"${last_row}"), (sheet.title, area)
        assert "&A" in sheet.oddFooter.left.text and "&P of &N" in sheet.oddFooter.right.text
        if sheet.title in ("Summary", "Accountability"):  # at a scale that fits its columns: below
            assert 50 <= setup.scale < 100 and not sheet.sheet_properties.pageSetUpPr.fitToPage
            continue
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert setup.fitToWidth in (None, 1) and setup.fitToHeight == 0, sheet.title  # 1 is the default
    for name in ("Services", "Findings", "Accountability"):
        assert workbook[name].print_title_rows == "$1:$1", name
    assert workbook["Services"].max_row == len(lines) + 1


def test_accountability_prints_seven_processes_a_page_with_the_service_on_each(tmp_path: Path) -> None:
    workbook, _ = _workbook(tmp_path, SCENARIOS)
    sheet = workbook["Accountability"]
    assert sheet.max_column == 2 + 28
    assert [brk.id for brk in sheet.col_breaks.brk] == [16]  # after service, name and 7 processes
    assert sheet.print_title_cols == "$A:$B"
    assert 50 <= sheet.page_setup.scale < 100 and not sheet.sheet_properties.pageSetUpPr.fitToPage


def test_the_chart_is_on_the_first_page_and_no_summary_table_is_split(tmp_path: Path) -> None:
    workbook, _ = _workbook(tmp_path, SCENARIOS)
    (chart,) = workbook["Summary"]._charts
    anchor = chart.anchor._from
    assert anchor.row == 1 and anchor.row + CHART_ROWS - 1 <= 16  # rows 2 to 16: never split over pages
    rows = [row[0] for row in workbook["Summary"].iter_rows(values_only=True)]
    assert "Services per model" in rows  # the chart's data, under the tables
    breaks = [brk.id for brk in workbook["Summary"].row_breaks.brk]  # a page starts on the row after
    assert breaks and all(rows[brk - 1] is None and rows[brk] for brk in breaks)  # a table's title, after a gap
    assert all(brk > 16 for brk in breaks)  # never beside the chart


def test_a_long_text_makes_its_row_as_high_as_its_lines(tmp_path: Path, monkeypatch: Any) -> None:
    """Neither Excel nor LibreOffice fits a row to its wrapped text when it opens a file: the row says how high."""
    from openpyxl import load_workbook

    monkeypatch.chdir(tmp_path)  # short locations, on one line
    names = ["Short name", "A long name " * 16]
    write_jsonl(tmp_path / "p.jsonl", [{"service": {"id": f"s{n}", "name": name}} for n, name in enumerate(names)])
    run_cli("batch", "p.jsonl", "--jobs", "1", "-q", "--out", "r.xlsx")
    services = load_workbook(tmp_path / "r.xlsx")["Services"]
    assert [services.cell(row, 3).value for row in (2, 3)] == names
    assert services.row_dimensions[2].height is None  # one line: the default height
    assert services.row_dimensions[3].height >= 15 * 192 / 27  # 192 characters, 27 a line at most


def _invalid(name: str, error: str, number: int) -> Outcome:
    return Outcome(f"p.jsonl:line {number}", INVALID, f"svc-{number}", name, error=error)


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from("\x00\x1b\ud800\ufffe&<>"))


@settings(max_examples=40, deadline=None)
@given(names=st.lists(TEXT, min_size=1, max_size=3), error=TEXT)
@example(names=["\ufffe nonchar \uffff", " <b>&amp; ", "=1+1"], error="\x1b[2J\ud800")
@example(names=["&" * 40000], error="<" * 32768)  # a cell holds 32,767 characters: cut before escaping
def test_any_text_reads_back_as_printable_text_never_a_formula(
    tmp_path_factory: Any, names: list[str], error: str
) -> None:
    """What an invalid entry carries (its name, its error) may hold anything: it reads back as the text
    printable() gives, with what XML cannot hold escaped, a string, and the workbook opens."""
    from openpyxl import load_workbook

    path = tmp_path_factory.mktemp("xlsx") / "r.xlsx"
    writer = XlsxWriter(path, report_context(api.rule_pack()))
    summary = Summary()
    for number, name in enumerate(names, 1):
        outcome = _invalid(name, error, number)
        summary.add(outcome)
        writer.add(outcome)
    writer.finish(summary)
    services = load_workbook(path)["Services"]
    for number, name in enumerate(names, 2):
        cell = services.cell(number, 3)
        expected = printable(name).replace("\ufffe", "\\ufffe").replace("\uffff", "\\uffff")
        assert (cell.value or "") == expected[:32767] and cell.data_type in ("s", "n")
        expected = printable(error).replace("\ufffe", "\\ufffe").replace("\uffff", "\\uffff")
        assert (services.cell(number, row_headers().index("error") + 1).value or "") == expected[:32767]


def test_the_workbook_is_the_same_bytes_for_the_same_portfolio(tmp_path: Path) -> None:
    for name in ("a", "b"):
        run_cli("batch", SCENARIOS, "--jobs", "1", "-q", "--out", tmp_path / f"{name}.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_rows_beyond_what_a_sheet_holds_are_left_out_and_said_so(tmp_path: Path, monkeypatch: Any) -> None:
    from opsadvisor.batch.outputs import xlsx

    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)  # Excel's 1,048,575 under the header, made small
    workbook, lines = _workbook(tmp_path, SCENARIOS)
    assert workbook["Services"].max_row == 1 + 3 and workbook["Findings"].max_row == 1 + 3
    notes = [row[0] for row in workbook["Summary"].iter_rows(max_row=3, values_only=True)]
    assert notes[0] == f"Services: {len(lines) - 3} more rows than a sheet holds are left out; " + (
        "the JSON Lines report has them all"
    )
    assert notes[1].startswith("Findings: ") and notes[2].startswith("Accountability: ")
    assert workbook["Summary"]["A4"].value == "Entries"


def test_an_assessment_is_read_for_its_findings_without_its_trace_and_nothing_else_lost(tmp_path: Path) -> None:
    run_cli("batch", SCENARIOS, "--jobs", "1", "-q", "--out", tmp_path / "r.jsonl")
    for line in (tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines():
        document = json.loads(line)
        keys = list(document)
        assert document["trace"] and without_trace(line) == {key: document[key] for key in keys[: keys.index("trace")]}
    nested = '{"conflicts":[],"trace":[{"matched":{"x":1,"trace":2}}],"as_of":"2026-11-30"}'
    assert without_trace(nested) == json.loads(nested)  # the last "trace" is not the document's: all of it
    assert without_trace('{"conflicts":[]}') == {"conflicts": []}


# --- "(suggested)" in every summary ---------------------------------------------------------------------


def _labels(lines: list[dict[str, Any]]) -> Counter[str]:
    """Services per model as every table shows it: "C (suggested)" apart from "C"."""
    return Counter(
        f"{line['recommendation']['model']} (suggested)"
        if line["recommendation"]["suggestion"]
        else line["recommendation"]["model"] or "none"
        for line in lines
        if "status" not in line
    )


def _mode_table(text: str) -> Counter[str]:
    """Services per model from a plain or Markdown "Services per model and mode" table."""
    section = text.split("Services per model and mode", 1)[1].split("Conflicts by kind", 1)[0]
    counts: Counter[str] = Counter()
    for line in section.splitlines():
        found = re.match(r"^\|?\s*([ABC](?: \\?\(suggested\\?\))?|none)\s+\|?\s*[-12]\s+\|?\s*(\d+)", line)
        if found:
            counts[found.group(1).replace("\\", "")] += int(found.group(2))
    return counts


def test_a_suggested_model_is_apart_in_the_terminal_markdown_html_xlsx_and_workbench_summaries(
    tmp_path: Path,
) -> None:
    from openpyxl import load_workbook
    from starlette.testclient import TestClient

    from opsadvisor.web.app import create_app

    outputs = [tmp_path / name for name in ("r.jsonl", "r.md", "r.html", "r.xlsx")]
    result = run_cli("batch", SCENARIOS, "--jobs", "1", *(arg for out in outputs for arg in ("--out", out)))
    wanted = _labels(read_jsonl(outputs[0]))
    assert wanted["A (suggested)"] and wanted["C (suggested)"] and wanted["A"] and wanted["C"]
    assert _mode_table(result.stdout) == wanted
    assert _mode_table(outputs[1].read_text(encoding="utf-8")) == wanted
    html = outputs[2].read_text(encoding="utf-8")
    modes = re.search(r"<table id=modes>(.*?)</table>", html, re.S).group(1)
    rows = re.findall(r"<tr><td>([^<]+)</td><td>[^<]+</td><td class=n data-count=(\d+)>", modes)
    assert sum((Counter({model: int(count)}) for model, count in rows), Counter()) == wanted
    bars = dict(re.findall(r'<g class=model data-model="([^"]+)" data-count=(\d+)>', html))
    assert {model: int(count) for model, count in bars.items()} == wanted
    summary = list(load_workbook(outputs[3])["Summary"].iter_rows(values_only=True))
    chart_data = summary[[row[0] for row in summary].index("Services per model") + 2 :]  # under its header
    assert {row[0]: row[1] for row in chart_data if row[0]} == wanted
    page = TestClient(create_app(SCENARIOS), base_url="http://127.0.0.1").get("/portfolio").text
    table = page.split("Services per model and mode", 1)[1].split("Conflicts by kind", 1)[0]
    assert "<td>C (suggested)</td>" in table and "<td>A (suggested)</td>" in table


# --- the HTML report: each conflict, its own message -------------------------------------------------------


def test_the_html_report_keeps_each_conflicts_message_and_counts_findings(tmp_path: Path) -> None:
    """DORA obligations are conflicts of one kind, each with its own message; a name found inside other
    words of a message ("IT") still gives the message back exactly."""
    documents = [json.loads((SCENARIOS / "payments-hub-dora-critical.json").read_text(encoding="utf-8"))]
    for name in ("IT", "Payments hub (copy)", "a|b"):
        documents.append({**documents[0], "service": {**documents[0]["service"], "id": f"x-{len(documents)}"}})
        documents[-1]["service"]["name"] = name
    portfolio = write_jsonl(tmp_path / "p.jsonl", documents)
    run_cli("batch", portfolio, "--jobs", "1", "-q", "--out", tmp_path / "r.html", "--out", tmp_path / "r.jsonl")
    data = page_data((tmp_path / "r.html").read_text(encoding="utf-8"))
    for row, line in zip(data["rows"], read_jsonl(tmp_path / "r.jsonl"), strict=True):
        shown = [
            (data["kinds"][data["conflicts"][index][0]][0], row[1].join(data["conflicts"][index][1:]))
            for index in row[5]
        ]
        assert shown == [(conflict["kind"], conflict["message"]) for conflict in line["conflicts"]]
        assert sum(kind == "obligation" for kind, _ in shown) >= 2
    rows = {row[1]: row[5] for row in data["rows"]}
    assert rows["Payments hub"] == rows["Payments hub (copy)"] == rows["a|b"]  # one entry per message, shared


# --- duplicate service ids -----------------------------------------------------------------------------


def test_the_bundled_scenarios_have_distinct_service_ids() -> None:
    ids = Counter(document["service"]["id"] for document in bundled())
    assert [service_id for service_id, count in ids.items() if count > 1] == []


def test_batch_warns_about_each_service_id_several_entries_use(tmp_path: Path) -> None:
    payroll = json.loads((SCENARIOS / "payroll-it-operated.json").read_text(encoding="utf-8"))
    portfolio = write_jsonl(tmp_path / "p.jsonl", [payroll, {**payroll, "service": {"id": "other", "name": "x"}}])
    csv_file = tmp_path / "more.csv"
    csv_file.write_text("service.id,service.name\nhr-payroll,Payroll again\nother,Other again\n", encoding="utf-8")
    result = run_cli("batch", portfolio, csv_file, "--jobs", "1", "-q")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: service id")]
    assert warnings == [
        f'warning: service id "hr-payroll" is used by 2 entries: {portfolio}:line 1, {csv_file}:row 2',
        f'warning: service id "other" is used by 2 entries: {portfolio}:line 2, {csv_file}:row 3',
    ]
    assert "warning: service id" not in run_cli("batch", SCENARIOS, "--jobs", "1", "-q").stderr


def test_many_duplicates_are_named_within_limits(tmp_path: Path) -> None:
    lines = [{"service": {"id": f"id-{n % 12}", "name": "x"}} for n in range(24)]
    lines += [{"service": {"id": "id-0", "name": "x"}}] * 5
    result = run_cli("batch", write_jsonl(tmp_path / "p.jsonl", lines), "--jobs", "1", "-q")
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 11 and warnings[-1] == "warning: 2 more service ids are used by more than one entry"
    assert warnings[0].startswith('warning: service id "id-0" is used by 7 entries: ')
    assert warnings[0].endswith(":line 27 and 2 more")


# --- an example portfolio of any size ----------------------------------------------------------------------


def test_batch_example_writes_a_valid_seeded_portfolio_of_n_services(tmp_path: Path) -> None:
    first = run_cli("batch", "--example", "60")
    assert first.exit_code == 0 and first.stderr == ""
    documents = [json.loads(line) for line in first.stdout.splitlines()]
    assert len(documents) == 60 and len({document["service"]["id"] for document in documents}) == 60
    assert documents == list(api.example_portfolio(60))  # the Python twin
    assert run_cli("batch", "--example", "60").stdout == first.stdout
    assert run_cli("batch", "--example", "60", "--example-seed", "2").stdout != first.stdout
    shapes = {document["service"]["id"] for document in bundled()}
    assert {document["service"]["id"].rsplit("-", 1)[0] for document in documents} <= shapes
    portfolio = tmp_path / "p.jsonl"
    portfolio.write_text(first.stdout, encoding="utf-8")
    result = run_cli("batch", portfolio, "--jobs", "1", "--out", tmp_path / "r.csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text(encoding="utf-8-sig"))))
    assert {row["status"] for row in rows} == {"ok"} and len({row["model"] for row in rows}) >= 4
    assert "warning" not in result.stderr


def test_batch_example_takes_no_input_and_a_count_of_zero_or_more() -> None:
    assert run_cli("batch", "--example", "3", str(SCENARIOS)).exit_code == 2
    assert run_cli("batch", "--example", "-1").exit_code == 2
    assert run_cli("batch", "--example", "0").stdout == ""


@settings(max_examples=15, deadline=None)
@given(count=st.integers(0, 40), seed=st.integers(-(2**40), 2**40))
def test_every_example_service_is_valid_and_its_id_unique(count: int, seed: int) -> None:
    assessor = api.Assessor(api.rule_pack())
    documents = list(api.example_portfolio(count, seed))
    assert len({document["service"]["id"] for document in documents}) == len(documents) == count
    for document in documents:
        assessor.parse(document, "example")  # raises ScenarioError when invalid
