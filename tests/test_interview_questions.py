"""The interview asks every open question the rules can raise, in words, where it applies (issue 26).

After the dialogue's own questions, the interview assesses the answers so far and asks the open questions
the rules raise of them, again after each answer, until none is new: the rules decide what applies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from opsadvisor import api
from opsadvisor.cli import main
from opsadvisor.contract import FIELD, Flag, ListOf
from opsadvisor.dialogue.interview import ScriptedAsker, answer_text, askable, questions
from opsadvisor.web import forms

from .helpers import SCENARIOS, run_cli

HR = SCENARIOS / "hr-portal-it-operated-decided-otherwise.json"  # leaves GDPR, security, exit and SOX questions open

# A rule layer of an organisation: one more question, on a field no bundled rule asks for, in its own words.
LAYER = """\
questions:
  contract.it_elements_owner: Who holds the IT elements of the business's contract - IT, the business, or nobody?
rules:
  - id: org.ask-it-elements
    title: Ask who holds the IT elements of a business-held contract
    rationale: Our business-held contracts are often split.
    source: practice, organisation policy
    priority: 300
    when:
      contract_owner: business
      contract.it_elements_owner: {exists: false}
    then:
      - question: contract.it_elements_owner
"""

# The dialogue of an IT-operated service on a business-held contract, without personal data or regulation
# (so that no bundled rule asks anything more of it).
PLAIN = ["svc", "Plain service", "it operated", "business", "no", "on premise", "", "low", "internal", "no"]
PLAIN += ["none", "40", "mature", "none", "Owner", "it_ops"]


@dataclass
class ByPrompt:
    """An Asker that answers each question from what the question is (its prompt), as a script cannot:
    which questions come depends on the answers. Flags get `flag`, choices and counts the contract's
    example, lists of several answers none; `asked` records the prompts."""

    flag: str = "no"
    asked: list[str] = field(default_factory=list)
    interactive: bool = False

    def ask(self, prompt: str) -> str:
        self.asked.append(prompt)
        if prompt.startswith(("benefit ", "system ")):
            return ""  # ends the list: none
        item = FIELD[prompt]
        node = item.node()
        if isinstance(node, Flag):
            return self.flag
        if isinstance(node, ListOf):
            return "none"
        return answer_text(item.example)

    def say(self, text: str) -> None:
        pass


def layer(tmp_path: Path) -> Path:
    folder = tmp_path / "org-rules"
    folder.mkdir()
    (folder / "questions.yaml").write_text(LAYER, encoding="utf-8")
    return folder


def piped(*args: str, answers: list[str]) -> Any:
    return CliRunner().invoke(main, ["interview", *args], input="\n".join(answers) + "\n")


@pytest.mark.parametrize("flag", ["yes", "no"])
@pytest.mark.parametrize("name", sorted(path.name for path in SCENARIOS.glob("*.json")))
def test_from_any_bundled_scenario_the_interview_leaves_no_open_question(name: str, flag: str) -> None:
    """Whatever the answers, every open question the assessment would list was asked: none is left."""
    start = json.loads((SCENARIOS / name).read_text(encoding="utf-8"))
    asker = ByPrompt(flag)
    document = api.interview(asker, start)
    assert api.assess(document).open_questions == (), asker.asked


def test_from_asks_the_regulation_security_exit_and_vendor_hours_questions_in_words(tmp_path: Path) -> None:
    original = json.loads(HR.read_text(encoding="utf-8"))
    asker = ByPrompt("yes")
    api.interview(asker, original)
    for prompt in ("vendor_support_hours", "gdpr.dpa", "security.sso_mfa", "exit.data_portability", "sox.soc1_report"):
        assert prompt in asker.asked
    answers = ["24x7", "business hours", *["yes"] * len(asker.asked)]  # service hours, vendor hours, then flags
    result = piped("--from", str(HR), "-o", str(tmp_path / "hr.json"), answers=answers)
    assert result.exit_code == 0, result.output
    assert "\nIs a data processing agreement (GDPR Art. 28) in place with the vendor?\n" in result.stderr
    assert "\nCan the service's data be exported in a usable format?\n" in result.stderr
    assert "Still open" not in result.stderr
    written = json.loads((tmp_path / "hr.json").read_text(encoding="utf-8"))
    assert written["gdpr"]["dpa"] is True and written["exit"]["data_portability"] is True


def test_a_question_a_rule_layer_adds_is_asked_in_its_words_where_the_rule_fires(tmp_path: Path) -> None:
    rules = [layer(tmp_path)]
    asker = ScriptedAsker([*PLAIN, "IT"], interactive=True)
    document = api.interview(asker, rules=rules)
    said = asker.said or []
    assert "Who holds the IT elements of the business's contract - IT, the business, or nobody?" in said
    assert "contract.it_elements_owner: IT" in said
    assert document["contract"] == {"it_elements_owner": "it"}
    assert api.assess(document, rules=rules).open_questions == ()
    # where the rule does not fire (IT holds the contract), it is not asked
    it_held = [*PLAIN]
    it_held[3] = "it"
    document = api.interview(ScriptedAsker(it_held, interactive=True), rules=rules)
    assert "contract" not in document


def test_the_workbench_form_asks_a_layers_question_where_the_rule_fires(tmp_path: Path) -> None:
    assessor = api.assessor_for(api.rule_pack([layer(tmp_path)]))
    typed = {
        "service.id": "svc",
        "service.name": "Plain",
        "contract_owner": "business",
        "contract.it_elements_owner": "IT",
    }
    answers = forms.read_answers(typed, assessor)
    assert answers.document["contract"] == {"it_elements_owner": "it"} and not answers.errors
    shown = {item.path: item for item in forms.form_fields(assessor, answers.document)}
    asked = shown["contract.it_elements_owner"]
    assert asked.applies and asked.question.startswith("Who holds the IT elements of the business's contract")
    held_by_it = forms.read_answers({**typed, "contract_owner": "it"}, assessor)
    assert "contract" not in held_by_it.document  # typed, but not asked of these answers: dropped
    assert not {item.path: item for item in forms.form_fields(assessor, held_by_it.document)}[
        "contract.it_elements_owner"
    ].applies


def test_the_form_lists_every_question_the_pack_can_raise_and_marks_those_asked() -> None:
    assessor = api.assessor_for(api.rule_pack())
    document = json.loads(HR.read_text(encoding="utf-8"))
    shown = {item.path: item.applies for item in forms.form_fields(assessor, document)}
    assert list(shown) == [item.path for item in askable(assessor.pack)]
    assert shown["gdpr.dpa"] and shown["exit.data_portability"] and shown["vendor_support_hours"]
    assert not shown["dora.critical_function"]  # HR is not subject to DORA
    assert [path for path, applies in shown.items() if applies] == [item.path for item in questions(assessor, document)]


def test_piped_answers_that_end_at_the_rules_questions_leave_them_open(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    result = piped("-o", str(out), answers=[*PLAIN[:3], "it", *PLAIN[4:9], "yes", "gdpr", *PLAIN[11:]])
    assert result.exit_code == 0, result.output
    assert "gdpr.processing_record: (no more answers: what the rules still ask is left open)" in result.stderr
    still_open = next(line for line in result.stderr.splitlines() if line.startswith("Still open ("))
    assert "GDPR: record of processing; GDPR: high-risk processing" in still_open  # in words, and whatever else
    assert "gdpr" not in json.loads(out.read_text(encoding="utf-8"))


def test_at_a_terminal_the_end_of_input_at_a_rules_question_still_writes_nothing() -> None:
    answers = [*PLAIN[:3], "it", *PLAIN[4:9], "yes", "gdpr", *PLAIN[11:]]
    with pytest.raises(EOFError):
        api.interview(ScriptedAsker(answers, interactive=True))


def test_a_rule_asking_for_an_unworded_field_is_a_rules_check_error(tmp_path: Path) -> None:
    folder = layer(tmp_path)
    text = LAYER.split("rules:\n", 1)[1]
    (folder / "questions.yaml").write_text("rules:\n" + text, encoding="utf-8")  # the words left out
    result = run_cli("rules", "check", str(folder))
    assert result.exit_code == 4
    assert (
        f"{folder / 'questions.yaml'}:11: error [org.ask-it-elements]: question contract.it_elements_owner has no "
        "words to ask it in: add them under `questions:`" in result.output
    )


def test_a_rule_may_not_ask_for_what_the_workshop_records(tmp_path: Path) -> None:
    folder = layer(tmp_path)
    (folder / "questions.yaml").write_text(LAYER.replace("question: contract.it_elements_owner", "question: decisions"))
    result = run_cli("rules", "check", str(folder))
    assert result.exit_code == 4
    assert "found 'decisions' (recorded by opsadvisor decide and accept, not asked)" in result.output


def test_question_mark_at_validated_by_shows_the_validation_questions_help() -> None:
    answers = ["crm", "CRM", "business operated", "Faster claims", "?", "back", "Faster claims", "?", "claim time"]
    asker = ScriptedAsker(answers, interactive=True)
    with pytest.raises(EOFError):
        api.interview(asker)
    said = asker.said or []
    help_at = said.index("validated by: ?")
    assert said[help_at + 1 : help_at + 6] == [
        "  Help: How will this benefit be validated (what is measured, and when)?",
        "  Answers: text.",
        "  Example: share of visits planned the day before, measured monthly.",
        "  don't know = not yet agreed: the benefit is recorded without its validation.",
        "  back = type the benefit (Faster claims) again; Ctrl-C = stop without writing anything.",
    ]
    assert said.count("benefit 1: Faster claims") == 2  # back dropped it, and it was typed again


def test_question_mark_in_an_integration_shows_that_parts_help() -> None:
    answers = ["crm", "CRM", "it operated", "it", "no", "saas", "ERP", "?"]
    asker = ScriptedAsker(answers, interactive=True)
    with pytest.raises(EOFError):
        api.interview(asker)
    said = asker.said or []
    assert "  Help: The type of ERP." in said
    assert "  Answers: 1 api, 2 file, 3 database, 4 sso, 5 event (the number or the word)." in said
    assert "  Example: api." in said
