"""Nothing a shared rule pack or a file name holds reaches the terminal as a control sequence: a pack
text with a control character is refused where the pack is read (exit 4, naming file:line), and the
tables that print file names escape them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .hostile_helpers import PAYROLL, SCENARIOS, cli, crashed

HR = SCENARIOS / "hr-portal-it-operated-decided-otherwise.json"  # pending risks: it has findings

TITLE_SETTER = "\\e]0;pwned\\a"  # YAML escapes: ESC ] 0 ; ... BEL sets the terminal's title
CLIPBOARD = "\\x1b]52;c;ZWNobyBwd25lZA==\\x07"  # OSC 52 writes the clipboard
RULE = """rules:
  - id: acme.hostile
    title: "{title}"
    rationale: "{rationale}"
    source: practice, ISO/IEC 27001:2022 A.5.1
    when: {{ambition: it_operated}}
    then:
      - next_step: "{step}"
"""

CONFLICT = """conflict_kinds:
  acme_review: An Acme review is needed.
rules:
  - id: acme.review
    title: Every IT-operated service gets an Acme review
    rationale: Acme reviews every service.
    source: practice, ISO/IEC 27001:2022 A.5.1
    when: {ambition: it_operated}
    then:
      - conflict: {kind: acme_review, severity: low, message: Review it., remedy: Review it.}
"""


def _pack(tmp_path: Path, title: str = "A title", rationale: str = "Because", step: str = "A step") -> Path:
    rules = tmp_path / "rules"
    rules.mkdir(exist_ok=True)
    (rules / "hostile.yaml").write_text(RULE.format(title=title, rationale=rationale, step=step), encoding="utf-8")
    return rules


@pytest.mark.parametrize(
    ("field", "text", "line"),
    [("title", TITLE_SETTER, 3), ("rationale", CLIPBOARD, 4), ("step", "clear\\e[2J", 8)],
)
@pytest.mark.parametrize(
    "command",
    [
        ["rules", "check"],
        ["rules", "list", "--rules"],
        ["rules", "show", "acme.hostile", "--rules"],
        ["assess", str(PAYROLL), "--rules"],
        ["explain", str(PAYROLL), "--rules"],
    ],
    ids=["rules-check", "rules-list", "rules-show", "assess", "explain"],
)
def test_a_pack_text_with_a_control_character_is_refused_naming_its_line(
    tmp_path: Path, field: str, text: str, line: int, command: list[str]
) -> None:
    rules = _pack(tmp_path, **{field: text})
    result = cli(*command, rules)
    assert not crashed(result), result.output
    assert result.exit_code == 4, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert f"hostile.yaml:{line}" in result.output and "control character \\x1b" in result.output


def test_a_refused_pack_is_refused_again_from_a_warm_cache(tmp_path: Path) -> None:
    rules = _pack(tmp_path, title=TITLE_SETTER)
    env = {"OPSADVISOR_CACHE_DIR": str(tmp_path / "cache")}
    for _ in range(2):
        result = cli("assess", PAYROLL, "--rules", rules, env=env)
        assert result.exit_code == 4 and "\x1b" not in result.output


def test_the_most_findings_table_escapes_a_file_name(tmp_path: Path) -> None:
    folder = tmp_path / "portfolio"
    folder.mkdir()
    shutil.copy(HR, folder / "\x1b]0;pwned\x07.json")
    result = cli("batch", folder, "--jobs", "1")
    assert not crashed(result), result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b]0;pwned\\x07.json" in result.output


def test_the_diff_table_escapes_a_file_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a short relative location: the column wraps at 40 characters, not inside it
    folder = Path("portfolio")
    folder.mkdir()
    shutil.copy(PAYROLL, folder / "\x1b[2Jpayroll.json")
    base = tmp_path / "base"
    base.mkdir()
    (base / "conflict.yaml").write_text(CONFLICT, encoding="utf-8")
    result = cli("diff", folder, "--base-rules", base)  # the base raises a conflict: the change removes it
    assert not crashed(result), result.output
    assert "\x1b" not in result.output
    assert "portfolio/\\x1b[2Jpayroll.json" in result.output
