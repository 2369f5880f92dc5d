"""Provenance: each rule says whether it is the seed's or practice beyond it, and --seed-only runs the seed's alone."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsadvisor import api
from opsadvisor.rulepack.ir import ORIGINS, Provenance, provenance

from .helpers import ROOT, run_cli, scenario, write_json

PACK = ROOT / "tests" / "packs" / "provenance"  # one seed rule (a next step), one practice rule (a risk)
SEED_STEP = "org.seed-saas-step"
PRACTICE_RISK = "org-saas-processor-contract"
SAAS = scenario(hosting="saas", data={"personal_data": True})


def rule_file(tmp_path: Path, source_line: str) -> Path:
    (tmp_path / "org.yaml").write_text(
        "rules:\n  - id: org.x\n    title: X\n    rationale: Y.\n"
        f"{source_line}\n    when: {{hosting: saas}}\n    then: [{{next_step: Z.}}]\n",
        encoding="utf-8",
    )
    return tmp_path


# --- the source key ------------------------------------------------------------------------------


@given(st.sampled_from(ORIGINS), st.text(st.characters(blacklist_categories=("Cs",)), min_size=1))
def test_a_source_is_its_origin_and_the_reference_after_the_first_comma(origin: str, reference: str) -> None:
    parsed = provenance(f"{origin}, {reference}")
    if " ".join(reference.split()):
        assert parsed == Provenance(origin, " ".join(reference.split()))
        assert provenance(str(parsed)) == parsed
    else:
        assert isinstance(parsed, str) and "needs a reference after a comma" in parsed


@given(st.text())
def test_a_source_starting_with_neither_word_is_refused(text: str) -> None:
    first = " ".join(text.split()).partition(",")[0].strip()
    if first not in ORIGINS:
        assert isinstance(provenance(text), str)


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ('    source: sed, "What is the danger"', "source must start with seed or practice"),
        ("    source: DORA Art. 28", "found 'DORA Art. 28'"),
        ("    source: practice", "source practice needs a reference after a comma"),
        ("    source: [seed]", "source must be text; found ['seed']"),
    ],
)
def test_a_bad_source_is_a_rules_error_with_file_and_line(tmp_path: Path, line: str, said: str) -> None:
    result = run_cli("rules", "list", "--rules", str(rule_file(tmp_path, line)))
    assert result.exit_code == 4
    assert f"{tmp_path}/org.yaml:5: rule org.x: " in result.stderr and said in result.stderr
    if "sed," in line:
        assert 'did you mean "seed"?' in result.stderr


def test_a_rule_without_source_loads_and_rules_check_warns(tmp_path: Path) -> None:
    folder = rule_file(tmp_path, "    priority: 100")
    assert run_cli("assess", "-", "--rules", str(folder), input=json.dumps(scenario())).exit_code == 0
    checked = run_cli("rules", "check", str(folder))
    assert checked.exit_code == 0
    assert f"{folder}/org.yaml:2: warning [org.x]: no source: say where the rule comes from, seed," in checked.output
    assert run_cli("rules", "check", "--strict", str(folder)).exit_code == 4
    assert run_cli("rules", "show", "org.x", "--rules", str(folder)).output.count("source      none given") == 1


def test_every_bundled_rule_says_where_it_comes_from() -> None:
    pack = api.rule_pack()
    assert {rule.provenance.origin for rule in (*pack.rules, *pack.workshop_rules)} <= set(ORIGINS)


# --- rules list, show and docs -------------------------------------------------------------------


def test_rules_list_shows_the_source_column_and_the_json_its_origin_and_reference() -> None:
    text = run_cli("rules", "list", "--rules", str(PACK)).output
    assert text.splitlines()[0].split()[:5] == ["rule", "title", "priority", "source", "concludes"]
    sources = [re.search(r" \d+  (\w+) ", line).group(1) for line in text.splitlines() if line.startswith("org.")]
    assert sources == ["seed", "practice"]
    entries = json.loads(run_cli("rules", "list", "--rules", str(PACK), "--format", "json").output)["rules"]
    practice = next(entry for entry in entries if entry["id"] == "org.practice-saas-dpa")
    assert (practice["origin"], practice["reference"]) == ("practice", "GDPR Art. 28(3)")
    assert practice["source"] == "practice, GDPR Art. 28(3)"


def test_rules_show_and_docs_give_the_source_and_mark_practice() -> None:
    shown = run_cli("rules", "show", "org.practice-saas-dpa", "--rules", str(PACK)).output
    assert "source      practice, GDPR Art. 28(3)" in shown
    docs = run_cli("rules", "docs", "--rules", str(PACK)).output
    assert "source: **practice**, GDPR Art. 28(3)" in docs
    assert 'source: seed, "How to start the dialogue"' in docs
    practice = sum(rule.provenance.origin == "practice" for rule in api.rule_pack([PACK]).rules)
    assert f", {practice} **practice** beyond it" in docs


def test_seed_only_lists_only_seed_rules_and_says_so() -> None:
    listed = run_cli("rules", "list", "--rules", str(PACK), "--seed-only")
    assert SEED_STEP in listed.output and "org.practice-saas-dpa" not in listed.output
    assert listed.output.rstrip().endswith("(seed rules only)")
    assert not re.search(r" \d+  practice ", listed.output)
    docs = run_cli("rules", "docs", "--rules", str(PACK), "--seed-only").output
    assert "**practice**" not in docs.split("\n## ", 1)[1] and ":seed-only" not in docs
    hidden = run_cli("rules", "show", "org.practice-saas-dpa", "--rules", str(PACK), "--seed-only")
    assert hidden.exit_code == 2 and "it is not the seed's, and --seed-only leaves it out" in hidden.stderr


def test_rules_check_takes_no_seed_only() -> None:
    """`rules check` checks every rule of the files: leaving some out would hide their mistakes."""
    assert run_cli("rules", "check", "--seed-only").exit_code == 2


# --- --seed-only on the commands that run rules ---------------------------------------------------


def test_assess_seed_only_runs_the_seed_rules_and_says_so_in_every_footer(scenario_file) -> None:
    path = str(scenario_file(SAAS))
    whole = json.loads(run_cli("assess", path, "--rules", str(PACK), "--format", "json").output)
    assert PRACTICE_RISK in {risk["id"] for risk in whole["risks"]}
    seed = json.loads(run_cli("assess", path, "--rules", str(PACK), "--format", "json", "--seed-only").output)
    assert PRACTICE_RISK not in {risk["id"] for risk in seed["risks"]}
    assert SEED_STEP in {step["rule"] for step in seed["next_steps"]}
    assert seed["rules_version"] == whole["rules_version"] + ":seed-only"
    version = whole["rules_version"]
    table = run_cli("assess", path, "--rules", str(PACK), "--seed-only").output
    assert f"\nRules version: {version} (seed rules only)\n" in table
    markdown = run_cli("assess", path, "--rules", str(PACK), "--seed-only", "--format", "markdown").output
    assert f"\n_Rules version: `{version}` (seed rules only)_\n" in markdown
    assert f"\nRules version: {version}\n" in run_cli("assess", path, "--rules", str(PACK)).output


def test_a_risk_only_practice_raises_may_still_be_accepted_under_seed_only(scenario_file) -> None:
    accepted = {**SAAS, "accepted_risks": [{"risk": PRACTICE_RISK, "accepted_by": "DPO"}]}
    result = run_cli("assess", str(scenario_file(accepted)), "--rules", str(PACK), "--seed-only")
    assert result.exit_code == 0, result.stderr


def test_the_api_twin_filters_the_same_and_keeps_one_pack_per_choice() -> None:
    seed = api.rule_pack([PACK], seed_only=True)
    assert [rule.id for rule in seed.rules if rule.id.startswith("org.")] == [SEED_STEP]
    cli = json.loads(
        run_cli("assess", "-", "--rules", str(PACK), "--seed-only", "--format", "json", input=json.dumps(SAAS)).output
    )
    assert api.assess(SAAS, rules=seed).to_dict() == cli
    assert api.rule_pack(seed_only=True) is api.rule_pack(seed_only=True)
    assert api.rule_pack(seed_only=True).version == api.rule_pack().version + ":seed-only"
    assert api.rule_pack(seed, seed_only=True) is seed


def test_batch_workshop_explain_and_rules_test_take_seed_only(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    write_json(tmp_path / "in" / "saas.json", SAAS)
    md, html = tmp_path / "out.md", tmp_path / "out.html"
    batch = run_cli(
        "batch", str(tmp_path / "in"), "--rules", str(PACK), "--seed-only", "-q", "--out", str(md), "--out", str(html)
    )
    assert batch.exit_code == 0
    assert md.read_text().endswith("` (seed rules only)_\n") and PRACTICE_RISK not in md.read_text()
    assert "</code> (seed rules only)</p></footer>" in html.read_text()
    workshop = run_cli("workshop", str(tmp_path / "in" / "saas.json"), "--rules", str(PACK), "--seed-only")
    assert "(seed rules only)." in workshop.output and PRACTICE_RISK not in workshop.output
    explained = run_cli("explain", str(tmp_path / "in" / "saas.json"), "--rules", str(PACK), "--seed-only")
    assert ":seed-only" in explained.output and "org.practice-saas-dpa" not in explained.output
    (tmp_path / "t.yaml").write_text(
        "cases:\n  - name: the practice risk\n    scenario: {hosting: saas, data: {personal_data: true}}\n"
        f"    expect: {{risks: [{PRACTICE_RISK}]}}\n",
        encoding="utf-8",
    )
    assert run_cli("rules", "test", str(tmp_path / "t.yaml"), "--rules", str(PACK)).exit_code == 0
    assert run_cli("rules", "test", str(tmp_path / "t.yaml"), "--rules", str(PACK), "--seed-only").exit_code == 1


def test_diff_seed_only_filters_both_packs(tmp_path: Path) -> None:
    write_json(tmp_path / "saas.json", SAAS)
    whole = json.loads(run_cli("diff", str(tmp_path), "--base-rules", str(PACK), "--format", "json").output)
    assert whole["changes_by_kind"]["risks"] == 1
    seed = json.loads(
        run_cli("diff", str(tmp_path), "--base-rules", str(PACK), "--format", "json", "--seed-only").output
    )
    assert seed["changed"] == 0  # the practice risk ran in neither pack


# --- a seed rule that cites a regulation is practice (issue 24) ---------------------------------------

REGULATION_WORDS = re.compile(r"\b(SOX|Sarbanes|DORA|GDPR|PCI|NIS ?2|HIPAA)\b", re.IGNORECASE)


@pytest.mark.parametrize(
    ("when", "rationale", "cited"),
    [
        ("{regulations: sox}", "Y.", "the regulations fact"),
        ("{hosting: saas}", "DORA Art. 28 asks for a register.", "DORA"),
    ],
)
def test_rules_check_warns_when_a_seed_rule_cites_a_regulation(
    tmp_path: Path, when: str, rationale: str, cited: str
) -> None:
    (tmp_path / "org.yaml").write_text(
        f"rules:\n  - id: org.x\n    title: X\n    rationale: {rationale}\n"
        f'    source: seed, "What is the danger"\n    when: {when}\n    then: [{{next_step: Z.}}]\n',
        encoding="utf-8",
    )
    checked = run_cli("rules", "check", str(tmp_path))
    assert checked.exit_code == 0
    assert f"{tmp_path}/org.yaml:2: warning [org.x]: labelled seed, but it cites {cited}" in checked.output
    assert run_cli("rules", "check", "--strict", str(tmp_path)).exit_code == 4


def test_the_bundled_seed_rules_cite_no_regulation_so_seed_only_gives_no_regulatory_advice() -> None:
    """The ledger is SOX, DORA and GDPR, critical, with restricted personal data and IT controls the
    business owns: under --seed-only nothing the report says names a regulation or follows from one."""
    assert "labelled seed, but it cites" not in run_cli("rules", "check").output
    path = str(ROOT / "scenarios" / "ledger-mixed-critical-regulated.json")
    report = json.loads(run_cli("assess", path, "--seed-only", "--format", "json").output)
    said = json.dumps({key: report[key] for key in report if key not in ("trace", "service")})
    assert not REGULATION_WORDS.search(said), REGULATION_WORDS.search(said)
    assert not {"regulatory-compliance", "restricted-data-outside-it"} & {risk["id"] for risk in report["risks"]}
    assert "ambition_risk" not in {conflict["kind"] for conflict in report["conflicts"]}
    seed = api.rule_pack(seed_only=True)
    assert not [rule.id for rule in (*seed.rules, *seed.workshop_rules) if "regulations" in rule.facts_tested]
