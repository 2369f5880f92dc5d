"""The interview as a form: the same questions, order, help and forgiving vocabulary as `opsadvisor interview`.

Each answer is read with the interview's own `convert` (so "Business operated" and "2" mean
business_operated) and checked with the contract's validator, whose message is shown next to the
field. Lists are typed one entry per line: integrations as "system, type, system of record (yes/no)",
in the contract's field order; benefits as the interview writes them ("<benefit> (validated by: <how>)").
A list known to be empty is "none" and an empty field is don't know, as in the interview: the file's `[]`
and a missing key stay distinct, so saving the form unchanged writes the same facts.
Saving runs `api.interview` itself over the answers, so what is written is exactly what the
interview would write (same validation, key order and layout).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import api
from ..contract import DIALOGUE, Choice, Field, Flag, ListOf, Record, Spec, Text, question_for
from ..dialogue.interview import (
    NONE,
    PIPED_DONT_KNOW,
    ScriptedAsker,
    answer_text,
    askable,
    convert,
    forget,
    hint,
    interview,
    next_question,
    questions,
    spec_at,
)
from ..scenario import get_path, set_path
from ..validation import validate

_LINES = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class FormField:
    """One question of the form, as shown."""

    path: str
    question: str
    answers: str  # the allowed answers, as the interview lists them
    example: str
    required: bool
    many_lines: bool
    choices: tuple[str, ...]  # offered as suggestions; any form the interview accepts may be typed
    value: str
    error: str = ""
    applies: bool = True  # the interview asks it of these answers (e.g. benefits: business operated)
    max_length: int | None = None  # the longest answer the contract takes (a one-line text)


@dataclass
class Answers:
    """What the form's answers make: the document, and a contract message per refused field."""

    document: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)


def _many_lines(spec: Spec) -> bool:
    return isinstance(spec, ListOf) and not isinstance(spec.item, Choice)


def _choices(spec: Spec) -> tuple[str, ...]:
    if isinstance(spec, Choice):
        return spec.values
    if isinstance(spec, Flag):
        return ("yes", "no")
    return ()


def shown_value(value: Any, spec: Spec) -> str:
    """A document value as the form shows it (the inverse of `read_value`)."""
    if value is None:
        return ""
    if _many_lines(spec):
        assert isinstance(spec, ListOf)
        if not value:
            return NONE[0]  # known to be none; an empty field means don't know
        if isinstance(spec.item, Record):
            return "\n".join(
                ", ".join(answer_text(entry[key]) for key in spec.item.fields if key in entry) for entry in value
            )
        return "\n".join(value)
    return answer_text(value)


def read_value(text: str, spec: Spec) -> Any:
    """The JSON value a form answer stands for, read as the interview reads a typed answer."""
    if not _many_lines(spec):
        return convert(text, spec)
    assert isinstance(spec, ListOf)
    if text.strip().lower() in NONE:
        return []
    lines = [line.strip() for line in _LINES.split(text) if line.strip()]
    if not isinstance(spec.item, Record):
        return [convert(line, spec.item) for line in lines]
    record = spec.item
    entries = []
    for line in lines:
        parts = [part.strip() for part in line.split(",")]
        names = list(record.fields)
        entry = {name: convert(part, record.fields[name]) for name, part in zip(names, parts, strict=False) if part}
        entries.append(entry if len(parts) <= len(names) else line)  # the contract says what an entry holds
    return entries


