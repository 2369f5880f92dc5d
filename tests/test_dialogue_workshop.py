"""The Support Model Design Workshop pack."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from opsadvisor import api, clock
from opsadvisor.errors import RulesError
from opsadvisor.rulepack import load_pack

from .helpers import GOLDEN, ROOT, SCENARIOS, check_golden, run_cli, scenario


def section(text: str, heading: str) -> str:
    """The text of a level-2 section of a Markdown pack, up to the next level-2 heading."""
    return text.split(f"\n## {heading}\n")[1].split("\n## ")[0]


def walked(text: str) -> list[str]:
    """The processes the pack walks as business-accountable, by name."""
    body = section(text, "Processes the business is accountable for")
    return [line[4:].split(": the business is accountable")[0] for line in body.splitlines() if line.startswith("### ")]


@pytest.mark.parametrize(("fmt", "suffix"), [("markdown", "md"), ("html", "html")])
def test_golden_workshop_pack(monkeypatch: pytest.MonkeyPatch, fmt: str, suffix: str) -> None:
    monkeypatch.chdir(ROOT)
    result = run_cli("workshop", "scenarios/field-service-mixed.json", "--format", fmt, "--as-of", "2026-11-30")
    assert result.exit_code == 0, result.output
    check_golden(GOLDEN / f"workshop-field-service-mixed.{suffix}", result.stdout)


def test_the_pack_has_every_section_the_workshop_needs() -> None:
    text = api.workshop(ROOT / "scenarios/trading-ledger-critical-sox.json", source="ledger.json")
    for heading in (
        "## Purpose",
        "## Participants to invite",
        "## Agenda",
        "## Accountability matrix",
        "## Decisions to make",
        "## Conflicts to resolve",
        "## Expected benefits to validate",
        "## Risks to accept (sign-off)",
        "## Where IT offers help",
        "## Maturity: mode 2 to mode 1",
    ):
        assert heading in text


def test_participants_follow_the_facts() -> None:
    ledger = api.workshop(ROOT / "scenarios/trading-ledger-critical-sox.json")
    assert "- business owner: CFO" in ledger
    assert "- compliance officer" in ledger and "- information security officer" in ledger
    assert "- data protection officer" not in ledger  # no personal data
    assert "- vendor manager" not in ledger  # run by the business itself
    crm = api.workshop(ROOT / "scenarios/sales-crm-business-operated.json")
    assert "- data protection officer" in crm and "- vendor manager" in crm


def test_the_data_protection_officer_is_invited_only_where_gdpr_applies(tmp_path: Path) -> None:
    """The DPO is GDPR's office (Art. 37-39): personal data under HIPAA alone does not bring one."""
    document = json.loads((ROOT / "scenarios/sales-crm-business-operated.json").read_text(encoding="utf-8"))
    document["regulations"] = ["hipaa"]
    path = tmp_path / "crm.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert "- data protection officer" not in api.workshop(path)


def test_every_tbd_cell_is_a_decision_with_its_discussion_questions() -> None:
    text = api.workshop(ROOT / "scenarios/field-service-mixed.json", source="field.json")
    matrix = section(text, "Accountability matrix")
    assert matrix.count("**t.b.d. - decide**") == 18
    assert "### D4. Service Level Mgmt: application and interface" in text
    assert "Who owns SLA performance - who reviews the vendor's service reports and escalates a breach?" in text
    assert "opsadvisor decide field.json service_level --application PARTY --interface PARTY" in text
    model_b = api.workshop(ROOT / "scenarios/sales-crm-business-operated.json")
    assert "### D1. Supportability & Transition Mgmt: application" in model_b
    assert "### D2." not in model_b


