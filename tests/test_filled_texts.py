"""No message template reaches a user unfilled: every text of the default pack, filled the way reports fill it,
and every report of the bundled scenarios, hold no `{placeholder}`; the texts reports print as written (the
pack's questions, workshop questions and participants, conflict references) hold none at all."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from opsadvisor import api, formats, kinds
from opsadvisor.assessment import AsOf, interpolator
from opsadvisor.backend import EngineResult
from opsadvisor.batch.inputs import example_document
from opsadvisor.effective import system_facts
from opsadvisor.rulepack import Rule

from .helpers import SCENARIOS

BRACES = re.compile(r"[{}]")
PACK = api.rule_pack()
ALL_RULES: tuple[Rule, ...] = (*PACK.rules, *PACK.workshop_rules)


def _derived_values() -> dict[str, tuple[Any, ...]]:
    """A value of every fact a message may name besides the scenario's: each derived fact (a value a rule of
    the pack derives: what the message reads when that rule has fired) and each fact of the effective model."""
    values: dict[str, tuple[Any, ...]] = {}
    for rule in ALL_RULES:
        for name, value in rule.derives:
            values.setdefault(name, (value,))
    for name, (choices, _) in system_facts(PACK.processes).items():
        values.setdefault(name, (choices[0],) if choices else (3,))
    return values


def _fill() -> Any:
    """The reports' interpolator for a scenario holding every field (the template's example row)."""
    assessor = api.assessor_for(PACK)
    scenario = assessor.parse(example_document(), "example")
    facts, result = assessor.run(scenario, AsOf.of("2026-11-30"))
    derived = {**_derived_values(), **result.derived}
    return interpolator(scenario, facts, EngineResult(result.firings, derived))


FILL = _fill()


def _texts(rule: Rule) -> list[tuple[str, str]]:
    """(what, text) of every text a rule's conclusions give a report: messages, remedies, advice, steps, notes."""
    return [
        (f"{rule.id} {conclusion.kind}", text)
        for conclusion in rule.then
        for text in kinds.kind(conclusion.kind).texts(conclusion.payload)
    ]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.id)
def test_every_text_of_every_rule_is_filled_for_a_service(rule: Rule) -> None:
    for what, text in _texts(rule):
        filled = FILL(text)
        assert not BRACES.search(filled), f"{what}: {filled}"
        # a placeholder the service has no value for reads "unknown": none may, for a service holding every field
        assert filled.count("unknown") == text.count("unknown"), f"{what}: {filled}"


def test_the_texts_reports_print_as_written_hold_no_placeholder() -> None:
    written = [*PACK.questions.values(), *PACK.conflict_kinds.values()]
    written += [question for questions in PACK.workshop_questions.values() for question in questions]
    written += [payload.role for rule in PACK.workshop_rules for payload in rule.of_kind("participant")]
    written += [conflict.reference or "" for rule in PACK.rules for conflict in rule.of_kind("conflict")]
    assert [text for text in written if BRACES.search(text)] == []


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.json")), ids=lambda path: path.stem)
def test_no_report_of_a_bundled_scenario_shows_a_placeholder(path: Path) -> None:
    assessment = api.assess(path, as_of="2026-11-30")
    shown = [formats.ASSESSMENT.render(name, assessment) for name in ("table", "markdown")]
    shown += [api.workshop(path, output_format=name, as_of="2026-11-30") for name in ("markdown", "html")]
    shown += _strings(assessment.to_dict())
    found = [match for text in shown for match in re.findall(r"\{[a-z_.]+\}", text)]
    assert found == []


def _strings(value: Any) -> list[str]:
    """Every string of a JSON document (the trace's `concluded` lines describe rules, not reports: left out)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() if key not in ("trace",) for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []
