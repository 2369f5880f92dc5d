"""Review dates of risk acceptances at month ends: the review falls on the month's last day when the
month is shorter, and an acceptance holds through its review date."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsadvisor import api, clock, formats
from opsadvisor.kinds.risk import add_months, review_date

from .helpers import SCENARIOS, bundled_at, run_cli

RISK = "personal-data-outside-it"  # a medium risk of the Sales CRM scenario, accepted by its business owner

HIGH_AT = bundled_at("acceptance", "high")


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


# --- an acceptance counts from its date to its review date, both within as_of -------------------------------

LEDGER = SCENARIOS / "trading-ledger-critical-sox.json"  # restricted-data-outside-it (high): accepted on 2026-10-14
LEDGER_RISK = "restricted-data-outside-it"


def ledger_risk(as_of: str, **changes: Any) -> Any:
    """The ledger's accepted risk as of a day, with each of its two acceptances changed as given."""
    document = json.loads(LEDGER.read_text(encoding="utf-8"))
    for item in document["accepted_risks"]:
        item.update(changes)
        for key in [key for key, value in item.items() if value is None]:
            del item[key]
    return next(risk for risk in api.assess(document, as_of=as_of).risks if risk.id == LEDGER_RISK)


def test_an_acceptance_dated_after_as_of_is_not_yet_in_force() -> None:
    risk = ledger_risk("2020-01-01")
    assert not risk.accepted
    assert {item.status for item in risk.acceptances} == {"not yet in force"}
    assert "business owner: accepted on 2026-10-14, after 2020-01-01: not yet in force" in risk.notes
    report = api.assess(LEDGER, as_of="2020-01-01")
    assert "PENDING: acceptance not yet in force" in formats.ASSESSMENT.render("markdown", report)


@pytest.mark.parametrize(
    ("as_of", "accepted"),
    [("2026-10-13", False), ("2026-10-14", True), ("2027-04-14", True), ("2027-04-15", False)],
)
def test_an_acceptance_counts_from_its_date_through_its_review_date(as_of: str, accepted: bool) -> None:
    assert ledger_risk(as_of).accepted is accepted


def test_a_written_review_date_beyond_the_policy_counts_only_until_the_policys_limit() -> None:
    """The ledger's risk is high: 6 months (rules/05-roles.yaml), whatever review date was written."""
    on_time, late = ledger_risk("2027-04-14", review_by="2999-01-01"), ledger_risk("2027-04-15", review_by="2999-01-01")
    assert on_time.accepted and not late.accepted
    assert {item.review_by for item in on_time.acceptances} == {"2027-04-14"}
    assert (
        "business owner: review by 2999-01-01 is beyond the pack's policy for high risks (6 months, "
        f"{HIGH_AT}): it counts until 2027-04-14"
    ) in on_time.notes
    assert on_time.review_by == "2027-04-14"  # the risk-level "until when": the earliest review of its acceptances


@pytest.mark.parametrize(
    ("changes", "said", "missing"),
    [
        ({"date": None, "review_by": None}, "(no date)", ["date"]),
        ({"name": None}, "(no name)", ["name"]),
        ({"role": None, "name": None, "accepted_by": "CFO"}, "(no role; accepted by CFO)", ["role"]),
        (
            {"role": None, "name": None, "date": None, "review_by": None},
            "(no role, no name, no date)",
            ["role", "name", "date"],
        ),
    ],
)
def test_an_incomplete_acceptance_never_counts_and_says_what_it_lacks_and_where(
    changes: dict, said: str, missing: list[str]
) -> None:
    risk = ledger_risk("2026-12-01", **changes)
    assert not risk.accepted and {item.status for item in risk.acceptances} == {"missing"}
    assert f"incomplete acceptance accepted_risks[0] {said}: it does not count" in "\n".join(risk.notes)
    assert any(note.startswith("incomplete acceptance accepted_risks[1] ") for note in risk.notes)
    first = risk.incomplete[0]
    assert (first.entry, list(first.missing)) == ("accepted_risks[0]", missing)


def test_a_review_date_before_the_acceptance_date_never_counts() -> None:
    risk = ledger_risk("2026-10-14", review_by="2026-01-01")
    assert not risk.accepted
    assert (
        "acceptance accepted_risks[0] is to be reviewed on 2026-01-01, before it was given on 2026-10-14: "
        "it does not count"
    ) in risk.notes


def test_an_acceptance_by_a_role_the_risk_does_not_name_does_not_count(tmp_path: Path) -> None:
    document = json.loads(LEDGER.read_text(encoding="utf-8"))
    document["accepted_risks"][1]["role"] = "cio"
    risk = next(risk for risk in api.assess(document, as_of="2026-12-01").risks if risk.id == LEDGER_RISK)
    assert not risk.accepted and risk.missing == ("accountable executive",)
    assert "acceptance accepted_risks[1] by the CIO (COO) does not count: not an acceptor" in risk.notes


DAYS = st.dates(datetime.date(2026, 1, 1), datetime.date(2028, 12, 31)).map(datetime.date.isoformat)


@settings(max_examples=60)
@given(date=DAYS, review=st.one_of(st.none(), DAYS), as_of=DAYS)
def test_an_acceptance_counts_exactly_when_its_date_and_capped_review_date_bracket_as_of(
    date: str, review: str | None, as_of: str
) -> None:
    pack = api.rule_pack()
    risk = ledger_risk(as_of, date=date, review_by=review)
    limit = review_date(pack, "high", date)
    until = limit if review is None else min(review, limit)
    assert risk.accepted is (date <= as_of <= until and (review is None or review >= date))
