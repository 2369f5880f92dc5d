"""Golden reports: each bundled scenario's report, reviewed by eye when it changes.

Regenerate with `OPSADVISOR_UPDATE_GOLDEN=1 pytest tests/test_golden.py`, then read the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import GOLDEN, SCENARIOS, run_cli

FORMATS = {"txt": ("--format", "table"), "md": ("--format", "markdown", "--explain"), "json": ("--format", "json")}
SCENARIO_FILES = sorted(SCENARIOS.glob("*.json"))


def test_there_are_enough_examples() -> None:
    assert len(SCENARIO_FILES) >= 8


@pytest.mark.parametrize("suffix", sorted(FORMATS))
@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_report_matches_golden(path: Path, suffix: str) -> None:
    result = run_cli("assess", str(path), *FORMATS[suffix])
    assert result.exit_code == 0, result.output
    golden = GOLDEN / f"{path.stem}.{suffix}"
    if os.environ.get("OPSADVISOR_UPDATE_GOLDEN"):
        golden.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == golden.read_text(encoding="utf-8")
