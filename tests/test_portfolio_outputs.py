"""The portfolio outputs a portfolio owner keeps, prints and shares (issue 26): the XLSX report that prints
legibly, suggested models kept apart in every summary, each conflict's own message in the HTML report,
duplicate service ids warned about, and an example portfolio of any size."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from .batch_helpers import SCENARIOS, bundled, run_cli, write_jsonl

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
