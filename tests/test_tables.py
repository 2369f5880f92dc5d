"""Decision tables: the front ends (CSV, XLSX, YAML), hit policies, gaps and overlaps, authoring tools."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsadvisor import api
from opsadvisor.backend import Case
from opsadvisor.contract import (
    AMBITIONS,
    APPLICATION_CELLS,
    CAPABILITIES,
    CLASSIFICATIONS,
    CONTRACT_OWNERS,
    CRITICALITIES,
    FACTS,
    HOSTING,
    IT_ELEMENTS_OWNERS,
    LIFECYCLES,
    REGULATIONS,
)
from opsadvisor.durable_backend import compile_rule
from opsadvisor.engine import BACKEND
from opsadvisor.facts import Facts
from opsadvisor.rulepack import Location, load_pack_with_problems
from opsadvisor.rulepack.conditions import MISSING, TESTS_BY_KIND, holds, make_condition
from opsadvisor.rulepack.ir import Problems
from opsadvisor.rulepack.table_front import Concluder
from opsadvisor.rulepack.tables import Table, TableRow, compile_table, engine_operators, gaps

from .helpers import ROOT, SCENARIOS, run_cli, write_json

HERE = Location("test", 1)


def _no_conclusions(*args: Any) -> tuple[()]:
    return ()


# --- the Python reading of a cell agrees with durable_rules ----------------------------------------

PROBED = ("criticality", "ambition", "data.personal_data", "users", "regulations")


def _operand(fact: str, test: str, draw: Any) -> Any:
    spec = FACTS[fact]
    if test in ("exists", "empty"):
        return draw(st.booleans())
    if spec.kind == "flag":
        return draw(st.booleans())
    if spec.kind == "number":
        return draw(st.integers(0, 12))
    if test in ("in", "not_in", "contains_any", "contains_all"):
        return draw(st.lists(st.sampled_from(spec.values), min_size=1, max_size=3, unique=True))
    return draw(st.sampled_from(spec.values))


def _values(fact: str) -> list[Any]:
    spec = FACTS[fact]
    if spec.kind == "flag":
        return [MISSING, True, False]
    if spec.kind == "number":
        return [MISSING, *range(15)]
    if spec.kind == "set":
        return [MISSING, *(c for size in range(3) for c in itertools.combinations(spec.values, size))]
    return [MISSING, *spec.values]


@st.composite
def cells(draw: Any) -> tuple[str, list[Any]]:
    fact = draw(st.sampled_from(PROBED))
    conditions = []
    for _ in range(draw(st.integers(1, 4))):
        test = draw(st.sampled_from(TESTS_BY_KIND[FACTS[fact].kind]))
        condition = make_condition(fact, test, _operand(fact, test, draw), HERE)
        if not isinstance(condition, str):
            conditions.append(condition)
    return fact, conditions


def test_the_python_reading_of_every_single_test_agrees_with_durable_rules() -> None:
    for fact in PROBED:
        spec = FACTS[fact]
        operands: list[Any] = [True, False] if spec.kind in ("flag",) else list(spec.values) or list(range(0, 12, 3))
        lists = [list(pair) for pair in itertools.combinations(spec.values, 2)][:6]
        conditions = []
        for test in TESTS_BY_KIND[spec.kind]:
            choices = (
                [True, False]
                if test in ("exists", "empty")
                else lists
                if test.endswith(("in", "_any", "_all"))
                else operands
            )
            conditions += [
                c for operand in choices if not isinstance(c := make_condition(fact, test, operand, HERE), str)
            ]
        compiled = BACKEND.compile_items(conditions)
        for value in _values(fact):
            engine = compiled.matches(Case({} if value is MISSING else {fact: value}))
            assert engine == {i for i, condition in enumerate(conditions) if holds(condition, value)}, (fact, value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells())
def test_the_python_reading_of_conditions_agrees_with_durable_rules(drawn: tuple[str, list[Any]]) -> None:
    fact, conditions = drawn
    compiled = BACKEND.compile_items(conditions)
    for value in _values(fact):
        engine = compiled.matches(Case({} if value is MISSING else {fact: value}))
        python = {index for index, condition in enumerate(conditions) if holds(condition, value)}
        assert engine == python, (fact, value, [c.describe() for c in conditions])


# --- gaps are exact -------------------------------------------------------------------------------

CELLS = {
    "criticality": ["-", "low", ">= high", "<= medium", "[medium..high]", "not critical", "low, critical"],
    "data.personal_data": ["-", "true", "false"],
    "users": ["-", *(f"{sign} {n}" for sign in (">=", "<", ">", "<=") for n in (0, 3, 7)), "[2..6)", "5"],
    "regulations": ["-", "sox", "not sox", "contains_any: sox, gdpr", "empty: true", "empty: false"],
}
INPUTS = tuple(CELLS)


def _table(rows: list[list[str]], policy: str = "collect", inputs: tuple[str, ...] = INPUTS) -> Table:
    return Table(
        "t",
        "T",
        "why",
        "",
        policy,
        inputs,
        ("next_step",),
        tuple(TableRow(n, (*row, f"row {n}"), Location("t.csv", n)) for n, row in enumerate(rows, 1)),
        HERE,
    )


def _compiled(table: Table) -> tuple[Table, list[Any], Problems]:
    problems = Problems()
    compiled, rules = compile_table(table, problems, _no_conclusions)
    return compiled, rules, problems


ROWS = st.lists(st.tuples(*(st.sampled_from(CELLS[fact]) for fact in INPUTS)).map(list), min_size=1, max_size=4)
REG_VALUES = [(), ("sox",), ("gdpr",), ("sox", "gdpr"), ("dora",)]


def _matches(table: Table, row: TableRow, case: tuple[Any, ...]) -> bool:
    return all(holds(condition, value) for tests, value in zip(row.tests, case, strict=True) for condition in tests)


def _atom(column: Any, value: Any) -> int:
    if column.intervals:
        return next(
            i for i, (low, high) in enumerate(column.intervals) if low <= value and (high is None or value < high)
        )
    if FACTS[column.fact].is_set:
        return column.atoms.index(tuple(member for member in column.members if member in value))
    return column.atoms.index(value)


@settings(max_examples=60, deadline=None)
@given(ROWS)
def test_the_gap_report_is_exact(rows: list[list[str]]) -> None:
    table, _, problems = _compiled(_table(rows))
    assert not problems.items
    columns, found = gaps(table, {})
    boxes = found.boxes
    domain = [FACTS["criticality"].values, [True, False], range(10), REG_VALUES]
    for case in itertools.product(*domain):
        covered = any(_matches(table, row, case) for row in table.rows)
        atoms = [_atom(column, value) for column, value in zip(columns, case, strict=True)]
        in_gap = [box for box in boxes if all(atom in part for atom, part in zip(atoms, box, strict=True))]
        assert len(in_gap) == (0 if covered else 1), (case, rows)  # reported exactly once, when uncovered


# --- hit policies, in the engine --------------------------------------------------------------------


def _fired(rules: list[Any], values: dict[str, Any]) -> list[str]:
    result = BACKEND.compile(rules).run(Facts(values, ()))
    return sorted({firing.rule.id for firing in result.firings})


CASES = list(
    itertools.product(
        [MISSING, *FACTS["criticality"].values], [MISSING, True, False], [MISSING, *range(9)], [MISSING, *REG_VALUES]
    )
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS, st.randoms(use_true_random=False))
def test_under_first_only_the_first_matching_row_fires_in_durable_rules(rows: list[list[str]], random: Any) -> None:
    table, rules, problems = _compiled(_table(rows, "first"))
    if problems.items:  # a row that earlier rows shadow, or one too big for the engine, is an error
        assert all(re.search("can never match|operators in the engine", p.message) for p in problems.items)
        return
    matching = {case: [row.rule_id for row in table.rows if _matches(table, row, case)] for case in CASES}
    overlapping = [case for case, ids in matching.items() if len(ids) > 1]  # where the hit policy matters
    engine = BACKEND.compile(rules)
    for case in random.sample(overlapping, min(10, len(overlapping))) + random.sample(CASES, 5):
        values = {fact: value for fact, value in zip(INPUTS, case, strict=True) if value is not MISSING}
        fired = sorted({firing.rule.id for firing in engine.run(Facts(values, ())).firings})
        assert fired == matching[case][:1], (rows, case)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS, st.randoms(use_true_random=False))
def test_under_any_one_row_fires_and_exactly_the_rows_earlier_rows_cover_are_redundant(
    rows: list[list[str]], random: Any
) -> None:
    table, rules, problems = _compiled(_table(rows, "any"))  # every row concludes the same: nothing
    if problems.items:  # a row too big for the engine is an error; a covered row is not
        assert all("operators in the engine" in p.message for p in problems.items)
        return
    matching = {case: [row.rule_id for row in table.rows if _matches(table, row, case)] for case in CASES}
    for row in table.rows:  # covered: it matches some case, and an earlier row matches every case it does
        where = [ids for ids in matching.values() if row.rule_id in ids]
        assert bool(row.covered_by) == (bool(where) and all(ids[0] != row.rule_id for ids in where)), rows
    assert not {row.rule_id for row in table.rows if row.covered_by} & {rule.id for rule in rules}
    overlapping = [case for case, ids in matching.items() if len(ids) > 1]
    engine = BACKEND.compile(rules)
    for case in random.sample(overlapping, min(10, len(overlapping))) + random.sample(CASES, 5):
        values = {fact: value for fact, value in zip(INPUTS, case, strict=True) if value is not MISSING}
        fired = sorted({firing.rule.id for firing in engine.run(Facts(values, ())).firings})
        assert fired == matching[case][:1], (rows, case)


def _operators(value: Any) -> int:
    if isinstance(value, dict):
        return sum((key in ("$and", "$or")) + _operators(item) for key, item in value.items())
    if isinstance(value, list):
        return sum(_operators(item) for item in value)
    return 0


@settings(max_examples=30, deadline=None)
@given(ROWS)
def test_the_engine_operator_count_is_durable_backends_and_its_limit_holds(rows: list[list[str]]) -> None:
    problems = Problems()
    table = _table(rows, "first")
    _, rules = compile_table(table, problems, _no_conclusions)
    for rule in rules:
        assert engine_operators(rule.when) == _operators(compile_rule(rule)["all"][0])
    if rules:
        BACKEND.compile(rules)  # builds: within durable_rules' limit


def test_a_row_beyond_the_engines_operator_limit_is_an_error_not_a_crash() -> None:
    rows = [["-", "-", "-", "empty: true"], ["-", "-", ">= 0", "sox"], ["-", "-", "-", "-"]]
    _, rules, problems = _compiled(_table(rows, "first"))
    assert rules == [] and "row 3 needs 18 and/or operators in the engine" in problems.items[0].message


def test_unique_rejects_overlapping_rows_and_names_the_cases() -> None:
    _, rules, problems = _compiled(_table([[">= high", "-", "-", "-"], ["critical", "true", "-", "-"]], "unique"))
    assert rules == []
    assert [problem.message for problem in problems.items] == [
        "table t: rows 1 and 2 both match criticality equals critical and data.personal_data equals true "
        "(hit policy unique: at most one row may match)"
    ]


def test_any_allows_overlaps_that_conclude_the_same_and_fires_one_row() -> None:
    rows = [["high", "-", "-", "-"], [">= high", "-", "-", "-"]]
    table = _table(rows, "any")
    same = _Steps(["step", "step"])
    problems = Problems()
    _, rules = compile_table(table, problems, same)
    assert not problems.items
    assert _fired(rules, {"criticality": "high"}) == ["t.1"]
    assert _fired(rules, {"criticality": "critical"}) == ["t.2"]
    problems = Problems()
    compile_table(table, problems, _Steps(["one", "two"]))
    assert "conclude differently" in problems.items[0].message


class _Steps:
    """A concluder giving each row a next step of its own text."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts

    def __call__(self, outputs: Any, cells: Any, location: Location, label: str) -> tuple[Any, ...]:
        from opsadvisor.kinds.next_step import Step
        from opsadvisor.rulepack import Conclusion

        step = Step(self.texts[location.line - 1])
        return (Conclusion("next_step", step, location, "next step"),)


