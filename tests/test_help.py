"""What a newcomer meets first: the version, the guides, the help, shell completion."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.shell_completion import ShellComplete
from click.testing import CliRunner

from opsadvisor import __version__, api
from opsadvisor.cli import main
from opsadvisor.guides import TOPICS

from .helpers import ROOT, docblocks, run_cli


def test_dash_capital_v_prints_the_version() -> None:
    for flag in ("-V", "--version"):
        result = run_cli(flag)
        assert result.exit_code == 0 and result.output == f"opsadvisor, version {__version__}\n"


def test_docs_prints_each_guide_and_lists_them_without_a_topic() -> None:
    for topic in TOPICS:
        result = run_cli("docs", topic)
        assert result.exit_code == 0
        assert result.output == (ROOT / "docs" / f"{topic}.md").read_text(encoding="utf-8")
    listing = run_cli("docs").output
    assert all(f"  {topic}  " in listing for topic in TOPICS)
    assert "<bundled> (the bundled rules) is " in listing


def test_an_unknown_guide_is_a_usage_error_naming_the_guides() -> None:
    result = run_cli("docs", "rulez")
    assert result.exit_code == 2 and "'operating-models', 'dialogue', 'batch', 'rules'" in result.output


def test_the_top_level_help_points_at_the_guides() -> None:
    assert "opsadvisor docs operating-models" in run_cli("--help").output


# --- help -------------------------------------------------------------------------------------


def every_command(group: click.Group = main, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += every_command(command, (*path, name))
        else:
            found.append(((*path, name), command))
    return found


def test_the_top_level_help_groups_the_commands_by_who_uses_them_in_the_order_of_the_work() -> None:
    output = run_cli("--help").output
    headings = [line for line in output.splitlines() if line.endswith(":") and not line.startswith(" ")]
    assert headings == [
        "Options:",
        "Business analysts: one service:",
        "IT architects: the rules:",
        "Portfolio owners: many services:",
        "Auditors and CIOs: evidence of practice:",
        "Getting started:",
    ]
    listed = re.findall(r"^  (\w+) ", output.split("Business analysts")[1], re.M)
    assert listed[:3] == ["assess", "interview", "workshop"] and sorted(listed) == sorted(main.commands)


def listed_summary(help_text: str, name: str) -> str:
    """A command's summary in its group's help, its wrapped lines joined."""
    lines = help_text.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith(f"  {name} "))
    end = next(
        index for index in range(start + 1, len(lines) + 1) if index == len(lines) or not lines[index].startswith("   ")
    )
    return " ".join(" ".join(lines[start:end]).split()[1:])


def test_summaries_are_whole_and_every_command_has_an_example_that_fits_80_columns() -> None:
    for path, command in every_command():
        parent = run_cli(*path[:-1], "--help", env={"COLUMNS": "80"}).output
        summary = listed_summary(parent, path[-1])
        assert not summary.endswith("..."), path
        first_paragraph = " ".join((command.help or "").split("\n\n")[0].split())
        assert summary == first_paragraph, path
        own = run_cli(*path, "--help", env={"COLUMNS": "80"}).output
        assert f"Examples:\n    opsadvisor {' '.join(path)}" in own, path
        assert max(map(len, own.splitlines())) <= 80, path


@pytest.mark.slow
def test_every_example_in_the_help_runs_in_a_fresh_clone(tmp_path: Path) -> None:
    folder = docblocks.fresh_folder(tmp_path)
    for path, command in every_command():
        written = (command.epilog or "").split("Examples:\n", 1)[1]
        for example in re.split(r"(?<!\\)\n", written):
            output, status = docblocks.run(example.strip(), folder)
            assert status in (0, 1), (path, example, output)  # 1: a finding, or the interview without answers
            assert not any(line.startswith(("Usage:", "error:")) for line in output), (example, output)


# --- completion ---------------------------------------------------------------------------------


def completions(*words: str) -> list[str]:
    """What the shell is offered after `opsadvisor WORDS...`, the last word being the one typed so far."""
    complete = ShellComplete(main, {}, "opsadvisor", "_OPSADVISOR_COMPLETE")
    return [item.value for item in complete.get_completions(list(words[:-1]), words[-1])]


def test_completion_offers_process_risk_and_rule_ids_and_files() -> None:
    assert completions("decide", "s.json", "inc") == ["incident"]
    assert "personal-data-outside-it" in completions("accept", "s.json", "pers")
    assert completions("rules", "show", "ambition.it") == ["ambition.it-operated"]
    assert completions("explain", "s.json", "--rule", "risk.contin") == ["risk.continuity-with-business"]
    complete = ShellComplete(main, {}, "opsadvisor", "_OPSADVISOR_COMPLETE")
    (item,) = complete.get_completions(["assess"], "scen")
    assert item.type == "file"


def test_completion_follows_the_layers_named_on_the_command_line() -> None:
    acme = str(ROOT / "docs" / "examples" / "acme-rules")
    assert completions("rules", "show", "--rules", acme, "acme.") == ["acme.dora-register"]
    assert completions("rules", "show", "acme.") == []
    assert completions("rules", "show", "--rules", "no-such-folder", "acme.") == []


def test_completion_prints_a_script_per_shell_that_the_environment_variable_drives() -> None:
    for shell, marker in (("bash", "complete -o nosort -F"), ("zsh", "#compdef opsadvisor"), ("fish", "complete")):
        result = run_cli("completion", shell)
        assert result.exit_code == 0 and marker in result.output and "_OPSADVISOR_COMPLETE" in result.output
    driven = CliRunner().invoke(
        main,
        [],
        prog_name="opsadvisor",
        env={"_OPSADVISOR_COMPLETE": "bash_complete", "COMP_WORDS": "opsadvisor decide s.json sit", "COMP_CWORD": "3"},
    )
    assert driven.output == "plain,situation\n"


def test_decide_help_lists_the_process_ids_of_the_rule_pack() -> None:
    help_text = " ".join(run_cli("decide", "--help").output.split())  # unwrapped
    ids = ", ".join(api.rule_pack().process_ids)
    assert f"PROCESS is one of: {ids} (a --rules layer may add more)." in help_text
