"""Packaging: what a non-editable `pip install .` ships must include every part of the package, the
guides included, and an installed copy must work from any folder."""

from __future__ import annotations

import configparser
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from opsadvisor import api
from opsadvisor.guides import TOPICS

from .helpers import ROOT

SOURCES = ("setup.cfg", "pyproject.toml", "README.md", "opsadvisor", "rules", "docs", "scenarios")


def test_every_subpackage_is_listed_in_setup_cfg() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    on_disk = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "opsadvisor").rglob("__init__.py")}
    assert on_disk <= listed, f"add to setup.cfg [options] packages: {sorted(on_disk - listed)}"
    data_folders = config["options"]["package_dir"].split()
    assert data_folders == [
        *("opsadvisor.rules", "=", "rules", "opsadvisor.docs", "=", "docs"),
        *("opsadvisor.scenarios", "=", "scenarios"),
    ]
    assert {"opsadvisor.rules", "opsadvisor.docs", "opsadvisor.scenarios"} <= listed


def test_every_guide_is_a_topic_and_every_topic_a_guide() -> None:
    assert sorted(path.stem for path in (ROOT / "docs").glob("*.md")) == sorted(TOPICS)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package as a non-editable install lays it out: a wheel built from a copy of the sources
    (so no stale build/ folder of the checkout leaks in), unpacked into a folder of its own."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = work.glob("opsadvisor-*.whl")
    target = work / "site-packages"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def run_installed(target: Path, cwd: Path, *args: str) -> str:
    code = f"import sys; sys.path.insert(0, {str(target)!r}); from opsadvisor.cli import main; main()"
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.mark.slow
def test_an_installed_copy_prints_the_guides_and_names_bundled_rule_files_that_exist(
    installed: Path, tmp_path: Path
) -> None:
    for topic in TOPICS:
        assert (installed / "opsadvisor" / "docs" / f"{topic}.md").is_file(), topic
    guide = run_installed(installed, tmp_path, "docs", "operating-models")
    assert guide == (ROOT / "docs" / "operating-models.md").read_text(encoding="utf-8")
    index = run_installed(installed, tmp_path, "docs")
    assert f"<bundled> (the bundled rules) is {installed / 'opsadvisor' / 'rules'}" in index
    shown = run_installed(installed, tmp_path, "rules", "show", "ambition.it-operated")
    location = shown.split("defined at  ", 1)[1].split()[0]
    assert location.startswith("<bundled>/10-ambition.yaml:")
    assert (installed / "opsadvisor" / "rules" / location.split("/")[1].split(":")[0]).is_file()
    run_installed(installed, tmp_path, "records", "example", "ex", "--as-of", "2026-11-30")  # the bundled scenarios
    shipped = ROOT / "docs" / "examples" / "records"
    assert (tmp_path / "ex" / "expected-drifts.json").read_bytes() == (shipped / "expected-drifts.json").read_bytes()


@pytest.mark.slow
def test_an_installed_copy_ships_every_file_its_guides_refer_to(installed: Path, tmp_path: Path) -> None:
    docs = installed / "opsadvisor" / "docs"
    for topic in TOPICS:
        text = (docs / f"{topic}.md").read_text(encoding="utf-8")
        for link in re.findall(r"\]\(([^)#\s]+)\)", text):  # pictures and links, relative to the guide
            assert link.startswith("http") or (docs / link).exists(), f"{topic}.md refers to {link}"
        for path in re.findall(r"\bdocs/(examples/[\w./-]*\w)", text):  # the example files its commands use
            assert (docs / path).exists(), f"{topic}.md refers to docs/{path}"
    index = run_installed(installed, tmp_path, "docs")
    assert f"are in {docs / 'examples'}, the workbench guide's pictures in {docs / 'workbench'}." in index


@pytest.mark.slow
def test_an_installed_copy_makes_the_example_portfolio_from_its_own_scenarios(installed: Path, tmp_path: Path) -> None:
    bundled = sorted(path.name for path in (ROOT / "scenarios").glob("*.json"))
    assert sorted(path.name for path in (installed / "opsadvisor" / "scenarios").glob("*.json")) == bundled
    lines = run_installed(installed, tmp_path, "batch", "--example", "30").splitlines()
    assert lines == [json.dumps(document, ensure_ascii=False) for document in api.example_portfolio(30)]