def test_priority_fires_the_highest_priority_row_whatever_the_row_order() -> None:
    table = _table([["-", "-", "-", "-"], [">= high", "-", "-", "-"]], "priority")
    rows = (table.rows[0], TableRow(2, table.rows[1].cells, table.rows[1].location, priority=500))
    _, rules, problems = _compiled(Table(**{**table.__dict__, "rows": rows}))
    assert not problems.items
    assert _fired(rules, {"criticality": "critical"}) == ["t.2"]
    assert _fired(rules, {"criticality": "low"}) == ["t.1"]
    assert _fired(rules, {}) == ["t.1"]  # a missing fact: only the row that asks nothing of it


def test_collect_fires_every_matching_row() -> None:
    _, rules, _ = _compiled(_table([[">= high", "-", "-", "-"], ["-", "true", "-", "-"]], "collect"))
    assert _fired(rules, {"criticality": "high", "data.personal_data": True}) == ["t.1", "t.2"]


def _shared_id(rows: list[list[str]], inputs: tuple[str, ...] = INPUTS) -> Table:
    """A collect table whose rows all have the id `shared` and conclude the same."""
    table = _table(rows, "collect", inputs)
    return replace(
        table, rows=tuple(replace(row, id="shared", cells=(*row.cells[:-1], "advice")) for row in table.rows)
    )