def read_answers(
    form: Mapping[str, str], assessor: api.Assessor, start: dict[str, Any] | None = None, required: bool = True
) -> Answers:
    """The document the answers make (on top of `start`, an edited scenario); refused answers are left out.

    The questions are read in the order the interview asks them (interview.next_question), so a question
    that does not apply to the answers before it (benefits once the ambition is IT operated, a rule's
    question the rules no longer ask) is dropped, as the interview drops it. `required`: a required question
    left empty is an error (when saving; not while the answers are being typed).
    """
    answers = Answers(copy.deepcopy(start) if start else {})
    for shown in askable(assessor.pack):
        forget(answers.document, shown.path)
    read: set[str] = set()
    while (item := next_question(assessor, answers.document, read)) is not None:
        read.add(item.path)
        text = form.get(item.path, "").strip()
        if not text:
            if item.required and required:
                answers.errors[item.path] = "This one is needed to write a scenario; please answer it."
            continue
        spec = spec_at(assessor.spec, item.path)
        value = read_value(text, spec)
        problems = validate(value, spec, item.path)
        if problems:
            said = "; ".join(in_words(problem, item.path, spec) for problem in problems)
            answers.errors[item.path] = f"{said}. Allowed: {allowed(item, spec)}."
        else:
            set_path(answers.document, item.path, value)
    return answers


def form_fields(
    assessor: api.Assessor,
    document: dict[str, Any],
    typed: Mapping[str, str] | None = None,
    errors: Answers | None = None,
) -> list[FormField]:
    """The form's questions in the interview's order (the dialogue's, then those the rules may raise), filled
    from the typed answers or the document; `applies` marks those the interview asks of the document."""
    fields = []
    asked = questions(assessor, document)
    for item in askable(assessor.pack):
        spec = spec_at(assessor.spec, item.path)
        value = typed.get(item.path, "") if typed is not None else shown_value(get_path(document, item.path), spec)
        fields.append(
            FormField(
                item.path,
                question_for(item.path, assessor.pack.questions),
                allowed(item, spec),
                shown_value(item.example, spec).replace("\n", "; "),
                item.required,
                _many_lines(spec),
                _choices(spec),
                value,
                errors.errors.get(item.path, "") if errors else "",
                item in asked,
                spec.max_length if isinstance(spec, Text) else None,
            )
        )
    return fields


def in_words(problem: str, path: str, spec: Spec) -> str:
    """A contract problem as the form shows it next to its question: without the field's own path, and a
    list entry named by its line ("integrations[0].type: expected ..." -> "line 1, type: expected ...")."""
    if problem.startswith(f"{path}: "):
        return problem[len(path) + 2 :]
    entry = re.match(re.escape(path) + r"\[(\d+)\](?:\.(\w+))?: ", problem)
    if entry is None:
        return problem
    where = f"line {int(entry.group(1)) + 1}"
    if entry.group(2):
        where += f", {entry.group(2).replace('_', ' ')}"
    return f"{where}: {problem[entry.end() :]}"


def previewable(document: dict[str, Any]) -> dict[str, Any]:
    """The answers with each required question still unanswered (the service's id and name) given its
    example, so the preview follows the answers from the first one typed; never written."""
    missing = [item for item in DIALOGUE if item.required and get_path(document, item.path) is None]
    if not missing:
        return document
    filled = copy.deepcopy(document)
    for item in missing:
        set_path(filled, item.path, item.example)
    return filled


def allowed(item: Field, spec: Spec) -> str:
    """The allowed answers of a question, as the form lists them."""
    if _many_lines(spec):
        assert isinstance(spec, ListOf)
        if isinstance(spec.item, Record):
            entries = "one per line: " + ", ".join(key.replace("_", " ") for key in spec.item.fields)
        else:
            entries = "one per line"
        return f"{entries}; {NONE[0]} when there are none; empty = don't know (an open question)"
    return hint(spec) + ("" if item.required else "; empty = don't know (an open question)")


def finished(document: dict[str, Any], assessor: api.Assessor) -> dict[str, Any]:
    """The scenario the interview writes for these answers: every unanswered question answered don't know.

    Raises ScenarioError when the document is not a valid scenario (as `interview --from` would).
    """
    dont_know = ScriptedAsker([PIPED_DONT_KNOW] * (2 * len(DIALOGUE)))
    return interview(dont_know, document, rules=assessor.pack, source="the form")
