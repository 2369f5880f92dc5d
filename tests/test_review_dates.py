"""Review dates of risk acceptances at month ends: the review falls on the month's last day when the
month is shorter, and an acceptance holds through its review date."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from opsadvisor import api, clock
from opsadvisor.kinds.risk import add_months, review_date

from .helpers import SCENARIOS, run_cli

RISK = "personal-data-outside-it"  # a medium risk of the Sales CRM scenario, accepted by its business owner


@pytest.mark.parametrize(
    ("day", "months", "due"),
    [
        ("2027-01-31", 1, "2027-02-28"),  # February is shorter
        ("2028-01-31", 1, "2028-02-29"),  # ... except in a leap year
        ("2028-02-29", 12, "2029-02-28"),  # a leap day a year on
        ("2027-03-31", 1, "2027-04-30"),
        ("2027-11-30", 3, "2028-02-29"),  # across the year end into a leap February
        ("2027-12-15", 1, "2028-01-15"),  # December + 1 is January of the next year
        ("2027-06-15", 12, "2028-06-15"),
        ("2027-06-15", 24, "2029-06-15"),
    ],
)
def test_a_review_falls_on_the_same_day_or_the_months_last_day(day: str, months: int, due: str) -> None:
    assert add_months(datetime.date.fromisoformat(day), months).isoformat() == due


def test_the_review_period_follows_the_packs_policy_for_the_severity() -> None:
    pack = api.rule_pack()
    assert review_date(pack, "high", "2027-08-31") == "2028-02-29"  # 6 months (rules/05-roles.yaml)
    assert review_date(pack, "medium", "2028-02-29") == "2029-02-28"  # 12 months


@pytest.fixture
def crm(tmp_path: Path) -> Path:
    return Path(shutil.copy(SCENARIOS / "sales-crm-business-operated.json", tmp_path / "crm.json"))


@pytest.fixture
def monthly(tmp_path: Path) -> Path:
    """A rule layer whose acceptance policy reviews a medium risk every month."""
    layer = tmp_path / "monthly"
    layer.mkdir()
    (layer / "policy.yaml").write_text(
        "acceptance:\n  medium: {review_months: 1, minimum_authority: 1}\n", encoding="utf-8"
    )
    return layer


def accept(path: Path, date: str, *rules: str) -> Any:
    """Accept on `date`, that day being today: the feedback lists the acceptances current today."""
    args = ("accept", str(path), RISK, "--role", "business_owner", "--name", "Head of Sales", "--date", date, *rules)
    return run_cli(*args, env={clock.PINNED_TODAY: date})


def recorded_review(path: Path) -> str:
    entry = next(item for item in json.loads(path.read_text())["accepted_risks"] if item["risk"] == RISK)
    return str(entry["review_by"])


@pytest.mark.parametrize(("date", "due"), [("2027-01-31", "2027-02-28"), ("2028-01-31", "2028-02-29")])
def test_accept_on_january_31_with_a_monthly_review_is_due_at_the_end_of_february(
    crm: Path, monthly: Path, date: str, due: str
) -> None:
    result = accept(crm, date, "--rules", str(monthly))
    assert result.exit_code == 0, result.output
    assert f"business owner: Head of Sales on {date} (review by {due})" in result.stdout
    assert recorded_review(crm) == due


def test_accept_on_a_leap_day_with_a_yearly_review_is_due_on_february_28(crm: Path) -> None:
    result = accept(crm, "2028-02-29")
    assert result.exit_code == 0, result.output
    assert "on 2028-02-29 (review by 2029-02-28)" in result.stdout
    assert recorded_review(crm) == "2029-02-28"


def status_on(path: Path, day: str, monthly: Path) -> str:
    report = json.loads(
        run_cli("assess", str(path), "--format", "json", "--as-of", day, "--rules", str(monthly)).stdout
    )
    risk = next(risk for risk in report["risks"] if risk["id"] == RISK)
    return "accepted" if risk["accepted"] else "; ".join(risk["notes"])


def test_an_acceptance_holds_on_its_review_date_and_is_due_the_day_after(crm: Path, monthly: Path) -> None:
    assert accept(crm, "2028-01-31", "--rules", str(monthly)).exit_code == 0
    assert status_on(crm, "2028-02-29", monthly) == "accepted"
    assert status_on(crm, "2028-03-01", monthly) == "business owner: review due since 2028-02-29"
