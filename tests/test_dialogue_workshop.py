"""The Support Model Design Workshop pack."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from conftest import GOLDEN, ROOT, check_golden, run_cli, scenario

from opsadvisor import api
from opsadvisor.errors import RulesError
from opsadvisor.rulepack import load_pack


@pytest.mark.parametrize(("fmt", "suffix"), [("markdown", "md"), ("html", "html")])
def test_golden_workshop_pack(monkeypatch: pytest.MonkeyPatch, fmt: str, suffix: str) -> None:
    monkeypatch.chdir(ROOT)
    result = run_cli("workshop", "scenarios/field-service-mixed.json", "--format", fmt)
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
        "## Risks to accept \\(sign-off\\)",  # Markdown-escaped: no user text can form a link
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


def test_every_tbd_cell_is_a_decision_with_its_discussion_questions() -> None:
    text = api.workshop(ROOT / "scenarios/field-service-mixed.json", source="field.json")
    assert text.count("**t.b.d. - decide**") == 18
    assert "### D4. Service Level Mgmt: application and interface" in text
    assert "Who owns SLA performance - who reviews the vendor's service reports and escalates a breach?" in text
    assert "opsadvisor decide field.json service_level --application PARTY --interface PARTY" in text
    model_b = api.workshop(ROOT / "scenarios/sales-crm-business-operated.json")
    assert "### D1. Supportability & Transition Mgmt: application" in model_b
    assert "### D2." not in model_b


def test_conflicts_risks_sign_off_and_benefits() -> None:
    text = api.workshop(ROOT / "scenarios/trading-ledger-critical-sox.json")
    assert "Aim for model A \\(IT operated\\)" in text  # the conflict's remedy
    assert "| restricted-data-outside-it" in text and "| accepted by CISO" in text and "2026-10-14" in text
    assert "| **accept / mitigate** | **date**   |" in text
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
    assert "criticality is high or critical \\(criticality = critical\\)" in met
    assert "subject to regulation" in met and "integrates with a system of record" in met
    assert "- More than 500 users is a mode 1 trigger" in not_met.split("##")[0]
    assert "Current mode: mode 2." in text


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
