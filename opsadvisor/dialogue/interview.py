"""The guided interview: ask the dialogue's questions in order and build a scenario a user can assess.

The questions, their order and the allowed answers come from the contract (contract.FIELDS: each
field's place in the dialogue and default question) and the rule pack's `questions`, which may
reword a question; an answer is checked with the contract's own validator, so the reason given for
a rejected answer is the one `assess` would give. "don't know" leaves a fact missing, which the
assessment turns into an open question. After the dialogue's questions come the open questions the
rules raise of the answers so far (`question:` conclusions), asked until none is new
(`next_question`), so every open question a report could list was asked where it applies.

The interview talks through an Asker, so it runs the same from a terminal, from piped stdin or from
a Python list of answers. A person at a terminal (`Asker.interactive`) types `?` for a question's
help and reviews the answers before they are written; piped answers keep the meaning they always
had (`?` = don't know) and are not reviewed. `back` returns to the previous question in both.
The interview never writes: the caller writes the finished document (atomically).
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import sys
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from .. import api, vocabulary
from ..assessment import Assessment
from ..contract import (
    DIALOGUE,
    FIELD,
    FIELDS,
    Choice,
    Count,
    Field,
    Flag,
    ListOf,
    Record,
    Spec,
    Text,
    label_for,
    question_for,
)
from ..errors import ScenarioError
from ..rulepack.ir import RulePack
from ..scenario import get_path, set_path
from ..scenario_formats import Editor
from ..text import count, say_value
from ..validation import validate
from .benefits import join_benefit

DONT_KNOW = ("don't know", "dont know", "do not know", "unknown")
PIPED_DONT_KNOW = "?"  # what piped answers (and earlier versions) use for don't know; at a terminal, help
HELP = "help"
BACK = "back"
YES = ("y", "yes")
NO = ("n", "no")
NONE = ("none", "-")
BENEFITS = "expected_benefits"  # asked as benefit and validation pairs (see benefits.py)
MAX_DIGITS = 30  # a longer number is refused by the contract (Count.maximum) before int() parses it
VALIDATION_QUESTION = "How will this benefit be validated (what is measured, and when)?"
VALIDATION_EXAMPLE = "share of visits planned the day before, measured monthly"
_MISSING = object()


class Asker(Protocol):
    """Where questions go and answers come from. `ask` raises EOFError or KeyboardInterrupt to stop.

    `interactive`: a person answers as they read (a terminal), rather than a script.
    """

    interactive: bool

    def ask(self, prompt: str) -> str: ...

    def say(self, text: str) -> None: ...


class Declined(Exception):
    """The user answered no at the review: nothing is to be written."""


class _Back(Exception):
    """The user typed `back`."""


_State = tuple[dict[str, Any], frozenset[str]]  # the answers so far: the document, and the fields left open


@dataclass(frozen=True)
class Review:
    """Show every answer and ask before writing. `target` is what a yes writes (a file name, or stdout);
    `replaces`: it overwrites an existing file, so an empty answer is not taken as yes."""

    target: str
    replaces: bool = False


@dataclass
class ScriptedAsker:
    """An Asker for Python callers and tests: answers from a list; `said` collects the output."""

    answers: Iterable[str]
    said: list[str] | None = None
    interactive: bool = False

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


def scenario_text(document: dict[str, Any], spec: Record, editor: Editor) -> str:
    """A new scenario file's text in the format `editor` writes (scenario_formats), keys in the contract's order."""
    return editor.pretty(ordered(document, spec))


def forget(document: dict[str, Any], path: str) -> None:
    """Remove a dotted path's value, and a parent object it leaves empty (the inverse of set_path)."""
    *parents, last = path.split(".")
    nodes = [document]
    for part in parents:
        child = nodes[-1].get(part)
        if not isinstance(child, dict):
            return
        nodes.append(child)
    nodes[-1].pop(last, None)
    for node, part in zip(reversed(nodes[:-1]), reversed(parents), strict=True):
        if node[part]:
            break
        del node[part]


