"""Reports for people use people's words: rule titles rather than ids, field labels rather than JSON
paths, plurals that agree, and no commands in a stakeholder's handout. JSON and the trace keep the ids."""

from __future__ import annotations

import json
import re

import pytest

from opsadvisor import api

from .helpers import SCENARIOS, run_cli

SCENARIO_FILES = sorted(SCENARIOS.glob("*.json"))
RULE_ID = re.compile(r"\b[a-z][a-z0-9-]*\.[a-z0-9-]+\b")  # e.g. ambition.it-operated


def rule_ids() -> set[str]:
    return {rule.id for rule in api.rule_pack().rules}


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_table_and_markdown_name_rules_by_title_and_json_keeps_the_ids(path) -> None:
    ids = rule_ids()
    for output_format in ("table", "markdown"):
        report = run_cli("assess", str(path), "--format", output_format).output
        assert not set(RULE_ID.findall(report)) & ids, output_format
    document = json.loads(run_cli("assess", str(path), "--format", "json").output)
    assert set(document["recommendation"]["because"]) <= ids


def test_the_trace_of_explain_keeps_the_rule_ids() -> None:
    report = run_cli("assess", str(SCENARIOS / "sales-crm-business-operated.json"), "--explain").output
    assert re.search(r"^ +\d+  ambition.business-operated: A ", report, re.M)


def test_open_questions_name_the_fact_in_words_not_as_a_json_path() -> None:
    report = run_cli("assess", str(SCENARIOS / "sales-crm-business-operated.json")).output
    questions = report.split("Open questions\n")[1].split("\n\n")[0]
    assert "who operates it today" in questions and "current.operated_by" not in questions


@pytest.mark.parametrize(
    "benefits, wording",
    [
        (["a"], "(without an agreed validation so far: 1 of 1)"),
        (["a", "b"], "(without an agreed validation so far: 2 of 2)"),
    ],
)
def test_the_benefits_step_reads_right_for_one_and_for_many(benefits: list[str], wording: str) -> None:
    document = {"service": {"id": "s", "name": "S"}, "ambition": "business_operated", "expected_benefits": benefits}
    steps = [step.step for step in api.assess(document).next_steps]
    assert any(f"each expected benefit of business operation will be measured {wording}" in step for step in steps)
    assert not any("(s)" in step for step in steps)


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_the_workshop_handout_has_no_commands_only_its_facilitator_appendix(path) -> None:
    for output_format, heading in (("markdown", "\n## Facilitator appendix"), ("html", "<h2>Facilitator appendix")):
        pack = api.workshop(path, output_format=output_format)
        handout = pack.split(heading)[0]
        assert "opsadvisor " not in handout.replace("opsadvisor docs operating-models", "")
        assert "= " not in re.sub(r"<[^>]+>", "", handout.split("Mode 1 triggers")[-1])  # no 'fact = value'
