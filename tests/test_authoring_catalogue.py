"""`rules list`, `rules show`, `rules docs` and the generated reference in docs/rules.md."""

from __future__ import annotations

import json
from pathlib import Path

from opsadvisor import kinds
from opsadvisor.api import list_rules, rule_pack
from opsadvisor.authoring.catalogue import TEST_MEANINGS, render_reference, replace_reference
from opsadvisor.rulepack import TESTS_BY_KIND, default_rules_dir, load_pack

from .helpers import ROOT, run_cli

DOCS = ROOT / "docs" / "rules.md"


def test_docs_rules_md_reference_is_generated_from_the_code() -> None:
    """Fails when docs/rules.md is stale: run `opsadvisor rules docs --reference -o docs/rules.md`."""
    text = DOCS.read_text(encoding="utf-8")
    assert replace_reference(text, render_reference(rule_pack())) == text


def test_every_test_and_conclusion_kind_is_documented() -> None:
    assert set(TEST_MEANINGS) == {test for tests in TESTS_BY_KIND.values() for test in tests}
    assert all(kind.shape and kind.meaning for kind in kinds.authored())


def test_rules_list_shows_every_rule_with_its_location_and_version() -> None:
    result = run_cli("rules", "list")
    assert result.exit_code == 0
    assert "ambition.it-operated" in result.output and "<bundled>/10-ambition.yaml:9" in result.output
    files = len(list(default_rules_dir().glob("*.yaml")))
    summary = f"{len(load_pack().rules)} rules from {files} files; rules_version {load_pack().version}"
    assert result.output.splitlines()[-1] == summary


def test_rules_list_marks_overrides_and_disabled_rules(tmp_path: Path) -> None:
    folder = tmp_path / "org"
    folder.mkdir()
    (folder / "org.yaml").write_text(
        "disable: [interfaces.none]\nrules:\n  - id: ambition.mixed\n    title: Ours\n    rationale: Ours.\n"
        "    when: {ambition: mixed}\n    then: [{recommend: C}]\n",
        encoding="utf-8",
    )
    found = list_rules([folder])
    entry = next(e for e in found.rules if e.id == "ambition.mixed")
    assert entry.overrides == "<bundled>/10-ambition.yaml:40" and entry.location.endswith("org/org.yaml:3")
    assert found.disabled == {"interfaces.none": f"{folder}/org.yaml:1"}
    result = run_cli("rules", "list", "--rules", str(folder))
    assert "(overrides <bundled>/10-ambition.yaml:40)" in result.output
    assert f"disabled: interfaces.none (by {folder}/org.yaml:1)" in result.output
    document = json.loads(run_cli("rules", "list", "--format", "json").output)
    assert len(document["rules"]) == len(load_pack().rules) and document["rules_version"].startswith("sha256:")


def test_rules_show_prints_the_whole_rule() -> None:
    result = run_cli("rules", "show", "dialogue.benefits-missing")
    assert result.exit_code == 0
    assert "any of (expected_benefits equals 0; expected_benefits exists false)" in result.output
    assert "defined at  <bundled>/50-dialogue.yaml:5" in result.output and "rationale:" in result.output


def test_rules_show_an_unknown_rule_is_a_usage_error_with_did_you_mean() -> None:
    result = run_cli("rules", "show", "ambition.mixd")
    assert result.exit_code == 2
    assert 'did you mean "ambition.mixed"?' in result.output + (result.stderr or "")


def test_rules_docs_groups_the_catalogue_by_conclusion(tmp_path: Path) -> None:
    out = tmp_path / "catalogue.md"
    assert run_cli("rules", "docs", "-o", str(out)).exit_code == 0
    text = out.read_text()
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings[:3] == ["## Model and mode", "## Conflicts", "## Accountability"]
    assert "### `conflict.ambition-risk`" in text and "_Why:_" in text
    assert text == run_cli("rules", "docs").output


def test_rules_docs_reference_refreshes_only_the_generated_block(tmp_path: Path) -> None:
    copy = tmp_path / "rules.md"
    stale = DOCS.read_text().replace("| `ambition`", "| `ambitions`")
    copy.write_text(stale)
    result = run_cli("rules", "docs", "--reference", "-o", str(copy))
    assert result.output == f"{copy}: generated reference updated\n"
    assert copy.read_text() == DOCS.read_text()
