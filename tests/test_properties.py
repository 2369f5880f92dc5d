"""Property tests: no input, however odd, gets past validation with anything but an assessment
or a ScenarioError; a wrong value deep inside a scenario is refused naming its JSON path; and the
validator agrees with the JSON Schema that `opsadvisor schema` prints."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import opsadvisor
from opsadvisor import api, vocabulary
from opsadvisor.cli import main
from opsadvisor.contract import (
    AMBITIONS,
    CAPABILITIES,
    CLASSIFICATIONS,
    CONTRACT_OWNERS,
    CRITICALITIES,
    FIELDS,
    HOSTING,
    INTEGRATION_TYPES,
    LIFECYCLES,
    REGULATIONS,
    SYNONYMS,
    ListOf,
)
from opsadvisor.errors import ScenarioError
from opsadvisor.scenario_formats.json_format import decode_json
from opsadvisor.validation import compile_check, validate
from opsadvisor.vocabulary import normalise_document

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
SCHEMA = api.schema()["properties"]
RISK_IDS = tuple(SCHEMA["accepted_risks"]["items"]["properties"]["risk"]["enum"])
PROCESS_IDS = tuple(SCHEMA["decisions"]["properties"])
wrong_values = st.text(max_size=12) | st.integers() | st.booleans() | st.none() | st.lists(st.integers(), max_size=2)


def near(values: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """Mostly valid values, sometimes a near miss or a wrong type."""
    return st.sampled_from(values) | st.sampled_from([v.upper() for v in values]) | json_values


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


integration = st.fixed_dictionaries(
    {"system": st.text(max_size=10) | st.integers(), "type": near(INTEGRATION_TYPES)},
    optional={"system_of_record": st.booleans() | json_values, "extra": json_values},
)
near_scenarios = st.fixed_dictionaries(
    {"service": st.fixed_dictionaries({"id": st.text(max_size=8), "name": st.text(max_size=8)})},
    optional={
        "ambition": near(AMBITIONS),
        "hosting": near(HOSTING),
        "vendor_run": st.booleans() | json_values,
        "contract_owner": near(CONTRACT_OWNERS),
        "integrations": st.lists(integration, max_size=3) | json_values,
        "criticality": near(CRITICALITIES),
        "data": st.fixed_dictionaries(
            {}, optional={"classification": near(CLASSIFICATIONS), "personal_data": st.booleans() | json_values}
        )
        | json_values,
        "regulations": st.lists(near(REGULATIONS), max_size=3),
        "users": st.integers(min_value=-5, max_value=10**13) | json_values,
        "lifecycle": near(LIFECYCLES),
        "business_capabilities": st.lists(near(CAPABILITIES), max_size=3),
        "expected_benefits": st.lists(st.text(max_size=10), max_size=3) | json_values,
        "decisions": st.dictionaries(
            st.sampled_from(["incident", "change", "incidnet"]),
            st.fixed_dictionaries(
                {},
                optional={
                    "application": near(("it_ops", "tbd")),
                    "interface": near(("n/a",)),
                    "performed_by": near(("vendor", "it_delivery")),
                },
            ),
            max_size=2,
        ),
        "typo_key": json_values,
    },
)


@pytest.mark.slow
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(near_scenarios)
def test_validator_agrees_with_the_printed_json_schema(document: dict[str, Any]) -> None:
    """What assess accepts (a choice's labels and synonyms read as its id, then validated) is what the
    schema accepts, but for one case the schema cannot see: a list naming a value twice in two forms."""
    schema = api.schema()
    assessor = api.assessor_for(api.rule_pack())
    schema_valid = jsonschema.Draft202012Validator(schema).is_valid(document)
    problems = validate(normalise_document(document), assessor.spec)
    if schema_valid and problems:
        assert all(problem.endswith("is listed twice") for problem in problems), problems
    else:
        assert (problems == []) == schema_valid


# The choice fields a JSON document may name forgivingly, and the words of each of their values.
FORGIVING = {item.path: item for item in FIELDS if item.normalised_in_json}
SEPARATORS = st.text(alphabet=" _-./\t\u00a0\u2003", min_size=1, max_size=3)


def choice_values(path: str) -> tuple[str, ...]:
    node = FORGIVING[path].node()
    return node.item.values if isinstance(node, ListOf) else node.values  # type: ignore[union-attr]


@st.composite
def named_forgivingly(draw: st.DrawFn) -> tuple[str, str]:
    """A choice field and a string naming one of its values as a person may: its id, label or a synonym,
    each letter in either case, words separated by any separators, separators around it."""
    path = draw(st.sampled_from(sorted(FORGIVING)))
    value = draw(st.sampled_from(choice_values(path)))
    name = draw(st.sampled_from([value, vocabulary.label(value), *SYNONYMS.get(value, ())]))
    words = [word for word in re.split(r"[\s._/-]+", name) if word]
    cased = ["".join(char.upper() if draw(st.booleans()) else char.lower() for char in word) for word in words]
    joined = "".join(word + draw(SEPARATORS) for word in cased[:-1]) + cased[-1]
    return path, draw(st.just("") | SEPARATORS) + joined + draw(st.just("") | SEPARATORS)


def document_with(path: str, text: str) -> dict[str, Any]:
    document: dict[str, Any] = {"service": {"id": "s", "name": "S"}}
    value: Any = [text] if isinstance(FORGIVING[path].node(), ListOf) else text
    *parents, last = path.split(".")
    node = document
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return document


def accepted(document: dict[str, Any]) -> bool:
    try:
        api.assessor_for(api.rule_pack()).parse(document, "x.json")
    except ScenarioError:
        return False
    return True


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(named_forgivingly())
def test_every_name_assess_reads_as_a_choice_validates_against_the_schema(named: tuple[str, str]) -> None:
    document = document_with(*named)
    schema = jsonschema.Draft202012Validator(api.schema())
    if accepted(document):  # an ambiguous synonym names no value, and is refused by both
        assert schema.is_valid(document), named
    else:
        assert not schema.is_valid(document), named


@settings(max_examples=400)
@given(
    st.sampled_from(sorted(FORGIVING)),
    st.text(alphabet="abcdehilmnoprstuvxyABCDEHIKLMNOPRSTUVXY24_ -./\u212a", max_size=12),
)
def test_the_schema_accepts_a_choice_exactly_when_assess_does(path: str, text: str) -> None:
    document = document_with(path, text)
    assert jsonschema.Draft202012Validator(api.schema()).is_valid(document) == accepted(document), text


def test_the_schema_says_which_other_names_a_choice_takes() -> None:
    criticality = api.schema()["properties"]["criticality"]
    assert criticality["anyOf"][0] == {"enum": ["low", "medium", "high", "critical"]}
    assert "in any case" in criticality["description"]
    schema = jsonschema.Draft202012Validator(api.schema())
    for forgiving in ({"ambition": "business"}, {"criticality": "High"}, {"regulations": ["PCI DSS", "gdpr"]}):
        document = {"service": {"id": "s", "name": "S"}, **forgiving}
        assert accepted(document) and schema.is_valid(document), forgiving
    assert not schema.is_valid({"service": {"id": "s", "name": "S"}, "criticality": "higher"})


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(near_scenarios | st.dictionaries(st.text(max_size=12), json_values, max_size=4) | json_values)
@example({"service": {"id": "a", "name": "b"}, "regulations": ["gdpr", "gdpr"]})  # listed twice
@example({"service": {"id": "a"}})  # a required key missing
@example(  # a date that is no day
    {"service": {"id": "a", "name": "b"}, "accepted_risks": [{"risk": RISK_IDS[0], "date": "2026-02-30"}]}
)
def test_the_compiled_check_agrees_with_the_validator(document: Any) -> None:
    """A document the compiled check passes is built without validating (api.Assessor.parse): it must
    pass exactly the documents in which the validator finds nothing."""
    assessor = api.assessor_for(api.rule_pack())
    valid = compile_check(assessor.spec)(document)
    assert valid == (isinstance(document, dict) and validate(document, assessor.spec) == [])


@pytest.mark.slow
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(near_scenarios | st.dictionaries(st.text(max_size=12), json_values, max_size=4))
def test_any_json_object_is_assessed_or_refused_cleanly(document: dict[str, Any]) -> None:
    try:
        assessment = opsadvisor.assess(document)
    except ScenarioError as error:
        assert error.problems and all(problem.startswith("$") for problem in error.problems)
    else:
        assert len(assessment.accountability) == len(PROCESS_IDS)
        json.dumps(assessment.to_dict())


@settings(max_examples=300)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_bytes_decode_or_raise_scenario_error(raw: bytes) -> None:
    try:
        decode_json(raw, "x.json")
    except ScenarioError as error:
        assert error.render().startswith("x.json")


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=120) | near_scenarios.map(lambda d: json.dumps(d).encode()))
def test_cli_gives_a_report_or_exit_3_never_a_traceback(raw: bytes) -> None:
    result = CliRunner().invoke(main, ["assess", "-", "--format", "json"], input=raw)
    assert result.exit_code in (0, 3), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if result.exit_code == 3:
        assert result.stderr.startswith("error: <stdin>")
    else:
        assert json.loads(result.stdout)["service"]


@st.composite
def one_wrong_nested_value(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A valid scenario with one wrong value deep inside it, and the JSON path of that value."""
    document: dict[str, Any] = {
        "service": {"id": "svc", "name": "Service"},
        "data": {"classification": "internal", "personal_data": False},
        "integrations": [{"system": f"system {n}", "type": "api"} for n in range(draw(st.integers(1, 3)))],
        "accepted_risks": [{"risk": risk, "accepted_by": "Jo"} for risk in draw(st.permutations(RISK_IDS))[:3]],
        "decisions": {},
    }
    value = draw(wrong_values)
    place = draw(st.sampled_from(["classification", "integration", "decision", "accepted risk"]))
    if place == "classification":
        allowed, path = CLASSIFICATIONS, "$.data.classification"
        document["data"]["classification"] = value
        assume(not isinstance(value, str) or vocabulary.choice(value, CLASSIFICATIONS) is None)  # not a label
    elif place == "integration":
        index = draw(st.integers(0, len(document["integrations"]) - 1))
        allowed, path = SCHEMA["integrations"]["items"]["properties"]["type"]["enum"], f"$.integrations[{index}].type"
        document["integrations"][index]["type"] = value
    elif place == "decision":
        process = draw(st.sampled_from(PROCESS_IDS))
        column = draw(st.sampled_from(["application", "interface", "performed_by"]))
        allowed, path = (
            SCHEMA["decisions"]["properties"][process]["properties"][column]["enum"],
            f"$.decisions.{process}.{column}",
        )
        document["decisions"][process] = {column: value}
    else:
        index = draw(st.integers(0, len(document["accepted_risks"]) - 1))
        allowed, path = RISK_IDS, f"$.accepted_risks[{index}].risk"
        document["accepted_risks"][index]["risk"] = value
    assume(value not in allowed)
    return document, path


@settings(max_examples=200)
@given(one_wrong_nested_value())
def test_a_wrong_nested_value_is_refused_naming_its_path(case: tuple[dict[str, Any], str]) -> None:
    document, path = case
    with pytest.raises(ScenarioError) as raised:
        opsadvisor.assess(document)
    assert [problem.split(": ", 1)[0] for problem in raised.value.problems] == [path]
