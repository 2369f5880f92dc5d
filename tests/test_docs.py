"""The documentation covers every command (the way sqlite-utils tests its docs)."""

from __future__ import annotations

import re

import click
from conftest import ROOT, run_cli

from opsadvisor.cli import main


def command_paths(group: click.Group, prefix: str = "") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, f"{path} "))
        else:
            paths.append(path)
    return paths


def test_the_readme_lists_every_command_and_its_python_twin_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in command_paths(main):
        assert re.search(rf"`(opsadvisor )?{re.escape(path)}\b", readme), f"README does not mention `{path}`"


def test_every_linked_guide_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for link in re.findall(r"\]\((docs/[^)]+)\)", readme):
        assert (ROOT / link).is_file(), link


def test_every_python_twin_named_in_the_readme_exists() -> None:
    from opsadvisor import api

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    twins = re.search(r"a Python twin in `opsadvisor.api` \(([^)]*)\)", readme)
    assert twins is not None
    for name in re.findall(r"`(\w+)`", twins.group(1)):
        assert callable(getattr(api, name)), name


def test_the_rules_guide_walk_through_runs_as_written(tmp_path) -> None:
    guide = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    rule_file = re.search(r"\*\*1\. Write the rule\*\*.*?```yaml\n(.*?)```", guide, re.S).group(1)
    test_file = re.search(r"```yaml\n# acme-rules/tests/dora.yaml\n(.*?)```", guide, re.S).group(1)
    (tmp_path / "acme-rules" / "tests").mkdir(parents=True)
    (tmp_path / "acme-rules" / "dora.yaml").write_text(rule_file, encoding="utf-8")
    (tmp_path / "acme-rules" / "tests" / "dora.yaml").write_text(test_file, encoding="utf-8")
    acme = str(tmp_path / "acme-rules")
    checked = run_cli("rules", "check", acme)
    assert checked.exit_code == 0 and checked.output.startswith("no problems found")
    tested = run_cli("rules", "test", str(tmp_path / "acme-rules" / "tests"), "--rules", acme)
    assert tested.exit_code == 0 and tested.output.splitlines()[-1] == "2 passed, 0 failed"
    payroll = '{"service": {"id": "pay", "name": "Payroll"}, "regulations": ["dora", "gdpr"], '
    payroll += '"vendor_run": true, "contract_owner": "it"}'
    explained = run_cli("explain", "-", "--rules", acme, "--rule", "acme.dora-register", input=payroll)
    assert "    first failed: contract_owner equals none" in explained.output
    assert "    FAILED  contract_owner equals none  [contract_owner ($.contract_owner) = it]" in guide
