"""`rules check`: every mistake in a rule pack as a finding with file:line, before it reaches an analyst.

Two sources of findings:
- the loader's problems (syntax, shape, unknown facts, values, processes, duplicate ids...), turned
  into error findings;
- lint checks over the rules that load: conditions that can never hold, derived facts nobody uses,
  derivation cycles, equal-priority rules that disagree under overlapping conditions, and rules
  beyond a limit of the rules engine (`RuleBackend.limit`).

Whether conditions can hold together is asked of the rules backend (`_satisfiable`) with candidate
values of the fact, never decided by a second evaluator here.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .. import kinds
from ..backend import Case
from ..contract import FACTS
from ..engine import BACKEND
from ..errors import EXIT_INVALID_RULES, EXIT_OK, count, did_you_mean
from ..kinds import PackFacts
from ..kinds.base import Kind
from ..rulepack import PLACEHOLDER, Condition, Group, Location, Problem, Rule, RulePack, load_pack_with_problems
from ..rulepack import tables as decision
from ..rulepack.coverage import as_box
from ..rulepack.ir import SOURCE_FORMAT

ERROR = "error"
WARNING = "warning"
_RULE_PREFIX = re.compile(r"^(?:rule|table) ([a-z0-9][a-z0-9._-]*): ")
_RULE_QUOTED = re.compile(r'rule id "([^"]+)"')


@dataclass(frozen=True)
class Finding:
    file: str
    line: int  # 0 when the problem concerns a whole file or layer
    rule: str  # "" when no single rule is at fault
    severity: str  # error or warning
    message: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        rule = f" [{self.rule}]" if self.rule else ""
        return f"{self.where}: {self.severity}{rule}: {self.message}"


@dataclass(frozen=True)
class CheckReport:
    findings: tuple[Finding, ...]
    rules: int
    files: tuple[str, ...]
    version: str

    @property
    def errors(self) -> int:
        return sum(finding.severity == ERROR for finding in self.findings)

    @property
    def warnings(self) -> int:
        return sum(finding.severity == WARNING for finding in self.findings)

    def failed(self, strict: bool = False) -> bool:
        return self.errors > 0 or (strict and self.warnings > 0)

    def exit_code(self, strict: bool = False) -> int:
        """4 (broken rules) when the check failed, else 0."""
        return EXIT_INVALID_RULES if self.failed(strict) else EXIT_OK

    def summary(self) -> str:
        checked = f"{count(self.rules, 'rule')} in {count(len(self.files), 'file')}"
        if not self.findings:
            return f"no problems found ({checked})"
        return f"{count(self.errors, 'error')}, {count(self.warnings, 'warning')} ({checked})"

    def render_text(self) -> str:
        return "".join(f"{finding}\n" for finding in self.findings) + self.summary() + "\n"

    def render_json(self) -> str:
        document = {
            "findings": [asdict(finding) for finding in self.findings],
            "errors": self.errors,
            "warnings": self.warnings,
            "rules": self.rules,
            "files": list(self.files),
            "rules_version": self.version,
        }
        return json.dumps(document, indent=2) + "\n"


def check_rules(dirs: Iterable[str | Path] = (), include_default: bool = True) -> CheckReport:
    """Check the default pack (unless excluded) with the given layers on top. Never raises RulesError."""
    pack, problems = load_pack_with_problems(dirs, include_default)
    findings = [_from_problem(problem) for problem in problems]
    findings.extend(lint(pack))
    findings.extend(table_gaps(pack))
    findings.extend(redundant_rows(pack))
    findings.extend(policy_overrides(pack))
    order = {name: index for index, name in enumerate(pack.files)}
    findings.sort(key=lambda f: (order.get(f.file, -1), f.file, f.line, f.rule, f.message))
    return CheckReport(tuple(dict.fromkeys(findings)), len(pack.rules), pack.files, pack.version)


def _from_problem(problem: Problem) -> Finding:
    location = problem.location
    file, line = (location.file, location.line) if isinstance(location, Location) else (str(location), 0)
    message = problem.message
    rule = ""
    prefix = _RULE_PREFIX.match(message)
    if prefix:
        rule, message = prefix.group(1), message[prefix.end() :]
    elif quoted := _RULE_QUOTED.search(message):
        rule = quoted.group(1)
    return Finding(file, line, rule, ERROR, message)


def _finding(location: Location, rule: Rule, severity: str, message: str) -> Finding:
    return Finding(location.file, location.line, rule.id, severity, message)


# --- lint checks over the rules that loaded ---------------------------------------------------


def lint(pack: RulePack) -> list[Finding]:
    derived_values = _derived_values(pack.rules)
    probes = _Probes(derived_values)
    never = _never_fire_probes(pack.rules, probes)
    pairs = _disagreeing_pairs(pack)
    pair_probes = {(a.id, b.id): _pair_probes(a, b, probes) for a, b, _ in pairs}
    held = _satisfiable(probes.items)
    findings = [finding for probe, finding in never if probe not in held]
    for a, b, what in pairs:
        if all(key in held for key in pair_probes[(a.id, b.id)]):
            findings.append(
                _finding(
                    b.location,
                    b,
                    WARNING,
                    f"{what} ({a.location}) with the same priority {b.priority}, and their conditions can hold "
                    "together: give one of them a higher priority to settle it",
                )
            )
    findings.extend(_unused_derived(pack.rules))
    findings.extend(_cycles(pack.rules))
    findings.extend(_unsourced((*pack.rules, *pack.workshop_rules)))
    findings.extend(_seed_citing_regulations((*pack.rules, *pack.workshop_rules)))
    findings.extend(_engine_limits(pack.rules))
    return findings


def _unsourced(rules: Iterable[Rule]) -> Iterator[Finding]:
    """A warning, not an error, so that packs written before sources were required still load."""
    for rule in rules:
        if not rule.provenance.origin:
            yield _finding(rule.location, rule, WARNING, f"no source: say where the rule comes from, {SOURCE_FORMAT}")


# The regulations the scenario contract knows, as a text names them: the seed names none of them.
_REGULATION_NAMES = re.compile(r"\b(SOX|Sarbanes|DORA|GDPR|NIS ?2|HIPAA|PCI)\b", re.IGNORECASE)
_REGULATIONS_FACT = "regulations"


def _seed_citing_regulations(rules: Iterable[Rule]) -> Iterator[Finding]:
    """A warning per rule labelled `source: seed` that tests the regulations or names one in its words:
    the seed names no regulation, so such a rule is practice, and --seed-only would run it all the same."""
    for rule in rules:
        if rule.provenance.origin != "seed":
            continue
        cited = _regulations_cited(rule)
        if cited:
            yield _finding(
                rule.location,
                rule,
                WARNING,
                f"labelled seed, but it cites {cited}: the seed names no regulation, so --seed-only would still "
                "give regulatory advice; label it `source: practice, <reference>` (e.g. practice, SOX s. 404)",
            )


def _regulations_cited(rule: Rule) -> str:
    """What of regulation a rule cites: the regulations fact it tests, or the names its texts use."""
    texts = [rule.title, rule.rationale]
    texts += [text for conclusion in rule.then for text in kinds.kind(conclusion.kind).texts(conclusion.payload)]
    names = sorted({match.group(1).upper() for text in texts for match in _REGULATION_NAMES.finditer(text)})
    if _REGULATIONS_FACT in rule.facts_tested:
        names.insert(0, "the regulations fact")
    return ", ".join(names)


def _engine_limits(rules: Iterable[Rule]) -> Iterator[Finding]:
    """Rules the rules engine cannot take as written (assess would stop on them with exit 4)."""
    for rule in rules:
        problem = BACKEND.limit(rule)
        if problem:
            yield _finding(rule.location, rule, ERROR, f"the rules engine cannot run it: {problem}")


def _top_conditions(rule: Rule) -> list[Condition]:
    return [item for item in rule.when.items if isinstance(item, Condition)]


def _derived_values(rules: Iterable[Rule]) -> dict[str, list[Any]]:
    values: dict[str, list[Any]] = {}
    for rule in rules:
        for name, value in rule.derives:
            if value not in values.setdefault(name, []):
                values[name].append(value)
    return values


class _Probes:
    """Questions for the rules backend: can one value of a fact meet all these conditions?"""

    def __init__(self, derived_values: dict[str, list[Any]]) -> None:
        self.derived_values = derived_values
        self.items: dict[str, tuple[list[Condition], list[Any]]] = {}

    def add(self, conditions: list[Condition]) -> str:
        key = f"p{len(self.items)}"
        self.items[key] = (conditions, self._candidates(conditions))
        return key

    def _candidates(self, conditions: list[Condition]) -> list[Any]:
        first = conditions[0]
        if first.derived:
            return list(self.derived_values.get(first.fact, []))
        spec = FACTS[first.fact]
        if spec.kind in ("choice", "ordered"):
            return [None, *spec.values]
        if spec.kind == "flag":
            return [None, True, False]
        if spec.kind == "set":
            subsets = itertools.chain.from_iterable(
                itertools.combinations(spec.values, size) for size in range(len(spec.values) + 1)
            )
            return [None, *subsets]
        operands = [c.operand for c in conditions if isinstance(c.operand, int) and not isinstance(c.operand, bool)]
        numbers = {0, *(n + step for n in operands for step in (-1, 0, 1))}
        return [None, *sorted(n for n in numbers if n >= spec.minimum)]


def _satisfiable(probes: dict[str, tuple[list[Condition], list[Any]]]) -> set[str]:
    """The probes some candidate value satisfies: probe key -> (conditions on one fact, candidate values).

    Each candidate value (None: the fact is missing) is a case of its own, with no other fact, so a
    probe holds in a case when each of its conditions does. Probes on the same fact share cases.
    """
    if not probes:
        return set()
    conditions = list(dict.fromkeys(condition for tests, _ in probes.values() for condition in tests))
    position = {condition: index for index, condition in enumerate(conditions)}
    compiled = BACKEND.compile_items(conditions)
    held: dict[tuple[str, bool, type, Any], frozenset[int]] = {}
    found = set()
    for key, (tests, values) in probes.items():
        wanted = {position[condition] for condition in tests}
        fact, derived = tests[0].fact, tests[0].derived
        for value in values:
            case = (fact, derived, type(value), value)  # with the type, True and 1 are different candidates
            if case not in held:
                held[case] = compiled.matches(_case(fact, derived, value))
            if wanted <= held[case]:
                found.add(key)
                break
    return found


def _case(fact: str, derived: bool, value: Any) -> Case:
    if derived:
        return Case({}, {fact: (value,)})
    return Case({} if value is None else {fact: value})


def _by_fact(conditions: Iterable[Condition]) -> dict[str, list[Condition]]:
    grouped: dict[str, list[Condition]] = {}
    for condition in conditions:
        grouped.setdefault(condition.fact, []).append(condition)
    return grouped


def _never_fire_probes(rules: Iterable[Rule], probes: _Probes) -> list[tuple[str, Finding]]:
    found = []
    for rule in rules:
        for fact, conditions in _by_fact(_top_conditions(rule)).items():
            if conditions[0].derived:
                for condition in conditions:
                    if fact in probes.derived_values:
                        found.append((probes.add([condition]), _derived_never(rule, condition, probes)))
                continue
            if len(conditions) == 1:
                message = f"can never fire: no value of {fact} meets '{conditions[0].describe()}'"
            else:
                tests = " and ".join(f"'{c.describe()}'" for c in conditions)
                message = f"can never fire: the conditions on {fact} contradict each other: {tests}"
            found.append((probes.add(conditions), _finding(conditions[0].location, rule, ERROR, message)))
    return found


def _derived_never(rule: Rule, condition: Condition, probes: _Probes) -> Finding:
    values = [str(value) for value in probes.derived_values[condition.fact]]
    operand = condition.operand
    hint = did_you_mean(str(operand), values) if not isinstance(operand, tuple) else ""
    message = (
        f"can never fire: no rule derives {condition.fact} with a value that meets '{condition.describe()}'; "
        f"rules derive {', '.join(values)}{hint}"
    )
    return _finding(condition.location, rule, ERROR, message)


# --- equal-priority rules that disagree ---------------------------------------------------------


def _disagreement(a: Rule, b: Rule, pack: PackFacts) -> str:
    """What rule b concludes that rule a concludes differently, or '' when they agree (kinds in registry order)."""
    for kind in kinds.authored():
        mine, theirs = b.of_kind(kind.name), a.of_kind(kind.name)
        if mine and theirs:
            what = kind.disagreement(mine, theirs, a.id, pack)
            if what:
                return what
    return ""


def _has_groups(rule: Rule) -> bool:
    return any(isinstance(item, Group) for item in rule.when.items)


def _disagreeing_pairs(pack: RulePack) -> list[tuple[Rule, Rule, str]]:
    """Equal-priority rules that conclude differently. A rule with `any`/`all` groups is left out:
    the overlap test compares top-level conditions only, and a warning that cries wolf is worse
    than none. Only rules with the same priority and a conclusion of the same kind that can disagree
    are compared, so a pack of thousands of rules is checked in seconds, not in their square."""
    candidates: set[tuple[int, int]] = set()
    for kind in kinds.authored():
        if type(kind).disagreement is Kind.disagreement:
            continue  # the default: this kind never disagrees
        by_priority: dict[int, list[int]] = {}
        for index, rule in enumerate(pack.rules):
            if rule.of_kind(kind.name) and not _has_groups(rule):
                by_priority.setdefault(rule.priority, []).append(index)
        for indices in by_priority.values():
            candidates.update(itertools.combinations(indices, 2))
    facts = PackFacts(pack.process_ids, pack.conflict_kinds, pack.roles, pack.acceptance, pack.processes)
    pairs = []
    for first, second in sorted(candidates):
        a, b = pack.rules[first], pack.rules[second]
        what = _disagreement(a, b, facts)
        if what:
            pairs.append((a, b, what))
    return pairs


def _pair_probes(a: Rule, b: Rule, probes: _Probes) -> list[str]:
    """Probes that all hold when the two rules' conditions can hold together, fact by fact.

    A derived fact is treated as having one value here, so `operated_by: it` and `operated_by:
    business` count as exclusive.
    """
    conditions_a, conditions_b = _by_fact(_top_conditions(a)), _by_fact(_top_conditions(b))
    return [probes.add(conditions_a[fact] + conditions_b[fact]) for fact in conditions_a.keys() & conditions_b.keys()]


# --- derived facts: unused, and cycles ----------------------------------------------------------


def _used_names(rules: Iterable[Rule]) -> set[str]:
    used: set[str] = set()
    for rule in rules:
        used.update(condition.fact for condition in rule.when.conditions())
        for conclusion in rule.then:
            for text in kinds.kind(conclusion.kind).texts(conclusion.payload):
                used.update(PLACEHOLDER.findall(text))
    return used


def _unused_derived(rules: tuple[Rule, ...]) -> Iterator[Finding]:
    used = _used_names(rules)
    for rule in rules:
        for conclusion in rule.then:
            if conclusion.kind == "derive":
                for name, _ in conclusion.payload:
                    if name not in used:
                        yield _finding(
                            conclusion.location,
                            rule,
                            WARNING,
                            f"derives {name}, but no rule tests it and no message uses {{{name}}}",
                        )


def _cycles(rules: tuple[Rule, ...]) -> Iterator[Finding]:
    """Rules that re-trigger each other through derived facts: strongly connected components."""
    derives = {rule.id: {name for name, _ in rule.derives} for rule in rules}
    tests = {rule.id: {c.fact for c in rule.when.conditions() if c.derived} for rule in rules}
    edges = {a: sorted(b for b in tests if derives[a] & tests[b]) for a in derives}
    by_id = {rule.id: rule for rule in rules}
    for component in _components(edges):
        first = by_id[component[0]]
        if len(component) == 1 and first.id not in edges[first.id]:
            continue
        facts = ", ".join(sorted(set.union(*(derives[r] & tests[s] for r in component for s in component))))
        if len(component) == 1:
            message = f"derives {facts}, which its own conditions test: it can re-trigger itself forever"
        else:
            message = (
                f"rules {', '.join(component)} form a derivation cycle through {facts}: "
                "they can re-trigger each other forever"
            )
        yield _finding(first.location, first, ERROR, message)


def _components(edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, each sorted, in a stable order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            result.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(result)


# --- decision tables: the input combinations no row covers ----------------------------------------

GAPS_SHOWN = 10


def table_gaps(pack: RulePack) -> list[Finding]:
    """A warning per single-hit table that leaves input combinations uncovered, listing them.

    Overlaps (unique, any), rows shadowed under first and priority, and cell values outside the
    vocabulary are the loader's errors already. The domains are the contract's vocabularies, the
    intervals between the numbers the table names, and the values the pack derives.
    """
    derived_values = _derived_values(pack.rules)
    findings = []
    for table in pack.tables:
        if table.hit_policy not in decision.SINGLE_HIT or not table.rows:
            continue
        columns, found = decision.gaps(table, derived_values)
        gaps = len(found.pieces)
        if not gaps and found.complete:
            continue
        shown = [
            f"  - {decision.describe_box(columns, as_box(piece), table.location)}"
            for piece in found.pieces[:GAPS_SHOWN]
        ]
        more = [f"  ... and {count(gaps - GAPS_SHOWN, 'more gap')}"] if gaps > GAPS_SHOWN else []
        head = f"gap ({table.hit_policy}): no row matches {count(gaps, 'input combination')}"
        if not found.complete:
            head = (
                f"gap ({table.hit_policy}): gap analysis incomplete after {found.regions:,} regions (the rows leave "
                f"too many gaps, or overlap in too many ways, to search them all); so far, no row matches "
                f"{count(gaps, 'input combination')}"
            )
        message = "\n".join([f"{head}:" if gaps else head, *shown, *more])
        findings.append(Finding(table.location.file, table.location.line, table.id, WARNING, message))
    return findings


def redundant_rows(pack: RulePack) -> list[Finding]:
    """A warning per redundant row of an `any` table: earlier rows match every case it matches and
    conclude the same, so it never fires and removing it changes no outcome (the loader gives it no rule)."""
    return [
        Finding(row.location.file, row.location.line, table.id, WARNING, redundancy(row))
        for table in pack.tables
        for row in table.rows
        if row.covered_by
    ]


def redundancy(row: decision.TableRow) -> str:
    """Why a redundant row never fires, naming the rows that cover it, and what to do."""
    covering = row.covered_by
    rows = f"row {covering[0]}" if len(covering) == 1 else f"rows {', '.join(map(str, covering))}"
    cover = "covers" if len(covering) == 1 else "together cover"
    return (
        f"row {row.number} is redundant: {rows} before it {cover} every case row {row.number} covers, with the "
        f"same outputs (hit policy any), so row {row.number} never fires; remove it, or move it above {rows} "
        "to have it fire for its cases"
    )


# --- roles and the acceptance policy: what a layer overrides ------------------------------------------


def policy_overrides(pack: RulePack) -> list[Finding]:
    """A warning per role or severity policy a later layer redefines, saying what changed and whether it
    loosens who may accept risk or for how long: an override is legal, but an auditor must see it."""
    findings = []
    for section, items in (("roles", pack.roles), ("acceptance", pack.acceptance)):
        for key, item in items.items():
            while item.replaces is not None:
                findings.append(_override(f"{section}.{key}", item, item.replaces))
                item = item.replaces
    return findings


def _override(name: str, new: Any, old: Any) -> Finding:
    section, _, key = name.partition(".")
    role = section == "roles"
    fields = ("name", "line", "authority", "person") if role else ("review_months", "minimum_authority")
    changes = [
        f"{field} {_shown(getattr(old, field), role)} -> {_shown(getattr(new, field), role)}"
        for field in fields
        if getattr(old, field) != getattr(new, field)
    ]
    said = ", ".join(changes) or "redefines it unchanged"
    looser, tighter = _loosening(new, old)
    what = "who may accept risk" if role else f"the acceptance policy for {key} risks"
    if looser != tighter:
        said += f": {'loosens' if looser else 'tightens'} {what}"
    return Finding(new.location.file, new.location.line, "", WARNING, f"{name} overrides {old.location}: {said}")


def _shown(value: Any, role: bool) -> str:
    """A value as the override warning shows it: '-' for none (a second-line role has no authority)."""
    return "-" if value is None or (role and value == 0) else str(value)


def _loosening(new: Any, old: Any) -> tuple[bool, bool]:
    """(looser, tighter): whether the override lets more (or less) risk be accepted, or for longer (shorter)."""
    if hasattr(new, "review_months"):
        looser = new.review_months > old.review_months or new.minimum_authority < old.minimum_authority
        tighter = new.review_months < old.review_months or new.minimum_authority > old.minimum_authority
        return looser, tighter
    first = ("first", "second")
    looser = first.index(new.line) < first.index(old.line) or new.authority > old.authority
    tighter = first.index(new.line) > first.index(old.line) or new.authority < old.authority
    return looser, tighter
