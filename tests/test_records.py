"""Records as evidence (issue 28): ticket exports, the contract register and access reviews read through
their maps, aggregated per service, and the drift rules finding exactly what the example injects."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from opsadvisor import api
from opsadvisor.contract import EVIDENCE
from opsadvisor.errors import UsageError
from opsadvisor.evidence import HANDLERS, TICKET_PROCESSES, ContractEvidence, Evidence, Handled
from opsadvisor.records import Period, load_record_set, read_records
from opsadvisor.records.example import FILES
from opsadvisor.records.reading import flatten
from opsadvisor.records.schema import TICKETS
from opsadvisor.validation import describe, validate

from .helpers import ROOT, SCENARIOS, run_cli, scenario

EXAMPLE = ROOT / "docs" / "examples" / "records"
AS_OF = "2026-11-30"
PARTIES = "parties:\n  Desk: it_ops\n  Key Users: business\n  Acme Support: vendor\n  Bot: null\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def manifest(folder: Path, tickets: str, ticket_map: str | None = None, **more: str) -> Path:
    """A manifest for one tickets CSV (and its map), the test parties map, and any other entries."""
    write(folder, "parties.yaml", PARTIES)
    write(folder, "tickets.csv", tickets)
    entry = "{file: tickets.csv, map: map.yaml}" if ticket_map else "tickets.csv"
    if ticket_map:
        write(folder, "map.yaml", ticket_map)
    lines = ["parties: parties.yaml", f"tickets: {entry}", *(f"{key}: {value}" for key, value in more.items())]
    return write(folder, "records.yaml", "\n".join(lines) + "\n")


def labels() -> dict[str, str]:
    """Each bundled scenario's label in the example's records: its id, or its name where ids repeat."""
    found = {path: json.loads(path.read_text(encoding="utf-8"))["service"] for path in SCENARIOS.glob("*.json")}
    ids = [service["id"] for service in found.values()]
    return {
        path.name: service["id"] if ids.count(service["id"]) == 1 else service["name"]
        for path, service in found.items()
    }


def drifts_by_label(folder: Path, as_of: str) -> dict[str, list[str]]:
    book = read_records(folder / "records.yaml", as_of)
    assert book.problems.count == 0 and book.notes == []
    pack = api.rule_pack()
    found = {}
    for path in sorted(SCENARIOS.glob("*.json")):
        drift = api.assess(path, rules=pack, as_of=as_of, records=book).part("drift")
        if drift.drifts:
            found[labels()[path.name]] = sorted(d.id for d in drift.drifts)
    return found


# --- the example: injected drifts found exactly -------------------------------------------------------


@pytest.mark.parametrize("period", ["current", "previous"])
def test_the_shipped_example_finds_exactly_the_expected_drifts_and_none_elsewhere(period: str) -> None:
    expected = json.loads((EXAMPLE / "expected-drifts.json").read_text(encoding="utf-8"))
    as_of = expected["as_of" if period == "current" else "previous_as_of"]
    assert drifts_by_label(EXAMPLE, as_of) == {label: sorted(ids) for label, ids in expected[period].items()}
    assert len(expected[period]) >= 7  # most kinds of drift are injected, in a portfolio of 21


def test_the_shipped_example_is_what_the_generator_writes(tmp_path: Path) -> None:
    made = api.write_records_example(tmp_path, datetime.date(2026, 11, 30))
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (EXAMPLE / name).read_bytes(), name
    assert len(made.snow) + len(made.jsm) > 2000


@pytest.mark.slow
def test_another_seed_injects_elsewhere_and_the_rules_still_find_exactly_those(tmp_path: Path) -> None:
    api.write_records_example(tmp_path, datetime.date(2026, 11, 30), seed=5)
    expected = json.loads((tmp_path / "expected-drifts.json").read_text(encoding="utf-8"))
    assert expected["current"] != json.loads((EXAMPLE / "expected-drifts.json").read_text())["current"]
    assert drifts_by_label(tmp_path, AS_OF) == {label: sorted(ids) for label, ids in expected["current"].items()}


def test_the_example_refuses_to_replace_a_set_unless_forced(tmp_path: Path) -> None:
    assert run_cli("records", "example", str(tmp_path), "--as-of", AS_OF).exit_code == 0
    again = run_cli("records", "example", str(tmp_path), "--as-of", AS_OF)
    assert again.exit_code == 2 and "exists" in again.output
    assert run_cli("records", "example", str(tmp_path), "--as-of", AS_OF, "--force").exit_code == 0


def test_the_example_of_a_folder_without_scenarios_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("records", "example", str(tmp_path / "out"), "--scenarios", str(tmp_path))
    assert result.exit_code == 2 and "no scenario files (*.json)" in result.output


# --- reading -------------------------------------------------------------------------------------------

TICKETS_CSV = """number,type,service,opened,group,approved by,comment
INC1,incident,svc-1,2026-10-01 09:14:00,Desk,,printer
INC2,Incident,Test service,2026-10-02,Key Users,,
INC3,incidnt,svc-1,2026-10-03,Desk,,
INC4,incident,,2026-10-03,Desk,,
INC5,incident,svc-1,03/10/2026,Desk,,
CHG1,change,svc-1,2026-10-04,Desk,Key Users,
CHG2,change,svc-1,2026-10-05,Desk,Desk,
REQ1,request,svc-1,2026-10-05,Bot,,
REQ2,request,svc-1,2026-10-06,Night shift,,
OLD1,incident,svc-1,2026-01-01,Desk,,
"""
TICKETS_MAP = "columns:\n  number: id\n  approved by: approved_by\n  comment: ignore\n"


def test_bad_rows_are_reported_with_file_row_field_expected_and_found_and_the_others_used(tmp_path: Path) -> None:
    book = read_records(manifest(tmp_path, TICKETS_CSV, TICKETS_MAP), AS_OF)
    csv = tmp_path / "tickets.csv"
    assert book.problems.lines() == [
        f'{csv}:row 4: type: expected one of request, incident, problem, change; found string "incidnt" '
        '(did you mean "incident"?)',
        f"{csv}:row 5: service: required, but the cell is empty",
        f'{csv}:row 6: opened: expected a date YYYY-MM-DD (a time after it is ignored); found string "03/10/2026"',
    ]
    evidence = book.evidence(api.assessor_for(api.rule_pack()).parse(scenario(), "t"))
    assert evidence.handled("incident") == Handled(it_ops=1, business=1)  # by id and by name, one service
    assert evidence.handled("request") == Handled(unmapped=1)  # the bot's is nobody's work; Night shift unmapped
    assert evidence.changes_without_it_approval == 1
    assert (evidence.start, evidence.end, evidence.days) == ("2026-09-01", "2026-11-29", 90)
    assert book.outside == 1
    assert book.notes == ['groups the parties map does not name, counted as unmapped: "Night shift" (1 ticket)']
    (tally,) = book.files
    assert (tally.rows, tally.used, tally.bad) == (10, 7, 3)


def test_assess_with_a_bad_row_reports_it_uses_the_others_and_exits_3(tmp_path: Path) -> None:
    path = write(tmp_path, "s.json", json.dumps(scenario(ambition="it_operated")))
    result = run_cli(
        "assess", str(path), "--as-of", AS_OF, "--records", str(manifest(tmp_path, TICKETS_CSV, TICKETS_MAP))
    )
    assert result.exit_code == 3
    assert "Drift: practice against the agreement" in result.stdout
    assert "invalid: " + str(tmp_path / "tickets.csv") + ":row 4: type: expected one of" in result.stderr
    assert 'warning: groups the parties map does not name, counted as unmapped: "Night shift"' in result.stderr


def test_columns_the_fields_do_not_name_are_not_read_and_said_so(tmp_path: Path) -> None:
    book = read_records(manifest(tmp_path, TICKETS_CSV), AS_OF)
    assert f'{tmp_path / "tickets.csv"}: columns not read: "number", "comment"' in book.notes  # approved by: a field


def test_a_header_without_a_required_field_makes_the_file_one_problem(tmp_path: Path) -> None:
    book = read_records(manifest(tmp_path, "type,service,group\nincident,svc-1,Desk\n"), AS_OF)
    assert book.problems.lines() == [f"{tmp_path / 'tickets.csv'}: no column gives opened, which every row needs"]


def test_a_map_naming_no_ticket_field_is_a_usage_error_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        load_record_set(manifest(tmp_path, TICKETS_CSV, "columns:\n  number: ids\n"))
    assert caught.value.render() == (
        f'{tmp_path / "map.yaml"}: line 2: column number: "ids" is not a ticket field (did you mean "id"?)'
    )


def test_json_lines_are_flattened_and_bad_lines_reported(tmp_path: Path) -> None:
    lines = [
        {
            "key": "BUS-1",
            "fields": {
                "issuetype": {"name": "Incident"},
                "components": [{"name": "svc-1"}],
                "created": "2026-10-01T09:14:00.000+0000",
                "team": {"name": "Key Users"},
            },
        },
        {
            "key": "BUS-2",
            "fields": {
                "issuetype": {"name": "Task"},
                "components": [{"name": "svc-1"}],
                "created": "2026-10-01T09:14:00.000+0000",
            },
        },
    ]
    text = "".join(json.dumps(line) + "\n" for line in lines) + "not json\n[1]\n\n"
    write(tmp_path, "issues.jsonl", text)
    write(
        tmp_path,
        "map.yaml",
        "columns:\n  fields.issuetype.name: {field: type, values: {Task: null}}\n"
        "  fields.components.0.name: service\n  fields.created: opened\n  fields.team.name: group\n  key: id\n",
    )
    write(tmp_path, "parties.yaml", PARTIES)
    write(tmp_path, "records.yaml", "parties: parties.yaml\ntickets: {file: issues.jsonl, map: map.yaml}\n")
    book = read_records(tmp_path / "records.yaml", AS_OF)
    issues = tmp_path / "issues.jsonl"
    assert book.problems.lines() == [
        f"{issues}:line 3: not JSON: Expecting value at column 1",
        f"{issues}:line 4: expected a JSON object; found an array of 1 item",
    ]
    (tally,) = book.files
    assert (tally.rows, tally.used, tally.left_out, tally.bad) == (2, 1, 1, 2)
    assert book.tallies["svc 1"].handled["incident"][2] == 1  # business


def test_an_xlsx_register_with_date_cells_is_read_and_a_damaged_one_reported(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["service", "holder", "end", "notice days", "renewal owner", "vendor"])
    sheet.append(["svc-1", "IT", datetime.datetime(2026, 12, 30), 90, "", "Acme"])
    workbook.save(tmp_path / "register.xlsx")
    write(tmp_path, "broken.xlsx", "not a workbook")
    write(tmp_path, "records.yaml", "contracts: [register.xlsx, broken.xlsx]\n")
    book = read_records(tmp_path / "records.yaml", AS_OF)
    assert book.problems.lines() == [f"{tmp_path / 'broken.xlsx'}: cannot read the workbook: File is not a zip file"]
    parsed = api.assessor_for(api.rule_pack()).parse(scenario(), "t")
    assert book.evidence(parsed).contract == ContractEvidence(True, "it", 30, -60, False)
    assert book.vendor_of("svc-1", "Test service") == "Acme"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "tickets: t.csv\nparty: p.yaml\n",
            "line 2: unknown key 'party'; expected one of parties, tickets, "
            'contracts, access_reviews, window_days (did you mean "parties"?)',
        ),
        ("tickets: t.txt\nparties: p.yaml\n", "line 1: tickets: {folder}/t.txt: a records file is .csv, .xlsx, .jsonl"),
        ("tickets: missing.csv\nparties: p.yaml\n", "line 1: tickets: {folder}/missing.csv: no such file"),
        (
            "tickets: t.csv\n",
            "tickets need a parties map (parties: FILE.yaml) to say whose work each group's tickets are",
        ),
        (
            "tickets: t.csv\nparties: p.yaml\nwindow_days: 0\n",
            "line 3: window_days: expected a whole number of days from 1 to 3660; found number 0",
        ),
        (
            "tickets: [{file: t.csv, mapp: m.yaml}]\nparties: p.yaml\n",
            "line 1: tickets[0]: unknown key 'mapp'; expected file and map",
        ),
        ("window_days: 30\n", "names no records: expected at least one of tickets, contracts, access_reviews"),
    ],
)
def test_a_manifest_problem_is_a_usage_error_naming_the_line(tmp_path: Path, text: str, problem: str) -> None:
    write(tmp_path, "t.csv", "service,type,opened\n")
    write(tmp_path, "t.txt", "")
    write(tmp_path, "p.yaml", PARTIES)
    with pytest.raises(UsageError) as caught:
        load_record_set(write(tmp_path, "records.yaml", text))
    assert caught.value.lines() == [f"{tmp_path / 'records.yaml'}: {problem.format(folder=tmp_path)}"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "parties:\n  Desk: it ops\n  Users: bussiness\n",
            "line 3: Users: expected one of vendor, it_ops, it_delivery, business or null; found 'bussiness' "
            '(did you mean "business"?)',
        ),
        (
            "parties:\n  Desk: it_ops\n  desk: business\n",
            "line 3: desk: names the same group as Desk (case, spaces, - and _ are ignored)",
        ),
        ("groups: {}\n", "expected parties: {GROUP OR VENDOR: it_ops | it_delivery | business | vendor}"),
    ],
)
def test_a_parties_map_problem_is_a_usage_error(tmp_path: Path, text: str, problem: str) -> None:
    write(tmp_path, "t.csv", "service,type,opened\n")
    write(tmp_path, "p.yaml", text)
    with pytest.raises(UsageError) as caught:
        load_record_set(write(tmp_path, "records.yaml", "tickets: t.csv\nparties: p.yaml\n"))
    assert caught.value.lines() == [f"{tmp_path / 'p.yaml'}: {problem}"]


def test_window_without_records_is_a_usage_error() -> None:
    result = run_cli("assess", str(SCENARIOS / "payroll-it-operated.json"), "--window", "30")
    assert result.exit_code == 2 and "--window goes with --records MANIFEST" in result.output


# --- the CLI and the reports ------------------------------------------------------------------------------


def test_fail_on_drift_gates_assess_only_when_the_records_show_a_drift() -> None:
    records = str(EXAMPLE / "records.yaml")
    drifting = str(SCENARIOS / "workshop-planner-in-house.json")  # incidents handled by business groups
    consistent = str(SCENARIOS / "sales-crm-business-operated.json")
    base = ("--as-of", AS_OF, "--fail-on", "drift")
    assert run_cli("assess", drifting, *base, "--records", records).exit_code == 1
    assert run_cli("assess", consistent, *base, "--records", records).exit_code == 0
    assert run_cli("assess", drifting, *base).exit_code == 0  # no records, no drift


def test_a_shorter_window_counts_fewer_tickets() -> None:
    records = str(EXAMPLE / "records.yaml")
    path = str(SCENARIOS / "payroll-it-operated.json")
    whole = api.assess(path, as_of=AS_OF, records=read_records(records, AS_OF)).part("drift").evidence
    short = api.assess(path, as_of=AS_OF, records=read_records(records, AS_OF, 30)).part("drift").evidence
    assert (whole.days, short.days) == (90, 30) and 0 < short.ticket_count < whole.ticket_count


def _drift_of(tmp_path: Path, **facts: Any) -> Any:
    path = write(tmp_path, "service.json", json.dumps(scenario(**facts)))
    return api.assess(str(path), as_of=AS_OF, records=read_records(EXAMPLE / "records.yaml", AS_OF)).part("drift")


def acceptance(role: str, date: str, review_by: str) -> dict[str, str]:
    return {"risk": "no-sso-mfa", "role": role, "name": "Pat", "date": date, "review_by": review_by}


def test_only_the_latest_acceptance_of_a_role_can_be_past_its_review(tmp_path: Path) -> None:
    renewed = [
        acceptance("business_owner", "2025-01-10", "2025-12-31"),
        acceptance("business_owner", "2026-01-05", "2026-12-31"),
    ]
    later = [acceptance("accountable_executive", "2026-12-15", "2027-06-01")]  # not yet given on the as-of day
    drift = _drift_of(tmp_path, accepted_risks=renewed + later)
    assert drift.evidence.overdue_acceptances == 0 and not drift.drifts
    lapsed = [acceptance("accountable_executive", "2025-02-01", "2026-02-01")]
    drift = _drift_of(tmp_path, accepted_risks=renewed + lapsed)
    assert drift.evidence.overdue_acceptances == 1
    assert [d.id for d in drift.drifts] == ["acceptance-past-review"]


def test_a_mitigation_past_its_due_date_is_a_drift(tmp_path: Path) -> None:
    def mitigation(due: str) -> dict[str, str]:
        return {"risk": "no-sso-mfa", "action": "Add SSO", "owner": "Head of Sales", "due": due}

    drift = _drift_of(tmp_path, mitigations=[mitigation("2026-11-30"), mitigation("2027-01-31")])
    assert drift.evidence.overdue_mitigations == 0 and not drift.drifts
    drift = _drift_of(tmp_path, mitigations=[mitigation("2026-11-29"), mitigation("2027-01-31")])
    assert drift.evidence.overdue_mitigations == 1
    assert [d.id for d in drift.drifts] == ["mitigation-past-due"]
    assert "passed their due date" in drift.drifts[0].message


# --- properties -------------------------------------------------------------------------------------------

DATE_FIELD = TICKETS.field["opened"]


@given(st.dates(), st.sampled_from(["", " 09:14", " 23:59:59", "T09:14:00.000+0000", "T00:00:00Z"]))
def test_a_date_with_or_without_a_time_reads_as_that_date(day: datetime.date, time: str) -> None:
    assert DATE_FIELD.read(day.isoformat() + time) == (day, "")


@given(st.text(max_size=30))
def test_text_that_is_no_date_is_refused_never_guessed(text: str) -> None:
    value, expected = DATE_FIELD.read(text)
    if expected:
        assert value is None and expected.startswith("a date YYYY-MM-DD")
    else:
        assert isinstance(value, datetime.date) and text.startswith(value.isoformat())


counts = st.builds(Handled, *(st.integers(0, 500) for _ in range(5)))
evidences = st.builds(
    Evidence,
    st.just("2026-09-01"),
    st.just("2026-11-29"),
    st.one_of(st.none(), st.tuples(*(st.tuples(st.just(p), counts) for p in TICKET_PROCESSES))),
    st.one_of(st.none(), st.integers(0, 50)),
    st.one_of(
        st.none(),
        st.just(ContractEvidence(False)),
        st.builds(
            ContractEvidence,
            st.just(True),
            st.sampled_from(["it", "business"]),
            st.integers(-900, 900),
            st.integers(-900, 900),
            st.booleans(),
        ),
    ),
    st.one_of(st.none(), st.integers(0, 9)),
    st.one_of(st.none(), st.integers(0, 900)),
    st.one_of(st.none(), st.integers(0, 3)),
)


@given(evidences)
def test_evidence_written_to_a_scenario_validates_and_reads_back_the_same(evidence: Evidence) -> None:
    if evidence.access_reviews is None and evidence.access_review_age is not None:
        evidence = Evidence(**{**evidence.__dict__, "access_review_age": None})
    document = evidence.to_document()
    assert validate(document, EVIDENCE) == []
    assert Evidence.from_document(document) == evidence


@given(evidences)
def test_a_share_is_whole_percent_rounded_down_never_up(evidence: Evidence) -> None:
    for _process, handled in evidence.tickets or ():
        for handler in HANDLERS:
            share = handled.share(handler)
            if handled.total:
                assert share is not None and share * handled.total <= getattr(handled, handler) * 100
                assert (share + 1) * handled.total > getattr(handled, handler) * 100
            else:
                assert share is None


tickets = st.lists(
    st.tuples(
        st.sampled_from(["svc-1", "svc-2"]),
        st.sampled_from(TICKET_PROCESSES),
        st.sampled_from(["Desk", "Key Users", "Acme Support", "Nobody"]),
        st.integers(0, 200),
    ),
    max_size=60,
)
PARTY = {"Desk": "it_ops", "Key Users": "business", "Acme Support": "vendor", "Nobody": "unmapped"}


@settings(max_examples=40, deadline=None)
@given(tickets)
@example([("svc-1", "incident", "Desk", 1), ("svc-1", "incident", "Desk", 90), ("svc-2", "change", "Nobody", 0)])
@example([("svc-2", "request", "Key Users", 91), ("svc-1", "problem", "Acme Support", 45)])  # the edges of the period
def test_aggregation_counts_every_ticket_of_the_period_once_for_its_service_process_and_party(
    rows: list[tuple[str, str, str, int]],
) -> None:
    import tempfile

    as_of = datetime.date(2026, 11, 30)
    with tempfile.TemporaryDirectory() as folder:
        lines = ["service,type,group,opened"]
        lines += [f"{s},{p},{g},{(as_of - datetime.timedelta(days=ago)).isoformat()}" for s, p, g, ago in rows]
        book = read_records(manifest(Path(folder), "\n".join(lines) + "\n"), as_of)
    period = Period(as_of, 90)
    for service in ("svc-1", "svc-2"):
        tally = book.tallies.get(service.replace("-", " "))
        for process in TICKET_PROCESSES:
            want = [0] * 5
            for s, p, g, ago in rows:
                if s == service and p == process and period.start <= as_of - datetime.timedelta(days=ago) <= period.end:
                    want[(*HANDLERS, "unmapped").index(PARTY[g])] += 1
            got = tally.handled.get(process, [0] * 5) if tally else [0] * 5
            assert got == want
    assert book.outside == sum(not 1 <= ago <= 90 for *_, ago in rows)


@given(
    st.recursive(
        st.one_of(st.text(max_size=5), st.integers(), st.booleans(), st.none()),
        lambda inner: st.dictionaries(st.sampled_from("abc"), inner, max_size=3),
        max_leaves=8,
    )
)
def test_flattening_a_json_object_names_each_value_by_its_path(value: Any) -> None:
    item = {"root": value}
    flat = dict(flatten(item))

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, f"{prefix}.{key}")
        else:
            expected = (
                "" if node is None else ("true" if node is True else "false" if node is False else str(node).strip())
            )
            assert flat[prefix] == expected

    walk(value, "root")


# --- a portfolio with records ------------------------------------------------------------------------------


def batch_with_records(tmp_path: Path, *args: str) -> Any:
    return run_cli("batch", str(SCENARIOS), "--records", str(EXAMPLE / "records.yaml"), "--as-of", AS_OF, *args)


def test_batch_gates_on_drift_and_counts_the_drifts_by_process_and_party(tmp_path: Path) -> None:
    result = batch_with_records(tmp_path, "--fail-on", "drift", "--jobs", "1", "--out", str(tmp_path / "r.jsonl"))
    assert result.exit_code == 1
    assert "fail-on drift: 10 services, 10 drifts: " in result.stderr
    lines = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()]
    found = [(d["process"] or "", d["party"] or "-") for line in lines for d in line["drift"]["drifts"]]
    assert len(found) == 10
    summary = result.stdout
    assert "services with records    services with drift    drifts\n" in summary
    heat = summary.split("Drift by process and party (heat map)")[1].split("\n\n")[0]
    contract = next(line for line in heat.splitlines() if line.startswith("(Vendor) Contract Management"))
    assert contract.split()[-1] == str(sum(process == "vendor_contract" for process, _ in found))


def test_the_xlsx_and_html_reports_show_the_drift_heat_map_only_with_records(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    outputs = ("--out", str(tmp_path / "r.xlsx"), "--out", str(tmp_path / "r.html"), "-q", "--jobs", "1")
    assert batch_with_records(tmp_path, *outputs).exit_code == 0
    sheet = load_workbook(tmp_path / "r.xlsx")["Drift"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "10 of 20 services with records drift; 10 drifts"
    assert rows[1] == ("process", "IT OPS", "IT Delivery", "Business", "Vendor", "no party", "total")
    assert sum(row[-1] for row in rows[2:]) == 10
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<section id=drift>" in page and "10 of the 20 services with records drift" in page
    assert run_cli("batch", str(SCENARIOS), *outputs).exit_code == 0
    assert "Drift" not in load_workbook(tmp_path / "r.xlsx").sheetnames
    assert "<section id=drift>" not in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_a_batch_with_records_is_byte_identical_whatever_the_jobs(tmp_path: Path) -> None:
    for jobs in ("1", "2"):
        out = tmp_path / jobs
        out.mkdir()
        targets = ("--out", str(out / "r.jsonl"), "--out", str(out / "r.csv"), "--out", str(out / "r.md"))
        assert batch_with_records(tmp_path, "--jobs", jobs, "-q", *targets).exit_code == 0
    for name in ("r.jsonl", "r.csv", "r.md"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name
    rows = (tmp_path / "1" / "r.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].endswith(",drifts,error")
    assert any(row.endswith(",change-without-it-approval,") for row in rows)


def test_a_batch_reports_bad_record_rows_and_records_of_services_it_does_not_have(tmp_path: Path) -> None:
    tickets = "service,type,opened,group\nsvc-1,incident,2026-10-01,Desk\nnot-a-service,incident,yesterday,Desk\n"
    tickets += "Ghost,incident,2026-10-02,Desk\n"
    folder = tmp_path / "portfolio"
    folder.mkdir()
    write(folder, "s.json", json.dumps(scenario(ambition="it_operated")))
    result = run_cli("batch", str(folder), "--records", str(manifest(tmp_path, tickets)), "--as-of", AS_OF, "-q")
    assert result.exit_code == 3
    assert (
        f"invalid: {tmp_path / 'tickets.csv'}:row 3: opened: expected a date YYYY-MM-DD (a time after it is "
        'ignored); found string "yesterday"' in result.stderr
    )
    assert 'warning: records name 1 service no scenario has (by id or name): "Ghost"' in result.stderr


# --- the workshop pack and the workbench ---------------------------------------------------------------------


def test_the_workshop_pack_puts_what_the_records_show_first() -> None:
    planner = SCENARIOS / "workshop-planner-in-house.json"
    pack = api.workshop(planner, as_of=AS_OF, records=read_records(EXAMPLE / "records.yaml", AS_OF))
    agenda = pack.split("## Agenda\n\n")[1].split("\n\n")[0].splitlines()
    assert agenda[0].startswith("1. Drift in Incident Mgmt: Business groups handled ")
    assert agenda[1] == "2. Purpose, the operate-ownership ambition and the recommended model"
    assert pack.index("## What the records show: drift from the agreement") < pack.index("## Accountability matrix")
    assert "record that the business does the work (opsadvisor decide FILE incident" in pack  # the remedy
    plain = api.workshop(planner, as_of=AS_OF)
    assert "Drift" not in plain and "What the records show" not in plain


def test_the_workshop_pack_of_a_service_run_as_agreed_says_so() -> None:
    crm = SCENARIOS / "sales-crm-business-operated.json"
    pack = api.workshop(crm, as_of=AS_OF, records=read_records(EXAMPLE / "records.yaml", AS_OF))
    assert "The records show the service run as agreed: no drift to discuss." in pack
    assert "1. Purpose, the operate-ownership ambition" in pack


def test_the_workbench_shows_each_service_with_its_records(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("starlette")
    from starlette.testclient import TestClient

    from opsadvisor import clock
    from opsadvisor.web.app import create_app

    monkeypatch.setenv(clock.PINNED_TODAY, AS_OF)
    app = create_app(SCENARIOS, None, ("testserver",), read_records(EXAMPLE / "records.yaml"))
    client = TestClient(app)
    page = client.get("/s/workshop-planner-in-house.json").text
    assert "Drift: practice against the agreement" in page and "incident handled by business" in page
    listing = client.get("/?sort=drifts").text
    row = next(line for line in listing.split("<tr")[1:] if "workshop-planner-in-house.json" in line)
    assert '<td class="num hot">1</td>' in row  # its drift, counted like its conflicts and risks
    plain = TestClient(create_app(SCENARIOS, None, ("testserver",))).get("/s/workshop-planner-in-house.json").text
    assert "Drift: practice against the agreement" not in plain


# --- two periods -----------------------------------------------------------------------------------------------


def test_records_diff_says_what_got_better_and_what_worse_between_two_periods() -> None:
    expected = json.loads((EXAMPLE / "expected-drifts.json").read_text(encoding="utf-8"))
    then = {(label, drift) for label, ids in expected["previous"].items() for drift in ids}
    now = {(label, drift) for label, ids in expected["current"].items() for drift in ids}
    result = run_cli(
        "records", "diff", str(SCENARIOS), "--records", str(EXAMPLE / "records.yaml"), "--as-of", AS_OF,
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 1  # a drift is new: worse
    report = json.loads(result.stdout)
    assert report["before"] == {"start": "2026-06-03", "end": "2026-08-31"}
    assert report["after"] == {"start": "2026-09-01", "end": "2026-11-29"}
    by_file = labels()
    found = {
        change: {
            (by_file[Path(item["location"]).name], item["drift"])
            for item in report["changes"]
            if item["change"] == change
        }
        for change in ("better", "worse", "unchanged")
    }
    assert found == {"better": then - now, "worse": now - then, "unchanged": now & then}
    assert report["counts"] == {change: len(items) for change, items in found.items()}


def test_records_diff_needs_the_earlier_day_before_the_later() -> None:
    result = run_cli(
        "records", "diff", str(SCENARIOS), "--records", str(EXAMPLE / "records.yaml"), "--as-of", AS_OF,
        "--from", AS_OF,
    )  # fmt: skip
    assert result.exit_code == 2 and "the earlier as-of day 2026-11-30 must be before 2026-11-30" in result.output


# --- roll-ups ----------------------------------------------------------------------------------------------------


def test_a_batch_with_records_rolls_drift_and_risk_up_by_vendor_and_by_who_carries_it(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    result = batch_with_records(tmp_path, "--jobs", "1", "--out", str(tmp_path / "r.jsonl"))
    lines = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()]
    register = load_workbook(EXAMPLE / "contract-register.xlsx")["Contracts"]
    vendor_of = {row[1]: row[2] for row in register.iter_rows(min_row=2, values_only=True)}
    table = result.stdout.split("Drift and risk by vendor (concentration, DORA Art. 29)")[1].split("\n\n")[0]
    rows = {line[:30].strip(): line[30:].split() for line in table.splitlines()[4:]}
    for vendor, (services, drifting, drifts, pending, accepted) in rows.items():
        mine = [
            line for line in lines if vendor_of.get(line["service"]["name"], "(no contract in the register)") == vendor
        ]
        assert int(services) == len(mine), vendor
        assert int(drifts) == sum(len(line["drift"]["drifts"]) for line in mine), vendor
        assert int(drifting) == sum(bool(line["drift"]["drifts"]) for line in mine), vendor
        assert int(pending) == sum(not risk["accepted"] for line in mine for risk in line["risks"]), vendor
        assert int(accepted) == sum(risk["accepted"] for line in mine for risk in line["risks"]), vendor
    assert sum(int(row[0]) for row in rows.values()) == len(lines) == 20
    carried = result.stdout.split("Risk by who carries it")[1].split("\n\n")[0]
    assert "accountable executive  COO                 1        1               1" in carried
    assert "Drift and risk by vendor" not in run_cli("batch", str(SCENARIOS), "--jobs", "1").stdout


def test_explain_with_records_shows_the_evidence_a_drift_rule_matched(monkeypatch: pytest.MonkeyPatch) -> None:
    from opsadvisor import clock

    monkeypatch.setenv(clock.PINNED_TODAY, AS_OF)
    portal, records = str(SCENARIOS / "hr-portal-it-operated-decided-otherwise.json"), str(EXAMPLE / "records.yaml")
    result = run_cli("explain", portal, "--records", records, "--rule", "drift.change.without-it-approval")
    assert result.exit_code == 0, result.output
    assert "    fired\n" in result.output
    assert (
        "held    evidence.change.without_it_approval gt 0  [evidence.change.without_it_approval ($.evidence) = 3]"
        in (result.output)
    )
    assert "did not fire" in run_cli("explain", portal, "--rule", "drift.change.without-it-approval").output


# --- every other message of reading --------------------------------------------------------------------------

LONG = "x" * 501


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        (
            "contracts.csv",
            "service,end,notice days\nsvc-1,2027-01-01,ninety\n",
            'row 2: notice_days: expected a whole number from 0 to 100,000; found string "ninety"',
        ),
        (
            "contracts.csv",
            "service,end,holder\nsvc-1,2027-01-01,procurement\n",
            'row 2: holder: expected one of it, business; found string "procurement"',
        ),
        (
            "contracts.csv",
            f"service,end\n{LONG},2027-01-01\n",
            f"row 2: service: expected text of at most 500 characters; found {describe(LONG)}",
        ),
        ("contracts.jsonl", '{"end": "2027-01-01"}\n', "line 1: service: required, but the row has none"),
        ("contracts.jsonl", b"\xff\xfe{}\n", "byte 0 is not UTF-8 text; expected a JSONL file"),
        (
            "contracts.csv",
            f"service,end\n{'x' * 140_000},2027-01-01\n",
            "not a valid CSV file: field larger than field limit (131072)",
        ),
    ],
)
def test_each_message_of_a_records_file_names_the_file_row_field_expected_and_found(
    tmp_path: Path, name: str, content: str | bytes, problem: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    write(tmp_path, "records.yaml", f"contracts: {name}\n")
    book = read_records(tmp_path / "records.yaml", AS_OF)
    assert book.problems.lines() == [
        f"{path}:{problem}" if problem.startswith(("row", "line")) else f"{path}: {problem}"
    ]


def test_the_notes_of_reading_say_what_was_not_read_and_what_was_guessed(tmp_path: Path) -> None:
    write(tmp_path, "empty.csv", "")
    (tmp_path / "legacy.csv").write_bytes("service,date,reviewer\nCaf\xe9,2026-10-01,Zo\xeb\n".encode("cp1252"))
    write(tmp_path, "reviews.jsonl", '{"service": "svc-1", "date": "2026-10-01", "extra": {"a": 1}}\n')
    write(tmp_path, "records.yaml", "access_reviews: [empty.csv, legacy.csv, reviews.jsonl]\n")
    book = read_records(tmp_path / "records.yaml", AS_OF)
    assert book.notes == [
        f"{tmp_path / 'empty.csv'}: no rows",
        f"{tmp_path / 'legacy.csv'}: not UTF-8 text; read as Windows-1252 (save it as CSV UTF-8 to be sure)",
        f'{tmp_path / "reviews.jsonl"}: keys not read: "extra.a"',
    ]
    assert book.tallies["café"].reviews == 1 and book.problems.count == 0


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("- tickets\n", "expected a mapping with parties, tickets, contracts, access_reviews, window_days"),
        ("contracts: [{map: m.yaml}]\n", "line 1: contracts[0]: expected a file path, or {file: PATH, map: PATH}"),
        (
            "contracts: c.csv\nparties: {Desk: it_ops}\n",
            "line 2: parties: expected the path of a parties map (FILE.yaml)",
        ),
        ("contracts: [c.csv\n", ":2: invalid YAML: did not find expected ',' or ']'"),
    ],
)
def test_the_other_manifest_problems_are_usage_errors_too(tmp_path: Path, text: str, problem: str) -> None:
    write(tmp_path, "c.csv", "service,end\n")
    with pytest.raises(UsageError) as caught:
        load_record_set(write(tmp_path, "records.yaml", text))
    assert caught.value.render().startswith(f"{tmp_path / 'records.yaml'}")
    assert problem in caught.value.render()
