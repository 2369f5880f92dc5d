"""Rule-pack stage: rule files are data; a broken one is reported with file:line (exit 4)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import opsadvisor
from opsadvisor.errors import RulesError
from opsadvisor.rulepack import load_pack

from .helpers import ROOT, run_cli, scenario

VALID_RULE = """
rules:
  - id: org.cloud-review
    title: Cloud services get an architecture review
    rationale: Our cloud policy asks for one.
    priority: 700
    when:
      hosting: cloud
    then:
      - next_step: Book a cloud architecture review for {service.name}.
"""


def layer(tmp_path: Path, text: str, name: str = "org.yaml") -> Path:
    folder = tmp_path / "org"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(RulesError) as caught:
        load_pack([layer(tmp_path, text)])
    return caught.value.problems


def test_default_pack_loads_with_a_stable_version() -> None:
    pack = load_pack()
    assert len(pack.processes) == 14
    assert set(pack.models) == {"A", "B", "C"}
    assert pack.version == load_pack().version
    assert pack.version.startswith("sha256:")


def test_a_layer_adds_rules_and_changes_the_version(tmp_path: Path) -> None:
    pack = load_pack([layer(tmp_path, VALID_RULE)])
    assert pack.rule("org.cloud-review") is not None
    assert pack.version != load_pack().version
    steps = [s.step for s in opsadvisor.assess(scenario(hosting="cloud"), rules=pack).next_steps]
    assert "Book a cloud architecture review for Test service." in steps


def test_a_layer_replaces_and_disables_default_rules(tmp_path: Path) -> None:
    text = VALID_RULE.replace("org.cloud-review", "ambition.mixed") + "disable: [interfaces.none]\n"
    pack = load_pack([layer(tmp_path, text)])
    replaced = pack.rule("ambition.mixed")
    assert replaced is not None and replaced.overrides is not None
    assert str(replaced.overrides).startswith("<bundled>/10-ambition.yaml:")
    assert pack.rule("interfaces.none") is None
    assessment = opsadvisor.assess(scenario(ambition="mixed", integrations=[]), rules=pack)
    assert assessment.recommendation.model is None
    assert {row.interface for row in assessment.accountability} == {"tbd"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rules: [\n  {id: x\n", "org/org.yaml:3: invalid YAML"),
        ("rules:\n  - !!python/object/apply:os.system [echo hacked]\n", "org/org.yaml:2: invalid YAML"),
        (VALID_RULE.replace("hosting: cloud", "hostng: cloud"), "unknown fact 'hostng' (did you mean \"hosting\"?)"),
        (VALID_RULE.replace("hosting: cloud", "hosting: clod"), "'clod' is not a value hosting can take"),
        (VALID_RULE.replace("hosting: cloud", "users: {at_least: 5}"), "users cannot be tested with 'at_least'"),
        (VALID_RULE.replace("    title: Cloud services get an architecture review\n", ""), "missing title"),
        (VALID_RULE.replace("priority: 700", "priority: -1"), "priority must be a whole number 0 to 1000"),
        (VALID_RULE.replace("next_step:", "next_stpe:"), "unknown conclusion 'next_stpe'"),
        (VALID_RULE.replace("{service.name}", "{service.nme}"), "unknown placeholder {service.nme} (did you mean"),
        (VALID_RULE.replace("    when:", "    wen:"), 'unknown key "wen" in a rule'),
        (VALID_RULE + VALID_RULE.replace("rules:\n", ""), 'duplicate rule id "org.cloud-review"'),
        ("disable: [ambition.mixd]\n", 'cannot disable unknown rule "ambition.mixd" (did you mean "ambition.mixed"?)'),
        (
            VALID_RULE.replace("hosting: cloud", "any:\n        - sensitive_data: true"),
            "can only be tested at the top level",
        ),
        (
            VALID_RULE.replace(
                "- next_step: Book a cloud architecture review for {service.name}.",
                "- accountability: {process: incidents, column: application, party: it_ops}",
            ),
            "unknown process 'incidents'",
        ),
        (
            VALID_RULE.replace(
                "- next_step: Book a cloud architecture review for {service.name}.",
                "- conflict: {kind: cloud, severity: high, message: m, remedy: r}",
            ),
            "unknown conflict kind 'cloud'",
        ),
    ],
)
def test_broken_rule_files_are_reported_with_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    found = problems(tmp_path, text)
    assert any(expected in problem for problem in found), found
    assert all(problem.startswith("org/org.yaml") or problem.startswith(str(tmp_path)) for problem in found), found


def test_problem_line_points_at_the_offending_line(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, VALID_RULE.replace("hosting: cloud", "hosting: clod"))
    line = int(problem.split(":")[1])
    text = textwrap.dedent(VALID_RULE).splitlines()
    assert text[line - 1].strip() == "hosting: cloud"


def test_missing_rule_directory(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="no such rule directory"):
        load_pack([tmp_path / "nowhere"])


def test_cli_exit_4_for_broken_rules(tmp_path: Path) -> None:
    folder = layer(tmp_path, VALID_RULE.replace("hosting: cloud", "hosting: clod"))
    result = run_cli("assess", str(ROOT / "scenarios" / "event-app-pilot.json"), "--rules", str(folder))
    assert result.exit_code == 4
    assert result.stderr.startswith("error: ")
    assert "org.yaml:8: rule org.cloud-review: hosting equals: 'clod' is not a value" in result.stderr
    assert "Traceback" not in result.output
