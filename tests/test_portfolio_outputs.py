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

from hypothesis import given, settings
from hypothesis import strategies as st

from opsadvisor import api

from .batch_helpers import SCENARIOS, bundled, read_jsonl, run_cli, write_jsonl
from .test_batch_reports import page_data

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
    chart_data = summary[[row[0] for row in summary].index("Services per model") + 1 :]
    assert {row[0]: row[1] for row in chart_data if row[0]} == wanted
    page = TestClient(create_app(SCENARIOS), base_url="http://127.0.0.1").get("/portfolio").text
    table = page.split("Services per model and mode", 1)[1].split("Conflicts by kind", 1)[0]
    assert "<td>C (suggested)</td>" in table and "<td>A (suggested)</td>" in table


# --- the HTML report: each conflict, its own message -------------------------------------------------------


def test_the_html_report_keeps_each_conflicts_message_and_counts_findings(tmp_path: Path) -> None:
    """Two DORA obligations are two conflicts of one kind with two messages; a name found inside other
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
        assert sum(kind == "obligation" for kind, _ in shown) == 2
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
