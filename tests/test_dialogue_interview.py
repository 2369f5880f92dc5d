"""The guided interview, driven through stdin as a script or a pipe would drive it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from opsadvisor import api
from opsadvisor.cli import main
from opsadvisor.contract import FIELD, QUESTION_FIELDS
from opsadvisor.dialogue.interview import Declined, Review, ScriptedAsker, convert, spec_at
from opsadvisor.validation import validate

from .helpers import SCENARIOS, run_cli

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
    "business",  # operated by today
    "24x7",  # service hours (a high-criticality service)
    "business hours",  # the vendor's support hours
]


# The shortest path: IT operated (no benefits asked), no integrations.
SHORT = [
    "crm",
    "Sales CRM",
    "it operated",
    "it",  # contract owner
    "no",  # vendor runs it
    "saas",
    "",  # no integrations
    "high",
    "confidential",
    "yes",  # personal data
    "gdpr",
    "850",
    "mature",
    "none",
    "Head of Sales",
    "new",  # operated by today
    "extended hours",  # service hours (a high-criticality service)
]


@dataclass
class RulesAnswered(ScriptedAsker):
    """A ScriptedAsker whose list answers the dialogue's questions (and the review's); a question only the
    rules ask is answered from `rules` by its field, else no. The rule packs grow questions: these tests
    of the dialogue's steps do not have to list them."""

    rules: dict[str, str] = field(default_factory=dict)

    def ask(self, prompt: str) -> str:
        item = FIELD.get(prompt)
        if item is None or item.asked is not None:
            return super().ask(prompt)
        answer = self.rules.get(prompt, "no")
        self.say(f"{prompt}: {answer}")
        return answer


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
    # every question of the dialogue is answered; what is left is what the regulation rules ask of this service
    assert [q["fact"] for q in report["open_questions"] if q["fact"] in QUESTION_FIELDS] == []
    assert {q["fact"].split(".")[0] for q in report["open_questions"]} == {"gdpr", "security"}
    assert [c["kind"] for c in report["conflicts"]] == ["model_fit"]  # IT holds the contract: one fact, one finding


def test_questions_come_in_the_dialogue_order_with_their_allowed_answers(tmp_path: Path) -> None:
    result = interview("-o", str(tmp_path / "s.json"), answers=FULL)
    asked = [line.split(":")[0] for line in result.stderr.splitlines() if ":" in line and not line.startswith(" ")]
    order = [name for name in asked if name in QUESTION_FIELDS or name in ("service.id", "service.name")]
    assert order[:3] == ["service.id", "service.name", "ambition"]
    assert order.index("ambition") < order.index("contract_owner") < order.index("vendor_run")
    assert order.index("criticality") < order.index("regulations") < order.index("business_capabilities")
    assert "Answers: 1 it_operated, 2 business_operated, 3 mixed, 4 undecided; ? = don't know." in result.stderr


