"""Helpers shared by the tests: paths, the CLI runner, small scenario builders and the golden-file check."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from opsadvisor import api
from opsadvisor.cli import main

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import docblocks  # noqa: E402, F401  (tools/docblocks.py runs the documented commands; tests import it from here)

SCENARIOS = ROOT / "scenarios"
GOLDEN = Path(__file__).resolve().parent / "golden"
RULES_VERSION = "sha256:<rules-version>"  # stands for the pack's version in golden files


def bundled_at(section: str, key: str) -> str:
    """Where the bundled pack defines a role (`roles`) or a severity's acceptance policy (`acceptance`), as
    reports name it: `<bundled>/05-roles.yaml:LINE` (so that a role added above it moves no test)."""
    items = api.rule_pack().roles if section == "roles" else api.rule_pack().acceptance
    return str(items[key].location)


def scenario(**facts: Any) -> dict[str, Any]:
    """A minimal valid scenario document with the given top-level facts."""
    return {"service": {"id": "svc-1", "name": "Test service"}, **facts}


def run_cli(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)


def check_golden(golden: Path, report: str) -> None:
    """Compare a report with its golden file, the rules version replaced by RULES_VERSION.

    Golden files do not embed the version, so a change to one rule byte rewrites only the goldens whose
    content changes; test_rules_version.py tests the version on its own. With OPSADVISOR_UPDATE_GOLDEN=1
    the golden file is rewritten and the test fails, so that an update run is never green by comparing
    a file with itself: review the diff, then run the tests again.
    """
    normalised = report.replace(api.rule_pack().version, RULES_VERSION)
    if os.environ.get("OPSADVISOR_UPDATE_GOLDEN"):
        golden.write_text(normalised, encoding="utf-8")
        pytest.fail(f"golden updated, review the diff: {golden.name}")
    assert normalised == golden.read_text(encoding="utf-8")


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path