def test_conflicts_risks_sign_off_and_benefits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.PINNED_TODAY, "2026-11-30")  # the acceptances it reads are current on this day
    text = api.workshop(ROOT / "scenarios/trading-ledger-critical-sox.json")
    assert "aim for model A (IT operated)" in text  # the conflict's remedy
    assert "| Restricted data under business-owned controls is a security risk" in text and "2026-10-14" in text
    assert "| accepted by business owner: CFO, accountable executive: COO, review by 2027-04-14" in text
    policy = api.rule_pack().acceptance["high"]
    assert f"high risks: review within 6 months, an acceptor of authority 2 or more ({policy.location}" in (
        text.replace("&lt;", "<").replace("&gt;", ">")
    )
    assert re.search(r"\| \*\*accept / mitigate\*\* +\| \*\*date\*\* +\|", text)
    assert "Traders get new position reports without an IT release cycle" in text
    assert "**how will it be validated?**" in text


def test_benefits_written_by_the_interview_show_how_they_are_validated() -> None:
    document = scenario(
        ambition="business_operated", expected_benefits=["Faster reports (validated by: report lead time < 1 day)"]
    )
    text = api.workshop(document)
    assert "| Faster reports     | report lead time &lt; 1 day |" in text


def test_maturity_lists_the_mode_1_triggers_met_and_not_yet_met() -> None:
    text = api.workshop(ROOT / "scenarios/trading-ledger-critical-sox.json")
    met, not_met = text.split("### Mode 1 triggers the service meets")[1].split("### Mode 1 triggers not yet met")
    assert "criticality is high or critical (criticality: critical)" in met
    assert "subject to regulation" in met and "system of record" not in text.split("### Mode 1 triggers")[1]
    assert "- More than 500 users is a mode 1 trigger" in not_met.split("##")[0]
    assert "Current mode: mode 2, and the move to mode 1 is due (it is scaling and meets the mode 1 triggers:" in text


