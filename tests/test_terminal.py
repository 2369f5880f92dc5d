"""The terminal report fits the terminal, and colours severity and status only at a terminal without NO_COLOR."""

from __future__ import annotations

import io
import os
import sys

import pexpect
import pytest

from opsadvisor import api, terminal
from opsadvisor.render import table

from .helpers import GOLDEN, RULES_VERSION, SCENARIOS, run_cli

HR = SCENARIOS / "hr-portal-it-operated-decided-otherwise.json"
RED_HIGH = "\x1b[31m\x1b[1mhigh\x1b[0m"


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("columns", [80, 120, 200])
def test_with_columns_set_no_line_is_wider_and_every_finding_reads_whole(columns: int) -> None:
    output = run_cli("assess", str(HR), "--explain", env={"COLUMNS": str(columns)}).output
    assert max(map(len, output.splitlines())) <= columns
    assessment = api.assess(HR)
    for conflict in assessment.conflicts:
        assert flat(conflict.message) in flat(output) or columns == 200  # at 200 the tables wrap in columns
    assert "\x1b[" not in output  # not a terminal: no colour


def test_under_100_columns_wide_sections_print_as_blocks_and_wider_terminals_get_tables() -> None:
    narrow = run_cli("assess", str(HR), env={"COLUMNS": "80"}).output
    wide = run_cli("assess", str(HR), env={"COLUMNS": "200"}).output
    assert "\nhigh\n  kind      ambition risk\n  conflict  HR self-service portal" in narrow
    assert "\nseverity    kind                conflict" in wide
    assert len(wide.splitlines()) < len(narrow.splitlines())


def test_not_at_a_terminal_the_report_is_the_full_width_golden() -> None:
    output = run_cli("assess", str(HR), "--as-of", "2026-11-30").output
    assert max(map(len, output.splitlines())) > 140
    assert output.replace(api.rule_pack().version, RULES_VERSION) == (GOLDEN / f"{HR.stem}.txt").read_text(
        encoding="utf-8"
    )


def test_colour_marks_high_severity_pending_risks_and_high_priority() -> None:
    report = table.render(api.assess(HR), width=200, colour=True)
    assert RED_HIGH in report and "\x1b[33m\x1b[1mPENDING\x1b[0m" in report
    assert "\x1b[33mmedium\x1b[0m" in report
    assert "\x1b[" not in table.render(api.assess(HR), width=200, colour=False)


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_at_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert terminal.colour(Tty()) and not terminal.colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not terminal.colour(Tty())
    monkeypatch.setenv("NO_COLOR", "")  # empty: as if unset (no-color.org)
    assert terminal.colour(Tty())


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_at_a_real_terminal_the_report_is_coloured_and_fitted_unless_no_color() -> None:
    code = "from opsadvisor.cli import main; main()"
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")}
    shown = pexpect.run(sys.executable, args=["-c", code, "assess", str(HR)], env=env, dimensions=(40, 90))
    lines = shown.decode().replace("\r\n", "\n")
    assert RED_HIGH in lines and max(len(line) for line in lines.replace(RED_HIGH, "high").splitlines()) <= 90
    plain = pexpect.run(sys.executable, args=["-c", code, "assess", str(HR)], env={**env, "NO_COLOR": "1"})
    assert b"\x1b[" not in plain
