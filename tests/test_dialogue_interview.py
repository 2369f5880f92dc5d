"""The guided interview, driven through stdin as a script or a pipe would drive it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from conftest import SCENARIOS, run_cli
from hypothesis import given
from hypothesis import strategies as st

from opsadvisor import api
from opsadvisor.cli import main
from opsadvisor.contract import QUESTION_FIELDS
from opsadvisor.dialogue.interview import ScriptedAsker, convert, spec_at
from opsadvisor.validation import validate

# One answer a line, in the order the dialogue asks (ambition first, benefits for business operated).
FULL = [
    "crm",  # service id
    "Sales CRM",  # name
    "business operated",  # ambition
    "Pipelines configured without IT",  # benefit 1
    "lead time of pipeline changes under a day",  # how it is validated
    "",  # no more benefits
    "it",  # contract owner
    "yes",  # vendor runs it
    "saas",
    "ERP",  # integration 1
    "api",
    "yes",  # system of record
    "",  # no more integrations
    "high",
    "confidential",
    "yes",  # personal data
    "gdpr",
    "850",
    "mature",
    "support_desk, licence_management",
    "Head of Sales",
]


def interview(*args: str, answers: list[str]):
    return CliRunner().invoke(main, ["interview", *args], input="\n".join(answers) + "\n")


def test_a_piped_interview_writes_a_scenario_that_assess_accepts(tmp_path: Path) -> None:
    out = tmp_path / "crm.json"
    result = interview("-o", str(out), answers=FULL)
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert document["ambition"] == "business_operated"
    assert document["expected_benefits"] == [
        "Pipelines configured without IT (validated by: lead time of pipeline changes under a day)"
    ]
    assert document["integrations"] == [{"system": "ERP", "type": "api", "system_of_record": True}]
    assert document["users"] == 850
    assessed = run_cli("assess", str(out), "--format", "json")
    assert assessed.exit_code == 0
    report = json.loads(assessed.stdout)
    assert report["recommendation"]["model"] == "B"
    assert report["open_questions"] == []
    assert [c["kind"] for c in report["conflicts"]] == ["contract_ownership"]


def test_questions_come_in_the_dialogue_order_with_their_allowed_answers(tmp_path: Path) -> None:
    result = interview("-o", str(tmp_path / "s.json"), answers=FULL)
    asked = [line.split(":")[0] for line in result.stderr.splitlines() if ":" in line and not line.startswith(" ")]
    order = [name for name in asked if name in QUESTION_FIELDS or name in ("service.id", "service.name")]
    assert order[:3] == ["service.id", "service.name", "ambition"]
    assert order.index("ambition") < order.index("contract_owner") < order.index("vendor_run")
    assert order.index("criticality") < order.index("regulations") < order.index("business_capabilities")
    assert "Answers: it_operated, business_operated, mixed, undecided; ? = don't know." in result.stderr


def test_an_invalid_answer_is_asked_again_with_the_reason(tmp_path: Path) -> None:
    answers = [*FULL]
    answers[answers.index("saas")] = "saaz\nsaas"
    answers[answers.index("gdpr")] = "gdpr, sax\ngdpr"
    answers[answers.index("850")] = "many\n850"
    result = interview("-o", str(tmp_path / "s.json"), answers=answers)
    assert result.exit_code == 0, result.output
    assert (
        "Not accepted: hosting: expected one of saas, vendor_hosted, on_premise, cloud; "
        'found string "saaz" (did you mean "saas"?)' in result.stderr
    )
    assert (
        "regulations[1]: expected one of gdpr, sox, dora, nis2, hipaa, pci_dss; "
        'found string "sax" (did you mean "sox"?)' in result.stderr
    )
    assert "users: expected a whole number" in result.stderr
    assert json.loads((tmp_path / "s.json").read_text())["hosting"] == "saas"


def test_dont_know_leaves_the_fact_missing_as_an_open_question(tmp_path: Path) -> None:
    answers = [*FULL]
    answers[answers.index("high")] = "?"
    answers[answers.index("850")] = "don't know"
    out = tmp_path / "s.json"
    assert interview("-o", str(out), answers=answers).exit_code == 0
    document = json.loads(out.read_text())
    assert "criticality" not in document and "users" not in document
    report = json.loads(run_cli("assess", str(out), "--format", "json").stdout)
    assert [q["fact"] for q in report["open_questions"]] == ["criticality", "users"]


def test_the_recommendation_is_previewed_once_the_ambition_is_known(tmp_path: Path) -> None:
    result = interview("-o", str(tmp_path / "s.json"), answers=FULL)
    lines = result.stderr.splitlines()
    first = next(i for i, line in enumerate(lines) if "Preview:" in line)
    assert lines[first - 1] == "business operated"  # right after the ambition answer
    assert "recommended model B" in lines[first]
    assert any("Preview:" in line and "1 conflict" in line for line in lines)


def test_end_of_input_stops_the_interview_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    out.write_text("previous content")
    result = interview("-o", str(out), answers=FULL[:8])
    assert result.exit_code == 1
    assert "nothing was written" in result.stderr
    assert out.read_text() == "previous content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]  # no temporary file left


def test_without_output_the_scenario_goes_to_stdout_and_the_dialogue_to_stderr() -> None:
    result = interview(answers=FULL)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["service"] == {"id": "crm", "name": "Sales CRM", "business_owner": "Head of Sales"}
    assert "Who holds the service provider contract" in result.stderr


def test_from_asks_only_what_is_missing(tmp_path: Path) -> None:
    source = SCENARIOS / "treasury-no-ambition.json"
    answers = ["it operated", "no", "restricted", "no", "40", "mature", "?", "CFO"]
    out = tmp_path / "treasury.json"
    result = interview("--from", str(source), "-o", str(out), answers=answers)
    assert result.exit_code == 0, result.output
    for present in ("hosting:", "contract_owner:", "integrations", "criticality:", "regulations:", "service.id:"):
        assert f"\n{present}" not in result.stderr
    document = json.loads(out.read_text())
    original = json.loads(source.read_text())
    assert document["service"] == {**original.pop("service"), "business_owner": "CFO"}
    assert {key: document[key] for key in original} == original
    assert document["ambition"] == "it_operated"
    assert "business_capabilities" not in document  # answered "?"
    assert "expected_benefits" not in document  # asked for a business-operated ambition only


def test_from_an_invalid_scenario_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"service": {"id": "x", "name": "X"}, "ambition": "it_operatd"}')
    result = interview("--from", str(broken), answers=[])
    assert result.exit_code == 3
    assert 'did you mean "it_operated"' in result.stderr


def test_the_python_api_runs_the_same_interview_from_a_list_of_answers() -> None:
    asker = ScriptedAsker(FULL)
    document = api.interview(asker)
    assert document["lifecycle"] == "mature"
    assert any(line.startswith("  Preview:") for line in asker.said or [])


@given(st.sampled_from([f for f in QUESTION_FIELDS if f != "expected_benefits"]), st.text(max_size=40))
def test_any_answer_is_either_a_valid_value_or_rejected_with_a_reason(field: str, answer: str) -> None:
    spec = spec_at(api.assessor_for(api.rule_pack()).spec, field)
    value = convert(answer, spec)
    problems = validate(value, spec, field)
    assert all(problem.startswith(field) for problem in problems)
