"""OPSADVISOR_TODAY pins the tool's "today": a report is reproduced on any later day."""

from __future__ import annotations

import datetime
import json

import pytest

from opsadvisor import clock
from opsadvisor.errors import EXIT_USAGE, UsageError

from .helpers import SCENARIOS, run_cli

HR = str(SCENARIOS / "hr-portal-it-operated-decided-otherwise.json")
LEDGER = str(SCENARIOS / "trading-ledger-critical-sox.json")  # two acceptances, to be reviewed by 2027-10-14


def test_without_a_pin_today_is_the_systems_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(clock.PINNED_TODAY, raising=False)
    assert clock.today() == datetime.date.today()


def test_the_pinned_day_is_what_the_report_evaluates_acceptances_on() -> None:
    result = run_cli("assess", HR, env={clock.PINNED_TODAY: "2031-02-28"})
    assert result.exit_code == 0, result.output
    assert "Acceptances as of 2031-02-28 (today)." in result.output


def test_the_pinned_day_decides_which_acceptances_are_overdue() -> None:
    def statuses(day: str) -> list[str]:
        result = run_cli("assess", LEDGER, "--format", "json", env={clock.PINNED_TODAY: day})
        risks = json.loads(result.output)["risks"]
        return [item["status"] for risk in risks for item in risk["acceptances"] if item["status"] != "missing"]

    assert statuses("2027-04-14") == ["accepted", "accepted"]  # a high risk: reviewed after 6 months
    assert statuses("2027-04-15") == ["review due", "review due"]


@pytest.mark.parametrize("value", ["tomorrow", "2026-02-30", "2026-1-5", "20261130", "2026-11-30T10:00"])
def test_a_pinned_day_that_is_not_a_date_is_a_usage_error(value: str) -> None:
    result = run_cli("assess", HR, env={clock.PINNED_TODAY: value})
    assert result.exit_code == EXIT_USAGE
    assert "OPSADVISOR_TODAY" in result.output and "YYYY-MM-DD" in result.output and repr(value) in result.output


def test_the_api_refuses_a_pinned_day_that_is_not_a_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.PINNED_TODAY, "31/12/2026")
    with pytest.raises(UsageError, match="YYYY-MM-DD"):
        clock.today()
