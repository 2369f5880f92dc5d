"""The regulation and practice packs (rules/70-77): each is switched off by the one `disable:` line
docs/rules.md gives for it, and their obligations cannot be accepted."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from opsadvisor.rulepack import load_pack

from .helpers import ROOT, SCENARIOS, run_cli

PACKS = sorted((ROOT / "rules").glob("7*.yaml"))


def documented_lines() -> dict[str, str]:
    """Per pack file name, the `disable:` line of the "Regulation packs" table in docs/rules.md."""
    guide = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| [^|]+ \(`(7\d-[\w-]+\.yaml)`\) \| `(disable: \[[^`]+\])` \|$", guide, re.M))


def test_every_pack_has_its_line_in_the_guide() -> None:
    assert len(PACKS) == 9
    assert sorted(documented_lines()) == [path.name for path in PACKS]


@pytest.mark.parametrize("pack", PACKS, ids=lambda path: path.stem)
def test_the_documented_line_switches_off_exactly_that_pack(tmp_path: Path, pack: Path) -> None:
    layer = tmp_path / "acme-rules"
    layer.mkdir()
    (layer / "no-pack.yaml").write_text(documented_lines()[pack.name] + "\n", encoding="utf-8")
    everything = load_pack()
    without = load_pack([layer])
    gone = {rule.id for rule in everything.rules} - {rule.id for rule in without.rules}
    assert gone == {rule.id for rule in everything.rules if Path(rule.location.file).name == pack.name}
    assert run_cli("rules", "check", str(layer)).exit_code == 0


@pytest.mark.parametrize(
    ("risk", "reference"),
    [
        ("dora-contract-clauses", "DORA Art. 30(2)"),
        ("dora-exit-strategy", "DORA Art. 28(8)"),
    ],
)
def test_a_regulation_packs_obligation_cannot_be_accepted(tmp_path: Path, risk: str, reference: str) -> None:
    path = Path(shutil.copy(SCENARIOS / "payments-hub-dora-critical.json", tmp_path / "payments.json"))
    original = path.read_bytes()
    result = run_cli("accept", str(path), risk, "--role", "accountable_executive", "--name", "COO")
    assert result.exit_code == 3
    assert f"{risk} is an obligation ({reference}): it cannot be accepted, only fixed" in result.stderr
    assert path.read_bytes() == original