def test_html_is_self_contained_and_escapes_user_text(tmp_path: Path) -> None:
    document = scenario(ambition="business_operated")
    document["service"] = {"id": "svc", "name": '<script>alert("x")</script> & co', "business_owner": "<b>Bob</b>"}
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(document))
    out = tmp_path / "pack.html"
    result = run_cli("workshop", str(path), "-o", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "<script>" not in html and "<b>Bob</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in html
    assert "src=" not in html and "<link" not in html


def test_an_invalid_scenario_is_refused() -> None:
    result = run_cli("workshop", str(ROOT / "nonexistent.json"))
    assert result.exit_code == 3


def test_a_rule_layer_adds_questions_and_a_broken_workshop_section_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "org"
    folder.mkdir()
    (folder / "workshop.yaml").write_text(
        textwrap.dedent(
            """
            workshop:
              questions:
                situation:
                  - Is the crisis team of our plant involved?
              participants:
                - id: org.workshop.plant
                  title: On-premise services bring the plant IT lead
                  rationale: Our plants run their own servers.
                  when:
                    hosting: on_premise
                  then:
                    - participant: plant IT lead
            """
        )
    )
    text = api.workshop(ROOT / "scenarios/field-service-mixed.json", rules=load_pack([folder]))
    assert "Is the crisis team of our plant involved?" in text
    assert "Who leads a major incident" not in text  # replaced by the layer
    assert "plant IT lead" not in text
    ledger = api.workshop(ROOT / "scenarios/trading-ledger-critical-sox.json", rules=load_pack([folder]))
    assert "- plant IT lead" in ledger and "- compliance officer" in ledger
    assert "plant" not in json.dumps(api.assess(ROOT / "scenarios/trading-ledger-critical-sox.json").to_dict())
    (folder / "workshop.yaml").write_text(
        "workshop:\n  questions:\n    situaton: [Who?]\n    problem: not a list\n  particpants: []\n"
    )
    with pytest.raises(RulesError) as caught:
        load_pack([folder])
    assert any('unknown process situaton (did you mean "situation"?)' in p for p in caught.value.problems)
    assert any("questions.problem: expected a non-empty list of text" in p for p in caught.value.problems)
    assert any('unknown key "particpants"' in p and "did you mean" in p for p in caught.value.problems)


MODEL_B_BUSINESS = [
    "Request Mgmt",
    "Incident Mgmt",
    "Situation Mgmt",
    "Problem Mgmt",
    "Change Mgmt",
    "Service Level Mgmt",
    "Configuration Mgmt",
    "Business Continuity / Disaster Recovery",
    "Software License Mgmt",
    "(Vendor) Contract Management",
    "IT Control Ownership & Execution",
]


def test_the_pack_walks_every_process_the_business_is_accountable_for_not_only_open_cells() -> None:
    crm = api.workshop(ROOT / "scenarios/sales-crm-business-operated.json", source="crm.json")
    assert walked(crm) == MODEL_B_BUSINESS  # model B: every Business cell, none of them t.b.d.
    incident = section(crm, "Processes the business is accountable for").split("### Incident Mgmt")[1].split("###")[0]
    assert "Accountable now: application Business, interface IT OPS." in incident
    assert "Who takes the vendor desk's escalations when it does not resolve an incident in time?" in incident
    for agreement in ("SLA performance:", "Escalation:", "Stepping in:"):
        assert f"- {agreement}" in incident
    command = "opsadvisor decide crm.json incident --application business --interface it_ops --performed-by WHO"
    assert "opsadvisor" not in incident  # the handout has no commands: the facilitator's appendix has them
    assert command in section(crm, "Facilitator appendix: recording the outcomes")
    assert "Walk through the 11 processes the business is accountable for" in section(crm, "Agenda")
    payroll = api.workshop(ROOT / "scenarios/payroll-it-operated.json")
    assert walked(payroll) == []
    assert "_The business is accountable for no process (yet)._" in payroll


def test_the_walk_follows_the_effective_matrix_with_decisions() -> None:
    document = json.loads((ROOT / "scenarios/sales-crm-business-operated.json").read_text())
    document["decisions"] = {
        "it_controls": {"application": "it_ops"},  # taken from the business
        "enhancement": {"application": "business"},  # given to the business
        "release": {"application": "it_delivery", "interface": "business"},  # the business holds the interface
    }
    names = walked(api.workshop(document))
    assert "IT Control Ownership & Execution" not in names
    assert "Enhancement Mgmt" in names
    text = api.workshop(document)
    assert "### Release Mgmt: the business is accountable for the interface" in text
    assert "--application it_delivery --interface business --performed-by WHO" in text


def test_who_performs_the_work_shows_beside_who_is_accountable() -> None:
    document = json.loads((ROOT / "scenarios/sales-crm-business-operated.json").read_text())
    document["decisions"] = {"incident": {"application": "business", "interface": "it_ops", "performed_by": "vendor"}}
    text = api.workshop(document, source="crm.json")
    matrix = section(text, "Accountability matrix")
    assert re.search(r"\| Incident Mgmt +\| Business +\| IT OPS +\| Vendor +\|", matrix)
    assert re.search(r"\| Request Mgmt +\| Business +\| IT OPS +\| +\|", matrix)  # blank: to fill in
    incident = text.split("### Incident Mgmt")[1].split("###")[0]
    assert "Daily work performed by: Vendor." in incident
    assert "how the business steps in and resolves the situation when the vendor does not perform" in incident
    assert "--performed-by WHO" not in incident  # already recorded
    request = text.split("### Request Mgmt")[1].split("###")[0]
    assert "Daily work performed by: not yet recorded." in request
    assert "when the party doing the daily work does not perform" in request


def test_participants_include_a_facilitator_and_the_vendors_service_manager_when_vendor_run() -> None:
    crm = section(api.workshop(ROOT / "scenarios/sales-crm-business-operated.json"), "Participants to invite")
    assert "- facilitator (business relationship manager)" in crm
    assert "- vendor's service manager" in crm  # vendor_run: true
    ledger = section(api.workshop(ROOT / "scenarios/trading-ledger-critical-sox.json"), "Participants to invite")
    assert "- facilitator (business relationship manager)" in ledger
    assert "vendor's service manager" not in ledger  # the business runs it itself


def test_the_pack_ends_with_a_sign_off_table_for_the_agreed_support_model() -> None:
    document = json.loads((ROOT / "scenarios/field-service-mixed.json").read_text())
    document["decisions"]["incident"]["performed_by"] = "vendor"
    text = api.workshop(document)
    last = text.split("\n## ")[-2]  # the handout's last part: only the facilitator's appendix follows
    assert last.startswith("Sign-off: the agreed support model\n")
    header = next(line for line in last.splitlines() if line.startswith("| support process"))
    assert [cell.strip() for cell in header.strip("|").split("|")] == [
        "support process",
        "accountable: application",
        "accountable: interface",
        "performed by",
        "agreed by (name)",
        "date",
    ]
    rows = [line for line in last.splitlines() if line.startswith("| ") and not line.startswith("| support")]
    assert len(rows) == 14
    assert re.search(r"\| Incident Mgmt +\| Business +\| IT OPS +\| Vendor +\| +\| +\|", last)
    assert re.search(r"\| Situation Mgmt +\| \*\*t\.b\.d\. - decide\*\* +\| \*\*t\.b\.d\. - decide\*\* +\|", last)
    html = api.workshop(document, output_format="html")
    tail = html.split("<h2>")[-2]
    assert tail.startswith("Sign-off: the agreed support model</h2>")
    assert "<th>agreed by (name)</th><th>date</th>" in tail
    assert "<tr><td>Incident Mgmt</td><td>Business</td><td>IT OPS</td><td>Vendor</td><td></td><td></td></tr>" in tail


def test_the_workshop_invites_every_role_that_must_accept_or_is_consulted_on_a_pending_risk() -> None:
    """Issue 24: the people who sign are in the room: every acceptor of a pending risk (the accountable
    executive, the CIO, ...) and every role consulted on one, in every bundled scenario."""
    pack = api.rule_pack()
    invited_somewhere = set()
    for path in sorted(SCENARIOS.glob("*.json")):
        assessment = api.assess(path)
        text = api.workshop(path)
        invited = text.split("## Participants to invite", 1)[1].split("\n## ", 1)[0]
        for risk in assessment.pending_risks:
            rule = pack.rule(risk.rule)
            (payload,) = [p for p in rule.of_kind("risk") if p.id == risk.id]
            for role in (*payload.accept_by, *payload.consult):
                name = pack.roles[role].name
                named = re.escape(f'"{assessment.risk_name(risk)}"')  # the risk in words
                assert re.search(rf"^- {re.escape(name)}\b.*{named}", invited, re.M), (path.name, name)
                invited_somewhere.add(role)
    assert {"accountable_executive", "risk_manager"} <= invited_somewhere
    low_code = scenario(
        ambition="business_operated",
        hosting="low_code_platform",
        low_code={"tier": "business_important", "environments": False},
    )
    assert (
        '\n- CIO (accepts "A business-important low-code solution changed in production is a reliability risk")\n'
        in api.workshop(low_code)
    )


def test_only_risks_are_offered_for_acceptance_or_mitigation_never_a_conflict_or_obligation() -> None:
    """The DORA payments hub has obligations (conflicts with ids) beside its risks: they are to fix, with
    their remedy, and no row, decision cell or facilitator command offers to accept or mitigate them."""
    path = SCENARIOS / "payments-hub-dora-critical.json"
    assessment = api.assess(path, as_of="2026-11-30")
    obligations = {conflict.id for conflict in assessment.conflicts if conflict.id}
    assert obligations and assessment.risks  # both kinds are there to tell apart
    text = api.workshop(path, source="hub.json", as_of="2026-11-30")
    risks = section(text, "Risks to accept (sign-off)")
    offered = [line.split("|")[1].strip() for line in risks.splitlines() if "accept / mitigate" in line]
    assert sorted(offered) == sorted(assessment.risk_name(risk) for risk in assessment.pending_risks)  # in words
    appendix = section(text, "Facilitator appendix: recording the outcomes")
    pending = {risk.id for risk in assessment.pending_risks}
    for command in ("accept", "mitigate"):
        named = set(re.findall(rf"opsadvisor {command} hub\.json (\S+)", appendix))
        assert named == pending and not obligations & named
    assert "accept / mitigate" not in section(text, "Conflicts to resolve")
