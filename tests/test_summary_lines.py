"""batch --out FILE.summary.jsonl: one short line per service that agrees with the full report."""

from __future__ import annotations

import json
from pathlib import Path

from opsadvisor import api

from .batch_helpers import SCENARIOS, read_jsonl, run_cli, write_jsonl

AS_OF = "2026-12-01"


def _full_and_summary(tmp_path: Path, *inputs: Path, jobs: int = 1) -> tuple[list[dict], list[dict]]:
    full, summary = tmp_path / "full.jsonl", tmp_path / "out.summary.jsonl"
    result = run_cli("batch", *inputs, "--jobs", str(jobs), "--as-of", AS_OF, "--out", full, "--out", summary, "-q")
    assert result.exit_code in (0, 3), result.output
    return read_jsonl(full), read_jsonl(summary)


def test_each_summary_line_counts_what_the_full_report_holds(tmp_path: Path) -> None:
    full, summary = _full_and_summary(tmp_path, SCENARIOS)
    assert len(summary) == len(full) == len(list(SCENARIOS.glob("*.json")))
    for report, line in zip(full, summary, strict=True):
        recommendation = report["recommendation"]
        assert line["status"] == "ok"
        assert line["service"] == report["service"]
        assert line["model"] == recommendation["model"]
        assert line["mode"] == recommendation["mode"]
        assert line["suggested"] == bool(recommendation["model"] and recommendation["suggestion"])
        assert line["effectively"] == recommendation["effectively"]
        assert line["conflicts"] == len(report["conflicts"])
        assert line["pending_risks"] == sum(not risk["accepted"] for risk in report["risks"])
        assert line["governance_areas"] == len(report["governance_areas"])
        assert line["open_decisions"] == len(report["open_decisions"])
        assert line["open_questions"] == len(report["open_questions"])
    assert any(line["pending_risks"] for line in summary) and any(line["open_questions"] for line in summary)


def test_summary_lines_are_short_and_stream_to_stdout(tmp_path: Path) -> None:
    result = run_cli("batch", SCENARIOS, "--jobs", "1", "--as-of", AS_OF, "--out", "-.summary.jsonl", "-q")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(list(SCENARIOS.glob("*.json")))
    assert max(len(line.encode()) for line in lines) < 400
    assert json.loads(lines[0])["source"].endswith(".json")


def test_an_invalid_entry_reads_as_in_json_lines_and_jobs_change_nothing(tmp_path: Path) -> None:
    portfolio = write_jsonl(
        tmp_path / "p.jsonl",
        [json.loads(path.read_text()) for path in sorted(SCENARIOS.glob("*.json"))[:3]] + ["{not json"],
    )
    full, summary = _full_and_summary(tmp_path, portfolio)
    assert summary[-1] == full[-1] and summary[-1]["status"] == "invalid"
    serial = (tmp_path / "out.summary.jsonl").read_bytes()
    _full_and_summary(tmp_path, portfolio, jobs=2)
    assert (tmp_path / "out.summary.jsonl").read_bytes() == serial


def test_the_python_api_writes_summary_lines(tmp_path: Path) -> None:
    target = tmp_path / "portfolio.summary.jsonl"
    summary = api.run_batch([SCENARIOS], outputs=[target], jobs=1, as_of=AS_OF)
    lines = read_jsonl(target)
    assert len(lines) == summary.assessed
    assert sum(line["conflicts"] for line in lines) == sum(summary.conflicts.values())


def test_a_summary_line_counts_the_drifts_the_records_show_and_says_null_without_records(tmp_path: Path) -> None:
    manifest = Path(__file__).parent.parent / "docs" / "examples" / "records" / "records.yaml"
    full, summary = tmp_path / "full.jsonl", tmp_path / "out.summary.jsonl"
    args = ("--jobs", "1", "--as-of", "2026-11-30", "--out", full, "--out", summary, "-q")
    assert run_cli("batch", SCENARIOS, "--records", manifest, *args).exit_code == 0
    counts = [line["drifts"] for line in read_jsonl(summary)]
    assert counts == [len(report["drift"]["drifts"]) for report in read_jsonl(full)]
    assert sum(counts) > 0 and 0 in counts
    serial = summary.read_bytes()
    assert run_cli("batch", SCENARIOS, "--records", manifest, *args, "--jobs", "2").exit_code == 0
    assert summary.read_bytes() == serial
    assert run_cli("batch", SCENARIOS, *args).exit_code == 0
    assert {line["drifts"] for line in read_jsonl(summary)} == {None}
