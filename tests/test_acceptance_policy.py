"""The acceptance policy of the pack (rules/05-roles.yaml): who may accept a risk of a severity, and how
long an acceptance holds. `rules check` refuses acceptors without the authority or in the second line;
`accept` reviews an acceptance after the period of the risk's own severity, also when a layer changes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from opsadvisor import clock
from opsadvisor.contract import SEVERITIES

from .helpers import SCENARIOS, bundled_at, run_cli

# medium in the bundled pack; the Sales CRM raises it (risk.personal-data-with-business)
RISK = "personal-data-outside-it"

DPO_AT = bundled_at("roles", "dpo")
HIGH_AT = bundled_at("acceptance", "high")
LOW_AT = bundled_at("acceptance", "low")
MEDIUM_AT = bundled_at("acceptance", "medium")
OWNER_AT = bundled_at("roles", "business_owner")


def write_layer(folder: Path, text: str) -> Path:
    folder.mkdir()
    (folder / "risks.yaml").write_text(text, encoding="utf-8")
    return folder


def risk_rule(rule_id: str, severity: str, accept_by: str, when: str = "vendor_run: true", priority: int = 100) -> str:
    return f"""\
  - id: {rule_id}
    title: A risk of ACME's own
    rationale: ACME's risk policy names who accepts it.
    source: practice, ACME risk policy
    priority: {priority}
    when:
      {when}
    then:
      - risk:
          id: {rule_id.replace(".", "-")}
          severity: {severity}
          message: "{{service.name}} carries an ACME risk."
          accept_by: {accept_by}
"""


def check(folder: Path) -> Any:
    return run_cli("rules", "check", str(folder))


def test_a_high_risk_whose_only_acceptor_lacks_the_authority_is_refused(tmp_path: Path) -> None:
    layer = write_layer(tmp_path / "acme", "rules:\n" + risk_rule("acme.outage", "high", "[business_owner]"))
    result = check(layer)
    assert result.exit_code == 4
    assert (
        "risks.yaml:10: error [acme.outage]: a high risk needs an acceptor with authority 2 or more "
        "(accountable_executive, cio, management_body)"
    ) in result.stdout


@pytest.mark.parametrize(
    "accept_by",
    ["[accountable_executive]", "[business_owner, accountable_executive]", "[accountable_executive, business_owner]"],
)
def test_a_high_risk_with_one_acceptor_of_enough_authority_checks_clean(tmp_path: Path, accept_by: str) -> None:
    layer = write_layer(tmp_path / "acme", "rules:\n" + risk_rule("acme.outage", "high", accept_by))
    result = check(layer)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("no problems found")


def test_a_risk_a_second_line_role_would_accept_is_refused(tmp_path: Path) -> None:
    layer = write_layer(tmp_path / "acme", "rules:\n" + risk_rule("acme.privacy", "medium", "[business_owner, dpo]"))
    result = check(layer)
    assert result.exit_code == 4
    assert (
        "error [acme.privacy]: accept_by: the data protection officer is second line: consulted, does not accept "
        "risk (IIA Three Lines Model); move it to consult"
    ) in result.stdout
    assert "authority" not in result.stdout  # the business owner has the authority a medium risk needs


def test_a_layers_policy_demanding_more_authority_refuses_a_bundled_acceptor(tmp_path: Path) -> None:
    policy = "acceptance:\n  medium: {review_months: 12, minimum_authority: 2}\n"
    layer = write_layer(
        tmp_path / "acme", policy + "rules:\n" + risk_rule("acme.privacy", "medium", "[business_owner]")
    )
    result = check(layer)
    assert result.exit_code == 4
    assert "error [acme.privacy]: a medium risk needs an acceptor with authority 2 or more" in result.stdout


# --- accept: the review period of the risk's severity ------------------------------------------------------


def raising_to_high(folder: Path, when: str) -> Path:
    """A layer whose rule, of higher priority than the bundled one, raises the bundled risk RISK as high."""
    text = f"""\
rules:
  - id: acme.personal-data-high
    title: Personal data outside IT's controls is a high risk at ACME
    rationale: ACME's privacy policy holds personal data controlled outside IT to be a high risk.
    source: practice, ACME privacy policy
    priority: 900
    when:
      accountable.it_controls.application: business
      data.personal_data: true
      {when}
    then:
      - risk:
          id: {RISK}
          severity: high
          message: "{{service.name}} processes personal data outside IT's controls."
          accept_by: [business_owner, accountable_executive]
          consult: [dpo]
