"""The documentation covers every command (the way sqlite-utils tests its docs)."""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from opsadvisor.cli import main

from .helpers import ROOT, docblocks


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
        assert (ROOT / link).exists(), link


def test_every_python_twin_named_in_the_readme_exists() -> None:
    from opsadvisor import api

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    twins = re.search(r"a Python twin in `opsadvisor.api` \(([^)]*)\)", readme)
    assert twins is not None
    for name in re.findall(r"`(\w+)`", twins.group(1)):
        assert callable(getattr(api, name)), name


def test_the_rules_guide_shows_the_example_layer_it_ships() -> None:
    guide = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    rule_file = re.search(r"`acme-rules/dora.yaml`:\n\n```yaml\n(.*?)```", guide, re.S).group(1)
    test_file = re.search(r"```yaml\n(# acme-rules/tests/dora.yaml\n.*?)```", guide, re.S).group(1)
    example = ROOT / "docs" / "examples" / "acme-rules"
    assert rule_file == (example / "dora.yaml").read_text(encoding="utf-8")
    assert test_file == (example / "tests" / "dora.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", docblocks.FILES)
def test_every_command_block_runs_as_written_and_shows_what_it_prints(name: str) -> None:
    """The console blocks of the README and the guides, run in order in a fresh folder (tools/docblocks.py)."""
    written, wanted = docblocks.stale(name)
    assert written == wanted, f"{name} is stale: run `python tools/docblocks.py --update` and read the diff"


def test_a_pycon_block_shows_what_python_prints_so_a_wrong_value_is_stale(tmp_path: Path) -> None:
    block = ">>> import opsadvisor\n>>> opsadvisor.assess('s.json').recommendation.model\n'A'\n>>> x = 1  # no output\n"
    (tmp_path / "s.json").write_text(json.dumps({"service": {"id": "s", "name": "S"}, "ambition": "business_operated"}))
    assert docblocks.session(block, tmp_path) == [
        ">>> import opsadvisor",
        ">>> opsadvisor.assess('s.json').recommendation.model",
        "'B'",
        ">>> x = 1  # no output",
    ]


@pytest.mark.parametrize("name", docblocks.FILES)
def test_values_shown_in_python_examples_are_in_checked_pycon_blocks(name: str) -> None:
    """A value written as a comment in a ```python block is checked by nothing: show it in a ```pycon block."""
    text = (ROOT / name).read_text(encoding="utf-8")
    for body in re.findall(r"^```python\n(.*?)^```$", text, re.M | re.S):
        claimed = [line for line in body.splitlines() if re.search(r"#\s*([\[\]'\"{0-9]|True|False|None)", line)]
        assert not claimed, f"{name}: make it a pycon block, whose output the tests check: {claimed}"


SETUP = ("python3 -m venv", ". .venv/bin/activate")  # the README's set-up: CI (.ci/run) runs it


@pytest.mark.parametrize("name", docblocks.FILES)
def test_commands_are_only_in_console_blocks_except_the_set_up(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    for language, body in re.findall(r"^```(\w*)\n(.*?)^```$", text, re.M | re.S):
        commands = [line for line in body.splitlines() if line.startswith(("$ ", "opsadvisor "))]
        if language in ("console", "text") or not commands:
            continue  # a console block runs; a text block is a synopsis
        assert all(line.startswith(SETUP) for line in body.splitlines() if line and not line.startswith("#")), body


def test_the_readme_links_nothing_outside_the_repository() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for link in re.findall(r"\]\(([^)#]+)\)", readme):
        if not link.startswith("http"):
            assert (ROOT / link).exists() and (ROOT / link).resolve().is_relative_to(ROOT), link


def faketime_or_skip() -> str:
    """Debian's faketime, which CI installs (.ci/run); a developer without it skips what needs it."""
    found = shutil.which("faketime")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("faketime is missing: .ci/run installs it")
        pytest.skip("faketime (Debian's package) is not installed")
    return found


@pytest.mark.slow
@pytest.mark.parametrize("ahead", [90, 3653], ids=["90-days-ahead", "10-years-ahead"])
def test_the_readme_blocks_read_the_same_with_the_clock_ahead(ahead: int) -> None:
    """The README's examples pin their own day; the system's date, moved ahead, changes nothing."""
    faketime = faketime_or_skip()
    env = {name: value for name, value in os.environ.items() if name not in ("LD_PRELOAD", "FAKETIME")}  # not nested
    today = [sys.executable, "-c", "import datetime; print(datetime.date.today())"]
    shifted = [faketime, "-f", f"+{ahead}d"]
    system = subprocess.run(today, capture_output=True, text=True, env=env).stdout.strip()
    moved = subprocess.run([*shifted, *today], capture_output=True, text=True, env=env).stdout.strip()
    assert moved == (datetime.date.fromisoformat(system) + datetime.timedelta(days=ahead)).isoformat()
    command = [*shifted, sys.executable, str(ROOT / "tools" / "docblocks.py"), "README.md"]
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