def test_rows_that_share_an_id_are_one_rule_that_fires_once_when_any_of_them_matches() -> None:
    _, rules, problems = _compiled(_shared_id([["critical", "-", "-", "sox"], ["-", "true", "-", "sox"]]))
    assert not problems.items and [rule.id for rule in rules] == ["shared"]
    assert rules[0].when.describe() == (
        "all of (regulations contains sox; any of (criticality equals critical; data.personal_data equals true))"
    )
    engine = BACKEND.compile(rules)
    for values, fired in [
        ({"criticality": "critical", "data.personal_data": True, "regulations": ("sox",)}, 1),  # both rows: once
        ({"criticality": "low", "data.personal_data": True, "regulations": ("sox",)}, 1),
        ({"criticality": "critical", "regulations": ("gdpr",)}, 0),
        ({"criticality": "low", "data.personal_data": False, "regulations": ("sox",)}, 0),
    ]:
        assert len(engine.run(Facts(values, ())).firings) == fired, values


def test_rows_that_share_an_id_must_conclude_alike() -> None:
    table = _shared_id([["critical", "-", "-", "-"], ["-", "true", "-", "-"]])
    table = replace(table, rows=(table.rows[0], replace(table.rows[1], cells=(*table.rows[1].cells[:-1], "other"))))
    problems = Problems()
    compile_table(table, problems, Concluder(problems))
    assert [p.message for p in problems.items] == [
        "table t: rows 1 and 2 share the id shared, so they are one rule, but differ in outputs; "
        "give the rows different ids or make them agree"
    ]


def test_rows_that_share_an_id_must_test_derived_facts_alike() -> None:
    _, _, problems = _compiled(_shared_id([["true", "critical"], ["-", "high"]], ("sensitive_data", "criticality")))
    assert [p.message for p in problems.items] == [
        "table t: rows 1 and 2 share the id shared but test the derived facts differently (sensitive_data "
        "equals true in one only); a derived fact cannot be one of several alternatives: test it alike in "
        "every row of the rule"
    ]


