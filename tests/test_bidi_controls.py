"""Bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E/F, U+061C) are refused in texts as control
characters are: a name holding a right-to-left override shows "evil name" as "live name" wherever it is read."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsadvisor import api
from opsadvisor.errors import ScenarioError
from opsadvisor.scenario import set_path
from opsadvisor.text import BIDI, printable, unprintable_character
from opsadvisor.yamlload import YamlProblem, load_yaml

from .helpers import run_cli, scenario, write_json

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# any text but control characters and lone surrogates, which are refused first, with their own message
plain = st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs")), max_size=20)
TEXTS = ("service.id", "service.name", "service.business_owner", "service.description")


def holding(control: str, before: str, after: str) -> str:
    return before + control + after


def test_every_bidi_control_is_one_of_those_refused() -> None:
    assert {chr(code) for code in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))} == set(
        BIDI_CONTROLS
    )
    assert all(BIDI.fullmatch(control) for control in BIDI_CONTROLS)
    assert not BIDI.search("evil name, \u00e9t\u00e9, \u05e9\u05dc\u05d5\u05dd, \u0645\u0631\u062d\u0628\u0627")


@given(st.sampled_from(BIDI_CONTROLS), plain, plain, st.sampled_from(TEXTS))
def test_any_scenario_text_holding_a_bidi_control_is_refused_naming_field_character_and_position(
    control: str, before: str, after: str, path: str
) -> None:
    text = holding(control, before, after)
    document: dict[str, Any] = scenario()
    set_path(document, path, text)
    with pytest.raises(ScenarioError) as refused:
        api.assess(document)
    first = BIDI.search(text)
    assert first is not None
    message = refused.value.render()
    assert f"$.{path}: expected text without bidirectional controls" in message
    assert f"a bidirectional control U+{ord(first.group()):04X} at character {first.start() + 1}" in message
    assert control not in message  # the message itself reads as it is stored
    with pytest.raises(jsonschema.ValidationError):  # and the printed schema says the same
        jsonschema.validate(document, api.schema())


@given(st.sampled_from(BIDI_CONTROLS), plain, plain)
def test_any_rule_file_text_holding_a_bidi_control_is_refused(control: str, before: str, after: str) -> None:
    text = holding(control, before, after)
    said = unprintable_character(text)
    first = BIDI.search(text)
    assert said is not None and first is not None
    assert f"bidirectional control \\u{ord(first.group()):04x} at position {first.start() + 1}" in said
    assert control not in printable(text)


def test_a_rule_file_with_an_override_is_refused_with_its_line(tmp_path: Any) -> None:
    with pytest.raises(YamlProblem) as refused:
        load_yaml("rules:\n  - title: 'evil \u202ename'\n")
    assert refused.value.line == 2 and "bidirectional control \\u202e at position 6" in str(refused.value)
    (tmp_path / "rules.yaml").write_text("rules:\n  - id: x.y\n    title: 'evil \u202ename'\n", encoding="utf-8")
    result = run_cli("rules", "check", str(tmp_path))
    assert result.exit_code == 4 and "rules.yaml:3" in result.output and "bidirectional control" in result.output


def test_assess_refuses_a_named_override_with_exit_3(tmp_path: Any) -> None:
    path = write_json(tmp_path / "evil.json", scenario(service={"id": "evil", "name": "evil \u202ename"}))
    result = run_cli("assess", str(path))
    assert result.exit_code == 3
    assert "$.service.name: expected text without bidirectional controls" in result.output
    assert "\u202e" not in result.output and "\\u202e" in result.output
