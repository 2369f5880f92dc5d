"""An honest undecided state (issue 24): while the ambition is open every cell is an open decision, a gate
on open decisions trips, the suggested model's consequences are a preview rather than conflicts, and the
priorities of open decisions read sensibly."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from opsadvisor.web.app import create_app

from .helpers import ROOT, run_cli, scenario, write_json

LEDGER = scenario(
    hosting="vendor_hosted",
    vendor_run=True,
    contract_owner="business",
    integrations=[{"system": "General ledger", "type": "database", "system_of_record": True}],
    criticality="critical",
    data={"classification": "restricted", "personal_data": False},
    regulations=["sox", "dora"],
    users=60,
    lifecycle="mature",
)


def assess(path: Path, *args: str) -> Any:
    return run_cli("assess", str(path), *args)


def test_an_open_ambition_leaves_every_cell_an_open_decision_and_the_decision_gate_trips(tmp_path: Path) -> None:
    path = write_json(tmp_path / "ledger.json", {**LEDGER, "ambition": "undecided"})
    report = json.loads(assess(path, "--format", "json").output)
    assert report["recommendation"]["suggestion"] is True
    assert len(report["open_decisions"]) == 28
    assert {d["priority"] for d in report["open_decisions"]} == {"high"}
    text = assess(path).output
    assert "No open decisions." not in text
    assert "No risks need acceptance yet: 28 cells are still open" in text
    assert assess(path, "--fail-on", "decision").exit_code == 1
    assert assess(path, "--fail-on", "risk", "--fail-on", "conflict").exit_code == 0
    decided = write_json(tmp_path / "decided.json", {**LEDGER, "ambition": "it_operated", "contract_owner": "it"})
    assert assess(decided, "--fail-on", "decision").exit_code == 0  # model A decides every cell


def test_the_batch_gate_on_open_decisions_says_which_services(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_json(folder / "ledger.json", {**LEDGER, "ambition": "undecided"})
    result = run_cli("batch", str(folder), "-q", "--jobs", "1", "--fail-on", "decision")
    assert result.exit_code == 1
    assert "fail-on decision: 1 service, 28 open decisions: svc-1" in result.stderr
    assert run_cli("batch", str(folder), "-q", "--jobs", "1", "--fail-on", "risk").exit_code == 0


def test_no_conflict_is_raised_against_the_tools_own_suggestion_it_is_a_preview() -> None:
    treasury = str(ROOT / "scenarios" / "treasury-no-ambition.json")
    report = json.loads(run_cli("assess", treasury, "--format", "json").output)
    assert report["recommendation"]["model"] == "A" and report["recommendation"]["suggestion"]
    assert report["conflicts"] == []
    preview = report["preview"]
    assert (preview["model"], preview["ambition"]) == ("A", "it_operated")
    assert [(i["finding"], i["what"]) for i in preview["items"]] == [("conflict", "contract_ownership")]
    text = run_cli("assess", treasury).output
    assert "If model A is chosen (a preview, not findings)" in text
    assert "No conflicts found in what is decided so far (28 cells are still open)." in text
    markdown = run_cli("assess", treasury, "--format", "markdown").output
    assert "## If model A is chosen (a preview, not findings)" in markdown


def test_a_suggested_b_is_never_followed_by_b_does_not_fit(tmp_path: Path) -> None:
    low_risk = scenario(
        ambition="undecided",
        contract_owner="business",
        criticality="low",
        users=40,
        data={"classification": "internal"},
        regulations=[],
    )
    alone = json.loads(
        assess(write_json(tmp_path / "a.json", {**low_risk, "integrations": []}), "--format", "json").output
    )
    assert alone["recommendation"]["model"] != "B"  # B is for an integrated service: without one it is not offered
    integrated = {**low_risk, "integrations": [{"system": "CRM", "type": "api"}]}
    report = json.loads(assess(write_json(tmp_path / "b.json", integrated), "--format", "json").output)
    assert (report["recommendation"]["model"], report["recommendation"]["suggestion"]) == ("B", True)
    assert report["conflicts"] == []
    assert report["recommendation"]["departures"] == []


def test_gdpr_alone_makes_only_the_controls_and_contract_cells_of_a_pilot_high(tmp_path: Path) -> None:
    pilot = scenario(
        ambition="mixed",
        criticality="low",
        lifecycle="pilot",
        regulations=["gdpr"],
        data={"personal_data": True},
        integrations=[{"system": "CRM", "type": "api"}],
    )
    report = json.loads(assess(write_json(tmp_path / "pilot.json", pilot), "--format", "json").output)
    high = {d["process"] for d in report["open_decisions"] if d["priority"] == "high"}
    assert high == {"it_controls", "vendor_contract"}
    assert len(report["open_decisions"]) == 28
    critical = {**pilot, "criticality": "critical"}
    report = json.loads(assess(write_json(tmp_path / "critical.json", critical), "--format", "json").output)
    assert {d["priority"] for d in report["open_decisions"]} == {"high"}


def test_the_portfolio_html_names_open_decisions_once_per_priority_not_once_per_cell(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_json(folder / "ledger.json", {**LEDGER, "ambition": "mixed"})
    run_cli("batch", str(folder), "-q", "--jobs", "1", "--out", str(tmp_path / "p.html"))
    html = (tmp_path / "p.html").read_text(encoding="utf-8")
    top = html.split("<section id=top>", 1)[1].split("</section>", 1)[0]
    lines = re.findall(r"<li><span class=\"sev-(\w+)\">open decisions: ([^<]*)</span>", top)
    assert lines == [("high", "28 cells still t.b.d.")]


UNKNOWN_CAPABILITIES = scenario(
    ambition="business_operated",
    contract_owner="business",
    vendor_run=True,
    criticality="critical",
    integrations=[{"system": "ERP", "type": "api"}],
)


def test_unknown_capabilities_are_not_a_clean_result_the_areas_they_settle_are_named(tmp_path: Path) -> None:
    """Unknown is not none: the report names the areas the unanswered question leaves open and links the
    question to them, in the terminal, Markdown, the workshop's HTML and the workbench."""
    folder = tmp_path / "ws"
    folder.mkdir()
    path = write_json(folder / "svc.json", UNKNOWN_CAPABILITIES)
    report = json.loads(assess(path, "--format", "json").output)
    waiting = {area["process"] for area in report["governance_areas"] if area["depends_on"] == "business_capabilities"}
    assert waiting == {"vendor_contract", "continuity", "licence", "change"}
    question = next(q for q in report["open_questions"] if q["fact"] == "business_capabilities")
    assert set(question["settles"]) == waiting
    text = assess(path).output
    assert "No governance areas flagged." not in text
    linked = "Its answer settles where IT can add value: Change Mgmt, Business Continuity / Disaster Recovery"
    for output in (
        text.replace("\n", " "),
        assess(path, "--format", "markdown").output,
        run_cli("workshop", str(path), "--format", "html").output,
    ):
        flat = re.sub(r"\s+", " ", html.unescape(output))
        assert "flagged because the open question about the business's operate capabilities" in flat
        assert linked in flat
    page = TestClient(create_app(folder), base_url="http://127.0.0.1").get("/s/svc.json").text
    assert linked in re.sub(r"\s+", " ", page) and "is unanswered; its answer confirms or removes them" in page
    answered = {**UNKNOWN_CAPABILITIES, "business_capabilities": ["vendor_management", "change_control"]}
    report = json.loads(assess(write_json(tmp_path / "a.json", answered), "--format", "json").output)
    assert not [area for area in report["governance_areas"] if area["depends_on"]]
    assert {area["process"] for area in report["governance_areas"]} == {"continuity", "licence"}