def test_an_invalid_answer_is_asked_again_with_the_reason(tmp_path: Path) -> None:
    answers = [*FULL]
    answers[answers.index("saas")] = "saaz\nsaas"
    answers[answers.index("gdpr")] = "gdpr, sax\ngdpr"
    answers[answers.index("850")] = "many\n850"
    result = interview("-o", str(tmp_path / "s.json"), answers=answers)
    assert result.exit_code == 0, result.output
    assert (
        "Not accepted: hosting: expected one of saas, vendor_hosted, on_premise, cloud, low_code_platform; "
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
    assert [q["fact"] for q in report["open_questions"] if q["fact"] in QUESTION_FIELDS] == ["criticality", "users"]


def test_the_recommendation_is_previewed_once_the_ambition_is_known(tmp_path: Path) -> None:
    result = interview("-o", str(tmp_path / "s.json"), answers=FULL)
    lines = result.stderr.splitlines()
    first = next(i for i, line in enumerate(lines) if "Preview:" in line)
    assert lines[first - 1] == "ambition: business operated"  # right after the ambition answer
    assert "recommended model B" in lines[first]
    assert any("Preview:" in line and "1 conflict" in line for line in lines)


def test_end_of_input_stops_the_interview_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    out.write_text("previous content")
    result = interview("-o", str(out), "--yes", answers=FULL[:8])
    assert result.exit_code == 1
    assert result.stderr.count("nothing was written") == 1
    assert "Aborted!" not in result.stderr  # one line, not click's second one
    assert out.read_text() == "previous content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]  # no temporary file left


def test_without_output_the_scenario_goes_to_stdout_and_the_dialogue_to_stderr() -> None:
    result = interview(answers=FULL)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["service"] == {"id": "crm", "name": "Sales CRM", "business_owner": "Head of Sales"}
    assert "Who holds the service provider contract" in result.stderr


def test_from_asks_only_what_is_missing(tmp_path: Path) -> None:
    source = SCENARIOS / "treasury-no-ambition.json"
    answers = ["it operated", "no", "restricted", "no", "40", "mature", "?", "CFO", "?", "24x7"]
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


# --- as people type (issue 12) -------------------------------------------------------------------


def test_a_number_or_a_label_in_any_case_picks_a_choice(tmp_path: Path) -> None:
    answers = ["crm", "Sales CRM", "1", "IT", "No", "3", "ERP", "2", "", "", "Critical", "2", "YES", "1, SOX", "850"]
    answers += ["Mature", "1 5", "Head of Sales", "1", "3"]
    out = tmp_path / "s.json"
    result = interview("-o", str(out), answers=answers)
    assert result.exit_code == 0, result.stderr
    assert (
        "Answers: 1 saas, 2 vendor_hosted, 3 on_premise, 4 cloud, 5 low_code_platform; ? = don't know." in result.stderr
    )
    document = json.loads(out.read_text())
    assert (document["ambition"], document["hosting"], document["criticality"]) == (
        "it_operated",
        "on_premise",
        "critical",
    )
    assert document["integrations"] == [{"system": "ERP", "type": "file", "system_of_record": False}]
    assert document["data"] == {"classification": "internal", "personal_data": True}
    assert document["regulations"] == ["gdpr", "sox"]
    assert document["business_capabilities"] == ["support_desk", "licence_management"]


def test_a_number_outside_the_list_is_refused_with_the_choices(tmp_path: Path) -> None:
    answers = [*SHORT]
    answers[answers.index("saas")] = "6\n1"
    result = interview("-o", str(tmp_path / "s.json"), answers=answers)
    assert (
        "Not accepted: hosting: expected one of saas, vendor_hosted, on_premise, cloud, low_code_platform; "
        'found string "6"' in result.stderr
    )
    assert json.loads((tmp_path / "s.json").read_text())["hosting"] == "saas"


def test_back_returns_to_the_previous_question_and_to_the_previous_list_entry(tmp_path: Path) -> None:
    answers = ["back", "crm", "back", "crm-2", "Sales CRM", "it operated", "it", "no", "saas"]
    answers += ["ERP", "api", "back"]  # at "system of record": ERP is dropped, system 1 asked again
    answers += ["Ledger", "file", "yes", "back"]  # at "system 2": Ledger (the last entry) is dropped
    answers += ["Ledger", "file", "", ""]
    answers += SHORT[SHORT.index("high") :]
    out = tmp_path / "s.json"
    result = interview("-o", str(out), answers=answers)
    assert result.exit_code == 0, result.stderr
    assert "This is the first question." in result.stderr
    document = json.loads(out.read_text())
    assert document["service"]["id"] == "crm-2"
    assert document["integrations"] == [{"system": "Ledger", "type": "file", "system_of_record": False}]


def test_back_to_an_earlier_answer_forgets_what_followed_it() -> None:
    answers = ["crm", "Sales CRM", "business operated", "Faster", "?", "", "back", "back", "it operated"]
    asker = ScriptedAsker([*answers, *SHORT[SHORT.index("it") :]])
    document = api.interview(asker)
    assert document["ambition"] == "it_operated"
    assert "expected_benefits" not in document  # not asked for an IT-operated service


def test_at_a_terminal_a_question_mark_shows_the_help_and_dont_know_leaves_it_open() -> None:
    answers = SHORT[:-1]  # service hours are asked of a high or critical service only
    answers[answers.index("high")] = "?\ndon't know"
    asker = RulesAnswered("\n".join(answers).split("\n"), interactive=True)
    document = api.interview(asker)
    assert "criticality" not in document
    said = asker.said or []
    assert "  Help: How critical is the service to the business - low, medium, high or critical?" in said
    assert "  Answers: 1 low, 2 medium, 3 high, 4 critical (the number or the word)." in said
    assert "  Example: medium." in said
    assert "  Answers: 1 low, 2 medium, 3 high, 4 critical; don't know = leave it open." in said


def test_piped_help_shows_the_help_and_piped_question_mark_still_means_dont_know(tmp_path: Path) -> None:
    answers = [*SHORT]
    answers[answers.index("high")] = "help\n?"
    out = tmp_path / "s.json"
    result = interview("-o", str(out), answers=answers)
    assert result.exit_code == 0, result.stderr
    assert "Help: How critical is the service" in result.stderr
    assert "criticality" not in json.loads(out.read_text())


def reviewed(answers: list[str], review: Review, **rules: str) -> tuple[dict, list[str]]:
    """The answers of SHORT, what the rules ask answered as `rules` say (by field, _ for .) or no, then `answers`."""
    asker = RulesAnswered(
        [*SHORT, *answers], interactive=True, rules={k.replace("__", "."): v for k, v in rules.items()}
    )
    document = api.interview(asker, review=review)
    return document, asker.said or []


def listed(said: list[str], answer: str) -> bool:
    """Whether the review listed `answer` ('field: value') under some number."""
    return any(re.fullmatch(rf" +[0-9]+  {re.escape(answer)}", line) for line in said)


def test_the_review_lists_every_answer_and_an_empty_answer_writes() -> None:
    document, said = reviewed([""], Review("crm.json"))
    assert said[said.index("Your answers:") + 1 :][:3] == [
        "   1  service.id: crm",
        "   2  service.name: Sales CRM",
        "   3  ambition: it_operated",
    ]
    assert "   7  integrations: none" in said
    assert "  15  service.business_owner: Head of Sales" in said
    assert document["ambition"] == "it_operated"


# What changing the ambition to business operated asks: benefits, then the security baseline the rules
# ask of business-owned IT controls (single sign-on and MFA, central logging, vulnerability management).
TO_BUSINESS = ["3", "business operated", "Faster", "don't know", ""]


def test_the_review_changes_one_answer_by_its_number_and_asks_what_becomes_relevant() -> None:
    document, said = reviewed(
        [*TO_BUSINESS, "9", "don't know", "yes"],
        Review("x"),
        security__sso_mfa="no",
        security__central_logging="yes",
        security__vulnerability_management="don't know",
    )
    assert document["ambition"] == "business_operated"
    assert "  Now: it_operated; an empty answer keeps it." in said  # the answer being changed
    assert document["expected_benefits"] == ["Faster"]  # asked because the ambition changed
    # asked by the rules the new ambition brought in (business-owned IT controls: the security baseline)
    assert {"sso_mfa": False, "central_logging": True}.items() <= document["security"].items()
    assert listed(said, "security.vulnerability_management: (open question)")
    assert "criticality" not in document
    assert document["users"] == 850  # kept
    assert "   9  criticality: (open question)" in said


def test_an_empty_answer_keeps_the_answer_being_changed() -> None:
    document, said = reviewed(["12", "", "yes"], Review("x"))
    assert "  Now: 850; an empty answer keeps it." in said
    assert document["users"] == 850


def test_changing_the_ambition_back_forgets_the_answers_that_no_longer_apply() -> None:
    document, said = reviewed([*TO_BUSINESS, "3", "it operated", "yes"], Review("x"))
    assert listed(said, "security.sso_mfa: no")  # answered, then asked no more: the rules ask it of the business
    assert document["ambition"] == "it_operated"
    assert "expected_benefits" not in document and "security" not in document


def test_back_at_the_review_returns_to_the_last_question() -> None:
    _, said = reviewed(["back", "yes"], Review("x"))
    first_review = said.index("Write x: back")
    last = next(line for line in reversed(said[:first_review]) if re.fullmatch(r"[a-z_.]+: .*", line))
    asked_again = said[first_review + 1 :]
    assert last in asked_again and asked_again.index(last) < asked_again.index("Your answers:")


def test_an_answer_to_a_rules_question_can_bring_in_another() -> None:
    _, said = reviewed(["yes"], Review("x"), gdpr__transfers_outside_eea="no")
    assert "gdpr.transfer_safeguards: no" not in said
    document, said = reviewed(["yes"], Review("x"), gdpr__transfers_outside_eea="yes")
    assert "gdpr.transfer_safeguards: no" in said  # transfers outside the EEA: the rules ask for their safeguards
    assert document["gdpr"]["transfer_safeguards"] is False


def test_no_at_the_review_writes_nothing_and_replacing_a_file_needs_an_explicit_yes() -> None:
    with pytest.raises(Declined):
        reviewed(["no"], Review("x"))
    _, said = reviewed(["", "yes"], Review("crm.json", replaces=True))
    assert "Replace crm.json? yes, no to stop without writing, back, or the number of an answer to change it." in said
    listed_answers = [line for line in said if re.fullmatch(r" +[0-9]+  .*", line)]
    assert f"  Please answer yes, no, back or a number from 1 to {len(listed_answers)}." in said


def test_a_5000_digit_number_is_refused_and_asked_again(tmp_path: Path) -> None:
    answers = [*SHORT]
    answers[answers.index("850")] = "9" * 5000 + "\n" + "0" * 5000 + "7"
    out = tmp_path / "s.json"
    result = interview("-o", str(out), answers=answers)
    assert result.exit_code == 0, result.stderr
    assert "Not accepted: users: expected a whole number from 0 to 1000000000000; found string" in result.stderr
    assert json.loads(out.read_text())["users"] == 7


@given(
    st.builds(
        lambda sign, digit, length, tail: sign + digit * length + tail,
        st.sampled_from(["", "-", "0"]),
        st.sampled_from("0123456789"),
        st.integers(0, 6000),
        st.text(alphabet="0123456789 _,-", max_size=20),
    )
)
def test_any_number_typed_converts_without_an_exception(answer: str) -> None:
    value = convert(answer, spec_at(api.assessor_for(api.rule_pack()).spec, "users"))
    assert isinstance(value, str) or abs(value) < 10**30


def test_a_missing_output_folder_is_reported_before_the_first_question(tmp_path: Path) -> None:
    result = interview("-o", str(tmp_path / "missing" / "s.json"), answers=SHORT)
    assert result.exit_code == 2
    assert "missing/s.json: cannot write the file" in result.stderr
    assert "service.id" not in result.stderr  # no answer was typed in vain


def test_piped_answers_do_not_replace_an_existing_file_without_yes(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    out.write_text("previous content")
    result = interview("-o", str(out), answers=SHORT)
    assert result.exit_code == 2
    assert f"{out}: the file exists; add --yes to replace it" in result.stderr
    assert "service.id" not in result.stderr
    assert out.read_text() == "previous content"
    assert interview("-o", str(out), "--yes", answers=SHORT).exit_code == 0
    assert json.loads(out.read_text())["service"]["id"] == "crm"


@pytest.mark.no_faketime
def test_a_closed_stdin_is_a_usage_error_not_a_traceback(tmp_path: Path) -> None:
    command = f"'{sys.executable}' -c 'from opsadvisor.cli import main; main()' interview <&-"
    result = subprocess.run(["sh", "-c", command], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert result.returncode == 2
    assert "standard input is closed" in result.stderr
    assert "Traceback" not in result.stderr
