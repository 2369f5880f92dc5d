"""The guided interview: ask the dialogue's questions in order and build a scenario a user can assess.

The questions, their order and the allowed answers come from the contract (contract.FIELDS: each
field's place in the dialogue and default question) and the rule pack's `questions`, which may
reword a question; an answer is checked with the contract's own validator, so the reason given for
a rejected answer is the one `assess` would give. "?" or "don't know" leaves a fact missing, which
the assessment turns into an open question.

The interview talks through an Asker, so it runs the same from a terminal, from piped stdin or from
a Python list of answers. It never writes: the caller writes the finished document (atomically).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import click

from .. import api
from ..assessment import Assessment
from ..contract import DIALOGUE, FIELD, Choice, Count, Flag, ListOf, Record, Spec, Text, question_for
from ..errors import ScenarioError
from ..scenario import get_path, set_path
from ..text import count
from ..validation import validate
from .benefits import join_benefit
from .jsonedit import pretty

DONT_KNOW = ("?", "don't know", "dont know", "do not know", "unknown")
NONE = ("none", "-")
BENEFITS = "expected_benefits"  # asked as benefit and validation pairs (see benefits.py)
_MISSING = object()


class Asker(Protocol):
    """Where questions go and answers come from. `ask` raises EOFError or KeyboardInterrupt to stop."""

    def ask(self, prompt: str) -> str: ...

    def say(self, text: str) -> None: ...


@dataclass
class ScriptedAsker:
    """An Asker for Python callers and tests: answers from a list; `said` collects the output."""

    answers: Iterable[str]
    said: list[str] | None = None

    def __post_init__(self) -> None:
        self._answers: Iterator[str] = iter(self.answers)
        self.said = [] if self.said is None else self.said

    def ask(self, prompt: str) -> str:
        answer = next(self._answers, None)
        if answer is None:
            raise EOFError(f"no answer for {prompt}")
        self.say(f"{prompt}: {answer}")
        return answer

    def say(self, text: str) -> None:
        assert self.said is not None
        self.said.append(text)


# --- the contract, read generically -------------------------------------------------------------


def spec_at(spec: Record, field: str) -> Spec:
    """The contract spec of a dotted field name, e.g. data.classification."""
    node: Spec = spec
    for part in field.split("."):
        assert isinstance(node, Record), field
        node = node.fields[part]
    return node


def ordered(value: Any, spec: Spec) -> Any:
    """A document with its keys in the contract's order (so every interview writes the same layout)."""
    if isinstance(spec, Record) and isinstance(value, dict):
        return {key: ordered(value[key], child) for key, child in spec.fields.items() if key in value}
    if isinstance(spec, ListOf) and isinstance(value, list):
        return [ordered(item, spec.item) for item in value]
    return value


def scenario_json(document: dict[str, Any], spec: Record) -> str:
    return pretty(ordered(document, spec))


def _answer_text(value: Any) -> str:
    """A default value as the user would type it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def choice_word(answer: str) -> str:
    """'Business operated' -> 'business_operated': the forms people type for a vocabulary value."""
    return re.sub(r"[\s-]+", "_", answer.strip().lower())


def hint(spec: Spec) -> str:
    """The allowed answers, as shown to the user."""
    if isinstance(spec, Choice):
        return ", ".join(spec.values)
    if isinstance(spec, Flag):
        return "yes or no"
    if isinstance(spec, Count):
        return "a whole number"
    if isinstance(spec, ListOf) and isinstance(spec.item, Choice):
        return f"any of {', '.join(spec.item.values)}, separated by commas; or none"
    return "text"


def convert(answer: str, spec: Spec) -> Any:
    """The JSON value an answer stands for; an answer that does not fit is passed on as text,
    so the contract's validator says why it is wrong."""
    text = answer.strip()
    if isinstance(spec, Choice):
        return choice_word(text)
    if isinstance(spec, Flag):
        word = text.lower()
        return True if word in ("yes", "y", "true") else False if word in ("no", "n", "false") else text
    if isinstance(spec, Count):
        digits = re.sub(r"[ _,]", "", text)
        return int(digits) if re.fullmatch(r"-?\d+", digits) else text
    if isinstance(spec, ListOf) and isinstance(spec.item, Choice):
        if text.lower() in NONE:
            return []
        return [choice_word(part) for part in re.split(r"[,;\s]+", text) if part]
    return text


# --- the interview ------------------------------------------------------------------------------