def choice_word(answer: str, values: tuple[str, ...] = ()) -> str:
    """'Business operated' -> 'business_operated', and '2' -> the second of `values`: the forms people
    type for a vocabulary value."""
    word = re.sub(r"[\s-]+", "_", answer.strip().lower())
    if re.fullmatch(r"[0-9]{1,3}", word) and 1 <= int(word) <= len(values):
        return values[int(word) - 1]
    return word


def numbered(values: tuple[str, ...]) -> str:
    """'1 saas, 2 vendor_hosted, ...': a vocabulary as shown, so either the number or the word may be typed."""
    return ", ".join(f"{number} {value}" for number, value in enumerate(values, 1))


def hint(spec: Spec) -> str:
    """The allowed answers, as shown to the user."""
    if isinstance(spec, Choice):
        return numbered(spec.values)
    if isinstance(spec, Flag):
        return "yes or no"
    if isinstance(spec, Count):
        return "a whole number"
    if isinstance(spec, ListOf) and isinstance(spec.item, Choice):
        return f"any of {numbered(spec.item.values)}, separated by commas; or none"
    return "text"


def convert(answer: str, spec: Spec) -> Any:
    """The JSON value an answer stands for (the forgiving vocabulary of opsadvisor/vocabulary.py, and a
    number for the n-th choice); an answer that does not fit is passed on as text, so the contract's
    validator says why it is wrong."""
    text = answer.strip()
    if isinstance(spec, Choice):
        return _chosen(text, spec.values)
    if isinstance(spec, Flag):
        found = vocabulary.flag(text)
        return text if found is None else found
    if isinstance(spec, Count):
        number = re.fullmatch(rf"(-?)0*([0-9]{{1,{MAX_DIGITS}}})", re.sub(r"[ _,]", "", text))
        return int("".join(number.groups())) if number else text
    if isinstance(spec, ListOf) and isinstance(spec.item, Choice):
        if text.lower() in NONE:
            return []
        return [chosen for part in re.split(r"[,;]+", text) for chosen in _chosen_items(part.strip(), spec.item.values)]
    return text


def _chosen(text: str, values: tuple[str, ...]) -> str:
    return vocabulary.choice(text, values) or choice_word(text, values)


def _chosen_items(part: str, values: tuple[str, ...]) -> list[str]:
    """One comma-separated part of a list answer: a value ('PCI DSS'), or several separated by spaces ('gdpr sox')."""
    if not part:
        return []
    whole = vocabulary.choice(part, values)
    return [whole] if whole else [_chosen(word, values) for word in part.split()]


def answer_text(value: Any) -> str:
    """An answer as the review lists it: yes/no, 'a, b', and integrations as 'ERP (type api, ...)'."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "; ".join(_record_text(entry) for entry in value)
    return say_value(value)


def _record_text(entry: dict[str, Any]) -> str:
    first, *others = entry.items()
    details = ", ".join(f"{key.replace('_', ' ')} {say_value(value)}" for key, value in others)
    return f"{first[1]} ({details})" if details else str(first[1])


# --- which questions: the dialogue's, then the ones the rules raise --------------------------------


def askable(pack: RulePack) -> tuple[Field, ...]:
    """Every question the interview may ask under `pack`, in its order: the dialogue's, then each field a
    rule of the pack asks for (`question:`) that the dialogue does not ask, in the contract's order."""
    raised = {ask.field for rule in pack.rules for ask in rule.of_kind("question")}
    return (*DIALOGUE, *(item for item in FIELDS if item.path in raised and item.asked is None))


def next_question(assessor: api.Assessor, document: dict[str, Any], skip: Collection[str]) -> Field | None:
    """The question the interview asks next of the answers in `document`: the dialogue's first that applies
    and is neither answered nor in `skip` (answered don't know); after the dialogue, the first open question
    the assessment of these answers raises that is not in `skip`. The rules decide which of their questions
    apply, so a question a rule layer adds is asked where it fires; None when nothing is left to ask."""
    for item in DIALOGUE:
        if item.path not in skip and _unanswered(document, item.path) and item.asks(document):
            return item
    try:
        assessment = assessor.assess_document(document, "<interview>")
    except ScenarioError:  # not yet a scenario (no id or name): the rules cannot say what they need
        return None
    for question in assessment.open_questions:
        if question.fact not in skip and _unanswered(document, question.fact):
            return FIELD[question.fact]
    return None


