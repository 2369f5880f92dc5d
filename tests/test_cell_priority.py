"""Two rules setting one matrix cell: the higher `priority` wins (docs/rules.md: "priority: 0..1000, default
100; the higher wins a disagreement"), whatever the rule ids, and the rules over the effective matrix
see the winner's cell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .helpers import SCENARIOS, run_cli

CRM = SCENARIOS / "sales-crm-business-operated.json"  # model B, high criticality: the business answers for incidents
RISK = "business-operated-critical-service"  # names Incident Mgmt while the business is accountable for it


def cell_rule(rule_id: str, priority: int, party: str) -> str:
    return f"""\
  - id: {rule_id}
    title: ACME sets who answers for the incidents of vendor-run services
    rationale: ACME's support policy.
    source: practice, ACME support policy
    priority: {priority}
    when:
      vendor_run: true
    then:
      - accountability: {{process: incident, column: application, party: {party}}}
"""


def layer(tmp_path: Path, higher: str, lower: str) -> Path:
    """The higher-priority rule has the id that sorts first, so a tie-break by id would pick the other."""
    folder = tmp_path / "acme"
    folder.mkdir()
    rules = cell_rule("acme.a-incidents", 700, higher) + cell_rule("acme.z-incidents", 300, lower)
    (folder / "cells.yaml").write_text("rules:\n" + rules, encoding="utf-8")
    return folder


def assess(folder: Path) -> dict[str, Any]:
    result = run_cli("assess", str(CRM), "--format", "json", "--rules", str(folder))
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


@pytest.mark.parametrize(
    ("higher", "lower"), [("it_ops", "it_delivery"), ("it_delivery", "it_ops"), ("business", "it_ops")]
)
def test_the_higher_priority_sets_the_cell(tmp_path: Path, higher: str, lower: str) -> None:
    folder = layer(tmp_path, higher, lower)
    assert run_cli("rules", "check", str(folder)).exit_code == 0
    report = assess(folder)
    incident = next(row for row in report["accountability"] if row["process"] == "incident")
    assert incident["application"] == higher
    operated = next(risk["message"] for risk in report["risks"] if risk["id"] == RISK)  # change, problems, ...
    assert ("Incident Mgmt" in operated) is (higher == "business")  # the effective matrix holds the winner's cell


def test_explain_says_the_lower_priority_rule_was_outranked(tmp_path: Path) -> None:
    folder = layer(tmp_path, "it_ops", "it_delivery")
    result = run_cli("explain", str(CRM), "--rules", str(folder), "--rule", "acme.z-incidents")
    assert (
        "outranked: accountability incident application = it_delivery: incident application is it_ops"
    ) in result.stdout
    result = run_cli("explain", str(CRM), "--rules", str(folder), "--rule", "acme.a-incidents")
    assert "fired" in result.stdout and "outranked" not in result.stdout


def test_a_recorded_decision_wins_over_every_rule(tmp_path: Path) -> None:
    document = json.loads(CRM.read_text(encoding="utf-8"))
    document["decisions"] = {"incident": {"application": "business"}}
    decided = tmp_path / "decided.json"
    decided.write_text(json.dumps(document), encoding="utf-8")
    folder = layer(tmp_path, "it_ops", "it_delivery")
    report = json.loads(run_cli("assess", str(decided), "--format", "json", "--rules", str(folder)).stdout)
    incident = next(row for row in report["accountability"] if row["process"] == "incident")
    assert incident["application"] == "business"
    assert RISK in {risk["id"] for risk in report["risks"]}
