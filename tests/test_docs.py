"""The documentation covers every command (the way sqlite-utils tests its docs)."""

from __future__ import annotations

import re

import click
from conftest import ROOT

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
