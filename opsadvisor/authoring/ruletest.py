"""`rules test`: test cases for a rule pack (a scenario plus an `expect` block), with rule coverage.

A test file is YAML:

    base:                      # optional: every case's scenario starts from this (mappings merge)
      vendor_run: true
    cases:
      - name: an IT-operated ambition aims for model A
        scenario: {ambition: it_operated}        # or a path to a scenario JSON file
        expect: {model: A, mode: 1, fired: [ambition.it-operated]}

The scenario goes through the same validation and engine as `opsadvisor assess`; the expectations
are compared with the resulting Assessment. A broken test file is reported with file:line (exit 4)
before any case runs.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import kinds
from ..api import assessor_for, rule_pack
from ..assessment import TraceEntry
from ..backend import Case
from ..engine import BACKEND, once_per_pack
from ..errors import (
    EXIT_FINDINGS,
    EXIT_OK,
    OpsAdvisorError,
    RulesError,
    ScenarioError,
    UsageError,
    count,
    did_you_mean,
)
from ..facts import Facts, build_facts
from ..kinds.base import Expectation, IdsExpectation
from ..rulepack import RulePack, default_rules_dir
from ..rulepack.ir import Group
from ..scenario import read_scenario_file
from ..yamlload import LineDict, LineList, YamlProblem, load_yaml

FILE_KEYS = ("base", "cases")
CASE_KEYS = ("name", "scenario", "expect")
# Which rules fired: the one expectation that is not a conclusion kind's.
FIRED = IdsExpectation(
    "fired", "not_fired", lambda a: sorted({t.rule for t in a.trace}), lambda pack: tuple(r.id for r in pack.rules)
)


def expectations() -> dict[str, Expectation]:
    """Every key an `expect` block may hold, with the expectation that checks it (kinds first, then fired)."""
    every = [expectation for kind in kinds.registered() for expectation in kind.expectations()] + [FIRED]
    return {key: expectation for expectation in every for key in expectation.keys}


class NoTestCases(OpsAdvisorError):
    """`rules test` found nothing to run: a silent pass would hide a broken CI job (exit 1)."""

    exit_code = EXIT_FINDINGS


@dataclass(frozen=True)
class RuleCase:
    file: str
    line: int
    name: str
    document: dict[str, Any]
    expect: dict[str, Any]


@dataclass(frozen=True)
class CaseResult:
    file: str
    line: int
    name: str
    diff: tuple[str, ...]  # "- expected" / "+ actual" lines; empty when the case passed
    fired: tuple[str, ...]  # rule ids, and "ID row N" for each row that held of a rule written as several rows

    @property
    def passed(self) -> bool:
        return not self.diff


@dataclass(frozen=True)
class RuleTestRun:
    results: tuple[CaseResult, ...]
    rules: dict[str, str]  # what coverage counts (rule ids; "ID row N" for a rule of several rows) -> where
    min_coverage: float | None = None

    @property
    def passed(self) -> int:
        return sum(result.passed for result in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def not_fired(self) -> tuple[str, ...]:
        fired = {rule for result in self.results for rule in result.fired}
        return tuple(rule for rule in self.rules if rule not in fired)

    @property
    def coverage(self) -> float:
        if not self.rules:
            return 100.0
        return 100.0 * (len(self.rules) - len(self.not_fired)) / len(self.rules)

    @property
    def below_minimum(self) -> bool:
        return self.min_coverage is not None and self.coverage < self.min_coverage

    @property
    def ok(self) -> bool:
        return self.failed == 0 and not self.below_minimum

    @property
    def exit_code(self) -> int:
        """1 when a case failed or coverage is below the minimum, else 0."""
        return EXIT_OK if self.ok else EXIT_FINDINGS

    def summary(self) -> str:
        return f"{self.passed} passed, {self.failed} failed"

    def coverage_line(self) -> str:
        covered = len(self.rules) - len(self.not_fired)
        rows = (
            " (a rule written as several table rows counts each row)" if any(" row " in r for r in self.rules) else ""
        )
        return f"coverage: {covered} of {len(self.rules)} rules fired ({self.coverage:.1f}%){rows}"

    def minimum_missed(self) -> str:
        return f"coverage {self.coverage:.1f}% is below the minimum of {self.min_coverage:g}%"

    def render_text(self, coverage: bool = False) -> str:
        out = []
        for result in self.results:
            out.append(f"{'PASS' if result.passed else 'FAIL'}  {result.file}:{result.line}  {result.name}")
            out += [f"        {line}" for line in result.diff]
        if coverage or self.min_coverage is not None:
            out.append(self.coverage_line())
            out += [f"  not fired: {rule}  ({self.rules[rule]})" for rule in self.not_fired]
        if self.below_minimum:
            out.append(self.minimum_missed())
        out.append(self.summary())
        return "\n".join(out) + "\n"

    def render_junit(self) -> str:
        suites = ET.Element("testsuites", name="opsadvisor rules test", tests=str(len(self.results)))
        suites.set("failures", str(self.failed))
        by_file: dict[str, list[CaseResult]] = {}
        for result in self.results:
            by_file.setdefault(result.file, []).append(result)
        for file, results in by_file.items():
            suite = ET.SubElement(suites, "testsuite", name=file, tests=str(len(results)))
            suite.set("failures", str(sum(not r.passed for r in results)))
            for result in results:
                case = ET.SubElement(suite, "testcase", classname=file, name=result.name)
                case.set("file", file)
                case.set("line", str(result.line))
                if not result.passed:
                    failure = ET.SubElement(case, "failure", message="expectations not met")
                    failure.text = "\n".join(result.diff)
        properties = ET.SubElement(suites, "properties")
        ET.SubElement(properties, "property", name="coverage", value=f"{self.coverage:.1f}")
        ET.SubElement(properties, "property", name="not_fired", value=" ".join(self.not_fired))
        ET.indent(suites)
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


# --- finding and reading test files ---------------------------------------------------------------


def find_test_files(paths: Iterable[str | Path]) -> list[Path]:
    """The YAML files named, and those under the directories named (recursively, sorted)."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise NoTestCases(str(path), ["no such test file or directory"])
    return list(dict.fromkeys(found))


