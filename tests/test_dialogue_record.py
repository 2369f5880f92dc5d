"""Recording the workshop's outcome: decide and accept edit the scenario file surgically."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsadvisor import api, clock
from opsadvisor.dialogue.jsonedit import append_item, set_value

from .helpers import SCENARIOS, bundled_at, run_cli

HIGH_AT = bundled_at("acceptance", "high")


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    return Path(shutil.copy(SCENARIOS / "field-service-mixed.json", tmp_path / "field.json"))


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    # medium criticality and SOX: the business owning its IT controls is a risk to accept (critical, a conflict)
    return Path(shutil.copy(SCENARIOS / "expenses-sox-soc1-model-b.json", tmp_path / "ledger.json"))


def report(path: Path) -> dict[str, Any]:
    return json.loads(run_cli("assess", str(path), "--format", "json").stdout)


def test_decide_fills_the_model_c_cells_and_leaves_fewer_open_decisions(mixed: Path) -> None:
    before = report(mixed)
    result = run_cli("decide", str(mixed), "situation", "--application", "business", "--interface", "it_ops")
    assert result.exit_code == 0, result.output
    assert "Situation Mgmt: application Business, interface IT OPS" in result.stdout
    assert "open decisions: 18 -> 16" in result.stdout
    after = report(mixed)
    row = next(row for row in after["accountability"] if row["process"] == "situation")
    assert (row["application"], row["interface"]) == ("business", "it_ops")
    assert len(after["open_decisions"]) == len(before["open_decisions"]) - 2
    workshop = run_cli("workshop", str(mixed)).stdout
    assert "Situation Mgmt: application and interface" not in workshop
    assert "Problem Mgmt: application and interface" in workshop


def test_decide_keeps_the_rest_of_the_file_byte_for_byte(mixed: Path) -> None:
    original = mixed.read_text()
    run_cli("decide", str(mixed), "release", "--application", "it_delivery")
    edited = mixed.read_text()
    inserted = ',\n    "release": {"application": "it_delivery"}'
    anchor = original.index('"it_ops"}\n  }') + len('"it_ops"}')
    assert edited == original[:anchor] + inserted + original[anchor:]


def test_deciding_again_changes_only_the_given_cell(mixed: Path) -> None:
    original = mixed.read_text()
    run_cli("decide", str(mixed), "request", "--application", "IT OPS")
    assert mixed.read_text() == original.replace(
        '"request": {"application": "business"', '"request": {"application": "it_ops"'
    )


def test_decide_records_who_performs_the_daily_work_next_to_who_is_accountable(mixed: Path) -> None:
    original = mixed.read_text()
    result = run_cli("decide", str(mixed), "incident", "--application", "business", "--performed-by", "Vendor")
    assert result.exit_code == 0, result.output
    assert "Incident Mgmt: application Business, interface IT OPS, performed by Vendor" in result.stdout
    assert mixed.read_text() == original.replace(
        '"incident": {"application": "business", "interface": "it_ops"}',
        '"incident": {"application": "business", "interface": "it_ops", "performed_by": "vendor"}',
    )
    row = next(row for row in report(mixed)["accountability"] if row["process"] == "incident")
    assert row == {
        "process": "incident",
        "name": "Incident Mgmt",
        "application": "business",
        "interface": "it_ops",
        "performed_by": "vendor",
    }
    run_cli("decide", str(mixed), "incident", "--application", "business")  # without --performed-by: kept
    assert json.loads(mixed.read_text())["decisions"]["incident"]["performed_by"] == "vendor"
    recorded = api.decide(mixed, "problem", "business", "it_ops", performed_by="it_ops")
    assert json.loads(mixed.read_text())["decisions"]["problem"] == {
        "application": "business",
        "interface": "it_ops",
        "performed_by": "it_ops",
    }
    assert next(row for row in recorded.after.accountability if row.process == "problem").performed_by == "it_ops"


def accept(path: Path, role: str, name: str, date: str, risk: str = "regulatory-compliance") -> Any:
    return run_cli("accept", str(path), risk, "--role", role, "--name", name, "--date", date)


def test_accept_records_each_role_and_the_risk_is_accepted_once_every_role_has(
    ledger: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(clock.PINNED_TODAY, "2026-11-30")  # the acceptances it reads are current on this day
    result = accept(ledger, "business_owner", "Head of Trading", "2026-11-02")
    assert result.exit_code == 0, result.output
    assert "business owner: Head of Trading on 2026-11-02 (review by 2027-05-02)" in result.stdout
    assert "still to accept regulatory-compliance: accountable executive" in result.stdout
    risk = next(r for r in report(ledger)["risks"] if r["id"] == "regulatory-compliance")
    assert (risk["accepted"], risk["missing"]) == (False, ["accountable executive"])
    assert accept(ledger, "accountable_executive", "CFO", "2026-11-03").exit_code == 0
    risk = next(r for r in report(ledger)["risks"] if r["id"] == "regulatory-compliance")
    assert (risk["accepted"], risk["accepted_on"]) == (True, "2026-11-03")
    assert accept(ledger, "accountable_executive", "COO", "2026-11-20").exit_code == 0  # replaces that role's
    accepted = json.loads(ledger.read_text())["accepted_risks"]
    recorded = [item for item in accepted if item["risk"] == "regulatory-compliance"]
    assert recorded[-1] == {
        "risk": "regulatory-compliance",
        "role": "accountable_executive",
        "name": "COO",
        "date": "2026-11-20",
        "review_by": "2027-05-20",
    }
    assert len(recorded) == 2


def test_a_role_that_may_not_accept_the_risk_is_refused_and_the_file_is_unchanged(ledger: Path) -> None:
    original = ledger.read_bytes()
    result = accept(ledger, "compliance_officer", "Ann", "2026-11-02")
    assert result.exit_code == 3
    assert "the compliance officer may not accept regulatory-compliance; it is accepted by: business_owner" in (
        result.stderr
    )
    assert ledger.read_bytes() == original


def test_an_obligation_cannot_be_accepted(tmp_path: Path) -> None:
    path = tmp_path / "lab.json"
    shutil.copy(SCENARIOS / "lab-analytics-no-contract.json", path)
    original = path.read_bytes()
    result = accept(path, "business_owner", "Jo", "2026-11-02", risk="no-data-processing-agreement")
    assert result.exit_code == 3
    assert "no-data-processing-agreement is an obligation (GDPR Art. 28(3)): it cannot be accepted, only fixed" in (
        result.stderr
    )
    assert path.read_bytes() == original


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("decide", "situaton", "--application", "business"), 'unknown process "situaton"; expected one of request,'),
        (("decide", "situaton", "--application", "business"), '(did you mean "situation"?)'),
        (
            ("decide", "problem", "--application", "vendor"),
            "--application: expected one of it_ops, it_delivery, business, tbd",
        ),
        (
            ("decide", "problem", "--application", "business", "--interface", "n/b"),
            'found string "n/b" (did you mean "n/a"?)',
        ),
        (
            ("decide", "incident", "--application", "business", "--performed-by", "vender"),
            '--performed-by: expected one of vendor, it_ops, it_delivery, business; found string "vender" '
            '(did you mean "vendor"?)',
        ),
        (
            ("accept", "regulatory-compliance", "--role", "business_owner", "--name", "Jo", "--date", "02/11/2026"),
            "--date: expected a date YYYY-MM-DD",
        ),
        (
            ("accept", "regulatory-complaince", "--role", "business_owner", "--name", "Jo"),
            '(did you mean "regulatory-compliance"?)',
        ),
        (
            ("accept", "regulatory-compliance", "--role", "busines_owner", "--name", "Jo"),
            '(did you mean "business_owner"?)',
        ),
        (
            ("accept", "regulatory-compliance", "--role", "business_owner", "--name", " "),
            "--name: expected a non-empty string",
        ),
    ],
)
def test_unknown_processes_parties_and_risks_are_refused_with_the_choices(
    ledger: Path, args: tuple[str, ...], message: str
) -> None:
    original = ledger.read_bytes()
    result = run_cli(args[0], str(ledger), *args[1:])
    assert result.exit_code == 2
    assert message in result.stderr
    assert ledger.read_bytes() == original


def test_an_invalid_scenario_is_not_edited(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"service": {"id": "x", "name": "X"}, "criticality": "huge"}')
    result = run_cli("decide", str(path), "request", "--application", "business")
    assert result.exit_code == 3
    assert path.read_text() == '{"service": {"id": "x", "name": "X"}, "criticality": "huge"}'


def test_crlf_line_endings_and_a_byte_order_mark_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "crlf.json"
    text = '{\r\n  "service": {"id": "x", "name": "X"},\r\n  "ambition": "mixed"\r\n}\r\n'
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    api.decide(path, "incident", "business", "it_ops")
    assert path.read_bytes() == b"\xef\xbb\xbf" + (
        b'{\r\n  "service": {"id": "x", "name": "X"},\r\n  "ambition": "mixed",\r\n'
        b'  "decisions": {\r\n    "incident": {"application": "business", "interface": "it_ops"}\r\n  }\r\n}\r\n'
    )


# --- the surgical editor, on any JSON formatting ----------------------------------------------

_keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)
_scalars = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=8)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3),
    max_leaves=8,
)
_formats = st.sampled_from(
    [
        {"indent": 2},
        {"indent": 4},
        {"indent": "\t"},
        {},
        {"separators": (",", ":")},
        {"indent": 1, "separators": (" ,", " : ")},
    ]
)


def _common_affixes(a: str, b: str) -> int:
    prefix = 0
    while prefix < min(len(a), len(b)) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(a), len(b)) - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    return prefix + suffix


@settings(max_examples=150)
@given(st.dictionaries(_keys, _values, max_size=4), _formats, st.lists(_keys, min_size=1, max_size=3), _values)
def test_set_value_changes_exactly_the_target_and_keeps_every_other_byte(
    document: dict[str, Any], fmt: dict[str, Any], path: list[str], value: Any
) -> None:
    text = json.dumps(document, ensure_ascii=False, **fmt)
    expected = json.loads(text)
    node = expected
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            return  # the path runs through a non-object: not an edit decide/accept makes
        node = node[key]
    existed = path[-1] in node
    node[path[-1]] = "\x00marker\x00"
    marked = json.dumps(expected, ensure_ascii=False, **fmt)  # the old value's place, found by json itself
    old_span = len(text) - (len(marked) - len(json.dumps("\x00marker\x00"))) if existed else 0
    node[path[-1]] = value
    edited = set_value(text, tuple(path), value)
    assert json.loads(edited) == expected
    assert list(json.loads(edited)) == list(expected)  # key order kept
    assert _common_affixes(text, edited) >= len(text) - old_span


@settings(max_examples=100)
@given(st.dictionaries(_keys, _values, max_size=4), _formats, st.lists(_values, max_size=3), _values)
def test_append_item_adds_one_item_and_keeps_every_other_byte(
    document: dict[str, Any], fmt: dict[str, Any], items: list[Any], item: Any
) -> None:
    document = {**document, "list": items}
    text = json.dumps(document, ensure_ascii=False, **fmt)
    edited = append_item(text, ("list",), item)
    expected = {**json.loads(text), "list": [*items, item]}
    assert json.loads(edited) == expected
    assert _common_affixes(text, edited) == len(text)  # pure insertion


def test_the_edited_file_keeps_its_permissions(mixed: Path) -> None:
    mixed.chmod(0o640)
    api.decide(mixed, "problem", "it_ops", "it_ops")
    assert mixed.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in mixed.parent.iterdir()) == ["field.json"]  # no temporary file left


# --- accept refuses what an auditor would not accept; mitigate records what is done instead -----------------

TODAY = {clock.PINNED_TODAY: "2026-11-30"}


def accept_on(path: Path, *options: str, role: str = "business_owner", risk: str = "regulatory-compliance") -> Any:
    return run_cli("accept", str(path), risk, "--role", role, "--name", "Jo", *options, env=TODAY)


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (
            ("--date", "2099-01-01"),
            "--date: 2099-01-01 is after today, 2026-11-30: record an acceptance once it is given",
        ),
        (("--date", "2026-11-02", "--as-of", "2026-11-01"), "--date: 2026-11-02 is after the --as-of date 2026-11-01"),
        (("--as-of", "2026-11-01"), None),  # without --date: accepted on the --as-of day
        (
            ("--date", "2026-11-02", "--review-by", "2026-11-01"),
            "--review-by: 2026-11-01 is before the acceptance date 2026-11-02: a review follows the acceptance",
        ),
    ],
)
def test_accept_refuses_a_date_ahead_of_its_day_and_a_review_before_the_acceptance(
    ledger: Path, options: tuple[str, ...], said: str | None
) -> None:
    original = ledger.read_bytes()
    result = accept_on(ledger, *options)
    if said is None:
        assert result.exit_code == 0, result.output
        assert json.loads(ledger.read_text())["accepted_risks"][-1]["date"] == "2026-11-01"
        return
    assert result.exit_code == 2 and f"error: {ledger}: {said}" in result.stderr
    assert ledger.read_bytes() == original


def test_accept_caps_a_review_date_beyond_the_policy_and_says_so(ledger: Path) -> None:
    result = accept_on(ledger, "--date", "2026-11-02", "--review-by", "2999-01-01")
    assert result.exit_code == 0, result.output
    assert (
        f"note: review by capped to 2027-05-02: the pack's policy for high risks is 6 months ({HIGH_AT})"
    ) in result.stdout.splitlines()
    assert "business owner: Jo on 2026-11-02 (review by 2027-05-02)" in result.stdout
    assert json.loads(ledger.read_text())["accepted_risks"][-1]["review_by"] == "2027-05-02"
    within = accept_on(ledger, "--date", "2026-11-02", "--review-by", "2027-01-31")
    assert "capped" not in within.stdout and "(review by 2027-01-31)" in within.stdout


def test_accept_with_an_old_date_says_it_is_recorded_but_does_not_count_and_why(ledger: Path) -> None:
    result = accept_on(ledger, "--date", "2020-01-01")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"{ledger}: regulatory-compliance: business owner: Jo on 2020-01-01 (review by 2020-07-01) recorded, but it "
        "does not count as of 2026-11-30 (today): its review date 2020-07-01 has passed"
    )
    assert not any(line.rstrip().endswith("accepted by") for line in lines)
    assert "still to accept regulatory-compliance: business owner, accountable executive" in lines


def test_mitigate_appends_one_entry_and_keeps_every_other_byte(ledger: Path) -> None:
    original = ledger.read_text()
    result = run_cli(
        "mitigate", str(ledger), "regulatory-compliance", "--action", "Owners for the key controls",
        "--owner", "Head of Finance", "--due", "2027-01-31", env=TODAY,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(ledger.read_text())
    assert document["mitigations"] == [
        {"risk": "regulatory-compliance", "action": "Owners for the key controls", "owner": "Head of Finance",
         "due": "2027-01-31"}
    ]  # fmt: skip
    assert json.loads(original) == {key: value for key, value in document.items() if key != "mitigations"}
    edited = ledger.read_text()
    assert edited.startswith(original[: original.rindex("}")].rstrip())  # only the new member is added
    recorded = api.mitigate(
        ledger, "regulatory-compliance", "Quarterly evidence", "CFO", "2027-03-31", as_of="2026-12-01"
    )
    assert (recorded.where, recorded.entry["owner"]) == ("mitigations[1]", "CFO")
    risk = next(risk for risk in recorded.after.risks if risk.id == "regulatory-compliance")
    assert [item.action for item in risk.mitigations] == ["Owners for the key controls", "Quarterly evidence"]
    assert not risk.accepted


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (
            ("regulatory-complaince", "--action", "A", "--owner", "B", "--due", "2027-01-31"),
            'did you mean "regulatory-compliance"?',
        ),
        (("regulatory-compliance", "--action", "x" * 501, "--owner", "B", "--due", "2027-01-31"), "--action: "),
        (
            ("regulatory-compliance", "--action", " ", "--owner", "B", "--due", "2027-01-31"),
            "--action: expected a non-empty string",
        ),
        (
            ("regulatory-compliance", "--action", "A", "--owner", "B", "--due", "31/01/2027"),
            "--due: expected a date YYYY-MM-DD",
        ),
    ],
)
def test_mitigate_refuses_unknown_risks_and_bad_fields_and_leaves_the_file(
    ledger: Path, options: tuple[str, ...], said: str
) -> None:
    original = ledger.read_bytes()
    result = run_cli("mitigate", str(ledger), *options, env=TODAY)
    assert result.exit_code == 2 and said in result.stderr, result.output
    assert ledger.read_bytes() == original


def _conflict_ids() -> list[tuple[str, str]]:
    """Every conflict id of the default pack (obligations and the other conflicts a rule names by id), with its kind."""
    pack = api.rule_pack()
    return sorted({(c.id, c.kind) for rule in pack.rules for c in rule.of_kind("conflict") if c.id})


@pytest.mark.parametrize(("conflict", "kind"), _conflict_ids())
@pytest.mark.parametrize("scenario", ["payments-hub-dora-critical.json", "sales-crm-business-operated.json"])
def test_every_conflict_of_the_pack_is_refused_by_accept_and_mitigate_with_its_remedy_filled_in(
    tmp_path: Path, conflict: str, kind: str, scenario: str
) -> None:
    """Raised for the service (the payments hub raises the DORA ones) or not (the CRM raises none of them)."""
    path = Path(shutil.copy(SCENARIOS / scenario, tmp_path / scenario))
    original = path.read_bytes()
    for command in (
        ("accept", conflict, "--role", "business_owner", "--name", "Jo"),
        ("mitigate", conflict, "--action", "A", "--owner", "B", "--due", "2027-01-31"),
    ):
        result = run_cli(command[0], str(path), *command[1:], env=TODAY)
        assert result.exit_code == 3, result.output
        verb = "accepted" if command[0] == "accept" else "mitigated"
        shape = "is an obligation (" if kind == "obligation" else "is a conflict to resolve, not a risk"
        assert f"{conflict} {shape}" in result.stderr and f"cannot be {verb}" in result.stderr
        assert "{" not in result.stderr and "}" not in result.stderr, result.stderr  # every placeholder filled
    assert path.read_bytes() == original


@pytest.mark.parametrize("obligation", ["dora-exit-strategy", "sox-key-controls-owner"])
def test_the_refusal_names_the_service_where_its_remedy_does(tmp_path: Path, obligation: str) -> None:
    path = Path(shutil.copy(SCENARIOS / "sales-crm-business-operated.json", tmp_path / "crm.json"))
    result = run_cli("accept", str(path), obligation, "--role", "business_owner", "--name", "Jo", env=TODAY)
    assert result.exit_code == 3 and "only fixed:" in result.stderr
    assert "Sales CRM" in result.stderr and "{service.name}" not in result.stderr