def questions(assessor: api.Assessor, document: dict[str, Any]) -> tuple[Field, ...]:
    """The questions the interview asks when given the answers in `document` (a missing one answered
    don't know), in the order it asks them: the ones that apply to these answers. The review lists them,
    and the workbench's form marks them as asked."""
    walked = copy.deepcopy(document)
    for field in askable(assessor.pack):
        forget(walked, field.path)
    asked: list[Field] = []
    while (item := next_question(assessor, walked, {done.path for done in asked})) is not None:
        asked.append(item)
        value = get_path(document, item.path, _MISSING)
        if value is not _MISSING:
            set_path(walked, item.path, value)
    return tuple(asked)


def _unanswered(document: dict[str, Any], path: str) -> bool:
    return get_path(document, path, _MISSING) is _MISSING


# --- the interview ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Help:
    """What `?` shows while a question is asked: its words, allowed answers, an example, and what don't
    know and back do there."""

    question: str
    spec: Spec
    example: Any
    unknown: str = ""  # what don't know means here; "" when the answer is needed
    back: str = "the previous question"


class Interview:
    """One interview: the document so far, the pack's questions, and a recommendation preview."""

    def __init__(self, asker: Asker, assessor: api.Assessor, start: dict[str, Any] | None = None) -> None:
        self.asker = asker
        self.assessor = assessor
        self.spec = assessor.spec
        self.document: dict[str, Any] = json.loads(json.dumps(start)) if start else {}
        self.left_open: frozenset[str] = frozenset()  # answered don't know: not asked again
        self._preview = ""
        self._ended = False  # piped answers ran out after the dialogue: the rules' questions stay open
        interactive = asker.interactive
        self._dont_know = DONT_KNOW if interactive else (PIPED_DONT_KNOW, *DONT_KNOW)
        self._help = (PIPED_DONT_KNOW, HELP) if interactive else (HELP,)

    def question(self, field: str) -> str:
        return question_for(field, self.assessor.pack.questions)

    def unknown_hint(self, meaning: str = "") -> str:
        """How to answer don't know: `?` in piped answers, the words at a terminal (where `?` is help)."""
        if self.asker.interactive:
            return f"{DONT_KNOW[0]} = {meaning or 'leave it open'}"
        return f"{PIPED_DONT_KNOW} = {meaning or DONT_KNOW[0]}"

    def ask_valid(self, label: str, spec: Spec, path: str, info: _Help, default: Any = _MISSING) -> Any:
        """Ask until the answer fits `spec`; _MISSING for don't know (when `info` allows it) or an empty
        default. Raises _Back when the user types `back`."""
        while True:
            answer = self.asker.ask(label).strip()
            word = answer.lower()
            if word == BACK:
                raise _Back
            if word in self._help:
                self.show_help(info)
                continue
            if not answer:
                if default is not _MISSING:
                    return default
                self.asker.say("  Please answer" + (f", or {self.unknown_hint()}." if info.unknown else "."))
                continue
            if word in self._dont_know:
                if info.unknown:
                    return _MISSING
                self.asker.say("  This one is needed to write a scenario; please answer it.")
                continue
            value = convert(answer, spec)
            problems = validate(value, spec, path)
            if not problems:
                return value
            for problem in problems:
                self.asker.say(f"  Not accepted: {problem}")
            self.asker.say(f"  Allowed: {hint(info.spec)}.")

    def show_help(self, info: _Help) -> None:
        """The help of the question being asked: its words, its answers, an example, the commands."""
        self.asker.say(f"  Help: {info.question}")
        self.asker.say(
            f"  Answers: {hint(info.spec)}" + (" (the number or the word)." if _has_choices(info.spec) else ".")
        )
        self.asker.say(f"  Example: {answer_text(info.example)}.")
        if info.unknown:
            self.asker.say(f"  {self.unknown_hint(info.unknown)}.")
        else:
            self.asker.say("  This answer is needed to write a scenario.")
        self.asker.say(f"  back = {info.back}; Ctrl-C = stop without writing anything.")

    def field_help(self, item: Field, spec: Spec) -> _Help:
        unknown = "" if item.required else "leave it open: the assessment lists it as an open question"
        return _Help(self.question(item.path), spec, item.example, unknown)

    def run(self, review: Review | None = None) -> dict[str, Any]:
        """Ask what the document lacks, in the dialogue's order, then what the rules ask of the answers; with
        `review`, until the user accepts the answers. Raises Declined when they do not."""
        steps: list[_State] = []  # the answers before each question answered, for `back`
        while True:
            while (item := self._next()) is not None:
                self._step(item, steps)
            if review is None:
                return self.document
            try:
                change = self._review(review)
            except _Back:
                self._back(steps)
                continue
            if change is None:
                return self.document
            self._change(change)  # then ask what the change made relevant (the benefits, a rule's question)

    def _next(self) -> Field | None:
        return None if self._ended else next_question(self.assessor, self.document, self.left_open)

    def _state(self) -> _State:
        return copy.deepcopy(self.document), self.left_open

    def _restore(self, state: _State) -> None:
        self.document, self.left_open = state

    def _step(self, item: Field, steps: list[_State]) -> None:
        """Ask one question. Piped answers that end at a question the rules raise (after the dialogue's)
        leave it and the rest open, so an answer file written for the dialogue keeps working."""
        before = self._state()
        try:
            self._ask_item(item)
        except _Back:
            self._back(steps)
            return
        except EOFError:
            if self.asker.interactive or item.asks(self.document):
                raise
            self._restore(before)
            self._ended = True
            self.asker.say("(no more answers: what the rules still ask is left open)")
            return
        steps.append(before)
        if "ambition" in self.left_open or not _unanswered(self.document, "ambition"):
            self._show_preview()  # enough is known once the ambition was asked

    def _back(self, steps: list[_State]) -> None:
        """Undo the last answer, so that its question is asked again."""
        if not steps:
            self.asker.say("  This is the first question.")
            return
        self._restore(steps.pop())

    def _ask_item(self, item: Field, keep: Any = _MISSING, now: str = "") -> None:
        """Ask one question; `now` says the answer it has (when asked again from the review)."""
        self.asker.say("")
        self.asker.say(self.question(item.path))
        if now:
            self.asker.say(f"  {now}")
        value = self._ask_field(item, keep)
        if value is _MISSING:
            self.left_open |= {item.path}
        else:
            set_path(self.document, item.path, value)

    def _review(self, review: Review) -> Field | None:
        """List the answers and ask to write them: None for yes, the field to change for its number.
        Raises Declined for no and _Back for back."""
        fields = questions(self.assessor, self.document)
        self.asker.say("")
        self.asker.say("Your answers:")
        for number, item in enumerate(fields, 1):
            self.asker.say(f"  {number:>2}  {item.path}: {self._answer(item)}")
        verb = "Replace" if review.replaces else "Write"
        empty = "" if review.replaces else " (empty = yes)"
        self.asker.say(
            f"{verb} {review.target}? yes{empty}, no to stop without writing, back, or the number of an answer "
            "to change it."
        )
        while True:
            answer = self.asker.ask(f"{verb} {review.target}").strip().lower()
            if answer in YES or (not answer and not review.replaces):
                return None
            if answer in NO:
                raise Declined
            if answer == BACK:
                raise _Back
            if re.fullmatch(r"[0-9]{1,3}", answer) and 1 <= int(answer) <= len(fields):
                return fields[int(answer) - 1]
            self.asker.say(f"  Please answer yes, no, back or a number from 1 to {len(fields)}.")

    def _answer(self, item: Field) -> str:
        value = get_path(self.document, item.path, _MISSING)
        return "(open question)" if value is _MISSING else answer_text(value)

    def _change(self, item: Field) -> None:
        """Ask one answer again, showing the one given (an empty answer keeps it, where one line answers
        it); forget answers to questions that no longer apply (benefits once the ambition is no longer
        business operated, a rule's question once the rule no longer asks it). `back` keeps the answer."""
        before = self._state()
        asked = questions(self.assessor, self.document)
        old = get_path(self.document, item.path, _MISSING)
        forget(self.document, item.path)
        self.left_open -= {item.path}
        keeps = not _many(item) and old is not _MISSING
        now = f"Now: {self._shown(old)}" + ("; an empty answer keeps it." if keeps else ".")
        try:
            self._ask_item(item, old if keeps else _MISSING, now)
        except _Back:
            self._restore(before)
            return
        still = questions(self.assessor, self.document)
        for other in asked:
            if other not in still:
                forget(self.document, other.path)
                self.left_open -= {other.path}

    @staticmethod
    def _shown(value: Any) -> str:
        return "don't know (an open question)" if value is _MISSING else answer_text(value)

    def _ask_field(self, item: Field, keep: Any = _MISSING) -> Any:
        field = item.path
        spec = spec_at(self.spec, field)
        if field == BENEFITS:
            assert isinstance(spec, ListOf), field  # a list of benefit and validation pairs
            return self._benefits(spec, item)
        if isinstance(spec, ListOf) and isinstance(spec.item, Record):
            return self._records(item, spec.item)
        if not isinstance(spec, Text):
            self.asker.say(f"  Answers: {hint(spec)}" + ("" if item.required else f"; {self.unknown_hint()}") + ".")
        elif not item.required:
            self.asker.say(f"  {self.unknown_hint()}.")
        return self.ask_valid(field, spec, field, self.field_help(item, spec), default=keep)

    def _benefits(self, spec: ListOf, item: Field) -> Any:
        """Benefit and validation pairs. `back` drops the benefit being validated, else the last one."""
        self.asker.say(f"  One benefit per answer; an empty answer ends the list; {self.unknown_hint()}.")
        benefits: list[str] = []
        examples = item.example
        while True:
            path = f"{BENEFITS}[{len(benefits)}]"
            unknown = "" if benefits else "leave the benefits open: the assessment lists them as an open question"
            info = _Help(self.question(BENEFITS), Text(non_empty=True), examples[0], unknown)
            try:
                benefit = self.ask_valid(f"benefit {len(benefits) + 1}", info.spec, path, info, default="")
            except _Back:
                _drop_last(benefits)
                continue
            if benefit is _MISSING or benefit == "":
                return _MISSING if benefit is _MISSING else benefits
            self.asker.say(f"  {VALIDATION_QUESTION} {self.unknown_hint('not yet agreed')}.")
            how_help = _Help(
                VALIDATION_QUESTION,
                Text(non_empty=True),
                VALIDATION_EXAMPLE,
                "not yet agreed: the benefit is recorded without its validation",
                f"type the benefit ({benefit}) again",
            )
            with contextlib.suppress(_Back):  # back at the validation drops the benefit being validated
                how = self.ask_valid("validated by", how_help.spec, path, how_help)
                text = join_benefit(benefit, None if how is _MISSING else how)
                problems = validate(text, spec.item, path)  # the two together may be too long
                for problem in problems:
                    self.asker.say(f"  Not accepted: {problem}")
                if not problems:
                    benefits.append(text)

    def _records(self, item: Field, record: Record) -> Any:
        """A list of records (integrations): the first required field names each entry. `back` drops the
        entry being typed, else the last one entered."""
        key, *others = (*record.required, *(name for name in record.fields if name not in record.required))
        self.asker.say(f"  One {key} per answer; an empty answer ends the list; {self.unknown_hint()}.")
        example = item.example[0]
        entries: list[dict[str, Any]] = []
        while True:
            path = f"{item.path}[{len(entries)}]"
            unknown = "" if entries else "leave them open: the assessment lists them as an open question"
            info = _Help(f"{self.question(item.path)} One {key} at a time.", record.fields[key], example[key], unknown)
            try:
                name = self.ask_valid(f"{key} {len(entries) + 1}", info.spec, f"{path}.{key}", info, default="")
            except _Back:
                _drop_last(entries)
                continue
            if name is _MISSING or name == "":
                return _MISSING if name is _MISSING else entries
            with contextlib.suppress(_Back):  # back in an entry's details drops the entry being typed
                entries.append(self._record(record, {key: name}, others, path, example))

    def _record(
        self, record: Record, entry: dict[str, Any], others: list[str], path: str, example: dict[str, Any]
    ) -> dict[str, Any]:
        name = answer_text(next(iter(entry.values())))
        for other in others:
            spec = record.fields[other]
            words = other.replace("_", " ")
            default = record.defaults.get(other, _MISSING)
            shown_default = "" if default is _MISSING else f", empty = {say_value(default)}"
            label = f"  {words} [{hint(spec)}{shown_default}]"
            info = _Help(f"The {words} of {name}.", spec, example[other], back=f"type {name} again")
            entry[other] = self.ask_valid(label, spec, f"{path}.{other}", info, default=default)
        return entry

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