class _Reader:
    """Reads test files into RuleCases, collecting every problem as file:line."""

    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        self.assessor = assessor_for(pack)
        self.problems: list[str] = []
        self.rule_ids = tuple(rule.id for rule in pack.rules)

    def error(self, file: str, line: int, message: str) -> None:
        self.problems.append(f"{file}:{line}: {message}")

    def read(self, path: Path) -> list[RuleCase]:
        file = str(path)
        try:
            document = load_yaml(path.read_bytes().decode("utf-8"))
        except UnicodeDecodeError:
            self.error(file, 0, "not UTF-8 text")
            return []
        except YamlProblem as problem:
            self.error(file, problem.line, problem.message)
            return []
        if not isinstance(document, LineDict) or not isinstance(document.get("cases"), LineList):
            self.error(file, getattr(document, "line", 1), "not a test file: expected a mapping with a list of 'cases'")
            return []
        self._unknown_keys(file, document, FILE_KEYS, "a test file")
        base = document.get("base", {})
        if not isinstance(base, dict):
            self.error(file, document.line_of("base"), "base must be a mapping (a partial scenario)")
            base = {}
        cases = document["cases"]
        return [
            case
            for index, item in enumerate(cases)
            if (case := self._case(path, cases.line_of(index), item, base)) is not None
        ]

    def _unknown_keys(self, file: str, mapping: LineDict, allowed: tuple[str, ...], what: str) -> None:
        for key in mapping:
            if key not in allowed:
                self.error(
                    file,
                    mapping.line_of(key),
                    f'unknown key "{key}" in {what}; expected one of {", ".join(allowed)}{did_you_mean(key, allowed)}',
                )

    def _case(self, path: Path, line: int, item: Any, base: dict[str, Any]) -> RuleCase | None:
        file = str(path)
        if not isinstance(item, LineDict):
            self.error(file, line, "a case must be a mapping with name, scenario and expect")
            return None
        before = len(self.problems)
        self._unknown_keys(file, item, CASE_KEYS, "a case")
        name = item.get("name", f"case at line {line}")
        if not isinstance(name, str) or not name.strip():
            self.error(file, item.line_of("name"), "name must be text")
            name = f"case at line {line}"
        document = self._scenario(path, item, base, name)
        expect = item.get("expect")
        if not isinstance(expect, LineDict) or not expect:
            self.error(file, item.line_of("expect"), f"case '{name}': expect must be a non-empty mapping")
        else:
            self._check_expect(file, expect, name)
        if len(self.problems) > before or document is None:
            return None
        return RuleCase(file, line, name, document, _plain(expect))

    def _scenario(self, path: Path, item: LineDict, base: dict[str, Any], name: str) -> dict[str, Any] | None:
        file, line = str(path), item.line_of("scenario")
        value = item.get("scenario")
        if isinstance(value, str):
            target = path.parent / value
            try:
                document = read_scenario_file(target)
            except ScenarioError as error:
                self.error(file, line, f"case '{name}': scenario: {'; '.join(error.lines())}")
                return None
        elif isinstance(value, dict):
            document = _merge(_plain(base), _plain(value))
            document.setdefault("service", {"id": "test", "name": name})
        else:
            self.error(file, line, f"case '{name}': scenario must be a mapping or the path of a scenario file")
            return None
        try:
            self.assessor.parse(document, f"{file}:{line}")
        except ScenarioError as error:
            for problem in error.problems:
                self.error(file, line, f"case '{name}': scenario: {problem}")
            return None
        return document

    def _check_expect(self, file: str, expect: LineDict, name: str) -> None:
        known = expectations()
        self._unknown_keys(file, expect, tuple(known), "expect")
        for key, value in expect.items():
            if key in known:
                for problem in known[key].problems(key, value, self.pack):
                    self.error(file, expect.line_of(key), f"case '{name}': {problem}")


