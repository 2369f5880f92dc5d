"""The interview as a person at a terminal drives it: through a pseudo-terminal (pexpect), keys and all.

Piped answers are covered by test_dialogue_interview.py; these are the cases only a terminal has
(line editing, Ctrl-C) and the interactive steps (help, review, confirmation) as they are typed.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pexpect
import pytest

from opsadvisor.contract import FIELD

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

CLI = "from opsadvisor.cli import main; main()"
LEFT, UP = "\x1b[D", "\x1b[A"

# (prompt, answer): an IT-operated service without integrations, one question at a time.
SHORT = [
    ("service.id", "crm"),
    ("service.name", "Sales CRM"),
    ("ambition", "it operated"),
    ("contract_owner", "it"),
    ("vendor_run", "no"),
    ("hosting", "saas"),
    ("system 1", ""),
    ("criticality", "high"),
    ("data.classification", "confidential"),
    ("data.personal_data", "yes"),
    ("regulations", "gdpr"),
    ("users", "850"),
    ("lifecycle", "mature"),
    ("business_capabilities", "none"),
    ("service.business_owner", "Head of Sales"),
    ("current.operated_by", "new"),
    ("service_hours", "extended hours"),
]
# After the dialogue, the questions the rules raise (of SHORT: GDPR's, for personal data at a SaaS vendor).
# The rule packs grow questions, so these tests answer each with no, whichever they are: a prompt that is
# a field's path at the start of a line.
RULE_PROMPT = "\n(" + "|".join(re.escape(path) for path in sorted(FIELD, key=len, reverse=True)) + "): "


def spawn(*args: str, cwd: Path, shell: str = "") -> pexpect.spawn:
    """`opsadvisor interview ARGS` at a terminal; with `shell`, that command line through sh instead."""
    env = {**os.environ, "TERM": "xterm", "INPUTRC": "/dev/null"}  # no personal readline settings
    command, argv = (sys.executable, ["-c", CLI, "interview", *args]) if not shell else ("sh", ["-c", shell])
    child = pexpect.spawn(command, argv, cwd=str(cwd), env=env, encoding="utf-8", timeout=20)
    child.delaybeforesend = None  # pexpect's default pause before each send would add seconds to the suite
    return child


def answer(child: pexpect.spawn, prompt: str, text: str) -> None:
    child.expect_exact(f"{prompt}: ")
    child.send(text + "\r")


def answer_all(child: pexpect.spawn, answers: list[tuple[str, str]]) -> None:
    for prompt, text in answers:
        answer(child, prompt, text)


def answer_rules(child: pexpect.spawn, then: str = "Scenario for") -> None:
    """Answer no to each question the rules raise, up to the text `then` (the review, or the summary once
    the interview has ended), which is read."""
    while child.expect_list([re.compile(re.escape(then)), re.compile(RULE_PROMPT)]) == 1:
        child.send("no\r")


def finish(child: pexpect.spawn) -> tuple[str, int]:
    """What the terminal showed until the end, and the exit status."""
    child.expect(pexpect.EOF)
    status = child.wait()
    child.ptyproc.delayafterclose = 0  # it has exited: no need to give it time before closing
    child.close()
    return child.before, status


def test_arrow_keys_edit_the_answer_and_up_recalls_an_earlier_one(tmp_path: Path) -> None:
    child = spawn("-o", "s.json", "--yes", cwd=tmp_path)
    answer(child, "service.id", f"rm{LEFT * 2}c")  # typed "rm", moved to its start, typed "c"
    answer(child, "service.name", f"{UP} app")  # the previous answer, recalled and extended
    answer_all(child, SHORT[2:])
    answer_rules(child)
    _, status = finish(child)
    assert status == 0
    service = json.loads((tmp_path / "s.json").read_text())["service"]
    assert (service["id"], service["name"]) == ("crm", "crm app")


def test_line_editing_keeps_the_scenario_on_a_redirected_stdout_clean(tmp_path: Path) -> None:
    child = spawn(cwd=tmp_path, shell=f"'{sys.executable}' -c '{CLI}' interview --yes > s.json")
    answer(child, "service.id", f"rm{LEFT * 2}c")
    answer_all(child, SHORT[1:])
    answer_rules(child)
    _, status = finish(child)
    assert status == 0
    text = (tmp_path / "s.json").read_text()
    assert "\x1b" not in text and "service.id" not in text  # no prompt and no escape code in the scenario
    assert json.loads(text)["service"]["id"] == "crm"


def test_a_numbered_choice_is_accepted_at_the_terminal(tmp_path: Path) -> None:
    child = spawn("-o", "s.json", "--yes", cwd=tmp_path)
    answer_all(child, SHORT[:2])
    child.expect_exact("Answers: 1 it_operated, 2 business_operated, 3 mixed, 4 undecided;")
    answer(child, "ambition", "1")
    answer_all(child, SHORT[3:])
    answer_rules(child)
    assert finish(child)[1] == 0
    assert json.loads((tmp_path / "s.json").read_text())["ambition"] == "it_operated"


def test_question_mark_shows_the_help_and_back_returns_to_the_previous_question(tmp_path: Path) -> None:
    child = spawn("-o", "s.json", "--yes", cwd=tmp_path)
    answer_all(child, SHORT[:2])
    answer(child, "ambition", "?")
    child.expect_exact("Help: Is the service to be operated by the IT function")
    child.expect_exact("back = the previous question")
    answer(child, "ambition", "back")
    answer(child, "service.name", "Sales CRM 2")
    answer_all(child, SHORT[2:])
    answer_rules(child)
    assert finish(child)[1] == 0
    assert json.loads((tmp_path / "s.json").read_text())["service"]["name"] == "Sales CRM 2"


def test_a_5000_digit_answer_is_refused_and_asked_again(tmp_path: Path) -> None:
    child = spawn("-o", "s.json", "--yes", cwd=tmp_path)
    users = SHORT.index(("users", "850"))
    answer_all(child, SHORT[:users])
    child.expect_exact("users: ")
    child.send("9" * 5000 + "\r")  # longer than the terminal's line: readline scrolls it
    child.expect_exact("Not accepted: users: expected a whole number from 0 to 1000000000000")
    answer_all(child, SHORT[users:])
    answer_rules(child)
    output, status = finish(child)
    assert status == 0, output
    assert json.loads((tmp_path / "s.json").read_text())["users"] == 850


def test_the_review_then_an_explicit_yes_replaces_an_existing_file(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    out.write_text("previous content")
    child = spawn("-o", "s.json", cwd=tmp_path)
    child.expect_exact("s.json exists: you will be asked before it is replaced.")
    answer_all(child, SHORT)
    answer_rules(child, "Your answers:")
    child.expect_exact("  12  users: 850")
    answer(child, "Replace s.json", "")  # Enter alone does not replace a file
    answer(child, "Replace s.json", "12")
    child.expect_exact("Now: 850; an empty answer keeps it.")  # the answer being changed
    answer(child, "users", "900")
    answer(child, "Replace s.json", "yes")
    output, status = finish(child)
    assert status == 0, output
    assert json.loads(out.read_text())["users"] == 900


def test_no_at_the_review_leaves_the_existing_file(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    out.write_text("previous content")
    child = spawn("-o", "s.json", cwd=tmp_path)
    answer_all(child, SHORT)
    answer_rules(child, "Your answers:")
    answer(child, "Replace s.json", "no")
    output, status = finish(child)
    assert status == 1
    assert output.strip().endswith("Nothing was written.")
    assert out.read_text() == "previous content"
    assert [path.name for path in tmp_path.iterdir()] == ["s.json"]


def test_ctrl_c_prints_one_line_writes_nothing_and_exits_130(tmp_path: Path) -> None:
    child = spawn("-o", "s.json", cwd=tmp_path)
    answer_all(child, SHORT[:3])
    child.expect_exact("contract_owner: ")
    child.sendintr()
    output, status = finish(child)
    assert status == 130
    assert [line for line in output.splitlines() if line.strip("^C \r")] == ["Interrupted: nothing was written."]
    assert list(tmp_path.iterdir()) == []  # no scenario, no temporary file


def test_a_missing_output_folder_is_reported_before_the_first_question(tmp_path: Path) -> None:
    child = spawn("-o", "missing/s.json", cwd=tmp_path)
    output, status = finish(child)
    assert status == 2
    assert "missing/s.json: cannot write the file" in output
    assert "service.id" not in output
