"""`rules test`: cases of scenario + expect, one line each, a diff for failures, coverage, JUnit."""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsadvisor.api import run_rule_tests
from opsadvisor.authoring import ruletest
from opsadvisor.authoring.ruletest import NoTestCases
from opsadvisor.cli import main
from opsadvisor.errors import OpsAdvisorError, RulesError
from opsadvisor.kinds.base import IdsExpectation
from opsadvisor.rulepack import default_rules_dir, load_pack

from .helpers import ROOT, run_cli

PASSING = """
base:
  contract_owner: it
cases:
  - name: IT operated aims for A
    scenario: {ambition: it_operated, lifecycle: mature}
    expect: {model: A, mode: 1, conflicts: [], fired: [ambition.it-operated], matrix: {incident: {application: it_ops}}}
  - name: a bundled scenario by path
    scenario: ../scenarios/payroll-it-operated.json
    expect: {model: A}
"""

FAILING = """
cases:
  - name: wrong model
    scenario: {ambition: it_operated, contract_owner: business}
    expect: {model: B, no_conflicts: [contract_ownership], not_fired: [ambition.it-operated]}
"""


def write(folder: Path, text: str, name: str = "case.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_default_suite_passes_and_covers_every_default_rule() -> None:
    result = run_cli("rules", "test", str(ROOT / "rules" / "tests"), "--coverage", "--min-coverage", "100")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    pack = load_pack()
    rows = sum(len(table.rows) for table in pack.tables)
    rules = len(pack.rules) + rows - len({rule.id for rule in pack.rules if rule.table})  # each row of a table
    assert (
        f"coverage: {rules} of {rules} rules fired (100.0%) (a rule written as several table rows counts each row)"
        in lines
    )
    assert lines[-1].endswith(" passed, 0 failed")
    assert all(line.startswith("PASS  ") for line in lines[:-2])


def test_without_a_path_the_bundled_suite_runs_or_a_clear_error_says_why() -> None:
    result = run_cli("rules", "test")
    if (default_rules_dir() / "tests").is_dir():  # a source checkout (or an editable install)
        assert result.exit_code == 0 and result.output.splitlines()[-1].endswith("passed, 0 failed")
    else:  # an installed copy: the suite is not shipped
        assert result.exit_code == 1
        assert "no PATH given, and the bundled suite ships only in a source checkout" in result.output


def test_a_passing_file_prints_one_line_per_case(tmp_path: Path) -> None:
    path = write(tmp_path / "tests", PASSING.replace("../scenarios", str(ROOT / "scenarios")))
    result = run_cli("rules", "test", str(path))
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        f"PASS  {path}:5  IT operated aims for A",
        f"PASS  {path}:8  a bundled scenario by path",
        "2 passed, 0 failed",
    ]


def test_a_failure_shows_a_diff_and_exits_1(tmp_path: Path) -> None:
    path = write(tmp_path, FAILING)
    result = run_cli("rules", "test", str(path))
    assert result.exit_code == 1
    assert result.output.splitlines()[:3] == [
        f"FAIL  {path}:3  wrong model",
        "        - model: B",
        "        + model: A",
    ]
    assert "        - no_conflicts: [contract_ownership]" in result.output
    assert "(has ambition.it-operated)" in result.output
    assert result.output.splitlines()[-1] == "0 passed, 1 failed"


def test_coverage_lists_the_rules_no_case_fired_and_min_coverage_fails(tmp_path: Path) -> None:
    path = write(tmp_path, FAILING.replace("model: B", "model: A").replace("no_conflicts", "conflicts"))
    path.write_text(path.read_text().replace("not_fired", "fired"))
    result = run_cli("rules", "test", str(path), "--coverage")
    assert result.exit_code == 0
    assert "  not fired: ambition.mixed  (<bundled>/10-ambition.yaml:40)" in result.output
    result = run_cli("rules", "test", str(path), "--min-coverage", "50")
    assert result.exit_code == 1
    assert "is below the minimum of 50%" in result.output
    assert result.output.splitlines()[-1] == "1 passed, 0 failed"