def _plain(value: Any) -> Any:
    """LineDict/LineList to plain JSON values; YAML dates become ISO text, as in a JSON scenario."""
    return json.loads(json.dumps(value, default=str))


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_cases(paths: Iterable[str | Path], pack: RulePack) -> list[RuleCase]:
    """Every case in the files under `paths`; RulesError (exit 4) lists every problem in them."""
    reader = _Reader(pack)
    files = find_test_files(paths)
    cases = [case for path in files for case in reader.read(path)]
    if reader.problems:
        raise RulesError("", reader.problems)
    if not cases:
        where = ", ".join(map(str, paths)) or "(no path)"
        raise NoTestCases(
            where, [f"no test case found in {count(len(files), 'file')}; a test file holds a list of 'cases'"]
        )
    return cases


# --- running --------------------------------------------------------------------------------------


def compare(expect: dict[str, Any], assessment: Any) -> list[str]:
    """The diff of expected (-) against actual (+), one pair of lines per unmet expectation."""
    checks = dict.fromkeys(expectations().values())  # one expectation may own several keys
    return [
        line
        for expectation in checks
        if set(expectation.keys) & set(expect)
        for line in expectation.diff(expect, assessment)
    ]


def run_cases(cases: list[RuleCase], pack: RulePack, min_coverage: float | None = None) -> RuleTestRun:
    assessor = assessor_for(pack)
    rows = once_per_pack(pack, "rule rows", _RowsHeld)
    results = []
    for case in cases:
        scenario = assessor.parse(case.document, f"{case.file}:{case.line}")
        assessment = assessor.assess_scenario(scenario)
        fired = (*FIRED.actual(assessment), *rows.held(assessment.trace, build_facts(scenario)))
        results.append(CaseResult(case.file, case.line, case.name, tuple(compare(case.expect, assessment)), fired))
    order = {name: index for index, name in enumerate(pack.files)}
    in_file_order = sorted(pack.rules, key=lambda rule: (order.get(rule.location.file, -1), rule.location.line))
    rules = {
        target: location
        for rule in in_file_order
        for target, location in rows.targets.get(rule.id, [(rule.id, str(rule.location))])
    }
    return RuleTestRun(tuple(results), rules, min_coverage)


class _RowsHeld:
    """Coverage for a rule written as several table rows (rows that share an id): which of its rows
    held when it fired: each row's own tests, matched by durable_rules against the service's facts."""

    def __init__(self, pack: RulePack) -> None:
        self.targets: dict[str, list[tuple[str, str]]] = {}
        self._items: dict[str, list[tuple[str, Group]]] = {}
        for table in pack.tables:
            for rule_id in dict.fromkeys(row.rule_id for row in table.rows):
                rows = table.rows_of(rule_id)
                if len(rows) > 1:  # its derived tests are shared by every row: the rule fired, so they held
                    self.targets[rule_id] = [(f"{rule_id} row {row.number}", str(row.location)) for row in rows]
                    self._items[rule_id] = [
                        (label, Group("all", tuple(c for cell in row.tests for c in cell if not c.derived)))
                        for row, (label, _) in zip(rows, self.targets[rule_id], strict=True)
                    ]
        self._compiled = {
            rule_id: BACKEND.compile_items([g for _, g in items]) for rule_id, items in self._items.items()
        }

    def held(self, trace: Iterable[TraceEntry], facts: Facts) -> list[str]:
        labels = []
        for rule_id in dict.fromkeys(entry.rule for entry in trace if entry.rule in self._compiled):
            held = self._compiled[rule_id].matches(Case(facts.values))
            labels += [label for index, (label, _) in enumerate(self._items[rule_id]) if index in held]
        return labels


def run_rule_tests(
    paths: Iterable[str | Path],
    rules: RulePack | Iterable[str | Path] | None = None,
    include_default_rules: bool = True,
    min_coverage: float | None = None,
) -> RuleTestRun:
    """Run the test cases under `paths` (default: the bundled pack's suite, in a checkout) against a pack.

    Raises RulesError (exit 4) for a broken test file, NoTestCases (exit 1) when `paths` hold nothing to run
    and UsageError (exit 2) for no `paths` outside a checkout, where the bundled suite is not installed.
    """
    pack = rule_pack(rules, include_default_rules)
    paths = list(paths)
    if not paths:
        suite = default_rules_dir() / "tests"
        if not suite.is_dir():
            raise UsageError(
                "rules test",
                ["no PATH given, and the bundled suite ships only in a source checkout: name the tests to run"],
            )
        paths = [suite]
    return run_cases(read_cases(paths, pack), pack, min_coverage)
