"""The smaller items of issue 24, each a behaviour a practitioner reading the report would notice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .helpers import ROOT, SCENARIOS, run_cli, scenario, write_json


def report(tmp_path: Path, document: dict[str, Any]) -> dict[str, Any]:
    return json.loads(run_cli("assess", str(write_json(tmp_path / "svc.json", document)), "--format", "json").output)


def steps(result: dict[str, Any]) -> str:
    return " ".join(step["step"] for step in result["next_steps"])


def test_aim_for_model_a_is_not_offered_when_model_a_already_is_the_ambition() -> None:
    hr = json.loads(
        run_cli("assess", str(SCENARIOS / "hr-portal-it-operated-decided-otherwise.json"), "--format", "json").output
    )
    (conflict,) = [c for c in hr["conflicts"] if c["kind"] == "ambition_risk"]
    assert "aim for model A" not in conflict["remedy"].lower() and "Revisit the decisions" in conflict["remedy"]
    ledger = json.loads(
        run_cli("assess", str(SCENARIOS / "trading-ledger-critical-sox.json"), "--format", "json").output
    )
    (conflict,) = [c for c in ledger["conflicts"] if c["kind"] == "ambition_risk"]
    assert "aim for model A" in conflict["remedy"]


def test_a_high_conflict_leads_the_next_steps() -> None:
    website = json.loads(
        run_cli("assess", str(SCENARIOS / "website-it-operated-business-contract.json"), "--format", "json").output
    )
    (conflict,) = [c for c in website["conflicts"] if c["severity"] == "high"]
    first = website["next_steps"][0]
    assert first["rule"] == conflict["rule"] and conflict["remedy"] in first["step"]
    assert (
        "No next steps." not in run_cli("assess", str(SCENARIOS / "website-it-operated-business-contract.json")).output
    )


def test_a_benefit_recorded_with_its_validation_is_not_asked_again(tmp_path: Path) -> None:
    service = scenario(ambition="business_operated", contract_owner="business")
    asked = report(tmp_path, {**service, "expected_benefits": ["Faster reports"]})
    assert "(without an agreed validation so far: 1 of 1)" in steps(asked)
    recorded = report(tmp_path, {**service, "expected_benefits": ["Faster reports (validated by: lead time)"]})
    assert "validation" not in steps(recorded) and "measured" not in steps(recorded)


def test_the_transition_step_speaks_of_the_contract_only_when_it_changes_hands(tmp_path: Path) -> None:
    moving = scenario(ambition="it_operated", current={"operated_by": "business", "contract_owner": "it"})
    stays = report(tmp_path, {**moving, "contract_owner": "it"})
    assert "Plan the transition" in steps(stays) and "contract of" not in steps(stays)
    assert "transfer the it elements" not in steps(stays).lower()
    hands = report(
        tmp_path,
        {**moving, "contract_owner": "business", "current": {"operated_by": "business", "contract_owner": "business"}},
    )
    assert "Transfer the IT elements of the contract" in steps(hands)


def test_source_code_escrow_is_not_asked_of_a_saas_service(tmp_path: Path) -> None:
    critical = scenario(ambition="it_operated", contract_owner="it", vendor_run=True, criticality="critical")
    saas = report(tmp_path, {**critical, "hosting": "saas"})
    assert "exit.escrow" not in [q["fact"] for q in saas["open_questions"]]
    assert "exit.data_portability" in [q["fact"] for q in saas["open_questions"]]
    hosted = report(tmp_path, {**critical, "hosting": "vendor_hosted"})
    assert "exit.escrow" in [q["fact"] for q in hosted["open_questions"]]
    payments = json.loads(
        run_cli("assess", str(ROOT / "scenarios" / "payments-hub-dora-critical.json"), "--format", "json").output
    )
    assert "exit-no-escrow" not in [r["id"] for r in payments["risks"]]  # a SaaS with escrow: false recorded