"""
    return write_layer(folder, text)


def crm_copy(tmp_path: Path, **changes: Any) -> Path:
    document = json.loads((SCENARIOS / "sales-crm-business-operated.json").read_text(encoding="utf-8"))
    path = tmp_path / "crm.json"
    path.write_text(json.dumps({**document, **changes}, indent=2), encoding="utf-8")
    return path


def accept(path: Path, layer: Path, date: str = "2027-03-31") -> Any:
    """Accept on `date`, that day being today: the feedback lists the acceptances current today."""
    args = (
        "accept",
        str(path),
        RISK,
        "--role",
        "business_owner",
        "--name",
        "Jo",
        "--date",
        date,
        "--rules",
        str(layer),
    )
    return run_cli(*args, env={clock.PINNED_TODAY: date})


def severity(path: Path, layer: Path) -> str:
    report = json.loads(run_cli("assess", str(path), "--format", "json", "--rules", str(layer)).stdout)
    return str(next(risk["severity"] for risk in report["risks"] if risk["id"] == RISK))


def test_accept_reviews_a_risk_a_layer_raises_to_high_after_6_months(tmp_path: Path) -> None:
    layer = raising_to_high(tmp_path / "acme", "criticality: {at_least: high}")
    path = crm_copy(tmp_path)
    assert severity(path, layer) == "high"
    result = accept(path, layer)
    assert result.exit_code == 0, result.output
    assert "business owner: Jo on 2027-03-31 (review by 2027-09-30)" in result.stdout  # 6 months, not 12
    assert "still to accept personal-data-outside-it: accountable executive" in result.stdout


def test_accept_reviews_after_the_period_of_the_severity_the_service_has(tmp_path: Path) -> None:
    """The layer raises the risk to high for critical services only: the high CRM keeps the bundled medium risk."""
    layer = raising_to_high(tmp_path / "acme", "criticality: critical")
    path = crm_copy(tmp_path)
    assert severity(path, layer) == "medium"
    result = accept(path, layer)
    assert result.exit_code == 0, result.output
    assert "business owner: Jo on 2027-03-31 (review by 2028-03-31)" in result.stdout
    critical = crm_copy(tmp_path, criticality="critical")
    assert severity(critical, layer) == "high"
    assert "(review by 2027-09-30)" in accept(critical, layer).stdout


def test_accept_replaces_a_bundled_risk_rule_by_its_id_and_takes_its_severity(tmp_path: Path) -> None:
    text = (SCENARIOS.parent / "rules" / "40-risks.yaml").read_text(encoding="utf-8")
    assert "- id: risk.personal-data-with-business" in text  # the bundled row this layer replaces
    layer = raising_to_high(tmp_path / "acme", "criticality: {at_least: high}")
    rules = (layer / "risks.yaml").read_text(encoding="utf-8")
    (layer / "risks.yaml").write_text(
        rules.replace("acme.personal-data-high", "risk.personal-data-with-business"), encoding="utf-8"
    )
    path = crm_copy(tmp_path)
    assert "(review by 2027-09-30)" in accept(path, layer).stdout


def test_accept_of_a_risk_not_raised_now_takes_the_highest_severity_a_rule_gives_it(tmp_path: Path) -> None:
    layer = raising_to_high(tmp_path / "acme", "criticality: critical")
    path = crm_copy(tmp_path, data={"classification": "confidential", "personal_data": False})
    result = accept(path, layer)
    assert result.exit_code == 0, result.output
    assert f"note: the risk {RISK} is not raised for this service now" in result.stdout
    recorded = json.loads(path.read_text(encoding="utf-8"))["accepted_risks"]
    assert recorded[0]["review_by"] == "2027-09-30"  # reviewed as the high risk it may become


# --- a layer that redefines a role or the policy: reported, never silent --------------------------------------

LOOSENING = "roles:\n  dpo: {name: data protection officer, line: first, authority: 3}\n" + (
    "acceptance:\n  high: {review_months: 600, minimum_authority: 0}\n"
)


def test_rules_check_reports_each_role_and_policy_a_layer_overrides_as_a_loosening(tmp_path: Path) -> None:
    layer = write_layer(tmp_path / "acme", LOOSENING)
    result = check(layer)
    assert result.exit_code == 0, result.output  # an override is legal: a warning, an error only with --strict
    assert result.stdout.splitlines()[:2] == [
        f"{layer}/risks.yaml:2: warning: roles.dpo overrides {DPO_AT}: line second -> first, "
        "authority - -> 3: loosens who may accept risk",
        f"{layer}/risks.yaml:4: warning: acceptance.high overrides {HIGH_AT}: review_months 6 -> 600, "
        "minimum_authority 2 -> 0: loosens the acceptance policy for high risks",
    ]
    assert run_cli("rules", "check", "--strict", str(layer)).exit_code == 4


def test_a_stricter_policy_is_worded_as_a_tightening_and_each_layer_of_a_chain_is_reported(tmp_path: Path) -> None:
    first = write_layer(tmp_path / "first", "acceptance:\n  medium: {review_months: 6, minimum_authority: 1}\n")
    second = write_layer(tmp_path / "second", "acceptance:\n  medium: {review_months: 3, minimum_authority: 2}\n")
    result = run_cli("rules", "check", str(first), str(second))
    assert (
        f"{first}/risks.yaml:2: warning: acceptance.medium overrides {MEDIUM_AT}: review_months "
        "12 -> 6: tightens the acceptance policy for medium risks"
    ) in result.stdout
    assert (
        f"{second}/risks.yaml:2: warning: acceptance.medium overrides {first}/risks.yaml:2: review_months 6 -> 3, "
        "minimum_authority 1 -> 2: tightens the acceptance policy for medium risks"
    ) in result.stdout


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("roles:\n  dpo: {name: DPO, line: second}\n", "roles.dpo is defined twice in one layer"),
        ("acceptance:\n  low: {review_months: 3}\n", "acceptance.low is defined twice in one layer"),
    ],
)
def test_two_files_of_one_layer_defining_the_same_role_or_policy_is_an_error_naming_both(
    tmp_path: Path, text: str, said: str
) -> None:
    layer = tmp_path / "acme"
    layer.mkdir()
    (layer / "a.yaml").write_text(text, encoding="utf-8")
    (layer / "b.yaml").write_text(text, encoding="utf-8")
    result = check(layer)
    assert result.exit_code == 4
    assert f"{layer}/b.yaml:2: error: {said} (first at {layer}/a.yaml:2)" in result.stdout
    assessed = run_cli("assess", str(SCENARIOS / "sales-crm-business-operated.json"), "--rules", str(layer))
    assert assessed.exit_code == 4 and said in assessed.stderr


def test_rules_list_and_docs_show_the_policy_in_force_and_where_each_part_comes_from(tmp_path: Path) -> None:
    layer = write_layer(tmp_path / "acme", LOOSENING)
    listed = run_cli("rules", "list", "--rules", str(layer)).stdout
    roles = listed.split("Roles (first line: accepts risk; second line: consulted)", 1)[1]
    assert "business_owner  " in roles and OWNER_AT in roles
    dpo = next(line for line in roles.splitlines() if line.startswith("dpo "))
    assert dpo.split()[-3:] == ["first", "3", f"{layer}/risks.yaml:2"]
    assert f"(overrides {DPO_AT})" in roles
    policy = listed.split("Acceptance policy in force", 1)[1]
    rows = {line.split()[0]: line.split()[1:] for line in policy.splitlines() if line.startswith(SEVERITIES)}
    assert rows == {
        "high": ["600", "0", f"{layer}/risks.yaml:4"],
        "medium": ["12", "1", MEDIUM_AT],
        "low": ["12", "1", LOW_AT],
    }
    document = json.loads(run_cli("rules", "list", "--format", "json", "--rules", str(layer)).stdout)
    assert document["acceptance"][0] == {
        "severity": "high",
        "review_months": 600,
        "minimum_authority": 0,
        "location": f"{layer}/risks.yaml:4",
        "overrides": HIGH_AT,
    }
    assert next(role for role in document["roles"] if role["id"] == "dpo")["line"] == "first"
    docs = run_cli("rules", "docs", "--rules", str(layer)).stdout
    assert "## Roles and acceptance policy" in docs
    high = next(line for line in docs.splitlines() if line.startswith("| high "))
    assert [cell.strip() for cell in high.strip("|").split("|")] == [
        "high",
        "600 months",
        "0",
        f"`{layer}/risks.yaml:4` (overrides `{HIGH_AT}`)",
    ]
