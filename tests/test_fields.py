"""The scenario field table (contract.FIELDS) is the one declaration of a field: the validator, the
Scenario, the facts, the interview and the CSV/XLSX columns all follow it; and one function reads
a scenario from a file, stdin, a document or a Scenario."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsadvisor import api
from opsadvisor.batch.inputs import COLUMNS, iter_entries, row_of
from opsadvisor.contract import (
    COLUMN_FIELDS,
    DIALOGUE,
    FIELDS,
    Choice,
    Count,
    Date,
    Field,
    Flag,
    ListOf,
    MapOf,
    Record,
    Spec,
    Text,
    question_for,
)
from opsadvisor.errors import ScenarioError, UsageError
from opsadvisor.facts import build_facts
from opsadvisor.scenario import Scenario, get_path, load_scenario, read_scenario_file, set_path
from opsadvisor.validation import validate

from .helpers import ROOT, scenario

ASSESSOR = api.assessor_for(api.rule_pack())
PACK_IDS = (ASSESSOR.pack.process_ids, ASSESSOR.pack.risk_ids, ASSESSOR.pack.role_ids)

any_text = st.text(
    st.characters(exclude_categories=("Cc", "Cs")), max_size=30
)  # the contract refuses control characters
# Text a CSV cell keeps as it is: no list separator, no leading or trailing blanks, not "none".
csv_cell_text = (
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ", min_size=1, max_size=20)
    .map(str.strip)
    .filter(lambda text: text and text.lower() != "none")
)


def values_of(spec: Spec, text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """Every value a spec node accepts (texts drawn from `text`)."""
    if isinstance(spec, Text):
        return text.filter(lambda value: len(value) <= spec.max_length and (value.strip() or not spec.non_empty))
    if isinstance(spec, Choice):
        return st.sampled_from(spec.values)
    if isinstance(spec, Flag):
        return st.booleans()
    if isinstance(spec, Count):
        return st.integers(spec.minimum, spec.maximum)
    if isinstance(spec, Date):
        return st.dates().map(lambda date: date.isoformat())
    if isinstance(spec, ListOf):
        return st.lists(values_of(spec.item, text), max_size=3, unique=spec.unique)
    if isinstance(spec, Record):
        children = {name: values_of(child, text) for name, child in spec.fields.items()}
        required = {name: children.pop(name) for name in spec.required}
        return st.fixed_dictionaries(required, optional=children)
    assert isinstance(spec, MapOf)
    cells = values_of(spec.value, text).filter(bool)  # a decision names at least one cell
    return st.dictionaries(st.sampled_from(spec.keys), cells, max_size=3)


def documents(text: st.SearchStrategy[str], table: tuple[Field, ...] = FIELDS) -> st.SearchStrategy[dict[str, Any]]:
    """Scenario documents built from the field table (or some of its fields): each optional field present
    or absent."""
    fields = {item.path: values_of(item.node(*PACK_IDS), text) for item in table}
    required = {item.path: fields.pop(item.path) for item in table if item.required}

    def nest(flat: dict[str, Any]) -> dict[str, Any]:
        document: dict[str, Any] = {}
        for path, value in flat.items():
            set_path(document, path, value)
        return document

    return st.fixed_dictionaries(required, optional=fields).map(nest)


@pytest.mark.slow
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(documents(any_text))
def test_the_validator_accepts_every_document_built_from_the_field_vocabularies(document: dict[str, Any]) -> None:
    assert validate(document, ASSESSOR.spec) == []
    parsed = ASSESSOR.parse(document, "t")
    assert vars(parsed) == vars(Scenario(**vars(parsed)))  # built as the constructor builds it (scenario._build)
    for item in FIELDS:  # a field left out is missing, unless it has a default
        absent = get_path(document, item.path) is None
        assert (parsed.value(item.path) is None) == (absent and item.default is None)


def _csv_round_trip(document: dict[str, Any], tmp_path: Path) -> Any:
    path = tmp_path / "portfolio.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(COLUMNS)
        writer.writerow(row_of(document).values())
    (entry,) = iter_entries([path])
    return entry.document()


@pytest.mark.slow
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(documents(csv_cell_text, COLUMN_FIELDS))  # the evidence record is no column: a portfolio row cannot hold it
def test_a_csv_row_written_from_a_scenario_reads_back_to_the_same_facts(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    again = ASSESSOR.parse(_csv_round_trip(document, tmp_path), "portfolio.csv:row 2")
    original = ASSESSOR.parse(document, "t")
    assert build_facts(again) == build_facts(original)
    assert again == original


def test_every_field_has_its_scenario_attribute_and_the_scenario_no_other() -> None:
    assert [item.attr for item in FIELDS] == [attribute.name for attribute in dataclasses.fields(Scenario)]


def test_the_default_pack_asks_the_declared_questions() -> None:
    for item in DIALOGUE:
        assert question_for(item.path, ASSESSOR.pack.questions) == item.question


def test_a_pack_may_reword_a_question() -> None:
    assert question_for("users", {"users": "Head count?"}) == "Head count?"


def test_load_scenario_takes_a_path_stdin_a_document_or_a_scenario(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = scenario(ambition="mixed")
    path = tmp_path / "s.json"
    path.write_text(json.dumps(document))
    parsed = load_scenario(document)
    assert load_scenario(path) == load_scenario(str(path)) == parsed
    assert load_scenario(parsed) is parsed
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(document).encode())))
    assert load_scenario("-") == parsed
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"[]")))
    with pytest.raises(ScenarioError) as caught:
        load_scenario("-")
    assert caught.value.render() == "<stdin>: $: expected a JSON object; found an array of 0 items"


def test_a_closed_stdin_is_a_usage_error_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", None)
    with pytest.raises(UsageError) as caught:
        read_scenario_file("-")
    assert caught.value.render() == "<stdin>: standard input is closed; pipe a scenario in or name a file"
    closed = io.TextIOWrapper(io.BytesIO(b"{}"))
    closed.buffer.close()
    monkeypatch.setattr(sys, "stdin", closed)
    with pytest.raises(UsageError, match=r"^<stdin>: cannot read standard input"):
        read_scenario_file("-")


def _close_stdin() -> None:
    os.close(0)


@pytest.mark.no_faketime
@pytest.mark.skipif(os.name != "posix", reason="closes the child's file descriptor 0")
def test_the_cli_says_stdin_is_closed_and_exits_2() -> None:
    for command in ("assess", "explain"):
        result = subprocess.run(
            [sys.executable, "-c", "from opsadvisor.cli import main; main()", command, "-"],
            capture_output=True,
            text=True,
            preexec_fn=_close_stdin,
        )
        assert result.returncode == 2, result.stderr
        assert result.stderr == "error: <stdin>: standard input is closed; pipe a scenario in or name a file\n"


def _table_keys(markdown: str, heading: str) -> set[str]:
    """The back-quoted names in the first column of the first table after a heading."""
    table = re.search(r"((?:^\|.*\n)+)", markdown[markdown.index(heading) :], re.M)
    assert table is not None, heading
    rows = table.group(1).splitlines()[2:]  # below the header and its rule
    return {name for line in rows for name in re.findall(r"`([^`]+)`", line.split("|")[1])}


def test_the_guides_list_every_field_and_no_other() -> None:
    """docs/batch.md's columns and the README's scenario keys are hand-written: keep them to FIELDS."""
    columns = _table_keys((ROOT / "docs" / "batch.md").read_text(encoding="utf-8"), "### CSV and XLSX columns")
    assert columns == set(COLUMNS)
    keys = _table_keys((ROOT / "README.md").read_text(encoding="utf-8"), "### The scenario file (contract v1)")
    assert keys == {"$schema", *(item.path.split(".")[0] for item in FIELDS)}
