"""`opsadvisor explain`: why a rule fired, and why not (first failed condition, near misses)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from opsadvisor.api import assess, explain
from opsadvisor.authoring.catalogue import UnknownRule

from .helpers import SCENARIOS, run_cli, scenario

CRM = SCENARIOS / "sales-crm-business-operated.json"


def by_id(explanation, rule_id):
    return next(rule for rule in explanation.rules if rule.rule == rule_id)


def test_a_fired_rule_shows_what_it_matched_and_concluded() -> None:
    rule = by_id(explain(CRM), "ambition.business-operated")
    assert rule.fired and rule.matched == {"ambition": "business_operated"}
    assert rule.concluded == ("recommend model B", 'derive operated_by = "business"')


def test_why_not_gives_the_first_failed_condition_its_fact_and_actual_value() -> None:
    rule = by_id(explain(CRM, ["governance.licence-management"]), "governance.licence-management")
    assert not rule.fired and rule.near_miss
    (first,) = rule.failed
    assert first.condition == "business_capabilities lacks licence_management"
    assert first.facts == {"business_capabilities": "$.business_capabilities"}
    assert first.actual == {"business_capabilities": ("licence_management", "support_desk")}


def test_a_missing_fact_and_a_fact_nobody_derived_are_named_so() -> None:
    explanation = explain(scenario(ambition="it_operated"), ["contract.vendor-run-without-contract"])
    (rule,) = explanation.rules
    assert rule.failed[0].actual == {"vendor_run": "missing"}
    (rule,) = explain(scenario(ambition="it_operated"), ["ambition.undecided.establish"]).rules
    assert rule.failed[0].actual == {"ambition_open": "not derived"}


def test_the_explanation_agrees_with_the_assessment_for_every_bundled_scenario() -> None:
    for path in sorted(SCENARIOS.glob("*.json")):
        for rule in explain(path).rules:
            assert rule.fired == (not rule.failed), (path.name, rule.rule)


def test_default_output_lists_fired_rules_and_near_misses() -> None:
    result = run_cli("explain", str(CRM))
    assert result.exit_code == 0
    out = result.output
    fired = len({entry.rule for entry in assess(CRM).trace})
    assert f"Fired ({fired}):" in out and "Near misses, rules that failed on exactly one condition" in out
    near = out.split("Near misses")[1]
    assert "ambition.it-operated (priority 300" in near
    assert "first failed: ambition equals it_operated" in near
    assert "actual:       ambition ($.ambition) = business_operated" in near


def test_named_rules_list_every_condition() -> None:
    result = run_cli("explain", str(CRM), "--rule", "dialogue.benefits-missing")
    assert "    held    operated_by equals business  [operated_by (derived) = business]" in result.output
    assert "    FAILED  any of (expected_benefits equals 0; expected_benefits exists false)" in result.output


def test_json_format_and_stdin() -> None:
    document = json.loads(
        run_cli("explain", "-", "--format", "json", "--rule", "ambition.mixed", input=CRM.read_text()).output
    )
    assert document["source"] == "<stdin>"
    (rule,) = document["rules"]
    assert rule["first_failed"]["actual"] == {"ambition": "business_operated"}


def test_an_unknown_rule_is_a_usage_error() -> None:
    with pytest.raises(UnknownRule):
        explain(CRM, ["ambition.mixd"])
    assert run_cli("explain", str(CRM), "--rule", "ambition.mixd").exit_code == 2


def test_layered_rules_are_explained_too(tmp_path: Path) -> None:
    folder = tmp_path / "org"
    folder.mkdir()
    (folder / "org.yaml").write_text(
        "rules:\n  - id: org.cloud\n    title: Cloud review\n    rationale: Policy.\n"
        "    when: {hosting: cloud, criticality: {at_least: high}}\n    then: [{next_step: Review.}]\n",
        encoding="utf-8",
    )
    result = run_cli("explain", str(CRM), "--rules", str(folder), "--rule", "org.cloud")
    assert "first failed: hosting equals cloud" in result.output
    assert "held    criticality at_least high" in result.output


def test_a_fired_rule_that_was_outranked_says_so() -> None:
    explanation = explain(scenario(ambition="undecided", criticality="critical"), ["ambition.undecided.suggest-c"])
    (rule,) = explanation.rules
    assert rule.fired
    assert rule.outranked == (
        "recommend model C: model A wins (ambition.undecided.suggest-a-critical, higher priority)",
    )


def test_json_format_lists_the_fired_rules_and_the_near_misses_as_the_text_does() -> None:
    rules = json.loads(run_cli("explain", str(CRM), "--format", "json").output)["rules"]
    text = run_cli("explain", str(CRM)).output
    fired, near = text.split("Near misses")
    listed = re.compile(r"^  (\S+) \(priority", flags=re.MULTILINE)
    assert [rule["rule"] for rule in rules if rule["fired"]] == listed.findall(fired)
    assert [rule["rule"] for rule in rules if rule["near_miss"]] == listed.findall(near)
    assert len(rules) == len(listed.findall(text))
    miss = next(rule for rule in rules if rule["rule"] == "ambition.it-operated")
    assert miss["near_miss"] and not miss["fired"]
    assert miss["first_failed"]["condition"] == "ambition equals it_operated"
    assert miss["first_failed"]["actual"] == {"ambition": "business_operated"}
