"""Positions over the whole matrix (issue 24, rules/45-positions.yaml): every process and both columns
handed to the business on a service that matters is a risk to accept, a conflict to resolve or fine, and
one fact makes one finding that names the processes it covers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .helpers import run_cli, scenario, write_json

PROCESSES = (
    "request",
    "incident",
    "situation",
    "problem",
    "change",
    "enhancement",
    "release",
    "service_level",
    "configuration",
    "supportability_transition",
    "continuity",
    "licence",
    "vendor_contract",
    "it_controls",
)


def report(tmp_path: Path, document: dict[str, Any]) -> dict[str, Any]:
    path = write_json(tmp_path / "svc.json", document)
    return json.loads(run_cli("assess", str(path), "--format", "json").output)


def to_business(*processes: str, interface: str = "it_ops") -> dict[str, dict[str, str]]:
    return {process: {"application": "business", "interface": interface} for process in processes}


def test_the_interfaces_of_a_system_of_record_handed_to_the_business_are_one_conflict(tmp_path: Path) -> None:
    document = scenario(
        ambition="business_operated",
        contract_owner="business",
        integrations=[{"system": "General ledger", "type": "database", "system_of_record": True}],
        criticality="medium",
        decisions={
            "change": {"application": "business", "interface": "business"},
            "incident": {"application": "business", "interface": "business"},
        },
    )
    conflicts = [c for c in report(tmp_path, document)["conflicts"] if c["kind"] == "interface_ownership"]
    assert len(conflicts) == 1
    assert "interface of Change Mgmt, Incident Mgmt" in conflicts[0]["message"]
    document["decisions"] = {}
    assert "interface_ownership" not in [c["kind"] for c in report(tmp_path, document)["conflicts"]]


def test_a_critical_sox_service_given_to_the_business_gets_one_conflict_naming_program_change(tmp_path: Path) -> None:
    document = scenario(
        ambition="mixed",
        criticality="critical",
        regulations=["sox"],
        integrations=[{"system": "ERP", "type": "api"}],
        decisions=to_business(*PROCESSES, interface="it_ops"),
    )
    result = report(tmp_path, document)
    (conflict,) = [c for c in result["conflicts"] if c["kind"] == "ambition_risk"]
    for process in ("Change Mgmt", "Enhancement Mgmt", "Release Mgmt", "IT Control Ownership & Execution"):
        assert process in conflict["message"]
    assert "regulatory-compliance" not in [r["id"] for r in result["risks"]]
    operations = next(r for r in result["risks"] if r["id"] == "business-operated-critical-service")
    assert "Change Mgmt" not in operations["message"]  # program change is the conflict's, said once


def test_change_service_levels_and_problems_moved_to_the_business_are_a_risk_on_a_high_service(
    tmp_path: Path,
) -> None:
    document = scenario(
        ambition="it_operated",
        contract_owner="it",
        criticality="high",
        integrations=[{"system": "ERP", "type": "api"}],
        decisions=to_business("change", "service_level", "problem"),
    )
    risks = {r["id"]: r for r in report(tmp_path, document)["risks"]}
    assert "Change Mgmt, Problem Mgmt, Service Level Mgmt" in risks["business-operated-critical-service"]["message"]
    assert risks["business-operated-critical-service"]["accept_by"].startswith("business owner")
    low = report(tmp_path, {**document, "criticality": "low"})
    assert "business-operated-critical-service" not in [r["id"] for r in low["risks"]]


def test_service_levels_with_the_business_on_a_contract_it_manages_is_a_finding_unless_it_escalates(
    tmp_path: Path,
) -> None:
    document = scenario(
        ambition="business_operated",
        contract_owner="it",
        vendor_run=True,
        integrations=[{"system": "ERP", "type": "api"}],
        decisions={"vendor_contract": {"application": "it_ops", "interface": "it_ops"}},
    )
    result = report(tmp_path, document)
    (levers,) = [c for c in result["conflicts"] if c["id"] == "levers-apart"]
    assert "Incident Mgmt, Service Level Mgmt" in levers["message"]
    assert "contract.escalation_path" in [q["fact"] for q in result["open_questions"]]
    escalates = report(tmp_path, {**document, "contract": {"escalation_path": True}})
    assert "levers-apart" not in [c["id"] for c in escalates["conflicts"]]


def test_a_customised_model_that_leaves_it_nothing_is_named_for_what_it_is(tmp_path: Path) -> None:
    document = scenario(
        ambition="mixed",
        criticality="low",
        integrations=[{"system": "ERP", "type": "api"}],
        decisions=to_business(*PROCESSES, interface="business"),
    )
    result = report(tmp_path, document)
    (fit,) = [c for c in result["conflicts"] if c["id"] == "it-has-no-part"]
    assert "business operation without IT support" in fit["message"]
    text = run_cli("assess", str(tmp_path / "svc.json")).output
    assert "effectively business operated" in text
