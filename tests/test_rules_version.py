"""The rules version every report prints: the pack's content hash, tested here once rather than in every golden."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from opsadvisor import api

from .helpers import ROOT, SCENARIOS, run_cli

CRM = str(SCENARIOS / "sales-crm-business-operated.json")


def version_of(*rules: str) -> str:
    return json.loads(run_cli("assess", CRM, "--format", "json", *rules).stdout)["rules_version"]


def copy_of_the_rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", folder, ignore=shutil.ignore_patterns("tests"))
    return folder


def test_every_report_prints_the_packs_version() -> None:
    version = api.rule_pack().version
    assert version.startswith("sha256:") and len(version) > len("sha256:")
    assert version_of() == version
    assert f"Rules version: {version}" in run_cli("assess", CRM).stdout
    assert f"_Rules version: `{version}`_" in run_cli("assess", CRM, "--format", "markdown").stdout


def test_the_version_is_the_same_run_to_run_and_for_a_copy_of_the_same_rules(tmp_path: Path) -> None:
    copy = copy_of_the_rules(tmp_path)
    assert version_of() == version_of() == api.rule_pack().version
    assert version_of("--no-default-rules", "--rules", str(copy)) == api.rule_pack().version


def test_one_changed_byte_in_a_rule_file_changes_the_version(tmp_path: Path) -> None:
    copy = copy_of_the_rules(tmp_path)
    risks = copy / "40-risks.yaml"
    risks.write_bytes(risks.read_bytes() + b" ")
    changed = version_of("--no-default-rules", "--rules", str(copy))
    assert changed.startswith("sha256:")
    assert changed != api.rule_pack().version
    assert changed == api.rule_pack([copy], include_default=False).version
