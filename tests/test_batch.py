"""opsadvisor batch: every input format, every output, bad entries, parallel runs, atomic writes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import opsadvisor
from opsadvisor import api, clock
from opsadvisor.batch.inputs import iter_entries
from opsadvisor.contract import (
    AMBITIONS,
    APPLICATION_CELLS,
    CAPABILITIES,
    CRITICALITIES,
    HOSTING,
    INTERFACE_CELLS,
    PERFORMERS,
    REGULATIONS,
)
from opsadvisor.errors import UsageError

from .batch_helpers import (
    SCENARIOS,
    bundled,
    read_jsonl,
    run_cli,
    write_csv,
    write_jsonl,
    write_xlsx,
)

OUTPUTS = ("out.jsonl", "out.json", "out.csv", "out.xlsx", "out.md", "out.html")
SCENARIO_FILES = sorted(SCENARIOS.glob("*.json"))


def batch(tmp_path: Path, *inputs: Path | str, jobs: int = 1, outputs: tuple[str, ...] = ("out.jsonl",), extra=()):
    args = ["batch", *inputs, "--jobs", str(jobs), *extra]
    for name in outputs:
        args += ["--out", tmp_path / name]
    return run_cli(*args)


def test_a_service_in_a_batch_equals_assess_json(tmp_path: Path) -> None:
    result = batch(tmp_path, SCENARIOS)
    assert result.exit_code == 0, result.output
    lines = read_jsonl(tmp_path / "out.jsonl")
    assert len(lines) == len(SCENARIO_FILES)
    for line, path in zip(lines, SCENARIO_FILES, strict=True):
        assessed = run_cli("assess", path, "--format", "json")
        assert line == json.loads(assessed.output), path.name


@pytest.mark.parametrize("kind", ["directory", "jsonl", "json", "csv", "xlsx"])
def test_every_input_format_gives_the_same_assessments(tmp_path: Path, kind: str) -> None:
    documents = bundled()
    inputs = {
        "directory": lambda: SCENARIOS,
        "jsonl": lambda: write_jsonl(tmp_path / "in.jsonl", documents),
        "json": lambda: tmp_path / "in.json",
        "csv": lambda: write_csv(tmp_path / "in.csv", documents),
        "xlsx": lambda: write_xlsx(tmp_path / "in.xlsx", documents),
    }
    (tmp_path / "in.json").write_text(json.dumps(documents))
    assert batch(tmp_path, inputs[kind]()).exit_code == 0
    expected = [opsadvisor.assess(document).to_dict() for document in documents]
    assert read_jsonl(tmp_path / "out.jsonl") == expected


def test_entries_carry_their_location(tmp_path: Path) -> None:
    documents = bundled()[:2]
    jsonl = write_jsonl(tmp_path / "in.jsonl", ["", *documents])
    spreadsheet = write_csv(tmp_path / "in.csv", documents)
    array = tmp_path / "in.json"
    array.write_text(json.dumps(documents))
    locations = [entry.location for entry in iter_entries([SCENARIOS, jsonl, array, spreadsheet])]
    assert locations == [
        *(str(path) for path in SCENARIO_FILES),
        f"{jsonl}:line 2",
        f"{jsonl}:line 3",
        f"{array}[0]",
        f"{array}[1]",
        f"{spreadsheet}:row 2",
        f"{spreadsheet}:row 3",
    ]


def broken_portfolio(tmp_path: Path) -> Path:
    good = {"service": {"id": "good-1", "name": "Good"}, "ambition": "it_operated"}
    return write_jsonl(
        tmp_path / "in.jsonl",
        [
            good,
            '{"service": {"id": "x"',
            {"service": {"id": "bad-1", "name": "Bad"}, "ambition": "it_operatd"},
            {**good, "service": {"id": "good-2", "name": "Good too"}},
        ],
    )


def test_bad_entries_are_reported_and_never_stop_the_batch(tmp_path: Path) -> None:
    portfolio = broken_portfolio(tmp_path)
    result = batch(tmp_path, portfolio, outputs=OUTPUTS)
    assert result.exit_code == 3
    # the same message as `assess`, prefixed by the entry's location
    single = tmp_path / "bad.json"
    single.write_text(json.dumps({"service": {"id": "bad-1", "name": "Bad"}, "ambition": "it_operatd"}))
    assessed = run_cli("assess", single)
    problem = assessed.output.removeprefix(f"error: {single}: ").strip()
    assert f"invalid: {portfolio}:line 3: {problem}" in result.stderr
    assert f"invalid: {portfolio}:line 2:col 23: invalid JSON" in result.stderr
    lines = read_jsonl(tmp_path / "out.jsonl")
    assert [line.get("status", "ok") for line in lines] == ["ok", "invalid", "invalid", "ok"]
    assert lines[2] == {
        "status": "invalid",
        "source": f"{portfolio}:line 3",
        "service": {"id": "bad-1", "name": "Bad"},
        "error": f"{portfolio}:line 3: {problem}",
    }
    assert json.loads((tmp_path / "out.json").read_text()) == lines
    with (tmp_path / "out.csv").open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [(row["id"], row["status"]) for row in rows] == [
        ("good-1", "ok"),
        ("", "invalid"),
        ("bad-1", "invalid"),
        ("good-2", "ok"),
    ]
    markdown = (tmp_path / "out.md").read_text()
    assert markdown.count("| invalid |") == 2
    assert markdown.index("good-1") < markdown.index("bad-1") < markdown.index("good-2")


@pytest.mark.slow
def test_outputs_are_byte_identical_for_any_number_of_jobs(tmp_path: Path) -> None:
    portfolio = write_jsonl(tmp_path / "in.jsonl", bundled() * 20 + ['{"broken"'])
    for jobs in (1, 2, 3):
        folder = tmp_path / f"jobs{jobs}"
        folder.mkdir()
        result = batch(folder, portfolio, jobs=jobs, outputs=OUTPUTS)
        assert result.exit_code == 3
    for name in OUTPUTS:
        first = (tmp_path / "jobs1" / name).read_bytes()
        assert (tmp_path / "jobs2" / name).read_bytes() == first, name
        assert (tmp_path / "jobs3" / name).read_bytes() == first, name


def test_more_services_than_durable_rules_sessions(tmp_path: Path) -> None:
    """durable_rules allows 1,024 live sessions per ruleset: a batch must not hit the limit."""
    document = bundled()[0]
    services = [{**document, "service": {**document["service"], "id": f"svc-{n}"}} for n in range(1100)]
    portfolio = write_jsonl(tmp_path / "in.jsonl", services)
    result = batch(tmp_path, portfolio, outputs=("out.csv",), extra=["--quiet"])
    assert result.exit_code == 0
    assert result.output == ""
    with (tmp_path / "out.csv").open(encoding="utf-8") as stream:
        assert sum(1 for _ in stream) == 1101


def test_summary_on_the_terminal(tmp_path: Path) -> None:
    result = batch(tmp_path, SCENARIOS, outputs=())
    assert result.exit_code == 0
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    lines = result.output.splitlines()
    assert lines[lines.index("Entries") + 4].split() == [str(len(SCENARIO_FILES)), str(len(SCENARIO_FILES)), "0"]
    assert "Conflicts by kind" in result.output
    assert "contract_ownership" in result.output
    assert "Services with the most findings" in result.output


def test_fail_on_findings_exits_1(tmp_path: Path) -> None:
    assert batch(tmp_path, SCENARIOS, outputs=(), extra=["--fail-on", "conflict", "-q"]).exit_code == 1
    assert batch(tmp_path, SCENARIOS, outputs=(), extra=["--fail-on", "risk", "-q"]).exit_code == 1
    payroll = SCENARIOS / "payroll-it-operated.json"  # no conflict, no pending risk
    assert batch(tmp_path, payroll, outputs=(), extra=["--fail-on", "risk", "--fail-on", "conflict"]).exit_code == 0


def test_an_interrupted_batch_leaves_old_reports_in_place(tmp_path: Path) -> None:
    old = tmp_path / "out.csv"
    old.write_text("old report\n")

    def interrupt(outcome: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        api.run_batch([SCENARIOS], outputs=[old, tmp_path / "new.jsonl"], jobs=1, on_outcome=interrupt)
    assert old.read_text() == "old report\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.csv"]


def test_unknown_output_format_is_a_usage_error(tmp_path: Path) -> None:
    result = batch(tmp_path, SCENARIOS, outputs=("out.txt",))
    assert result.exit_code == 2
    assert "unknown output format .txt" in result.output


def test_the_xlsx_template_has_drop_downs_an_example_sheet_and_instructions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(clock.PINNED_TODAY, "2026-11-30")  # the acceptances it reads are current on this day
    from openpyxl import load_workbook

    from opsadvisor.contract import FIELD, Choice, Flag, ListOf

    template = tmp_path / "template.xlsx"
    assert run_cli("batch", "--template", template).exit_code == 0
    workbook = load_workbook(template)
    assert workbook.sheetnames == ["Services", "Example", "Instructions"]
    services, example = workbook["Services"], workbook["Example"]
    header = [cell.value for cell in services[1]]
    assert services.max_row == 1 and services.freeze_panes == "A2" and all(cell.font.bold for cell in services[1])
    vocabulary = {
        path
        for path in header
        if isinstance(node := FIELD[path].node(), (Choice, Flag))
        or (isinstance(node, ListOf) and isinstance(node.item, Choice))
    }
    validated = {header[_column_index(check.sqref) - 1] for check in services.data_validations.dataValidation}
    assert validated == vocabulary
    # the example is never assessed (only the first sheet is read), and it assesses when copied there
    assert batch(tmp_path, template).exit_code == 3
    rows = [[cell.value for cell in row] for row in example.iter_rows()]
    copied = _csv_file(tmp_path / "copied.csv", rows[0], [["" if value is None else value for value in rows[1]]])
    result = batch(tmp_path, copied)
    assert result.exit_code == 0, result.output
    (line,) = read_jsonl(tmp_path / "out.jsonl")
    assert line["service"]["id"] == "ops-field"
    assert [risk["accepted"] for risk in line["risks"] if risk["id"] == "personal-data-outside-it"] == [True]


def _csv_file(path: Path, header: list, rows: list[list]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows([header, *rows])
    return path


def _column_index(sqref: object) -> int:
    from openpyxl.utils import column_index_from_string

    return column_index_from_string("".join(char for char in str(sqref).split(":")[0] if char.isalpha()))


def test_the_csv_template_is_the_header_row(tmp_path: Path) -> None:
    from opsadvisor.batch.inputs import COLUMNS

    template = tmp_path / "template.csv"
    assert run_cli("batch", "--template", template).exit_code == 0
    assert template.read_text(encoding="utf-8").splitlines() == [",".join(COLUMNS)]


def test_bad_csv_cells_get_the_validator_message_with_the_row(tmp_path: Path) -> None:
    portfolio = tmp_path / "in.csv"
    portfolio.write_text("service.id,service.name,vendor_run,users\nsvc,Svc,maybe,many\n")
    result = batch(tmp_path, portfolio)
    assert result.exit_code == 3
    assert f'{portfolio}:row 2: $.vendor_run: expected true or false; found string "maybe"' in result.stderr
    assert f"{portfolio}:row 2: $.users: expected a whole number" in result.stderr


def test_a_bad_header_is_reported_once_by_column_before_any_row(tmp_path: Path) -> None:
    rows = [[f"svc-{number}", "Svc", "high"] for number in range(5)]
    portfolio = _csv_file(tmp_path / "in.csv", ["service.id", "service.name", "critcality"], rows)
    result = batch(tmp_path, portfolio)
    assert result.exit_code == 3
    assert result.stderr.count("critcality") == 1
    assert f'{portfolio}: column 3 "critcality" is not a scenario field (did you mean "criticality"?)' in result.stderr
    assert ":row " not in result.stderr and len(read_jsonl(tmp_path / "out.jsonl")) == 1


def test_missing_inputs_are_a_usage_error_before_any_work(tmp_path: Path) -> None:
    result = batch(tmp_path, tmp_path / "missing.jsonl", SCENARIOS / "payroll-it-operated.json", "nope.xlsx")
    assert result.exit_code == 2
    assert "missing.jsonl: no such file or folder" in result.stderr and "nope.xlsx: no such file" in result.stderr
    assert not (tmp_path / "out.jsonl").exists()
    result = batch(tmp_path, SCENARIOS, outputs=("no-folder/out.html",))
    assert result.exit_code == 2 and "no such folder" in result.stderr
    with pytest.raises(UsageError):
        api.run_batch([tmp_path / "missing.jsonl"], outputs=[tmp_path / "r.html"])
    assert not (tmp_path / "r.html").exists()


def test_an_empty_folder_is_an_invalid_entry(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = batch(tmp_path, empty, SCENARIOS / "payroll-it-operated.json")
    assert result.exit_code == 3
    statuses = [line.get("status", "ok") for line in read_jsonl(tmp_path / "out.jsonl")]
    assert statuses == ["invalid", "ok"]
    assert "empty: no entries" in result.stderr


settings.register_profile("batch", max_examples=60, deadline=None)

text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=";"), min_size=1, max_size=20
).filter(lambda value: value.strip() == value and value.strip())
documents = st.fixed_dictionaries(
    {"service": st.fixed_dictionaries({"id": text, "name": text})},
    optional={
        "ambition": st.sampled_from(AMBITIONS),
        "hosting": st.sampled_from(HOSTING),
        "vendor_run": st.booleans(),
        "criticality": st.sampled_from(CRITICALITIES),
        "regulations": st.lists(st.sampled_from(REGULATIONS), unique=True, min_size=1),
        "users": st.integers(min_value=0, max_value=10**9),
        "business_capabilities": st.lists(st.sampled_from(CAPABILITIES), unique=True, min_size=1),
        "integrations": st.lists(
            st.fixed_dictionaries(
                {
                    "system": text.filter(lambda value: not value.endswith(":sor")),
                    "type": st.sampled_from(["api", "file"]),
                },
                optional={"system_of_record": st.just(True)},
            ),
            min_size=1,
            max_size=3,
        ),
        "decisions": st.dictionaries(
            st.sampled_from(["request", "incident", "it_controls"]),
            st.fixed_dictionaries(
                {},
                optional={
                    "application": st.sampled_from(APPLICATION_CELLS),
                    "interface": st.sampled_from(INTERFACE_CELLS),
                    "performed_by": st.sampled_from(PERFORMERS),
                },
            ).filter(bool),
            min_size=1,
            max_size=3,
        ),
    },
)


@settings(settings.get_profile("batch"))
@given(st.lists(documents, min_size=1, max_size=4))
def test_csv_rows_decode_to_the_documents_they_encode(tmp_path_factory: pytest.TempPathFactory, docs: list) -> None:
    path = write_csv(tmp_path_factory.mktemp("csv") / "in.csv", docs)
    assert [entry.document() for entry in iter_entries([path])] == docs


def test_batch_evaluates_every_acceptance_on_the_as_of_day(tmp_path: Path) -> None:
    """An acceptance holds until its review date: --as-of decides, the same day for every service."""
    document = {
        "service": {"id": "crm", "name": "CRM"},
        "ambition": "business_operated",
        "data": {"personal_data": True},
        "regulations": ["gdpr"],
        "accepted_risks": [
            {
                "risk": "personal-data-outside-it",
                "role": "business_owner",
                "name": "Jo",
                "date": "2026-06-01",
                "review_by": "2027-01-01",
            }
        ],
    }
    source = write_jsonl(tmp_path / "in.jsonl", [document])

    def pending(day: str) -> str:
        out = tmp_path / f"{day}.csv"
        result = run_cli("batch", source, "--jobs", "1", "-q", "--as-of", day, "--out", out)
        assert result.exit_code == 0, result.output
        return next(csv.DictReader(out.open(encoding="utf-8")))["pending_risks"]

    assert pending("2026-12-31") == ""
    assert pending("2027-01-02") == "personal-data-outside-it"
