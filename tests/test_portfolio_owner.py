"""The portfolio owner's tool (issue 11): one forgiving vocabulary, mapped exports, Excel outputs, gates,
streaming, diff by added/removed items, several files to assess."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsadvisor import vocabulary
from opsadvisor.contract import (
    AMBITIONS,
    CRITICALITIES,
    FIELDS,
    FLAG_WORDS,
    REGULATIONS,
    SYNONYMS,
    Choice,
    Flag,
    ListOf,
)
from opsadvisor.dialogue.interview import convert

from .batch_helpers import SCENARIOS, read_jsonl, run_cli

ROOT = Path(__file__).resolve().parent.parent
EXPORTS = ROOT / "scenarios" / "exports"
VOCABULARIES = sorted(
    {
        node.values if isinstance(node, Choice) else node.item.values
        for item in FIELDS
        if isinstance(node := item.node(), Choice) or (isinstance(node, ListOf) and isinstance(node.item, Choice))
    }
)


def _spelled(draw: st.DrawFn, name: str) -> str:
    """A name as people type it: any case, `_` or `-` or a space between words, spaces around."""
    separator = draw(st.sampled_from(["_", "-", " "]))
    words = name.replace("_", " ").replace("-", " ").split()
    cased = [draw(st.sampled_from([word.lower(), word.upper(), word.capitalize()])) for word in words]
    return draw(st.sampled_from(["", " "])) + separator.join(cased) + draw(st.sampled_from(["", "  "]))


@st.composite
def spelled_values(draw: st.DrawFn) -> tuple[tuple[str, ...], str, str]:
    values = draw(st.sampled_from(VOCABULARIES))
    value = draw(st.sampled_from(values))
    return values, value, _spelled(draw, draw(st.sampled_from([value, vocabulary.label(value)])))


@given(spelled_values())
def test_every_value_is_read_from_its_id_or_label_in_any_spelling(case: tuple[tuple[str, ...], str, str]) -> None:
    values, value, typed = case
    assert vocabulary.choice(typed, values) == value


def test_the_words_of_the_issue_are_read_everywhere() -> None:
    assert convert("Business operated", Choice(AMBITIONS)) == "business_operated"
    assert convert("High", Choice(CRITICALITIES)) == "high"
    assert convert("PCI DSS, GDPR", ListOf(Choice(REGULATIONS))) == ["pci_dss", "gdpr"]
    assert convert("gdpr sox", ListOf(Choice(REGULATIONS))) == ["gdpr", "sox"]
    for word in ("pci", "pci-dss", "PCI DSS"):
        assert vocabulary.choice(word, REGULATIONS) == "pci_dss"
    for flag, words in FLAG_WORDS.items():
        for word in words:
            assert convert(word.upper(), Flag()) is flag


def test_a_synonym_never_names_two_values_of_one_vocabulary() -> None:
    for values in VOCABULARIES:
        for value in values:
            for synonym in SYNONYMS.get(value, ()):
                found = vocabulary.choice(synonym, values)
                assert found in (None, value) or vocabulary.key(synonym) == vocabulary.key(found)


def test_json_choice_fields_take_labels_and_the_schema_says_so(tmp_path: Path) -> None:
    document = json.loads((SCENARIOS / "payroll-it-operated.json").read_text(encoding="utf-8"))
    document |= {"ambition": "IT operated", "criticality": "Critical", "regulations": ["GDPR", "SOX"]}
    path = tmp_path / "labels.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with_labels = json.loads(run_cli("assess", path, "--format", "json").output)
    expected = json.loads(run_cli("assess", SCENARIOS / "payroll-it-operated.json", "--format", "json").output)
    assert with_labels["recommendation"] == expected["recommendation"]
    schema = json.loads(run_cli("schema").output)
    assert schema["properties"]["ambition"]["anyOf"][0]["enum"] == list(AMBITIONS)  # the ids first, for editors
    assert jsonschema.Draft202012Validator(schema).is_valid(document)  # the labels, as assess reads them
    document["vendor_run"] = "yes"  # a flag is not a choice: JSON keeps it strict
    path.write_text(json.dumps(document), encoding="utf-8")
    result = run_cli("assess", path)
    assert result.exit_code == 3 and "$.vendor_run: expected true or false" in result.output


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


SPREADSHEET = (
    "Service ID{0}Service name{0}Ambition{0}Criticality{0}Regulations{0}Vendor run\n"
    'café-1{0}Café{0}Business operated{0}High{0}"PCI DSS, GDPR"{0}Y\n'
)


@pytest.mark.parametrize(
    ("separator", "encoding", "warned"),
    [(",", "utf-8", False), (";", "utf-8-sig", False), ("\t", "utf-8", False), (";", "cp1252", True)],
    ids=["comma", "semicolon-bom", "tab", "semicolon-cp1252"],
)
def test_csv_dialect_and_encoding_are_detected(tmp_path: Path, separator: str, encoding: str, warned: bool) -> None:
    portfolio = _write(tmp_path / "in.csv", SPREADSHEET.format(separator), encoding)
    result = run_cli("batch", portfolio, "--jobs", "1", "-q", "--out", tmp_path / "out.jsonl")
    assert result.exit_code == 0, result.output
    (line,) = read_jsonl(tmp_path / "out.jsonl")
    assert line["service"] == {"id": "café-1", "name": "Café"}
    assert ("read as Windows-1252" in result.stderr) is warned


def test_the_spreadsheet_takes_what_the_interview_takes(tmp_path: Path) -> None:
    from openpyxl import Workbook

    rows = list(csv.reader(SPREADSHEET.format(",").splitlines()))
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(tmp_path / "in.xlsx")
    result = run_cli("batch", tmp_path / "in.xlsx", "--jobs", "1", "-q", "--out", tmp_path / "out.jsonl")
    assert result.exit_code == 0, result.output
    assert read_jsonl(tmp_path / "out.jsonl")[0]["recommendation"]["model"] == "B"


@pytest.mark.parametrize("name", ["servicenow", "leanix"])
def test_the_example_maps_read_their_sample_exports(tmp_path: Path, name: str) -> None:
    export, mapping = EXPORTS / f"{name}-applications.csv", EXPORTS / f"{name}-map.yaml"
    assert run_cli("batch", export, "--jobs", "1", "-q").exit_code == 3  # unmapped: the header is refused
    result = run_cli("batch", export, "--map", mapping, "--jobs", "1", "-q", "--out", tmp_path / "out.jsonl")
    assert result.exit_code == 0 and not result.stderr, result.output
    lines = read_jsonl(tmp_path / "out.jsonl")
    assert len(lines) == len(export.read_text(encoding="utf-8-sig").splitlines()) - 1
    assert all(line["service"]["id"] and line["service"]["name"] for line in lines)


def test_a_map_renames_splits_translates_ignores_and_sets_constants(tmp_path: Path) -> None:
    export = _write(tmp_path / "e.csv", "Ref,Title,Crit,Regs,Noise\nx-1,Ledger,Tier 1,SOX / GDPR,zzz\n")
    mapping = _write(
        tmp_path / "m.yaml",
        "columns:\n  Ref: service.id\n  Title: service.name\n"
        "  Crit: {field: criticality, values: {Tier 1: critical, Tier 2: high}}\n"
        "  Regs: {field: regulations, split: /}\n  Noise: ignore\n"
        "constants:\n  ambition: it_operated\n",
    )
    result = run_cli("batch", export, "--map", mapping, "--jobs", "1", "-q", "--out", tmp_path / "o.jsonl")
    assert result.exit_code == 0, result.output
    (line,) = read_jsonl(tmp_path / "o.jsonl")
    assert line["service"]["id"] == "x-1" and line["recommendation"]["model"] == "A"
    assert "criticality" not in {question["fact"] for question in line["open_questions"]}


def test_a_bad_map_is_a_usage_error_naming_its_line(tmp_path: Path) -> None:
    mapping = _write(tmp_path / "m.yaml", "columns:\n  Ref: service.idd\n")
    result = run_cli("batch", SCENARIOS, "--map", mapping, "-q")
    assert result.exit_code == 2
    assert 'line 2: column Ref: "service.idd" is not a scenario field (did you mean "service.id"?)' in result.stderr


def test_a_map_skeleton_lists_the_exports_columns(tmp_path: Path) -> None:
    skeleton = tmp_path / "map.yaml"
    export = EXPORTS / "leanix-applications.csv"
    assert run_cli("batch", "--template", skeleton, "--map-from", export).exit_code == 0
    text = skeleton.read_text(encoding="utf-8")
    assert '  "description": service.description' in text and '  "businessCriticality": ignore' in text
    # a column named after the last part of a field's path is pointed at that field
    assert '  "id": ignore  # TODO: a field? (did you mean "service.id"?)' in text
    assert '  "name": ignore  # TODO: a field? (did you mean "service.name"?)' in text
    # with the two required fields filled in, the header is accepted (the values are the map's next step)
    filled = [
        line.replace("ignore", {"id": "service.id", "name": "service.name"}[line.split('"')[1]])
        if line.startswith(('  "id":', '  "name":'))
        else line
        for line in text.splitlines()
    ]
    skeleton.write_text("\n".join(filled) + "\n", encoding="utf-8")
    result = run_cli("batch", export, "--map", skeleton, "--jobs", "1", "-q")
    assert "is not a scenario field" not in result.stderr and ":row 2: $.lifecycle" in result.stderr


def test_the_xlsx_report_has_the_four_sheets_an_owner_keeps(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    report = tmp_path / "r.xlsx"
    run_cli("batch", SCENARIOS, "--jobs", "1", "-q", "--out", report, "--out", tmp_path / "r.jsonl")
    lines = read_jsonl(tmp_path / "r.jsonl")
    workbook = load_workbook(report)
    assert workbook.sheetnames == ["Summary", "Services", "Findings", "Accountability"]
    assert workbook["Summary"]._charts
    services = workbook["Services"]
    assert services.freeze_panes == "A2" and all(cell.font.bold for cell in services[1])
    assert services.auto_filter.ref == f"A1:L{len(lines) + 1}"
    models = [row[4] for row in services.iter_rows(min_row=2, values_only=True)]
    suggested = [
        f"{line['recommendation']['model']} (suggested)"
        if line["recommendation"]["suggestion"]
        else line["recommendation"]["model"]
        for line in lines
    ]
    assert models == suggested and any("(suggested)" in model for model in models)
    findings = list(workbook["Findings"].iter_rows(min_row=2, values_only=True))
    wanted = sum(
        len(line["conflicts"])
        + sum(not risk["accepted"] for risk in line["risks"])
        + len(line["governance_areas"])
        + len({decision["priority"] for decision in line["open_decisions"]})  # one row per priority, not per cell
        for line in lines
    )
    assert len(findings) == wanted and all(row[5] for row in findings)
    accountability = workbook["Accountability"]
    assert accountability.max_column == 2 + 28 and accountability.max_row == len(lines) + 1


def test_csv_reports_start_with_a_bom_unless_asked_not_to(tmp_path: Path) -> None:
    run_cli("batch", SCENARIOS, "--jobs", "1", "-q", "--out", tmp_path / "bom.csv")
    run_cli("batch", SCENARIOS, "--jobs", "1", "-q", "--out", tmp_path / "plain.csv", "--csv-encoding", "utf-8")
    assert (tmp_path / "bom.csv").read_bytes().startswith(b"\xef\xbb\xbflocation,")
    assert (tmp_path / "plain.csv").read_bytes().startswith(b"location,")


@pytest.mark.parametrize("target", ["-", "-.csv"])
def test_out_dash_streams_to_stdout(target: str) -> None:
    result = run_cli("batch", SCENARIOS / "payroll-it-operated.json", "--jobs", "1", "--out", target)
    assert result.exit_code == 0
    if target == "-":
        assert json.loads(result.stdout.splitlines()[0])["service"]["id"] == "hr-payroll"
    else:
        rows = list(csv.reader(result.stdout.splitlines()))
        assert rows[0][:2] == ["location", "id"] and rows[1][1] == "hr-payroll"
    assert "opsadvisor batch summary" in result.stderr  # the summary keeps out of the stream


def test_fail_on_says_why_one_line_per_kind(tmp_path: Path) -> None:
    gates = ("--fail-on", "conflict", "--fail-on", "risk", "--fail-on", "decision")
    result = run_cli("batch", SCENARIOS, "--jobs", "1", "-q", *gates, "--out", str(tmp_path / "all.jsonl"))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert [line.split(":")[0] for line in lines] == ["fail-on conflict", "fail-on risk", "fail-on decision"]
    reports = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text(encoding="utf-8").splitlines()]
    with_conflicts = [report for report in reports if report["conflicts"]]
    conflicts = sum(len(report["conflicts"]) for report in reports)
    assert lines[0].startswith(f"fail-on conflict: {len(with_conflicts)} services, {conflicts} conflicts: ")
    assert lines[0].endswith(f"and {len(with_conflicts) - 5} more")
    decisions = sum(len(report["open_decisions"]) for report in reports)
    assert f", {decisions} open decisions: " in lines[2]
    assert run_cli("batch", SCENARIOS / "payroll-it-operated.json", "-q", "--fail-on", "conflict").stderr == ""


def test_diff_lists_what_was_added_and_removed(tmp_path: Path) -> None:
    layer = tmp_path / "layer"
    layer.mkdir()
    (layer / "90.yaml").write_text("disable: [governance.continuity]\n", encoding="utf-8")
    result = run_cli("diff", SCENARIOS, "--base-rules", ROOT / "rules", "--rules", layer, "--format", "json")
    change = next(
        change
        for service in json.loads(result.output)["services"]
        for change in service["changes"]
        if change["kind"] == "governance"
    )
    assert change["removed"] == ["continuity"] and change["added"] == []
    table = run_cli("diff", SCENARIOS, "--base-rules", ROOT / "rules", "--rules", layer).output
    assert "added" in table and "removed" in table and "before" not in table


def test_assess_takes_several_files_and_totals_them(tmp_path: Path) -> None:
    broken = _write(tmp_path / "broken.json", "{")
    files = [SCENARIOS / "payroll-it-operated.json", broken, SCENARIOS / "payments-hub-dora-critical.json"]
    result = run_cli("assess", *files, "--format", "markdown")
    assert result.exit_code == 3
    pending = sum(
        not risk["accepted"]
        for path in files[::2]
        for risk in json.loads(run_cli("assess", path, "--format", "json").output)["risks"]
    )
    assert result.stdout.count("# Operating model assessment") == 2
    total = f"2 of 3 scenarios assessed: 1 with conflicts, {pending} risks pending, 1 invalid"
    assert result.stdout.rstrip().splitlines()[-1] == total
    assert "broken.json" in result.stderr