def _many(item: Field) -> bool:
    """Whether the question is answered as a list of several answers (benefits, integrations)."""
    spec = item.node()
    return isinstance(spec, ListOf) and not isinstance(spec.item, Choice)


def _drop_last(entries: list[Any]) -> None:
    """`back` at the start of a list entry: drop the last entry, or go to the previous question."""
    if not entries:
        raise _Back
    entries.pop()


def _has_choices(spec: Spec) -> bool:
    return isinstance(spec, Choice) or (isinstance(spec, ListOf) and isinstance(spec.item, Choice))


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


class StdioAsker:
    """The command line's Asker: questions and messages on stderr, so stdout can carry the scenario.

    At a terminal, answers are read with line editing and history (readline, where Python has it).
    Piped answers are read a line at a time and echoed, so the transcript shows them.
    """

    def __init__(self) -> None:
        self.interactive = sys.stdin.isatty()
        if self.interactive:
            with contextlib.suppress(ImportError):  # not every Python has it: answers are then typed unedited
                import readline  # noqa: F401  (importing it gives input() line editing and history)

    def ask(self, prompt: str) -> str:
        if self.interactive:
            return _edited_line(f"{prompt}: ")
        sys.stderr.write(f"{prompt}: ")
        sys.stderr.flush()
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        answer = line.rstrip("\r\n")
        sys.stderr.write(answer + "\n")  # piped answers are not echoed: show them in the transcript
        return answer

    def say(self, text: str) -> None:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


