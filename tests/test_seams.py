"""The seams: a new conclusion kind, rule syntax, input format or scenario file format is one module plus
one registration."""

from __future__ import annotations

import csv
import importlib
import json
import shutil
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsadvisor import kinds

from .helpers import SCENARIOS, run_cli

TOY_MODULE = '''
"""A toy conclusion kind: `- note: text` adds a note to the assessment."""

from dataclasses import dataclass

from opsadvisor.kinds import BatchColumn, Finding, FindingCount, Kind, Section, SummaryTable, register
from opsadvisor.kinds.base import IdsExpectation


@dataclass(frozen=True)
class Note:
    text: str


@dataclass(frozen=True)
class NoteItem:
    text: str
    rule: str


def _written(pack):
    return tuple(note.text for rule in pack.rules for note in rule.of_kind("note"))


class NoteKind(Kind):
    name = "note"
    shape = "`note: text`"
    meaning = "a note for the reader"
    catalogue = "Toy notes"
    part = "notes"
    order = 90
    columns = (BatchColumn("notes", 90, lambda outline: ";".join(outline)),)
    aspects = (("notes", 90),)
    finding_count = FindingCount("notes", "notes to read", highlight=True)

    def parse(self, data):
        return Note(data) if isinstance(data, str) and data else "expected the note as text"

    def describe(self, payload):
        return f"note {payload.text}"

    def build(self, draft):
        return tuple(sorted(NoteItem(draft.text(m.payload.text), m.rule.id) for m in draft.conclusions("note")))

    def sections(self, value, assessment):
        return [Section("Notes", ("note", "rule"), [(n.text, n.rule) for n in value], "No notes.")]

    def expectations(self):
        return (IdsExpectation("notes", "no_notes", lambda a: sorted(n.text for n in a.part("notes")), _written),)


    def outline(self, value):
        return tuple(n.text for n in value)

    def findings(self, outline):
        return len(outline)

    def listed_findings(self, part, words):
        return [Finding("note", "a toy note", "", item["text"], item["rule"]) for item in part]

    def diff_aspects(self, outline):
        return {"notes": ", ".join(outline) or "none"}

    # A tally without `merge`: a batch keeps the outlines of each chunk and tallies them in one process.
    def new_tally(self):
        return {}

    def tally(self, tally, outline):
        for text in outline:
            tally[text] = tally.get(text, 0) + 1
        return tally

    def summary_tables(self, tally, process_names):
        return [SummaryTable("Notes", ["note", "services"], sorted(tally.items()))]


KIND = register(NoteKind())
'''

TOY_RULES = """
rules:
  - id: toy.note
    title: Every SaaS service gets a note
    rationale: A toy rule for the toy kind.
    when: {hosting: saas}
    then:
      - note: hosted by a vendor
"""


