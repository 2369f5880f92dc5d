"""Golden reports: each bundled scenario's report, reviewed by eye when it changes.

Regenerate with `OPSADVISOR_UPDATE_GOLDEN=1 pytest tests/test_golden.py` (every updated test fails on
purpose), read the diff, then run the tests again. The rules version is normalised (see check_golden).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from opsadvisor import api

from .helpers import GOLDEN, ROOT, RULES_VERSION, SCENARIOS, check_golden, run_cli

AS_OF = ("--as-of", "2026-11-30")  # risk acceptances expire: a golden report is evaluated on a fixed day
FORMATS = {
    "txt": ("--format", "table", *AS_OF),
    "md": ("--format", "markdown", "--explain", *AS_OF),
    "json": ("--format", "json", *AS_OF),
}
SCENARIO_FILES = sorted(SCENARIOS.glob("*.json"))


def test_there_are_enough_examples() -> None:
    assert len(SCENARIO_FILES) >= 8


@pytest.mark.parametrize("suffix", sorted(FORMATS))
@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_report_matches_golden(path: Path, suffix: str) -> None:
    result = run_cli("assess", str(path), *FORMATS[suffix])
    assert result.exit_code == 0, result.output
    check_golden(GOLDEN / f"{path.stem}.{suffix}", result.stdout)


RECORDS = ("--records", "docs/examples/records/records.yaml")  # the example records (opsadvisor records example)
DRIFT_GOLDENS = [
    ("payroll-it-operated", "txt"),  # business groups handle the problems IT OPS is accountable for
    ("payroll-it-operated", "md"),
    ("payroll-it-operated", "json"),
    ("hr-portal-it-operated-decided-otherwise", "txt"),  # changes to a SOX service without IT's approval
    ("sales-crm-business-operated", "txt"),  # consistent: the records section says so
]


@pytest.mark.parametrize(("stem", "suffix"), DRIFT_GOLDENS)
def test_a_report_with_records_matches_golden(stem: str, suffix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the manifest's path, and so the paths a note names, as the docs show them
    result = run_cli("assess", str(SCENARIOS / f"{stem}.json"), *FORMATS[suffix], *RECORDS)
    assert result.exit_code == 0, result.output
    check_golden(GOLDEN / f"drift-{stem}.{suffix}", result.stdout)


def test_goldens_hold_the_placeholder_not_a_version() -> None:
    for golden in sorted(GOLDEN.iterdir()):
        text = golden.read_text(encoding="utf-8")
        assert text.count(RULES_VERSION) == 1, golden.name
        assert "sha256:" not in text.replace(RULES_VERSION, ""), golden.name


def test_update_mode_writes_the_golden_and_never_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    golden = tmp_path / "report.txt"
    golden.write_text("old\n", encoding="utf-8")
    monkeypatch.setenv("OPSADVISOR_UPDATE_GOLDEN", "1")
    with pytest.raises(pytest.fail.Exception, match="golden updated, review the diff"):
        check_golden(golden, f"new\nRules version: {api.rule_pack().version}\n")
    assert golden.read_text(encoding="utf-8") == f"new\nRules version: {RULES_VERSION}\n"