def _edited_line(prompt: str) -> str:
    """input() with line editing. Python edits a line only when stdout is the terminal too; when the
    scenario goes to a redirected stdout, the terminal (stderr) stands in for stdout while the line
    is read, so neither the prompt nor readline's control sequences reach the scenario."""
    sys.stdout.flush()
    if os.isatty(sys.stdout.fileno()) or not os.isatty(sys.stderr.fileno()):
        return input(prompt)
    saved = os.dup(sys.stdout.fileno())
    try:
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
        return input(prompt)
    finally:
        os.dup2(saved, sys.stdout.fileno())
        os.close(saved)


def summary(document: dict[str, Any], assessment: Assessment) -> list[str]:
    """What the user sees when the interview ends."""
    lines = [f"Scenario for {document['service']['name']}: {preview(assessment)}."]
    if assessment.open_questions:
        lines.append(
            f"Still open ({len(assessment.open_questions)}): "
            + "; ".join(label_for(q.fact) for q in assessment.open_questions)
        )
    return lines


def interview(
    asker: Asker,
    start: dict[str, Any] | None = None,
    rules: api.RulesArg = None,
    include_default_rules: bool = True,
    source: str = "--from",
    review: Review | None = None,
) -> dict[str, Any]:
    """Run the interview and return the scenario document (in the contract's key order).

    `start` is an existing scenario document: only what it lacks is asked, the dialogue's questions and
    then those the rules raise. With `review`, the answers are listed and the user confirms them (or
    changes one) before the document is returned. Raises ScenarioError if `start` is not a valid
    scenario, Declined when the user answers no at the review; EOFError or KeyboardInterrupt from the
    asker stop the interview (but EOFError from an asker that is not interactive, at a question the
    rules raise, leaves that question and the rest open).
    """
    assessor = api.assessor_for(api.rule_pack(rules, include_default_rules))
    if start is not None:
        assessor.parse(start, source)
    document = Interview(asker, assessor, start).run(review)
    assessor.parse(document, "<interview>")
    return ordered(document, assessor.spec)
