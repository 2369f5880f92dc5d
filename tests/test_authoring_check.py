"""`rules check`: mistakes in a rule pack are findings with file:line, rule id and severity."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsadvisor.api import check_rules
from opsadvisor.rulepack import default_rules_dir, load_pack

from .helpers import run_cli

RULE = """
  - id: {id}
    title: A test rule
    rationale: Because the test says so.
    priority: {priority}
    when:
{when}
    then:
{then}
    source: practice, the test
"""


def rule(rule_id: str, when: str, then: str = "- next_step: Do it.", priority: int = 700) -> str:
    indent = " " * 6
    return RULE.format(
        id=rule_id,
        priority=priority,
        when=textwrap.indent(textwrap.dedent(when).strip(), indent),
        then=textwrap.indent(textwrap.dedent(then).strip(), indent),
    )


def org(tmp_path: Path, *rules: str, extra: str = "") -> Path:
    folder = tmp_path / "org"
    folder.mkdir(exist_ok=True)
    (folder / "org.yaml").write_text("rules:" + "".join(rules) + extra, encoding="utf-8")
    return folder


def findings(tmp_path: Path, *rules: str, extra: str = "") -> list[str]:
    return [str(finding) for finding in check_rules([org(tmp_path, *rules, extra=extra)]).findings]


def test_the_default_pack_has_no_findings() -> None:
    report = check_rules()
    assert report.findings == ()
    files = len(list(default_rules_dir().glob("*.yaml")))
    assert report.summary() == f"no problems found ({len(load_pack().rules)} rules in {files} files)"


def test_loader_problems_become_error_findings_with_rule_id_and_did_you_mean(tmp_path: Path) -> None:
    (found,) = findings(tmp_path, rule("org.typo", "ambition: it_operatd"))
    assert "org/org.yaml:7: error [org.typo]: ambition equals: 'it_operatd' is not a value" in found
    assert 'did you mean "it_operated"?' in found


def test_contradictory_conditions_on_one_fact_can_never_fire(tmp_path: Path) -> None:
    (found,) = findings(tmp_path, rule("org.never", "criticality: {at_least: high, at_most: medium}"))
    assert "error [org.never]: can never fire: the conditions on criticality contradict each other" in found
    assert "'criticality at_least high' and 'criticality at_most medium'" in found


def test_a_set_that_must_hold_and_lack_a_value_can_never_fire(tmp_path: Path) -> None:
    (found,) = findings(tmp_path, rule("org.never", "regulations: {contains: sox, lacks: sox}"))
    assert "can never fire" in found


def test_a_number_below_zero_can_never_be_met(tmp_path: Path) -> None:
    (found,) = findings(tmp_path, rule("org.never", "users: {lt: 0}"))
    assert "can never fire: no value of users meets 'users lt 0'" in found


def test_compatible_conditions_on_one_fact_are_fine(tmp_path: Path) -> None:
    assert findings(tmp_path, rule("org.range", "users: {gt: 10, lt: 12}")) == []


def test_a_derived_value_no_rule_derives_can_never_fire(tmp_path: Path) -> None:
    (found,) = findings(tmp_path, rule("org.typo", "operated_by: businss"))
    assert "no rule derives operated_by with a value that meets 'operated_by equals businss'" in found
    assert 'did you mean "business"?' in found


def test_a_derived_fact_nobody_derives_is_an_error(tmp_path: Path) -> None:
    (found,) = findings(tmp_path, rule("org.orphan", "cloud_ready: true"))
    assert "error [org.orphan]: unknown fact 'cloud_ready'" in found
    assert "no rule derives it" in found


def test_a_derived_fact_nobody_uses_is_a_warning(tmp_path: Path) -> None:
    (found,) = findings(tmp_path, rule("org.unused", "hosting: cloud", "- derive: {cloud_ready: true}"))
    assert "warning [org.unused]: derives cloud_ready, but no rule tests it" in found
    report = check_rules([tmp_path / "org"])
    assert not report.failed() and report.failed(strict=True)


def test_a_derived_fact_used_only_in_a_message_is_used(tmp_path: Path) -> None:
    derive = rule("org.derive", "hosting: cloud", "- derive: {where: the cloud}")
    step = rule("org.step", "hosting: cloud", "- next_step: Review {where}.")
    assert findings(tmp_path, derive, step) == []


def test_rules_that_re_trigger_each_other_are_a_cycle(tmp_path: Path) -> None:
    start = rule("org.start", "hosting: cloud", "- derive: {ping: true}")
    a = rule("org.a", "ping: true", "- derive: {pong: true}")
    b = rule("org.b", "pong: true", "- derive: {ping: true}")
    (found,) = findings(tmp_path, start, a, b)
    assert "error [org.a]: rules org.a, org.b form a derivation cycle through ping, pong" in found


def test_a_rule_that_re_triggers_itself_is_a_cycle(tmp_path: Path) -> None:
    start = rule("org.start", "hosting: cloud", "- derive: {again: true}")
    loop = rule("org.loop", "again: true", "- derive: {again: true}")
    (found,) = findings(tmp_path, start, loop)
    assert "[org.loop]: derives again, which its own conditions test" in found


def test_equal_priority_rules_recommending_different_models_warn(tmp_path: Path) -> None:
    found, other = findings(tmp_path, rule("org.saas-b", "hosting: saas", "- recommend: B", priority=300))
    assert "warning [org.saas-b]: recommends model B, but rule ambition.it-operated recommends A" in found
    assert "recommends model B, but rule ambition.mixed recommends C" in other


def test_exclusive_conditions_or_a_priority_settle_it(tmp_path: Path) -> None:
    exclusive = rule("org.b", "ambition: undecided\nhosting: saas", "- recommend: B", priority=300)
    assert findings(tmp_path, exclusive) == []
    assert findings(tmp_path, rule("org.b", "hosting: saas", "- recommend: B", priority=301)) == []


def test_equal_priority_rules_setting_one_cell_differently_warn(tmp_path: Path) -> None:
    cell = "- accountability: {process: change, column: interface, party: business}"
    (found,) = findings(tmp_path, rule("org.cell", "hosting: cloud", cell, priority=50))
    assert "sets accountability change interface = business, but rule interfaces.none sets n/a" in found


def test_cli_exit_codes_and_strict(tmp_path: Path) -> None:
    assert run_cli("rules", "check").exit_code == 0
    warn = org(tmp_path, rule("org.unused", "hosting: cloud", "- derive: {cloud_ready: true}"))
    result = run_cli("rules", "check", str(warn))
    assert result.exit_code == 0 and "0 errors, 1 warning" in result.output
    assert run_cli("rules", "check", "--strict", str(warn)).exit_code == 4
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "x.yaml").write_text("rules: [\n", encoding="utf-8")
    result = run_cli("rules", "check", str(broken))
    assert result.exit_code == 4 and "broken/x.yaml:2: error: invalid YAML" in result.output


def test_cli_json_format(tmp_path: Path) -> None:
    import json

    result = run_cli("rules", "check", "--format", "json", str(org(tmp_path, rule("org.x", "users: {lt: 0}"))))
    document = json.loads(result.output)
    assert document["errors"] == 1
    assert document["findings"][0] | {"message": "", "file": ""} == {
        "file": "",
        "line": 7,
        "rule": "org.x",
        "severity": "error",
        "message": "",
    }


YAML_TEXT = st.text(alphabet=st.sampled_from(list("abcz_-.:{}[], \n'\"#!&*|>0129")), max_size=120)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=YAML_TEXT)
def test_any_rule_file_text_gives_findings_never_a_traceback(tmp_path: Path, text: str) -> None:
    folder = tmp_path / "fuzz"
    folder.mkdir(exist_ok=True)
    (folder / "x.yaml").write_text(text, encoding="utf-8")
    report = check_rules([folder])
    for finding in report.findings:
        assert finding.file.startswith(str(folder)) and finding.severity in ("error", "warning")


CONDITION = st.fixed_dictionaries(
    {},
    optional={
        "criticality": st.sampled_from(["high", "{at_least: high}", "{at_most: low}", "[low, critical]", "hgh"]),
        "users": st.sampled_from(["{gt: 5}", "{lt: 3}", "{gt: 5, lt: 3}", "0", "-1", "many"]),
        "regulations": st.sampled_from(["sox", "{lacks: sox}", "{empty: true}", "{contains: sox, empty: true}"]),
        "operated_by": st.sampled_from(["it", "business", "nobody", "{exists: true}"]),
    },
)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(when=CONDITION, priority=st.sampled_from([300, 301]), model=st.sampled_from("ABC"))
def test_generated_rules_are_checked_without_crashing(tmp_path: Path, when: dict, priority: int, model: str) -> None:
    body = "\n".join(f"{fact}: {test}" for fact, test in when.items()) or "hosting: cloud"
    folder = tmp_path / f"gen{priority}{model}"
    folder.mkdir(exist_ok=True)
    (folder / "x.yaml").write_text("rules:" + rule("org.gen", body, f"- recommend: {model}", priority), "utf-8")
    report = check_rules([folder])
    assert all(f.rule in ("org.gen", "") for f in report.findings)
    assert report.summary().endswith(f"in {len(list(default_rules_dir().glob('*.yaml'))) + 1} files)")


def test_no_overlap_warning_against_a_rule_whose_conditions_are_in_a_group(tmp_path: Path) -> None:
    # suggest-c (priority 100) holds only for an undecided or missing ambition, inside `any`
    found = findings(tmp_path, rule("org.mixed-a", "ambition: mixed", "- recommend: A", priority=100))
    assert found == []


def test_a_typo_inside_any_is_one_unknown_fact_error(tmp_path: Path) -> None:
    found = findings(tmp_path, rule("org.typo", "any:\n  - hostng: saas\n  - users: 3"))
    assert len(found) == 1 and "unknown fact 'hostng' (did you mean \"hosting\"?)" in found[0]


def test_a_list_on_a_list_fact_points_to_contains_any(tmp_path: Path) -> None:
    (found,) = findings(tmp_path, rule("org.regs", "regulations: [sox, dora]"))
    assert "write regulations: {contains_any: ['sox', 'dora']} or regulations: {contains_all" in found


def test_an_extra_process_without_cells_is_reported_where_it_is_added(tmp_path: Path) -> None:
    extra = (
        "\nprocesses: [{id: security, name: Security Mgmt}]\n"
        "models:\n  A: {accountability: {security: [it_ops, it_ops]}}\n"
    )
    found = findings(tmp_path, extra=extra)
    assert found == [
        f"{tmp_path}/org/org.yaml:2: error: process security has no accountability cells in model {model}; add "
        f"'security: [application, interface]' under models: {model}: accountability:"
        for model in ("B", "C")
    ]


def test_a_process_id_must_be_a_word(tmp_path: Path) -> None:
    (found,) = findings(tmp_path, extra="\nprocesses: [{id: Security Mgmt}]\n")
    assert "a process needs an id of lower-case letters" in found and "found 'Security Mgmt'" in found


def test_empty_entries_in_opsadvisor_rules_are_ignored(tmp_path: Path, monkeypatch) -> None:
    folder = org(tmp_path, rule("org.cloud", "hosting: cloud"))
    monkeypatch.setenv("OPSADVISOR_RULES", f":{folder}:")
    result = run_cli("rules", "show", "org.cloud")
    assert result.exit_code == 0, result.output
