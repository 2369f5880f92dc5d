"""The command line as a user meets it: formats, exit codes, stdin, schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

import opsadvisor

from .helpers import SCENARIOS, run_cli, scenario

CRM = str(SCENARIOS / "sales-crm-business-operated.json")


def test_json_output_has_the_contract_keys() -> None:
    result = run_cli("assess", CRM, "--format", "json")
    document = json.loads(result.stdout)
    assert list(document) == [
        "service",
        "recommendation",
        "preview",
        "drift",
        "conflicts",
        "governance_areas",
        "risks",
        "accountability",
        "open_decisions",
        "open_questions",
        "next_steps",
        "trace",
        "provenance",
        "as_of",
        "rules_version",
    ]
    assert document["service"] == {"id": "sales-crm", "name": "Sales CRM"}
    assert document["preview"] is None  # only a suggested model has one
    assert document["drift"] is None  # only a service with records (evidence) has one
    assert set(document["recommendation"]) >= {"model", "name", "mode", "because"}
    assert len(document["accountability"]) == 14
    assert set(document["risks"][0]) >= {"id", "message", "accept_by", "accepted", "accepted_by", "rule"}


def test_cli_json_equals_the_python_api() -> None:
    result = run_cli("assess", CRM, "--format", "json")
    assert json.loads(result.stdout) == opsadvisor.assess(CRM).to_dict()


def test_output_is_byte_identical_run_to_run() -> None:
    outputs = {run_cli("assess", CRM, "--format", fmt, "--explain").stdout for fmt in ("json",) * 3}
    assert len(outputs) == 1


def test_explain_adds_the_trace_to_the_table() -> None:
    plain = run_cli("assess", CRM).stdout
    explained = run_cli("assess", CRM, "--explain").stdout
    assert "Trace (rules in firing order)" not in plain
    assert "Trace (rules in firing order)" in explained
    assert "ambition.business-operated:" in explained.split("Trace (rules in firing order)")[1]


@pytest.mark.parametrize(
    ("fail_on", "code"),
    [((), 0), (("--fail-on", "conflict"), 1), (("--fail-on", "risk"), 1)],
)
def test_fail_on_findings(fail_on: tuple[str, ...], code: int) -> None:
    assert run_cli("assess", CRM, *fail_on).exit_code == code


def test_fail_on_passes_when_nothing_is_found(scenario_file) -> None:
    path = scenario_file(scenario(ambition="it_operated", contract_owner="it"))
    assert run_cli("assess", str(path), "--fail-on", "conflict", "--fail-on", "risk").exit_code == 0


def test_fail_on_risk_ignores_accepted_risks(scenario_file) -> None:
    document = scenario(
        ambition="business_operated",
        regulations=["gdpr"],
        accepted_risks=[{"risk": "regulatory-compliance", "accepted_by": "CFO"}],
    )
    assert run_cli("assess", str(scenario_file(document)), "--fail-on", "risk").exit_code == 0


def test_usage_errors_exit_2() -> None:
    assert run_cli("assess", CRM, "--format", "yaml").exit_code == 2
    assert run_cli("assess").exit_code == 2
    assert run_cli("nonsense").exit_code == 2


def test_scenario_from_stdin() -> None:
    result = run_cli("assess", "-", "--format", "json", input=Path(CRM).read_text())
    assert json.loads(result.stdout)["recommendation"]["model"] == "B"
    broken = run_cli("assess", "-", input="{")
    assert broken.exit_code == 3 and broken.stderr.startswith("error: <stdin>:1:2: invalid JSON")


def test_missing_file_exits_3_with_its_name(tmp_path: Path) -> None:
    result = run_cli("assess", str(tmp_path / "nope.json"))
    assert result.exit_code == 3
    assert "nope.json: cannot read the file: No such file or directory" in result.stderr


@pytest.mark.slow
def test_schema_is_valid_and_accepts_every_bundled_scenario() -> None:
    schema = json.loads(run_cli("schema").stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    for path in SCENARIOS.glob("*.json"):
        jsonschema.validate(json.loads(path.read_text()), schema)


def test_markdown_escapes_user_text(scenario_file) -> None:
    document = scenario(ambition="it_operated", contract_owner="business")
    document["service"]["name"] = "A|B <script>"
    text = run_cli("assess", str(scenario_file(document)), "--format", "markdown").stdout
    assert "<script>" not in text
    assert "A\\|B &lt;script>" in text


@pytest.mark.parametrize(("fmt", "on_stdout"), [("text", True), ("junit", False)])
def test_a_coverage_shortfall_is_said_once_on_stdout_or_stderr(fmt: str, on_stdout: bool) -> None:
    suite = str(SCENARIOS.parent / "rules" / "tests" / "ambition.yaml")
    result = run_cli("rules", "test", suite, "--format", fmt, "--min-coverage", "99")
    assert result.exit_code == 1
    said = "is below the minimum of 99%"
    assert (said in result.stdout, said in result.stderr) == (on_stdout, not on_stdout)


def test_the_json_report_carries_the_trace_with_or_without_explain() -> None:
    plain, explained = (run_cli("assess", CRM, "--format", "json", *extra).stdout for extra in ((), ("--explain",)))
    assert plain == explained and json.loads(plain)["trace"]