@pytest.fixture
def toy_kind(tmp_path: Path) -> Iterator[Path]:
    """Register the toy kind from a module in a temporary folder; returns a rule layer that uses it."""
    (tmp_path / "toy_note_kind.py").write_text(TOY_MODULE, encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        importlib.import_module("toy_note_kind")
        layer = tmp_path / "toy-rules"
        layer.mkdir()
        (layer / "toy.yaml").write_text(TOY_RULES, encoding="utf-8")
        yield layer
    finally:
        kinds.unregister("note")
        sys.modules.pop("toy_note_kind", None)
        sys.path.remove(str(tmp_path))


SAAS = SCENARIOS / "sales-crm-business-operated.json"


def test_the_toy_kind_is_documented_in_rules_docs(toy_kind: Path) -> None:
    result = run_cli("rules", "docs", "--rules", str(toy_kind))
    assert result.exit_code == 0, result.output
    assert "## Toy notes" in result.output and "### `toy.note`" in result.output
    assert "note hosted by a vendor" in result.output
    reference = run_cli("rules", "docs", "--reference", "--rules", str(toy_kind)).output
    assert "| `note`" in reference and "a note for the reader" in reference


def test_the_toy_kind_is_an_expectation_in_rule_tests(toy_kind: Path, tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        textwrap.dedent(
            """
            cases:
              - name: a SaaS service has the note
                scenario: {hosting: saas}
                expect: {notes: [hosted by a vendor]}
              - name: a wrong note fails
                scenario: {hosting: saas}
                expect: {no_notes: [hosted by a vendor]}
            """
        ),
        encoding="utf-8",
    )
    result = run_cli("rules", "test", str(cases), "--rules", str(toy_kind))
    assert "PASS" in result.output and "a SaaS service has the note" in result.output
    assert "- no_notes: [hosted by a vendor]" in result.output
    assert result.output.splitlines()[-1] == "1 passed, 1 failed"


def test_the_toy_kind_is_a_part_of_the_json_and_text_reports(toy_kind: Path) -> None:
    document = json.loads(run_cli("assess", str(SAAS), "--format", "json", "--rules", str(toy_kind)).output)
    assert document["notes"] == [{"text": "hosted by a vendor", "rule": "toy.note"}]
    assert list(document)[-6:] == ["next_steps", "notes", "trace", "provenance", "as_of", "rules_version"]
    table = run_cli("assess", str(SAAS), "--rules", str(toy_kind)).output
    assert "Notes\n-----" in table and "hosted by a vendor" in table


def test_the_toy_kind_is_a_column_of_the_batch_csv(toy_kind: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    result = run_cli("batch", str(SAAS), "--out", str(out), "--jobs", "1", "-q", "--rules", str(toy_kind))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert rows[0]["notes"] == "hosted by a vendor"
    assert list(rows[0])[-2:] == ["notes", "error"]


def test_the_toy_kinds_tally_without_merge_counts_every_service_of_a_batch_in_workers(
    toy_kind: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opsadvisor.batch import runner

    folder = tmp_path / "portfolio"
    folder.mkdir()
    for number in range(7):
        shutil.copy(SAAS, folder / f"crm-{number}.json")
    shutil.copy(SCENARIOS / "payroll-it-operated.json", folder / "payroll.json")  # on premise: no note
    monkeypatch.setattr(runner, "CHUNK_SIZE", 3)
    result = run_cli("batch", str(folder), "--jobs", "2", "--rules", str(toy_kind))
    assert result.exit_code == 0, result.output
    notes = result.output.split("\nNotes\n-----\n")[1].split("\n\n")[0].splitlines()
    assert notes[-1].split() == ["hosted", "by", "a", "vendor", "7"]


def test_the_toy_kind_is_compared_by_diff(toy_kind: Path) -> None:
    result = run_cli("diff", str(SAAS), "--base-rules", "rules", "--rules", str(toy_kind), "--format", "json")
    report = json.loads(result.output)
    assert report["changes_by_kind"]["notes"] == 1
    assert report["services"][0]["changes"] == [
        {
            "kind": "notes",
            "before": "none",
            "after": "hosted by a vendor",
            "added": ["hosted by a vendor"],
            "removed": [],
        }
    ]


def test_the_findings_of_the_toy_kind_are_in_the_xlsx_and_html_reports_and_the_workbench(
    toy_kind: Path, tmp_path: Path
) -> None:
    import openpyxl
    from starlette.testclient import TestClient

    from opsadvisor import api
    from opsadvisor.web.app import create_app

    folder = tmp_path / "portfolio"
    folder.mkdir()
    shutil.copy(SAAS, folder / "crm.json")
    shutil.copy(SCENARIOS / "payroll-it-operated.json", folder / "a-payroll.json")  # on premise: no note
    xlsx, html = tmp_path / "report.xlsx", tmp_path / "report.html"
    result = run_cli(
        "batch", str(folder), "--out", str(xlsx), "--out", str(html), "--jobs", "1", "-q", "--rules", str(toy_kind)
    )
    assert result.exit_code == 0, result.output
    findings = list(openpyxl.load_workbook(xlsx)["Findings"].iter_rows(min_row=2, values_only=True))
    notes = [row for row in findings if row[2] == "note"]
    assert notes == [
        (
            "sales-crm",
            "Sales CRM",
            "note",
            "a toy note",
            None,
            "hosted by a vendor",
            "toy.note",
            str(folder / "crm.json"),
        )
    ]
    assert findings.index(notes[0]) == max(index for index, row in enumerate(findings) if row[0] == "sales-crm")
    top = html.read_text(encoding="utf-8").split("<section id=top>")[1].split("</section>")[0]
    assert "note: a toy note</span>: hosted by a vendor</li>" in top
    client = TestClient(create_app(folder, api.rule_pack([toy_kind])), base_url="http://127.0.0.1")
    listing = client.get("/", params={"sort": "notes"}).text
    assert "<th>notes to read</th><th></th></tr></thead>" in listing
    crm_row = listing.split('href="/s/crm.json">')[1].split("</tr>")[0]
    assert '<td class="num hot">1</td>\n  <td><a href="/s/crm.json/workshop">' in crm_row  # the last count: 1 note
    assert listing.index("crm.json") < listing.index("a-payroll.json") and '<option value="notes" selected>' in listing
    portfolio = client.get("/portfolio").text
    assert "<th>open decisions</th><th>notes to read</th></tr>" in portfolio


def test_a_kind_name_is_registered_once() -> None:
    with pytest.raises(ValueError, match="taken"):
        kinds.register(kinds.kind("risk"))


def test_a_kind_without_a_catalogue_heading_is_listed_under_other_conclusions(toy_kind: Path) -> None:
    note = kinds.kind("note")
    type(note).catalogue = None
    result = run_cli("rules", "docs", "--rules", str(toy_kind))
    assert result.exit_code == 0, result.output
    assert "## Other conclusions\n\n### `toy.note`" in result.output


def test_a_rule_syntax_is_a_front_end_registered_by_suffix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A toy front end: one rule per line of a .rules file, `id: hosting=value -> next step`."""
    from opsadvisor.rulepack import frontends
    from opsadvisor.rulepack.conditions import make_condition
    from opsadvisor.rulepack.document import Document
    from opsadvisor.rulepack.ir import Group, Location, Rule
    from opsadvisor.rulepack.reading import conclusion

    def read(name: str, raw: bytes, problems: object) -> Document:
        rules = []
        for number, line in enumerate(raw.decode().splitlines(), 1):
            rule_id, rest = line.split(": ", 1)
            test, step = rest.split(" -> ")
            fact, value = test.split("=")
            where = Location(name, number)
            condition = make_condition(fact, "equals", value, where)
            then = (conclusion("next_step", step, where),)
            rules.append(Rule(rule_id, step, "toy", 100, Group("all", (condition,)), then, where))
        return Document(rules=rules)

    monkeypatch.setitem(frontends.FRONT_ENDS, ".rules", read)
    (tmp_path / "org.rules").write_text("toy.saas: hosting=saas -> Ask the vendor for its SOC 2 report\n")
    result = run_cli("assess", str(SAAS), "--rules", str(tmp_path), "--format", "json")
    steps = json.loads(result.output)["next_steps"]
    assert {"step": "Ask the vendor for its SOC 2 report", "rule": "toy.saas"} in steps


def test_a_portfolio_input_format_is_a_reader_registered_by_suffix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A toy reader: a .list file names one scenario file per line."""
    from opsadvisor.batch import inputs

    def read(path: Path, table_map: object) -> Iterator[inputs.Entry]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            yield inputs.Entry(f"{path}:line {number}", inputs.FILE, line)

    monkeypatch.setitem(inputs.READERS, ".list", read)
    listing = tmp_path / "portfolio.list"
    listing.write_text(f"{SAAS}\n{SCENARIOS / 'payroll-it-operated.json'}\n")
    out = tmp_path / "out.csv"
    result = run_cli("batch", str(listing), "--out", str(out), "--jobs", "1", "-q")
    assert result.exit_code == 0, result.output
    assert [row["status"] for row in csv.DictReader(out.open(encoding="utf-8-sig"))] == ["ok", "ok"]


TOY_YAML_FORMAT = '''
"""A toy scenario file format: YAML, read with PyYAML; with an editor, written back as YAML (not in place)."""

import yaml

from opsadvisor.errors import ScenarioError
from opsadvisor.scenario_formats import ScenarioFormat


def decode(raw, source):
    try:
        return yaml.safe_load(raw.decode("utf-8"))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        raise ScenarioError(f"{source}:{mark.line + 1}:{mark.column + 1}", [f"invalid YAML: {error.problem}"]) from None


def _node(document, path):
    for key in path:
        document = document.setdefault(key, {}) if isinstance(key, str) else document[key]
    return document


def set_value(text, path, value):
    document = yaml.safe_load(text)
    _node(document, path[:-1])[path[-1]] = value
    return pretty(document)


def append_item(text, path, item):
    document = yaml.safe_load(text)
    _node(document, path[:-1]).setdefault(path[-1], []).append(item)
    return pretty(document)


def pretty(value):
    return yaml.safe_dump(value, sort_keys=False)


FORMAT = ScenarioFormat("YAML", (".yaml", ".yml"), decode)
'''


@pytest.fixture
def yaml_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The toy YAML format (read-only), added as a module of opsadvisor.scenario_formats (a temporary folder on
    the package's path) and found by the package's discovery; returns its module's name."""
    from opsadvisor import scenario_formats

    folder = tmp_path / "toy-format"
    folder.mkdir()
    (folder / "toy_yaml_format.py").write_text(TOY_YAML_FORMAT, encoding="utf-8")
    monkeypatch.setattr(scenario_formats, "__path__", [*scenario_formats.__path__, str(folder)])
    module = f"{scenario_formats.__name__}.toy_yaml_format"
    try:
        scenario_formats.discover()
        assert [found.name for found in scenario_formats.registered()] == ["JSON", "YAML"]  # JSON stays the default
        yield module
    finally:
        scenario_formats.unregister("YAML")
        sys.modules.pop(module, None)


MIXED = SCENARIOS / "field-service-mixed.json"


def as_yaml(source: Path, target: Path) -> Path:
    import yaml

    target.write_text(yaml.safe_dump(json.loads(source.read_text(encoding="utf-8")), sort_keys=False), encoding="utf-8")
    return target


def test_a_registered_scenario_format_is_read_by_assess_explain_and_workshop(yaml_format: str, tmp_path: Path) -> None:
    field = as_yaml(MIXED, tmp_path / "field.yaml")
    from_yaml = json.loads(run_cli("assess", str(field), "--format", "json").stdout)
    from_json = json.loads(run_cli("assess", str(MIXED), "--format", "json").stdout)
    assert from_yaml == from_json
    explained = run_cli("explain", str(field))
    assert explained.exit_code == 0 and f"from {field}" in explained.stdout
    workshop = run_cli("workshop", str(field))
    assert workshop.exit_code == 0 and f"_Scenario: {field}." in workshop.stdout.replace("\\", "")


def test_a_syntax_error_of_a_registered_format_names_the_file_and_line(yaml_format: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("service:\n  id: a\n  name: [unclosed\n", encoding="utf-8")
    result = run_cli("assess", str(broken))
    assert result.exit_code == 3 and "Traceback" not in result.output
    assert result.stderr.startswith(f"error: {broken}:4:1: invalid YAML:")


def test_the_workbench_and_a_batch_folder_list_the_files_of_a_registered_format(
    yaml_format: str, tmp_path: Path
) -> None:
    from starlette.testclient import TestClient

    from opsadvisor.web.app import create_app
    from opsadvisor.web.workspace import version_of

    folder = tmp_path / "ws"
    folder.mkdir()
    as_yaml(MIXED, folder / "field.yaml")
    shutil.copy(SAAS, folder / "crm.json")
    client = TestClient(create_app(folder), base_url="http://127.0.0.1")
    listing = client.get("/").text
    assert 'href="/s/field.yaml"' in listing and 'href="/s/crm.json"' in listing
    assert "Field service planning" in listing and 'class="invalid"' not in listing
    assert client.get("/s/field.yaml").status_code == 200
    original = (folder / "field.yaml").read_bytes()
    bench = client.app.state.bench  # type: ignore[attr-defined]
    form = {"csrf": bench.token, "version": version_of(folder / "field.yaml")}
    decided = client.post("/s/field.yaml/decide", data={**form, "process": "problem", "application": "business"})
    edited = client.post("/edit/field.yaml", data={**form, "service.id": "ops-field", "service.name": "Field"})
    for answer in (decided, edited):  # read-only: the workbench refuses to write it, and says why
        assert answer.status_code == 422 and "YAML scenario files cannot be edited in place" in answer.text
    assert (folder / "field.yaml").read_bytes() == original
    (tmp_path / "empty").mkdir()
    empty = TestClient(create_app(tmp_path / "empty"), base_url="http://127.0.0.1").get("/").text
    assert "No scenario file (*.json, *.yaml, *.yml) matches" in empty
    out = tmp_path / "report.csv"
    assert run_cli("batch", str(folder), "--out", str(out), "--jobs", "1", "-q").exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [(row["location"], row["status"]) for row in rows] == [
        (str(folder / "crm.json"), "ok"),
        (str(folder / "field.yaml"), "ok"),
    ]


def test_decide_and_accept_refuse_a_format_that_cannot_be_edited(yaml_format: str, tmp_path: Path) -> None:
    field = as_yaml(MIXED, tmp_path / "field.yaml")
    original = field.read_bytes()
    decided = run_cli("decide", str(field), "problem", "--application", "business")
    assert decided.exit_code == 2
    assert decided.stderr == (
        f"error: {field}: YAML scenario files cannot be edited in place; opsadvisor writes JSON (*.json) files\n"
    )
    accepted = run_cli("accept", str(field), "x", "--role", "business_owner", "--name", "Jo")
    assert accepted.exit_code == 2 and "YAML scenario files cannot be edited" in accepted.stderr
    assert field.read_bytes() == original
    interview = run_cli("interview", "-o", str(tmp_path / "new.yaml"), input="")
    assert interview.exit_code == 2 and "YAML scenario files cannot be edited" in interview.stderr
    assert not (tmp_path / "new.yaml").exists()


def test_decide_keeps_the_format_of_a_file_whose_format_has_an_editor(yaml_format: str, tmp_path: Path) -> None:
    import yaml

    from opsadvisor import scenario_formats

    read_only = scenario_formats.for_path("x.yaml")
    scenario_formats.unregister("YAML")
    scenario_formats.register(read_only._replace(editor=yaml_format))
    field = as_yaml(MIXED, tmp_path / "field.yaml")
    result = run_cli("decide", str(field), "problem", "--application", "business", "--interface", "it_ops")
    assert result.exit_code == 0, result.output
    text = field.read_text(encoding="utf-8")
    assert text.startswith("service:\n")  # still YAML, written by the format's editor, not JSON
    assert yaml.safe_load(text)["decisions"]["problem"] == {"application": "business", "interface": "it_ops"}
    row = next(
        row
        for row in json.loads(run_cli("assess", str(field), "--format", "json").stdout)["accountability"]
        if row["process"] == "problem"
    )
    assert (row["application"], row["interface"]) == ("business", "it_ops")