def test_junit_xml_for_ci(tmp_path: Path) -> None:
    write(tmp_path / "t", PASSING.replace("../scenarios", str(ROOT / "scenarios")))
    write(tmp_path / "t", FAILING, "fail.yaml")
    out = tmp_path / "junit.xml"
    result = run_cli("rules", "test", str(tmp_path / "t"), "--format", "junit", "-o", str(out))
    assert result.exit_code == 1 and result.output == "2 passed, 1 failed\n"
    root = ET.fromstring(out.read_text())
    assert root.tag == "testsuites" and root.get("tests") == "3" and root.get("failures") == "1"
    failures = root.findall(".//testcase/failure")
    assert len(failures) == 1 and "- model: B" in (failures[0].text or "")


def test_no_path_outside_a_checkout_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    installed = tmp_path / "site-packages" / "opsadvisor" / "rules"  # an installed pack: no tests/ beside it
    installed.mkdir(parents=True)
    monkeypatch.setattr(ruletest, "default_rules_dir", lambda: installed)
    result = CliRunner().invoke(main, ["rules", "test"])
    assert result.exit_code == 2
    assert "no PATH given, and the bundled suite ships only in a source checkout" in result.stderr


def test_no_case_found_fails_loudly(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run_cli("rules", "test", str(tmp_path / "empty"))
    assert result.exit_code == 1 and "no test case found" in result.output + (result.stderr or "")
    with pytest.raises(NoTestCases):
        run_rule_tests([tmp_path / "missing"])


def test_a_broken_test_file_lists_every_problem_with_file_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        cases:
          - name: typos
            scenario: {ambition: it_operatd}
            expect:
              modle: A
              fired: [ambition.it-operatd]
              matrix: {incidnt: {application: it_ops}}
        """,
    )
    with pytest.raises(RulesError) as caught:
        run_rule_tests([path])
    problems = "\n".join(caught.value.problems)
    assert f"{path}:4: case 'typos': scenario: $.ambition" in problems and 'did you mean "it_operated"?' in problems
    assert f'{path}:6: unknown key "modle" in expect' in problems
    assert "unknown id 'ambition.it-operatd' (did you mean \"ambition.it-operated\"?)" in problems
    assert "unknown process 'incidnt' (did you mean \"incident\"?)" in problems


def test_present_lists_are_at_least_and_an_empty_list_means_none() -> None:
    two = IdsExpectation("conflicts", "no_conflicts", lambda assessment: ["a", "b"], lambda pack: ())
    none = IdsExpectation("governance", "no_governance", lambda assessment: [], lambda pack: ())
    assert two.diff({"conflicts": ["a"]}, None) == []
    assert two.diff({"conflicts": []}, None) == ["- conflicts: []", "+ conflicts: [a, b]"]
    assert two.diff({"no_conflicts": ["c"]}, None) == []
    assert two.diff({"no_conflicts": ["b"]}, None) == ["- no_conflicts: [b]", "+ conflicts: [a, b] (has b)"]
    assert none.diff({"governance": []}, None) == []


ANY_YAML = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["A", "it_operated", "x", "cases", ""]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["cases", "base", "name", "scenario", "expect", "model", "fired"]), children, max_size=3
        )
    ),
    max_leaves=12,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=ANY_YAML)
def test_any_test_file_shape_runs_or_is_refused_clearly(tmp_path: Path, document: object) -> None:
    import json

    path = tmp_path / "fuzz.yaml"
    path.write_text(json.dumps(document), encoding="utf-8")  # JSON is YAML
    try:
        run = run_rule_tests([path])
    except OpsAdvisorError as error:
        assert error.exit_code in (1, 4) and error.problems
    else:
        assert run.summary() == f"{run.passed} passed, {run.failed} failed"


def test_outputs_to_a_missing_folder_fail_cleanly(tmp_path: Path) -> None:
    for args in (
        ("rules", "docs", "-o", str(tmp_path / "nowhere" / "rules.md")),
        ("rules", "test", str(ROOT / "rules" / "tests"), "--format", "junit", "-o", str(tmp_path / "no" / "r.xml")),
    ):
        result = run_cli(*args)
        assert result.exit_code == 2
        assert (
            result.stderr.startswith("error: ") and "cannot write the file: No such file or directory" in result.stderr
        )


def test_junit_output_says_why_coverage_fails_the_job(tmp_path: Path) -> None:
    suite = str(ROOT / "rules" / "tests" / "ambition.yaml")
    result = run_cli("rules", "test", suite, "--format", "junit", "-o", str(tmp_path / "r.xml"), "--min-coverage", "99")
    assert result.exit_code == 1
    assert "is below the minimum of 99%" in result.stderr
    assert ET.parse(tmp_path / "r.xml").getroot().get("failures") == "0"
