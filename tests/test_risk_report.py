"""The report's "Risks to accept": per risk, its status (who is still to accept), who accepted it and when,
and whom to consult (docs/dialogue.md: "The report shows, per risk, who must accept, who accepted and
when, who is still missing and whom to consult"). Before these tests only the golden reports saw the
"why" column's acceptances and consulted roles."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .helpers import SCENARIOS, run_cli

RISK = (
    "continuity-outside-it"  # high: the business owner and the accountable executive accept; consult the risk manager
)


@pytest.fixture
def crm(tmp_path: Path) -> Path:
    return Path(shutil.copy(SCENARIOS / "sales-crm-business-operated.json", tmp_path / "crm.json"))


def accept(path: Path, role: str, name: str, date: str) -> None:
    result = run_cli("accept", str(path), RISK, "--role", role, "--name", name, "--date", date)
    assert result.exit_code == 0, result.output


def risk_row(path: Path, risk: str = RISK) -> dict[str, str]:
    """The risk's row of the Markdown report, by column."""
    report = run_cli("assess", str(path), "--format", "markdown", "--as-of", "2026-12-10").stdout
    section = report.split("## Risks to accept", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = [dict(zip(header, (cell.strip() for cell in line.strip("|").split("|")), strict=True)) for line in lines[2:]]
    return next(row for row in rows if row["risk id"] == risk)  # "risk" names it in words


def test_a_risk_nobody_accepted_is_pending_and_says_whom_to_consult(crm: Path) -> None:
    row = risk_row(crm)
    assert row["status"] == "PENDING"
    assert row["why"].endswith(" Consult: risk manager.")
    assert "Accepted by" not in row["why"]


def test_a_risk_one_role_accepted_names_who_accepted_when_and_who_is_still_to_accept(crm: Path) -> None:
    accept(crm, "business_owner", "Head of Sales", "2026-12-01")
    row = risk_row(crm)
    assert row["status"] == "PENDING: accountable executive still to accept"
    assert row["why"].endswith(" Accepted by business owner: Head of Sales on 2026-12-01. Consult: risk manager.")


def test_a_risk_every_role_accepted_lists_every_acceptance(crm: Path) -> None:
    accept(crm, "business_owner", "Head of Sales", "2026-12-01")
    accept(crm, "accountable_executive", "Sales Director", "2026-12-02")
    row = risk_row(crm)
    assert row["status"] == "accepted"
    assert (
        "Accepted by business owner: Head of Sales on 2026-12-01; accountable executive: Sales Director on "
        "2026-12-02. Consult: risk manager."
    ) in row["why"]
