"""Input stage: every way a scenario file can be wrong gets a precise message and exit 3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import opsadvisor
from opsadvisor.errors import ScenarioError
from opsadvisor.scenario import parse_scenario, read_scenario_file
from opsadvisor.scenario_formats.json_format import decode_json

from .helpers import run_cli, scenario


def problems_of(document: object) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        opsadvisor.assess(document)  # type: ignore[arg-type]
    return caught.value.problems


def test_only_service_id_and_name_are_required() -> None:
    assessment = opsadvisor.assess(scenario())
    assert assessment.service_id == "svc-1"
    assert len(assessment.open_questions) > 10


def test_missing_service_id_names_the_path() -> None:
    assert problems_of({"service": {"name": "x"}}) == ["$.service.id: required, but missing"]


def test_misspelt_key_is_an_error_with_did_you_mean() -> None:
    (problem,) = problems_of(scenario(critcality="high"))
    assert problem.startswith("$.critcality: unknown key")
    assert 'did you mean "criticality"?' in problem


def test_bad_value_says_expected_found_and_did_you_mean() -> None:
    (problem,) = problems_of(scenario(ambition="it_operatd"))
    assert problem == (
        '$.ambition: expected one of it_operated, business_operated, mixed, undecided; found string "it_operatd"'
        ' (did you mean "it_operated"?)'
    )


def test_wrong_type_in_a_nested_list_names_the_index() -> None:
    document = scenario(integrations=[{"system": "ERP", "type": "api"}, {"system": "CRM", "type": 7}])
    (problem,) = problems_of(document)
    assert problem.startswith("$.integrations[1].type: expected one of api, file")
    assert problem.endswith("found number 7")


def test_every_problem_is_reported_at_once() -> None:
    problems = problems_of(scenario(users=-1, vendor_run="yes", regulations=["gdpr", "gdpr"]))
    assert [p.split(":")[0] for p in problems] == ["$.vendor_run", "$.regulations[1]", "$.users"]


def test_boolean_is_not_a_count() -> None:
    (problem,) = problems_of(scenario(users=True))
    assert "found boolean true" in problem


def test_invalid_date_in_accepted_risks() -> None:
    document = scenario(accepted_risks=[{"risk": "regulatory-compliance", "accepted_by": "CFO", "date": "2026-02-30"}])
    (problem,) = problems_of(document)
    assert problem.startswith("$.accepted_risks[0].date: expected a date YYYY-MM-DD")


def test_unknown_risk_id_is_refused_with_did_you_mean() -> None:
    document = scenario(accepted_risks=[{"risk": "regulatory-complance", "accepted_by": "CFO"}])
    (problem,) = problems_of(document)
    assert 'did you mean "regulatory-compliance"?' in problem


def test_unknown_process_in_decisions_with_did_you_mean() -> None:
    (problem,) = problems_of(scenario(decisions={"incidnet": {"application": "business"}}))
    assert problem.startswith("$.decisions.incidnet: unknown key") and 'did you mean "incident"?' in problem


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", "the file is empty"),
        (b"  \n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text"),
        (b'{"service": {"id": "a", "name": "b"}, "users": NaN}', "NaN is not a valid JSON number"),
        (b'{"service": {"id": "a", "name": "b"}, "users": 1e999}', "too large"),
        (b'{"service": {"id": "a", "name": "b"}, "ambition": "mixed", "ambition": "x"}', "appears twice"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_undecodable_files(raw: bytes, expected: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        decode_json(raw, "s.json")
    assert expected in caught.value.render()


def test_malformed_json_gives_line_and_column() -> None:
    with pytest.raises(ScenarioError) as caught:
        decode_json(b'{\n  "service": {"id": "a", "name": "b"}\n  "users": 3\n}', "s.json")
    assert caught.value.render() == "s.json:3:3: invalid JSON: Expecting ',' delimiter"


def test_top_level_must_be_an_object() -> None:
    with pytest.raises(ScenarioError, match=r"\$: expected a JSON object; found an array of 0 items"):
        parse_scenario([], "s.json")


def test_unreadable_paths(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read the file"):
        read_scenario_file(tmp_path / "absent.json")
    with pytest.raises(ScenarioError, match="is a directory"):
        read_scenario_file(tmp_path)


@pytest.mark.parametrize("reserved", ["sid", "id", "$s", "$and", "t", "__proto__"])
def test_reserved_engine_words_in_user_text_are_assessed_like_any_other(reserved: str) -> None:
    plain = opsadvisor.assess(
        scenario(ambition="business_operated", integrations=[{"system": "ERP", "type": "api"}])
    ).to_dict()
    document = {
        "service": {"id": reserved, "name": reserved, "business_owner": reserved},
        "ambition": "business_operated",
        "integrations": [{"system": reserved, "type": "api"}],
    }
    tricky = opsadvisor.assess(document).to_dict()
    for key in ("recommendation", "conflicts", "risks", "accountability", "open_decisions", "trace"):
        assert tricky[key] == plain[key]
    assert tricky["service"] == {"id": reserved, "name": reserved}


def test_cli_exit_3_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(scenario(criticality="extreme")))
    result = run_cli("assess", str(bad))
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    assert result.stderr.startswith(f"error: {bad}: $.criticality: expected one of low, medium, high, critical")


def test_errors_survive_pickling_between_worker_processes() -> None:
    import pickle

    error = pickle.loads(pickle.dumps(ScenarioError("s.json", ["$.a: bad"])))
    assert isinstance(error, ScenarioError) and error.render() == "s.json: $.a: bad"
