"""Mode and transition from the lifecycle, not from the model (issue 24): the bimodal mode follows the
service's lifecycle and the mode 1 triggers, the move to mode 1 is staged, and a mode 1 service the
business operates keeps its governance, so the recommendation and the next steps tell one story."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .helpers import ROOT, run_cli, scenario, write_json

TO_IT = {"application": "it_ops", "interface": "it_ops"}


def assessed(tmp_path: Path, document: dict[str, Any]) -> tuple[dict[str, Any], str]:
    path = write_json(tmp_path / "svc.json", document)
    return json.loads(run_cli("assess", str(path), "--format", "json").output), run_cli("assess", str(path)).output


def steps(report: dict[str, Any]) -> str:
    return " ".join(step["step"] for step in report["next_steps"])


def test_a_critical_mature_regulated_ledger_is_mode_1_whatever_its_model() -> None:
    ledger = ROOT / "scenarios" / "ledger-mixed-critical-regulated.json"
    report = json.loads(run_cli("assess", str(ledger), "--format", "json").output)
    assert (report["recommendation"]["model"], report["recommendation"]["mode"]) == ("C", 1)
    assert "Mode: 1 (predictable)" in run_cli("assess", str(ledger)).output


def test_the_mode_does_not_follow_who_runs_the_incidents(tmp_path: Path) -> None:
    service = scenario(ambition="mixed", criticality="critical", regulations=["sox"], lifecycle="scaling")
    run_by_it = {p: TO_IT for p in ("incident", "change", "continuity", "it_controls")}
    for decisions in ({}, run_by_it):
        report, _ = assessed(tmp_path, {**service, "decisions": decisions})
        assert (report["recommendation"]["mode"], report["recommendation"]["transition_due"]) == (2, True)
    for decisions in ({}, run_by_it):
        report, _ = assessed(tmp_path, {**service, "lifecycle": "mature", "decisions": decisions})
        assert (report["recommendation"]["mode"], report["recommendation"]["transition_due"]) == (1, False)


def test_gdpr_or_a_system_of_record_does_not_make_mode_1_due_for_a_small_marketing_tool(tmp_path: Path) -> None:
    tool = scenario(
        ambition="business_operated",
        contract_owner="business",
        criticality="medium",
        users=60,
        lifecycle="scaling",
        regulations=["gdpr"],
        data={"personal_data": True},
        integrations=[{"system": "CRM", "type": "api", "system_of_record": True}],
    )
    report, text = assessed(tmp_path, tool)
    assert (report["recommendation"]["mode"], report["recommendation"]["transition_due"]) == (2, False)
    assert "mode 1" not in steps(report) and "transition to mode 1 due" not in text


def test_a_business_operated_service_moving_to_mode_1_reads_as_one_story(tmp_path: Path) -> None:
    service = scenario(
        ambition="business_operated", contract_owner="business", criticality="critical", lifecycle="scaling"
    )
    report, _ = assessed(tmp_path, service)
    assert report["recommendation"]["model"] == "B" and report["recommendation"]["transition_due"]
    said = steps(report)
    assert "towards model A" not in said and "model A" not in said
    assert "in stages" in said and "First," in said and "next," in said and "last," in said
    assert "may stay with the business, governed the mode 1 way" in said  # why B and mode 1 both hold
    mature, _ = assessed(tmp_path, {**service, "lifecycle": "mature"})
    assert mature["recommendation"]["mode"] == 1
    assert "with its governance in the business" in steps(mature)


def test_without_a_lifecycle_the_mode_is_not_known_whatever_the_model(tmp_path: Path) -> None:
    report, text = assessed(tmp_path, scenario(ambition="it_operated", contract_owner="it", criticality="low"))
    assert report["recommendation"]["mode"] is None
    assert "Mode: not known yet: the lifecycle stage decides it" in text
