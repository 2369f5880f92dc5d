"""Output formats: every command picks its renderer from one registry, which the CLI, docs and goldens follow."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from opsadvisor.cli import main
from opsadvisor.formats import ASSESSMENT, BATCH, REGISTRIES, WORKSHOP, Registry, all_formats

from .helpers import GOLDEN, ROOT, SCENARIOS, run_cli
from .test_golden import FORMATS as GOLDEN_FORMATS

FORMAT_OPTION = [registry for registry in REGISTRIES if registry is not BATCH]  # those chosen with --format


def command(target: str) -> click.Command:
    found: click.Command = main
    for name in target.split():
        assert isinstance(found, click.Group)
        found = found.commands[name]
    return found


def test_every_registered_renderer_imports() -> None:
    for registry in REGISTRIES:
        for entry in registry:
            assert callable(registry.get(entry.name)), f"{registry.target} {entry.name}: {entry.ref}"


def test_all_formats_lists_every_target_and_format() -> None:
    pairs = all_formats()
    assert ("assess", "markdown") in pairs and ("batch", ".html") in pairs and ("rules test", "junit") in pairs
    assert len(pairs) == len(set(pairs)) == sum(len(registry.names) for registry in REGISTRIES)


@pytest.mark.parametrize("registry", FORMAT_OPTION, ids=lambda registry: registry.target)
def test_the_format_choices_of_each_command_are_its_registry(registry: Registry) -> None:
    option = next(param for param in command(registry.target).params if param.name == "output_format")
    assert isinstance(option.type, click.Choice)
    assert tuple(option.type.choices) == registry.names
    if registry is not WORKSHOP:  # which has no default, so that -o FILE.html can choose
        assert option.default == registry.default


def test_batch_out_help_and_errors_list_the_registry(tmp_path: Path) -> None:
    listed = " ".join(BATCH.names)
    assert listed in " ".join(run_cli("batch", "--help").output.split())
    result = run_cli("batch", str(SCENARIOS), "--jobs", "1", "-q", "--out", str(tmp_path / "out.pdf"))
    assert result.exit_code == 2
    assert f"unknown output format .pdf; use {', '.join(BATCH.names)}" in result.output
    assert not (tmp_path / "out.pdf").exists()


def test_every_assessment_format_has_golden_coverage() -> None:
    covered = {}
    for suffix, args in GOLDEN_FORMATS.items():
        covered[args[args.index("--format") + 1]] = f".{suffix}"
    for entry in ASSESSMENT:
        assert entry.name in covered, f"tests/test_golden.py does not render --format {entry.name}"
        assert covered[entry.name] in entry.suffixes
        for scenario in SCENARIOS.glob("*.json"):
            assert (GOLDEN / f"{scenario.stem}{covered[entry.name]}").is_file()


def _documented_formats() -> dict[str, set[str]]:
    """target -> the formats the README and the guides name for it."""
    found: dict[str, set[str]] = {}
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for line in page.read_text(encoding="utf-8").splitlines():
            for target, options in re.findall(r"opsadvisor ((?:rules |records )?\w+)([^`]*)", line):  # a synopsis
                for listed in re.findall(r"--format ([\w.]+(?:\\?\|[\w.]+)*)", options):
                    found.setdefault(target, set()).update(re.split(r"\\?\|", listed))
            # docs/batch.md: the --out extensions (.summary.jsonl has two)
            table_row = re.match(r"\| (`(?:\.\w+)+`(?:, `(?:\.\w+)+`)*) \|", line)
            if table_row:
                found.setdefault("batch", set()).update(re.findall(r"`((?:\.\w+)+)`", table_row.group(1)))
    return found


def test_the_docs_name_every_registered_format() -> None:
    documented = _documented_formats()
    missing = [(target, name) for target, name in all_formats() if name not in documented.get(target, set())]
    assert not missing, f"README.md or docs/ do not name these formats: {missing}"


def test_assess_imports_only_the_format_it_prints() -> None:
    scenario = str(SCENARIOS / "payroll-it-operated.json")
    code = (
        "import sys\n"
        "from opsadvisor.cli import main\n"
        f"main(['assess', {scenario!r}, '--format', 'json'], standalone_mode=False)\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith(('opsadvisor.render', 'jinja2', 'openpyxl')))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1].split() == ["opsadvisor.render", "opsadvisor.render.json_report"]


def test_a_workshop_file_named_htm_is_html(tmp_path: Path) -> None:
    assert WORKSHOP.for_path(tmp_path / "pack.HTM") == "html" and WORKSHOP.for_path(tmp_path / "pack.txt") is None
    result = run_cli("workshop", str(SCENARIOS / "payroll-it-operated.json"), "-o", str(tmp_path / "pack.htm"))
    assert result.exit_code == 0
    assert (tmp_path / "pack.htm").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# --- the Registry itself ---------------------------------------------------------------------------


def shout(text: str, *, loud: bool = False) -> str:
    return text.upper() + ("!" if loud else "")


def whisper(text: str) -> str:
    return text.lower()


def toy_registry() -> Registry:
    registry: Registry = Registry("toy")
    registry.register("shout", f"{__name__}:shout", options=("loud",), suffixes=(".up",))
    registry.register("whisper", f"{__name__}:whisper")
    registry.register("broken", "opsadvisor.no_such_module:render")  # imported only when used
    return registry


def test_a_format_is_one_module_plus_one_registration() -> None:
    registry = toy_registry()
    assert registry.names == ("shout", "whisper", "broken") and registry.default == "shout"
    assert registry.render("shout", "hi", loud=True) == "HI!"
    assert registry.render("whisper", "Hi", loud=True) == "hi"  # an option the format does not take is not passed
    assert registry.for_path("x.UP") == "shout" and registry.for_path(None) is None
    with pytest.raises(ModuleNotFoundError):
        registry.get("broken")


def test_an_unknown_or_repeated_format_is_refused_with_the_choices() -> None:
    registry = toy_registry()
    with pytest.raises(ValueError, match="unknown toy format yell; use shout, whisper, broken"):
        registry.render("yell", "hi")
    with pytest.raises(ValueError, match="registered twice"):
        registry.register("shout", f"{__name__}:whisper")