class Interview:
    """One interview: the document so far, the pack's questions, and a recommendation preview."""

    def __init__(self, asker: Asker, assessor: api.Assessor, start: dict[str, Any] | None = None) -> None:
        self.asker = asker
        self.assessor = assessor
        self.spec = assessor.spec
        self.document: dict[str, Any] = json.loads(json.dumps(start)) if start else {}
        self._preview = ""

    def question(self, field: str) -> str:
        return question_for(field, self.assessor.pack.questions)

    def ask_valid(self, label: str, spec: Spec, path: str, *, unknown: bool, default: Any = _MISSING) -> Any:
        """Ask until the answer fits `spec`; _MISSING for don't know (when allowed) or an empty default."""
        while True:
            answer = self.asker.ask(label).strip()
            if not answer:
                if default is not _MISSING:
                    return default
                self.asker.say("  Please answer" + (", or ? if you don't know." if unknown else "."))
                continue
            if answer.lower() in DONT_KNOW:
                if unknown:
                    return _MISSING
                self.asker.say("  This one is needed to write a scenario; please answer it.")
                continue
            value = convert(answer, spec)
            problems = validate(value, spec, path)
            if not problems:
                return value
            for problem in problems:
                self.asker.say(f"  Not accepted: {problem}")
            self.asker.say(f"  Allowed: {hint(spec)}.")

    def run(self) -> dict[str, Any]:
        fields = [item.path for item in DIALOGUE]
        for index, item in enumerate(DIALOGUE):
            if get_path(self.document, item.path, _MISSING) is not _MISSING or not item.asks(self.document):
                continue
            self.asker.say("")
            self.asker.say(self.question(item.path))
            value = self._ask_field(item.path)
            if value is not _MISSING:
                set_path(self.document, item.path, value)
            if index >= fields.index("ambition"):  # enough is known once the ambition was asked
                self._show_preview()
        return self.document

    def _ask_field(self, field: str) -> Any:
        spec = spec_at(self.spec, field)
        required = FIELD[field].required
        if field == BENEFITS:
            return self._benefits(spec)  # type: ignore[arg-type]
        if isinstance(spec, ListOf) and isinstance(spec.item, Record):
            return self._records(field, spec.item)
        if not isinstance(spec, Text):
            self.asker.say(f"  Answers: {hint(spec)}" + ("" if required else "; ? = don't know") + ".")
        elif not required:
            self.asker.say("  ? = don't know.")
        return self.ask_valid(field, spec, field, unknown=not required)

    def _benefits(self, spec: ListOf) -> Any:
        self.asker.say("  One benefit per answer; an empty answer ends the list; ? = don't know.")
        benefits: list[str] = []
        while True:
            path = f"{BENEFITS}[{len(benefits)}]"
            first = not benefits
            benefit = self.ask_valid(
                f"benefit {len(benefits) + 1}", Text(non_empty=True), path, unknown=first, default=""
            )
            if benefit is _MISSING:
                return _MISSING
            if benefit == "":
                return benefits
            self.asker.say("  How will this benefit be validated (what is measured, and when)? ? = not yet agreed.")
            how = self.ask_valid("validated by", Text(non_empty=True), path, unknown=True)
            text = join_benefit(benefit, None if how is _MISSING else how)
            for problem in validate(text, spec.item, path):
                self.asker.say(f"  Not accepted: {problem}")
                break
            else:
                benefits.append(text)

    def _records(self, field: str, item: Record) -> Any:
        """A list of records (integrations): the first required field names each entry."""
        key, *others = (*item.required, *(name for name in item.fields if name not in item.required))
        self.asker.say(f"  One {key} per answer; an empty answer ends the list; ? = don't know.")
        entries: list[dict[str, Any]] = []
        while True:
            path = f"{field}[{len(entries)}]"
            first = not entries
            name = self.ask_valid(
                f"{key} {len(entries) + 1}", item.fields[key], f"{path}.{key}", unknown=first, default=""
            )
            if name is _MISSING:
                return _MISSING
            if name == "":
                return entries
            entry = {key: name}
            for other in others:
                spec = item.fields[other]
                default = item.defaults.get(other, _MISSING)
                shown = "" if default is _MISSING else f", empty = {_answer_text(default)}"
                label = f"  {other.replace('_', ' ')} [{hint(spec)}{shown}]"
                value = self.ask_valid(label, spec, f"{path}.{other}", unknown=False, default=default)
                entry[other] = value
            entries.append(entry)

    def _show_preview(self) -> None:
        """Print the recommendation whenever it (or its conflicts, risks or open decisions) changes."""
        try:
            assessment = self.assessor.assess_document(self.document, "<interview>")
        except ScenarioError:
            return
        summary = preview(assessment)
        if summary != self._preview:
            self._preview = summary
            self.asker.say(f"  Preview: {summary}")


def preview(assessment: Assessment) -> str:
    """One line: the recommendation and what the dialogue still has to settle."""
    rec = assessment.recommendation
    if rec.model is None:
        line = "no model recommended yet"
    else:
        line = f"{'suggested' if rec.suggestion else 'recommended'} model {rec.model} ({rec.name})"
    if rec.mode is not None:
        line += f", mode {rec.mode}"
    counts = [
        count(len(assessment.conflicts), "conflict"),
        count(len(assessment.pending_risks), "risk to accept", "risks to accept"),
        count(len(assessment.open_decisions), "open decision"),
    ]
    return f"{line}; " + ", ".join(counts)


class ClickAsker:
    """The terminal Asker: click prompts on stderr, so stdout can carry the scenario.

    click.prompt raises click.Abort on Ctrl-C or at the end of piped input.
    """

    def ask(self, prompt: str) -> str:
        answer = str(click.prompt(prompt, default="", show_default=False, err=True))
        if not sys.stdin.isatty():
            click.echo(answer, err=True)  # piped answers are not echoed: show them in the transcript
        return answer

    def say(self, text: str) -> None:
        click.echo(text, err=True)


def summary(document: dict[str, Any], assessment: Assessment) -> list[str]:
    """What the user sees when the interview ends."""
    lines = [f"Scenario for {document['service']['name']}: {preview(assessment)}."]
    if assessment.open_questions:
        lines.append(
            f"Still open ({len(assessment.open_questions)}): " + ", ".join(q.fact for q in assessment.open_questions)
        )
    return lines


def interview(
    asker: Asker,
    start: dict[str, Any] | None = None,
    rules: api.RulesArg = None,
    include_default_rules: bool = True,
    source: str = "--from",
) -> dict[str, Any]:
    """Run the interview and return the scenario document (in the contract's key order).

    `start` is an existing scenario document: only what it lacks is asked. Raises ScenarioError if
    `start` is not a valid scenario; EOFError or KeyboardInterrupt from the asker stop the interview.
    """
    assessor = api.assessor_for(api.rule_pack(rules, include_default_rules))
    if start is not None:
        assessor.parse(start, source)
    document = Interview(asker, assessor, start).run()
    assessor.parse(document, "<interview>")
    return ordered(document, assessor.spec)
