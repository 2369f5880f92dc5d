"""One fact, one finding (issue 24): a fact is a conflict to resolve, an obligation to meet or a risk to
accept, never two of them, and every report counts findings, not their kinds."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from opsadvisor.web.app import create_app

from .helpers import ROOT, run_cli, scenario, write_json
from .test_batch_reports import page_data

SALES_CRM = str(ROOT / "scenarios" / "sales-crm-business-operated.json")  # model B, IT holds the contract


def assessed(document: dict[str, Any], tmp_path: Path, *args: str) -> dict[str, Any]:
    path = write_json(tmp_path / "svc.json", document)
    result = run_cli("assess", str(path), "--format", "json", *args)
    return json.loads(result.output)


def test_it_holding_the_contract_of_a_model_b_service_is_one_conflict_not_two() -> None:
    report = json.loads(run_cli("assess", SALES_CRM, "--format", "json").output)
    contract = [c for c in report["conflicts"] if c["kind"] in ("contract_ownership", "model_fit")]
    assert [c["kind"] for c in contract] == ["model_fit"]
    assert "without the contract" in contract[0]["message"]


def test_a_model_fit_conflict_is_gone_once_its_remedy_is_decided(tmp_path: Path) -> None:
    document = json.loads(Path(SALES_CRM).read_text(encoding="utf-8"))
    document["decisions"] = {"vendor_contract": {"application": "it_ops", "interface": "it_ops"}}
    report = assessed(document, tmp_path)
    assert "model_fit" not in [c["kind"] for c in report["conflicts"]]
    # the levers must line up too: the business answering for service levels and incidents on a
    # contract IT manages is the one finding left, until the contract says how it escalates
    assert [c["id"] for c in report["conflicts"] if c["kind"] == "contract_ownership"] == ["levers-apart"]
    document["contract"] = {**document.get("contract", {}), "escalation_path": True}
    report = assessed(document, tmp_path)
    assert not [c for c in report["conflicts"] if c["kind"] in ("contract_ownership", "model_fit")]


def test_critical_sox_controls_with_the_business_are_a_conflict_not_also_a_risk_to_sign(tmp_path: Path) -> None:
    document = scenario(ambition="business_operated", contract_owner="business", criticality="critical")
    report = assessed({**document, "regulations": ["sox"]}, tmp_path)
    assert "ambition_risk" in [c["kind"] for c in report["conflicts"]]
    assert "regulatory-compliance" not in [r["id"] for r in report["risks"]]
    workshop = run_cli("workshop", str(tmp_path / "svc.json")).output
    sign_off = workshop.split("## Risks to accept", 1)[1].split("\n## ", 1)[0]
    assert "regulatory-compliance" not in sign_off
    lower = assessed({**document, "criticality": "medium", "regulations": ["sox"]}, tmp_path)
    assert "regulatory-compliance" in [r["id"] for r in lower["risks"]]
    assert "ambition_risk" not in [c["kind"] for c in lower["conflicts"]]


TWO_OBLIGATIONS = scenario(
    ambition="business_operated",
    contract_owner="business",
    vendor_run=True,
    hosting="saas",
    integrations=[{"system": "ERP", "type": "api"}],
    regulations=["gdpr"],
    data={"personal_data": True},
    gdpr={"dpa": False, "processing_record": False},
)


def test_every_report_counts_conflicts_not_their_kinds(tmp_path: Path) -> None:
    """Two obligations are two conflicts of one kind: the terminal, Markdown, JSON, CSV, portfolio HTML
    and workbench all say two."""
    folder = tmp_path / "in"
    folder.mkdir()
    write_json(folder / "svc.json", TWO_OBLIGATIONS)
    report = json.loads(run_cli("assess", str(folder / "svc.json"), "--format", "json").output)
    kinds = [c["kind"] for c in report["conflicts"]]
    assert kinds.count("obligation") == 2
    markdown = run_cli("assess", str(folder / "svc.json"), "--format", "markdown").output
    section = markdown.split("## Conflicts", 1)[1].split("\n## ", 1)[0]
    assert len([line for line in section.splitlines() if line.startswith("| ") and "severity" not in line]) == 2
    terminal = run_cli("assess", str(folder / "svc.json")).output.split("\nConflicts\n", 1)[1].split("\n\n", 1)[0]
    assert len(re.findall(r"^(high|medium|low) ", terminal, re.M)) == len(kinds)
    run_cli(
        "batch", str(folder), "-q", "--jobs", "1", "--out", str(tmp_path / "p.csv"), "--out", str(tmp_path / "p.html")
    )
    with (tmp_path / "p.csv").open(encoding="utf-8-sig") as handle:
        row = next(csv.DictReader(handle))
    assert len(row["conflicts"].split(";")) == len(kinds)
    html_row = page_data((tmp_path / "p.html").read_text(encoding="utf-8"))["rows"][0]
    assert len(html_row[5]) == len(kinds)  # the page's "Conflicts (n)" and its list count this
    client = TestClient(create_app(folder), base_url="http://127.0.0.1")
    board = client.get("/s/svc.json/workshop").text
    assert f"{len(kinds)} conflicts</span>" in board
    assert re.search(rf"Conflicts <span class=\"count\">\({len(kinds)}\)</span>", client.get("/s/svc.json").text)


def test_rules_concluding_one_conflict_id_make_one_finding_and_accept_refuses_it(tmp_path: Path) -> None:
    layer = tmp_path / "layer"
    layer.mkdir()
    rule = (
        "  - id: org.{n}\n    title: T{n}\n    rationale: R.\n    source: practice, org policy\n"
        "    priority: {p}\n    when: {{hosting: saas}}\n    then:\n      - conflict:\n"
        "          {{kind: model_fit, id: org-one-fact, severity: low, message: From {n}., remedy: Fix.}}\n"
    )
    (layer / "org.yaml").write_text("rules:\n" + rule.format(n="a", p=10) + rule.format(n="b", p=20), encoding="utf-8")
    path = write_json(tmp_path / "svc.json", scenario(hosting="saas", contract_owner="it"))
    report = json.loads(run_cli("assess", str(path), "--rules", str(layer), "--format", "json").output)
    mine = [c for c in report["conflicts"] if c["id"] == "org-one-fact"]
    assert [(c["rule"], c["message"]) for c in mine] == [("org.b", "From b.")]
    refused = run_cli(
        "accept", str(path), "org-one-fact", "--role", "business_owner", "--name", "X", "--rules", str(layer)
    )
    assert refused.exit_code == 3 and "is a conflict to resolve, not a risk" in refused.stderr