def test_explain_names_every_row_of_a_rule_written_as_several(tmp_path: Path) -> None:
    scenario = json.dumps({"service": {"id": "svc", "name": "Svc"}, "criticality": "critical", "regulations": ["dora"]})
    explained = run_cli("explain", "-", "--rule", "ambition.undecided.suggest-a-regulated", input=scenario)
    assert "    rows 6, 7, 8, 9, 10, 11 of table ambition.undecided.suggestion (collect)" in explained.output
    assert "fired" in explained.output


def test_first_reports_a_row_earlier_rows_shadow() -> None:
    _, _, problems = _compiled(_table([["-", "-", "-", "-"], ["low", "-", "-", "-"]], "first"))
    assert problems.items[0].message == (
        "table t: row 2 can never match: rows 1 before it cover every case it covers (hit policy first)"
    )


def test_a_derived_fact_must_be_tested_alike_or_apart_in_a_single_hit_table() -> None:
    table = _table([["business", "-"], ["business, mixed", "true"]], "first", ("operated_by", "data.personal_data"))
    _, _, problems = _compiled(table)
    assert "test the derived fact operated_by with values that partly meet" in problems.items[0].message


# --- files: CSV, XLSX and YAML tables in a rules folder, end to end -----------------------------------

SIZE_CSV = """table,acme.size
title,How big a service is
rationale,Users and criticality make a service big.
hit_policy,first
priority,300
input,input,output,row
users,criticality,derive.size,id
>= 500,>= high,big,
>= 500,-,medium,acme.size-medium
-,-,small,
"""
SIZE_STEPS_CSV = """table,acme.size-steps
title,What a service of each size needs
rationale,Chained from acme.size.
input,output
size,next_step
big,Plan the capacity of {service.name} ({size}).
"medium, small",Check the capacity of {service.name} once a year.
"""


@pytest.fixture
def table_rules(tmp_path: Path) -> Path:
    """A rules folder with a CSV table and an XLSX table (converted from CSV) that chains from it."""
    folder = tmp_path / "acme"
    folder.mkdir()
    (folder / "size.csv").write_text(SIZE_CSV, encoding="utf-8")
    steps = tmp_path / "steps.csv"
    steps.write_text(SIZE_STEPS_CSV, encoding="utf-8")
    converted = run_cli("rules", "table", "convert", str(steps), "--to", "xlsx", "-o", str(folder / "steps.xlsx"))
    assert converted.exit_code == 0, converted.output
    return folder


def _assess(folder: Path, scenario: dict[str, Any]) -> dict[str, Any]:
    document = {"service": {"id": "svc", "name": "Svc"}, **scenario}
    result = run_cli("assess", "-", "--rules", str(folder), "--format", "json", input=json.dumps(document))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_csv_and_an_xlsx_table_are_assessed_and_chain(table_rules: Path) -> None:
    report = _assess(table_rules, {"users": 900, "criticality": "low"})
    steps = {step["rule"]: step["step"] for step in report["next_steps"]}
    assert steps["acme.size-steps.2"] == "Check the capacity of Svc once a year."
    fired = [entry["rule"] for entry in report["trace"]]
    assert "acme.size-medium" in fired and "acme.size.1" not in fired and "acme.size.3" not in fired
    big = _assess(table_rules, {"users": 900, "criticality": "critical"})
    assert {s["rule"]: s["step"] for s in big["next_steps"]}["acme.size-steps.1"] == "Plan the capacity of Svc (big)."


