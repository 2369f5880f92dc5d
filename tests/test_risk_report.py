"""The report's "Risks to accept": per risk, its status (who is still to accept), who accepted it and when,
and whom to consult (docs/dialogue.md: "The report shows, per risk, who must accept, who accepted and
when, who is still missing and whom to consult"). Before these tests only the golden reports saw the
"why" column's acceptances and consulted roles."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from opsadvisor import api, formats
from opsadvisor.text import escape_markdown

from .helpers import SCENARIOS, bundled_at, run_cli

RISK = (
    "continuity-outside-it"  # high: the business owner and the accountable executive accept; consult the risk manager
)

MEDIUM_AT = bundled_at("acceptance", "medium")
OWNER_AT = bundled_at("roles", "business_owner")


@pytest.fixture
def crm(tmp_path: Path) -> Path:
    return Path(shutil.copy(SCENARIOS / "sales-crm-business-operated.json", tmp_path / "crm.json"))


def accept(path: Path, role: str, name: str, date: str) -> None:
    result = run_cli("accept", str(path), RISK, "--role", role, "--name", name, "--date", date, "--as-of", "2026-12-10")
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
    assert row["why"].endswith(
        " Accepted by business owner: Head of Sales on 2026-12-01 (review by 2027-06-01). Consult: risk manager."
    )


def test_a_risk_every_role_accepted_lists_every_acceptance(crm: Path) -> None:
    accept(crm, "business_owner", "Head of Sales", "2026-12-01")
    accept(crm, "accountable_executive", "Sales Director", "2026-12-02")
    row = risk_row(crm)
    assert row["status"] == "accepted"
    assert (
        "Accepted by business owner: Head of Sales on 2026-12-01 (review by 2027-06-01); accountable "
        "executive: Sales Director on 2026-12-02 (review by 2027-06-02). Consult: risk manager."
    ) in row["why"]


# --- mitigations: shown with the risk in every report, never accepting it ----------------------------------------

ACTION = "Test the vendor's recovery twice a year"


def mitigate(path: Path, due: str = "2027-03-31") -> str:
    args = ("mitigate", str(path), RISK, "--action", ACTION, "--owner", "IT OPS", "--due", due)
    result = run_cli(*args, "--as-of", "2026-12-10")
    assert result.exit_code == 0, result.output
    return result.stdout


def reports(path: Path, as_of: str, *rules: str) -> dict[str, str]:
    """The text (wide enough not to wrap), Markdown and JSON reports of a scenario as of a day."""
    assessment = api.assess(path, rules=list(rules) or None, as_of=as_of)
    rendered = {name: formats.ASSESSMENT.render(name, assessment, width=3000) for name in ("table", "markdown", "json")}
    rendered["table"] = " ".join(rendered["table"].split())  # its notes wrap at 100 columns
    return rendered


def test_a_mitigation_is_shown_in_every_report_and_the_risk_stays_pending(crm: Path) -> None:
    said = mitigate(crm)
    assert said.splitlines() == [
        f"{crm}: {RISK}: mitigation: {ACTION}, owner IT OPS, due 2027-03-31",
        f"still to accept {RISK}: business owner, accountable executive (a mitigation does not accept a risk)",
        "risks pending acceptance: 3 -> 3",
    ]
    shown = reports(crm, "2027-03-31")
    sentence = f"Mitigation: {ACTION}, owner IT OPS, due 2027-03-31."
    assert sentence in shown["table"] and escape_markdown(sentence) in shown["markdown"]
    assert "OVERDUE" not in shown["table"]  # due on its day, not yet overdue
    risk = next(risk for risk in json.loads(shown["json"])["risks"] if risk["id"] == RISK)
    assert risk["accepted"] is False
    assert risk["mitigations"] == [{"action": ACTION, "owner": "IT OPS", "due": "2027-03-31", "overdue": False}]
    assert risk_row(crm)["status"] == "PENDING"


def test_a_mitigation_past_its_due_date_is_overdue_in_every_report(crm: Path) -> None:
    mitigate(crm)
    shown = reports(crm, "2027-04-01")
    assert f"Mitigation: {ACTION}, owner IT OPS, due 2027-03-31, OVERDUE since 2027-03-31." in shown["table"]
    assert "OVERDUE since 2027-03-31" in shown["markdown"]
    risk = next(risk for risk in json.loads(shown["json"])["risks"] if risk["id"] == RISK)
    assert risk["mitigations"][0]["overdue"] is True
    workshop = api.workshop(crm, as_of="2027-04-01")
    assert f"mitigation: {ACTION}, owner IT OPS, due 2027-03-31, OVERDUE since 2027-03-31" in workshop


def test_mitigating_the_same_action_again_changes_its_owner_and_due_date(crm: Path) -> None:
    mitigate(crm)
    mitigate(crm, due="2027-06-30")
    recorded = json.loads(crm.read_text(encoding="utf-8"))["mitigations"]
    assert recorded == [{"risk": RISK, "action": ACTION, "owner": "IT OPS", "due": "2027-06-30"}]


# --- under which policy, from which layer: every report says -------------------------------------------------


def test_every_report_names_the_policy_in_force_and_the_files_it_and_the_roles_come_from(
    crm: Path, tmp_path: Path
) -> None:
    layer = tmp_path / "acme"
    layer.mkdir()
    (layer / "policy.yaml").write_text(
        "acceptance:\n  high: {review_months: 3, minimum_authority: 2}\n"
        "roles:\n  risk_manager: {name: chief risk officer, line: second}\n",
        encoding="utf-8",
    )
    shown = reports(crm, "2026-12-10", str(layer))
    policy = (
        f"Acceptance policy in force: high risks: review within 3 months, an acceptor of authority 2 or more "
        f"({layer}/policy.yaml:2); medium risks: review within 12 months, an acceptor of authority 1 or more "
        f"({MEDIUM_AT})."
    )
    roles = f"Roles: <bundled>/05-roles.yaml, but risk_manager from {layer}/policy.yaml:4."
    assert policy in shown["table"] and roles in shown["table"]
    assert escape_markdown(policy) in shown["markdown"]
    document = json.loads(shown["json"])
    assert document["provenance"]["acceptance_policy"]["high"] == {
        "review_months": 3,
        "minimum_authority": 2,
        "from": f"{layer}/policy.yaml:2",
        "layer": str(layer),
    }
    assert document["provenance"]["roles"]["risk_manager"]["from"] == f"{layer}/policy.yaml:4"
    assert document["provenance"]["roles"]["business_owner"] == {
        "name": "business owner",
        "line": "first",
        "authority": 1,
        "from": OWNER_AT,
        "layer": "<bundled>",
    }
    risk = next(risk for risk in document["risks"] if risk["id"] == RISK)
    assert risk["policy"]["from"] == f"{layer}/policy.yaml:2"
    workshop = api.workshop(crm, rules=[str(layer)], as_of="2026-12-10")
    assert f"high risks: review within 3 months, an acceptor of authority 2 or more ({layer}/policy.yaml:2)" in (
        workshop
    )