def test_a_table_error_names_the_file_and_row(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text(SIZE_CSV.replace(">= high", ">= hihg"), encoding="utf-8")
    result = run_cli("assess", str(SCENARIOS / "payroll-it-operated.json"), "--rules", str(tmp_path))
    assert result.exit_code == 4
    assert f"{tmp_path}/bad.csv:8: table acme.size: row 1: criticality at_least: 'hihg' is not a value" in result.output
    assert 'did you mean "high"?' in result.output


ROW_PROVENANCE_CSV = (
    "table,acme.size\ntitle,How big a service is\nrationale,Size drives capacity planning.\n"
    'source,"seed, What can we do"\ninput,output,row,row\nusers,derive.size,rationale,source\n'
    '>= 500,big,,\n< 500,small,A small service grows first.,"{source}"\n'
)


def test_a_row_may_carry_its_own_rationale_and_source(tmp_path: Path) -> None:
    (tmp_path / "size.csv").write_text(ROW_PROVENANCE_CSV.format(source="practice, ITIL 4 capacity"), encoding="utf-8")
    own = run_cli("rules", "show", "acme.size.2", "--rules", str(tmp_path))
    assert own.exit_code == 0, own.output
    assert "practice, ITIL 4 capacity" in own.output and "A small service grows first." in own.output
    inherited = run_cli("rules", "show", "acme.size.1", "--rules", str(tmp_path))
    assert "seed, What can we do" in inherited.output and "Size drives capacity planning." in inherited.output


def test_a_row_source_that_is_neither_seed_nor_practice_names_the_row(tmp_path: Path) -> None:
    (tmp_path / "size.csv").write_text(ROW_PROVENANCE_CSV.format(source="guesswork"), encoding="utf-8")
    result = run_cli("rules", "check", str(tmp_path))
    assert result.exit_code == 4
    assert f"{tmp_path}/size.csv:8: error: row 2: source must start with seed or practice" in result.output
    assert "found 'guesswork'" in result.output


def test_rules_check_reports_a_gap_and_an_overlap(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(
        "table,acme.t\ntitle,T\nrationale,R\ninput,input,output\ncriticality,users,next_step\n"
        ">= high,-,A\ncritical,>= 500,B\nlow,< 500,C\n",
        encoding="utf-8",
    )
    result = run_cli("rules", "check", str(tmp_path))
    assert result.exit_code == 4
    lines = result.output.splitlines()
    assert lines[:4] == [
        f"{tmp_path}/t.csv:1: warning [acme.t]: gap (unique): no row matches 2 input combinations:",
        "  - criticality equals low and users gte 500",
        "  - criticality equals medium",
        f"{tmp_path}/t.csv:7: error [acme.t]: rows 1 and 2 both match criticality equals critical and users gte 500 "
        "(hit policy unique: at most one row may match)",
    ]


def test_explain_show_docs_and_coverage_know_tables(table_rules: Path, tmp_path: Path) -> None:
    scenario = json.dumps({"service": {"id": "svc", "name": "Svc"}, "users": 900, "criticality": "low"})
    explained = run_cli("explain", "-", "--rules", str(table_rules), "--rule", "acme.size.1", input=scenario)
    assert "    row 1 of table acme.size (first)" in explained.output
    assert "    first failed: criticality at_least high  (cell criticality: >= high)" in explained.output
    shown = run_cli("rules", "show", "acme.size", "--rules", str(table_rules)).output
    assert "hit policy first · 3 rows · priority 300" in shown and "acme.size-medium" in shown
    docs = run_cli("rules", "docs", "--rules", str(table_rules)).output
    assert "## Decision tables" in docs and "| 2   | >= 500  | -" in docs
    assert "### `acme.size.1`" not in docs  # rows are shown in their table, not one by one
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "cases:\n  - name: big\n    scenario: {users: 900, criticality: high}\n    expect: {fired: [acme.size.1]}\n"
    )
    tested = run_cli("rules", "test", str(cases), "--rules", str(table_rules), "--coverage")
    assert "  not fired: acme.size-medium  (" in tested.output and "  not fired: acme.size.1 " not in tested.output


def test_coverage_counts_each_row_of_a_rule_written_as_several_rows(tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "cases:\n  - name: sox and a system of record\n"
        "    scenario: {regulations: [sox], integrations: [{system: GL, type: file, system_of_record: true}]}\n"
        "    expect: {fired: [ambition.undecided.suggest-a-regulated]}\n"
    )
    tested = run_cli("rules", "test", str(cases), "--coverage")
    assert "(a rule written as several table rows counts each row)" in tested.output
    assert "  not fired: ambition.undecided.suggest-a-regulated row 7  (<bundled>/10-ambition.yaml:" in tested.output
    assert "suggest-a-regulated row 6 " not in tested.output  # it held: SOX and a system of record
    assert "  not fired: ambition.undecided.suggest-a-regulated  (" not in tested.output


# --- a row that earlier rows cover: redundant under any, an error under the other single-hit policies ---------


def _covered_table(folder: Path, policy: str, rows: str, row_setting: str = "") -> Path:
    """A CSV table acme.t on criticality and users with one next step per row, its first row on line 8."""
    markers, names = "input,input,output", "criticality,users,next_step"
    if row_setting:
        markers, names = f"{markers},row", f"{names},{row_setting}"
    (folder / "t.csv").write_text(
        f'table,acme.t\ntitle,T\nrationale,R\nsource,"practice, ITIL 4"\nhit_policy,{policy}\n{markers}\n{names}\n'
        + rows,
        encoding="utf-8",
    )
    return folder / "t.csv"


def _table_findings(folder: Path) -> tuple[int, list[str]]:
    """`rules check` of the folder: its exit code and the lines about acme.t."""
    result = run_cli("rules", "check", str(folder))
    return result.exit_code, [line for line in result.output.splitlines() if "[acme.t]" in line]


def _table_steps(folder: Path, tmp_path: Path, **facts: Any) -> list[dict[str, str]]:
    """`assess FILE --rules DIR` of a service with these facts: the next steps acme.t gave (exit 0)."""
    scenario = write_json(tmp_path / "service.json", {"service": {"id": "svc", "name": "Svc"}, **facts})
    result = run_cli("assess", str(scenario), "--rules", str(folder), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    fired = [entry["rule"] for entry in report["trace"] if entry["rule"].startswith("acme.t")]
    steps = [step for step in report["next_steps"] if step["rule"].startswith("acme.t")]
    assert fired == [step["rule"] for step in steps]  # one row fires, once: its step is the only one
    return steps


def test_any_warns_of_a_row_an_earlier_row_covers_with_the_same_outputs_and_assesses(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    rows = ">= high,-,Review it.\n-,>= 500,Review it.\ncritical,>= 1000,Review it.\n<= medium,< 500,Nothing.\n"
    table = _covered_table(folder, "any", rows)
    code, lines = _table_findings(folder)
    assert (code, lines) == (
        0,
        [
            f"{table}:10: warning [acme.t]: row 3 is redundant: row 1 before it covers every case row 3 covers, "
            "with the same outputs (hit policy any), so row 3 never fires; remove it, or move it above row 1 to "
            "have it fire for its cases"
        ],
    )
    assert _table_steps(folder, tmp_path, criticality="critical", users=1200) == [
        {"step": "Review it.", "rule": "acme.t.1"}  # rows 1, 2 and 3 match: the first fires
    ]
    text = run_cli("assess", str(tmp_path / "service.json"), "--rules", str(folder))
    assert text.exit_code == 0 and "redundant" not in text.output  # no authoring warning on an analyst's report
    assert _table_steps(folder, tmp_path, criticality="low", users=600) == [{"step": "Review it.", "rule": "acme.t.2"}]


def test_any_counts_a_row_several_earlier_rows_cover_together_as_redundant(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    rows = (
        ">= high,< 500,Review it.\n>= high,>= 500,Review it.\ncritical,>= 100,Review it.\n"
        "critical,>= 200,Review it.\n<= medium,-,Nothing.\n"
    )
    table = _covered_table(folder, "any", rows)
    code, lines = _table_findings(folder)
    assert code == 0
    assert lines == [
        f"{table}:{line}: warning [acme.t]: row {row} is redundant: rows 1, 2 before it together cover every case "
        f"row {row} covers, with the same outputs (hit policy any), so row {row} never fires; remove it, or move "
        "it above rows 1, 2 to have it fire for its cases"
        for row, line in ((3, 10), (4, 11))  # row 4 lies in row 3 too, but row 3 never fires: rows 1, 2 cover it
    ]
    assert _table_steps(folder, tmp_path, criticality="critical", users=300) == [
        {"step": "Review it.", "rule": "acme.t.1"}
    ]
    assert _table_steps(folder, tmp_path, criticality="critical", users=900) == [
        {"step": "Review it.", "rule": "acme.t.2"}
    ]


def test_rules_show_and_explain_say_a_redundant_row_has_no_rule(tmp_path: Path) -> None:
    _covered_table(tmp_path, "any", ">= high,-,Review it.\ncritical,>= 500,Review it.\n<= medium,-,Nothing.\n")
    table = run_cli("rules", "show", "acme.t", "--rules", str(tmp_path)).output
    assert re.search(r"^2 +critical +>= 500 +Review it\. +\(redundant\)$", table, re.MULTILINE), table
    why = "no rule 'acme.t.2' in the pack; it is row 2 of table acme.t, which is redundant and never fires"
    shown = run_cli("rules", "show", "acme.t.2", "--rules", str(tmp_path))
    assert shown.exit_code == 2 and why in shown.output
    scenario = str(SCENARIOS / "payroll-it-operated.json")
    explained = run_cli("explain", scenario, "--rules", str(tmp_path), "--rule", "acme.t.2")
    assert explained.exit_code == 2 and why in explained.output


def test_a_redundant_row_is_no_part_of_the_rule_whose_id_it_shares(tmp_path: Path) -> None:
    rows = ">= high,-,Review it.,acme.review\ncritical,>= 500,Review it.,acme.review\n<= medium,-,Nothing.,\n"
    _covered_table(tmp_path, "any", rows, "id")
    scenario = json.dumps({"service": {"id": "svc", "name": "Svc"}, "criticality": "critical", "users": 900})
    explained = run_cli("explain", "-", "--rules", str(tmp_path), "--rule", "acme.review", input=scenario)
    assert explained.exit_code == 0, explained.output
    assert "    row 1 of table acme.t (any)" in explained.output and "fired" in explained.output


def test_any_refuses_a_covered_row_that_concludes_differently(tmp_path: Path) -> None:
    table = _covered_table(tmp_path, "any", ">= high,-,Review it.\ncritical,>= 500,Escalate.\n<= medium,-,Nothing.\n")
    code, lines = _table_findings(tmp_path)
    assert (code, lines) == (
        4,
        [
            f"{table}:9: error [acme.t]: rows 1 and 2 both match criticality equals critical and users gte 500 "
            "but conclude differently (hit policy any: overlapping rows agree)"
        ],
    )
    assessed = run_cli("assess", str(SCENARIOS / "payroll-it-operated.json"), "--rules", str(tmp_path))
    assert assessed.exit_code == 4 and "conclude differently" in assessed.output


def test_unique_refuses_a_covered_row_as_an_overlap(tmp_path: Path) -> None:
    table = _covered_table(tmp_path, "unique", ">= high,-,Review it.\ncritical,>= 500,Review it.\n<= medium,-,No.\n")
    code, lines = _table_findings(tmp_path)
    assert (code, lines) == (
        4,
        [
            f"{table}:9: error [acme.t]: rows 1 and 2 both match criticality equals critical and users gte 500 "
            "(hit policy unique: at most one row may match)"
        ],
    )
    assessed = run_cli("assess", str(SCENARIOS / "payroll-it-operated.json"), "--rules", str(tmp_path))
    assert assessed.exit_code == 4 and "hit policy unique" in assessed.output


@pytest.mark.parametrize(
    ("policy", "rows", "row_setting", "never"),
    [
        ("first", ">= high,-,Review it.\ncritical,>= 500,Review it.\n<= medium,-,No.\n", "", (2, 9, "1")),
        # under priority the general row 2 comes first: the special row 1 is the one that never matches
        (
            "priority",
            "critical,>= 500,Review it.,\n>= high,-,Review it.,500\n<= medium,-,No.,\n",
            "priority",
            (1, 8, "2"),
        ),
    ],
    ids=["first", "priority"],
)
def test_first_and_priority_refuse_a_row_that_can_never_match(
    policy: str, rows: str, row_setting: str, never: tuple[int, int, str], tmp_path: Path
) -> None:
    table = _covered_table(tmp_path, policy, rows, row_setting)
    row, line, covering = never
    code, lines = _table_findings(tmp_path)
    assert (code, lines) == (
        4,
        [
            f"{table}:{line}: error [acme.t]: row {row} can never match: rows {covering} before it cover every case "
            f"it covers (hit policy {policy})"
        ],
    )
    assessed = run_cli("assess", str(SCENARIOS / "payroll-it-operated.json"), "--rules", str(tmp_path))
    assert assessed.exit_code == 4 and "can never match" in assessed.output


# --- convert: round trips -----------------------------------------------------------------------------------


def _meaning(path: Path) -> list[tuple[str, str, tuple[str, ...]]]:
    pack, problems = load_pack_with_problems([path])
    assert not problems
    return [(rule.id, rule.when.describe(), rule.concluded) for rule in pack.rules if rule.table]


def test_convert_round_trips_csv_xlsx_yaml(table_rules: Path, tmp_path: Path) -> None:
    source = table_rules / "size.csv"
    forms = {}
    for form in ("yaml", "xlsx", "csv"):
        folder = tmp_path / form
        folder.mkdir()
        previous = forms.get("yaml", source) if form != "yaml" else source
        target = folder / f"size.{form}"
        assert api.convert_table(previous, form, target) == f"{target}: written (acme.size)"
        forms[form] = target
    # the any-value cell `-` is written '- (a spreadsheet would run -... as a formula); the reader takes both
    assert forms["csv"].read_text(encoding="utf-8") == SIZE_CSV.replace(",-", ",'-").replace("\n-,", "\n'-,")
    expected = _meaning(source)
    for form, target in forms.items():
        assert _meaning(target) == expected, form


def test_convert_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    rules = tmp_path / "two.yaml"
    rules.write_text(
        "tables:\n"
        + "".join(
            f"  - {{id: t{n}, title: T, rationale: R, inputs: [criticality], outputs: [next_step], rows: [[low, x]]}}\n"
            for n in (1, 2)
        ),
        encoding="utf-8",
    )
    result = run_cli("rules", "table", "convert", str(rules), "--to", "csv")
    assert result.exit_code == 2
    assert "a CSV file holds one table; choose one with --table (t1, t2)" in result.output
    assert run_cli("rules", "table", "convert", str(rules), "--to", "csv", "--table", "t2").exit_code == 0
    assert (tmp_path / "two.csv").read_text(encoding="utf-8").startswith("table,t2\n")


# --- the guide's chapter: its console blocks run in test_docs.py (tools/docblocks.py) -----------------------


def test_the_decision_tables_chapter_yaml_example_loads(tmp_path: Path) -> None:
    guide = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    chapter = guide[guide.index("## Decision tables") : guide.index("## Reference")]
    yaml_example = re.search(r"In a YAML rule file the same table is:\n\n```yaml\n(.*?)```", chapter, re.S).group(1)
    (tmp_path / "yaml-tables").mkdir()
    (tmp_path / "yaml-tables" / "vendor.yaml").write_text(yaml_example, encoding="utf-8")
    assert "acme.no-vendor" in [rule_id for rule_id, _, _ in _meaning(tmp_path / "yaml-tables")]


# --- the default pack's table-shaped families assess every scenario as their rules did -------------


def _without_locations(report: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in report.items() if key != "rules_version"}


FAMILIES = {"mode1-triggers": 3, "ambition.undecided.suggestion": 5, "risks-to-accept": 7, "governance-areas": 6}


def test_the_default_packs_tables_assess_every_scenario_as_the_rules_they_replaced() -> None:
    as_rules, problems = load_pack_with_problems([ROOT / "tests" / "tables"])
    assert not problems
    table_rows = {rule.id: rule for rule in api.rule_pack().rules if rule.table in FAMILIES}
    replacing = {rule.id: rule for rule in as_rules.rules if rule.overrides}
    assert set(replacing) == set(table_rows)
    assert Counter(rule.table for rule in table_rows.values()) == FAMILIES
    for rule_id, row in table_rows.items():
        before = replacing[rule_id]
        assert (row.title, row.rationale, row.priority, row.provenance) == (
            before.title,
            before.rationale,
            before.priority,
            before.provenance,
        ), rule_id
    examples = [*sorted(SCENARIOS.glob("*.json")), *sorted((ROOT / "docs" / "examples").glob("*.json"))]
    for scenario in examples:
        base = api.assess(scenario).to_dict()
        rules = api.assess(scenario, rules=as_rules).to_dict()
        assert _without_locations(rules) == _without_locations(base), scenario.name


def _domain(fact: str, conditions: list[Any], derived: dict[str, set[Any]]) -> list[Any]:
    """Every value of a fact that can make a difference to these conditions (MISSING: not known)."""
    if fact not in FACTS:  # derived, by a rule or from the effective matrix (accountable.PROCESS.COLUMN)
        return [MISSING, *sorted(derived.get(fact, APPLICATION_CELLS), key=repr)]
    spec = FACTS[fact]
    if spec.kind == "flag":
        return [MISSING, True, False]
    if spec.kind == "number":
        edges = {c.operand + step for c in conditions if isinstance(c.operand, int) for step in (-1, 0, 1)}
        return [MISSING, *sorted(value for value in edges | {0} if value >= 0)]
    if spec.is_set:
        operands = [c.operand if isinstance(c.operand, (list, tuple)) else [c.operand] for c in conditions]
        named = sorted({member for operand in operands for member in operand})
        other = [value for value in spec.values if value not in named][:1]
        return [MISSING, (), *((m,) for m in [*named, *other]), tuple(named)]
    return [MISSING, *spec.values]


@pytest.mark.slow
def test_each_table_row_matches_exactly_where_the_rule_it_replaced_did_in_the_engine() -> None:
    """Exhaustive over the values that matter to each pair, in durable_rules: the table's rule and the
    rule it replaced match on the same cases and conclude the same."""
    as_rules, _ = load_pack_with_problems([ROOT / "tests" / "tables"])
    replacing = {rule.id: rule for rule in as_rules.rules if rule.overrides}
    pack = api.rule_pack()
    derived: dict[str, set[Any]] = {}
    for rule in pack.rules:
        for name, value in rule.derives:
            derived.setdefault(name, set()).add(value)
    for new in (rule for rule in pack.rules if rule.table in FAMILIES):
        old = replacing[new.id]
        assert [(c.kind, c.payload) for c in new.then] == [(c.kind, c.payload) for c in old.then], new.id
        conditions = [*old.when.conditions(), *new.when.conditions()]
        facts = list(dict.fromkeys(c.fact for c in conditions))
        domains = [_domain(fact, [c for c in conditions if c.fact == fact], derived) for fact in facts]
        items = [*old.when.items, *new.when.items]  # a rule holds when each of its top-level items does
        compiled, split = BACKEND.compile_items(items), len(old.when.items)
        for case in itertools.product(*domains):
            known = {fact: value for fact, value in zip(facts, case, strict=True) if value is not MISSING}
            values = {fact: value for fact, value in known.items() if fact in FACTS}
            matched = compiled.matches(Case(values, {f: (v,) for f, v in known.items() if f not in FACTS}))
            was, now = set(range(split)) <= matched, set(range(split, len(items))) <= matched
            assert was == now, (new.id, known)


PROCESSES = ("incident", "continuity", "it_controls", "vendor_contract", "licence", "change")

services = st.fixed_dictionaries(
    {"service": st.just({"id": "svc", "name": "Service", "business_owner": "Owner"})},
    optional={
        "ambition": st.sampled_from(AMBITIONS),
        "hosting": st.sampled_from(HOSTING),
        "vendor_run": st.booleans(),
        "contract_owner": st.sampled_from(CONTRACT_OWNERS),
        "contract": st.fixed_dictionaries({"it_elements_owner": st.sampled_from(IT_ELEMENTS_OWNERS)}),
        "integrations": st.lists(
            st.fixed_dictionaries(
                {"system": st.just("ERP"), "type": st.just("api"), "system_of_record": st.booleans()}
            ),
            max_size=2,
        ),
        "criticality": st.sampled_from(CRITICALITIES),
        "data": st.fixed_dictionaries(
            {}, optional={"classification": st.sampled_from(CLASSIFICATIONS), "personal_data": st.booleans()}
        ),
        "regulations": st.lists(st.sampled_from(REGULATIONS), unique=True, max_size=3),
        "users": st.sampled_from((0, 499, 500, 501, 20000)),
        "lifecycle": st.sampled_from(LIFECYCLES),
        "business_capabilities": st.lists(st.sampled_from(CAPABILITIES), unique=True),
        "decisions": st.dictionaries(
            st.sampled_from(PROCESSES), st.fixed_dictionaries({"application": st.sampled_from(APPLICATION_CELLS)})
        ),
    },
)


@pytest.fixture(scope="module")
def families_as_rules() -> Any:
    pack, problems = load_pack_with_problems([ROOT / "tests" / "tables"])
    assert not problems
    return pack


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(services)
def test_the_default_packs_tables_assess_any_service_as_the_rules_they_replaced(
    families_as_rules: Any, document: dict[str, Any]
) -> None:
    """Every combination of the facts the tables test (the bundled scenarios do not reach them all)."""
    base = api.assess(document).to_dict()
    rules = api.assess(document, rules=families_as_rules).to_dict()
    assert _without_locations(rules) == _without_locations(base)


@pytest.mark.parametrize("table_id", sorted(FAMILIES))
@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_the_default_packs_tables_survive_a_spreadsheet(table_id: str, form: str, tmp_path: Path) -> None:
    """An architect exports a bundled table to Excel or CSV and loads it back: the same rules (list
    outputs such as a risk's accept_by included)."""
    table = api.rule_pack().table(table_id)
    (tmp_path / "layer").mkdir()
    out = tmp_path / "layer" / f"table.{form}"
    run_cli(
        "rules",
        "table",
        "convert",
        str(ROOT / table.location.file.replace("<bundled>", "rules")),
        "--table",
        table_id,
        "--to",
        form,
        "-o",
        str(out),
    )
    pack, problems = load_pack_with_problems([tmp_path / "layer"])
    assert not problems

    def described(rules: Any) -> list[Any]:
        return sorted(
            (r.id, r.when.describe(), r.concluded, r.title, r.rationale, r.priority, r.provenance)
            for r in rules
            if r.table == table_id
        )

    assert described(pack.rules) == described(api.rule_pack().rules)
