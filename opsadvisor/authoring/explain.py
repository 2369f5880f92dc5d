"""`opsadvisor explain`: why each rule fired, and why not.

Which rules fired comes from the main engine run. For every rule, whether each top-level condition
held is asked of the rules backend as well (each condition compiled on its own, matched against the
same service facts and the derived facts of the run), so the explanation can never disagree with the
engine. A near miss is a rule that failed on exactly one condition.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .. import kinds
from ..api import RulesArg, assessor_for, evidence_book, rule_pack
from ..assessment import AsOf, Assessment, TraceEntry
from ..backend import MISSING, Case, CompiledItems
from ..engine import BACKEND, once_per_pack
from ..facts import Facts, fact_source
from ..rulepack import Condition, Group, Rule, RulePack
from ..rulepack.tables import table_cell_text
from ..scenario import ScenarioInput, load_scenario, source_of
from ..text import show_value
from .catalogue import describe_item, find_rule

NOT_DERIVED = "not derived"


@dataclass(frozen=True)
class ConditionCheck:
    """One top-level condition of a rule (or a nested any/all group) and whether it held."""

    condition: str
    held: bool
    facts: dict[str, str]  # fact name -> where it comes from ("$.data.classification", "derived")
    actual: dict[str, Any]  # fact name -> its value, or "missing"
    cell: str = ""  # for a decision table's row: the column and the cell as written, e.g. "users: >= 500"

    def actual_text(self) -> str:
        return "; ".join(f"{name} ({self.facts[name]}) = {show_value(value)}" for name, value in self.actual.items())


@dataclass(frozen=True)
class RuleExplanation:
    rule: str
    title: str
    priority: int
    location: str
    fired: bool
    conditions: tuple[ConditionCheck, ...]
    matched: dict[str, Any]
    concluded: tuple[str, ...]
    outranked: tuple[str, ...] = ()  # conclusions of a fired rule that a higher-priority rule overrode
    row: str = ""  # "row 3 of table acme.size" when the rule is a decision table's row

    @property
    def failed(self) -> tuple[ConditionCheck, ...]:
        return tuple(check for check in self.conditions if not check.held)

    @property
    def near_miss(self) -> bool:
        return not self.fired and len(self.failed) == 1

    def to_dict(self) -> dict[str, Any]:
        first = self.failed[0] if self.failed and not self.fired else None
        return {
            "rule": self.rule,
            "title": self.title,
            "priority": self.priority,
            "location": self.location,
            "fired": self.fired,
            "near_miss": self.near_miss,
            "matched": {name: _jsonable(value) for name, value in self.matched.items()},
            "concluded": list(self.concluded),
            "outranked": list(self.outranked),
            "table_row": self.row or None,
            "first_failed": None
            if first is None
            else {
                "condition": first.condition,
                "cell": first.cell or None,
                "facts": first.facts,
                "actual": {name: _jsonable(value) for name, value in first.actual.items()},
            },
            "conditions": [
                {
                    "condition": check.condition,
                    "held": check.held,
                    "facts": check.facts,
                    "actual": {name: _jsonable(value) for name, value in check.actual.items()},
                }
                for check in self.conditions
            ],
        }


@dataclass(frozen=True)
class Explanation:
    source: str
    service_id: str
    service_name: str
    rules_version: str
    rules: tuple[RuleExplanation, ...]  # the named rules, or every rule in firing, then pack order
    named: bool

    @property
    def fired(self) -> tuple[RuleExplanation, ...]:
        return tuple(rule for rule in self.rules if rule.fired)

    @property
    def near_misses(self) -> tuple[RuleExplanation, ...]:
        return tuple(rule for rule in self.rules if rule.near_miss)

    def to_dict(self) -> dict[str, Any]:
        shown = self.rules if self.named else self.fired + self.near_misses
        return {
            "source": self.source,
            "service": {"id": self.service_id, "name": self.service_name},
            "rules_version": self.rules_version,
            "rules": [rule.to_dict() for rule in shown],
        }

    def render_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def render_text(self) -> str:
        out = [f"explain: {self.service_name} ({self.service_id}) from {self.source}"]
        out.append(f"rules_version: {self.rules_version}")
        if self.named:
            for rule in self.rules:
                out += ["", *_rule_lines(rule, every_condition=True)]
            return "\n".join(out) + "\n"
        out += ["", f"Fired ({len(self.fired)}):"]
        for rule in self.fired:
            out += _rule_lines(rule, every_condition=False)
        out += ["", f"Near misses, rules that failed on exactly one condition ({len(self.near_misses)}):"]
        for rule in self.near_misses:
            out += _rule_lines(rule, every_condition=False)
        others = len(self.rules) - len(self.fired) - len(self.near_misses)
        out += ["", f"{others} other rules failed on two or more conditions; ask about one with --rule ID."]
        return "\n".join(out) + "\n"


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _rule_lines(rule: RuleExplanation, every_condition: bool) -> list[str]:
    out = [f"  {rule.rule} (priority {rule.priority}, {rule.location}): {rule.title}"]
    if rule.row:
        out.append(f"    {rule.row}")
    if rule.fired:
        out.append("    fired")
        matched = "; ".join(f"{name} = {show_value(value)}" for name, value in rule.matched.items())
        out.append(f"    matched:   {matched or '(no conditions)'}")
        out.append(f"    concluded: {'; '.join(rule.concluded)}")
        out += [f"    outranked: {note}" for note in rule.outranked]
    elif rule.failed:
        first = rule.failed[0]
        out.append(f"    did not fire: {len(rule.failed)} of {len(rule.conditions)} conditions failed")
        out.append(f"    first failed: {first.condition}" + (f"  (cell {first.cell})" if first.cell else ""))
        out.append(f"    actual:       {first.actual_text()}")
    else:
        out.append("    did not fire, though each condition held on its own")
    if every_condition:
        out += [f"    {'held  ' if c.held else 'FAILED'}  {c.condition}  [{c.actual_text()}]" for c in rule.conditions]
    return out


# --- building ---------------------------------------------------------------------------------------


def _compile_conditions(pack: RulePack) -> CompiledItems:
    """Every top-level item of every rule's `when`, in pack order."""
    return BACKEND.compile_items([item for rule in pack.rules for item in rule.when.items])


def _held(pack: RulePack, facts: Facts, derived: dict[str, tuple[Any, ...]]) -> dict[str, tuple[bool, ...]]:
    """For each rule id, whether each top-level item of its `when` held (nothing chains)."""
    held = once_per_pack(pack, "explain", _compile_conditions).matches(Case(facts.values, derived))
    positions = itertools.count()
    return {rule.id: tuple(next(positions) in held for _ in rule.when.items) for rule in pack.rules}


def _item_facts(item: Condition | Group) -> list[Condition]:
    return [item] if isinstance(item, Condition) else list(item.conditions())


def _check(item: Condition | Group, held: bool, facts: Facts, derived: dict[str, tuple[Any, ...]]) -> ConditionCheck:
    sources: dict[str, str] = {}
    actual: dict[str, Any] = {}
    for condition in _item_facts(item):
        name = condition.fact
        if condition.derived:
            sources[name] = "derived"
            values = derived.get(name, ())
            actual[name] = (values[0] if len(values) == 1 else values) if values else NOT_DERIVED
        else:
            sources[name] = "$." + fact_source(name)
            actual[name] = facts.values.get(name, MISSING)
    return ConditionCheck(describe_item(item), held, sources, actual)


def _matched(entries: list[TraceEntry]) -> dict[str, Any]:
    """What a rule matched; a rule that fired once per derived value lists every value."""
    merged: dict[str, list[Any]] = {}
    for entry in entries:
        for name, value in entry.matched.items():
            if value not in merged.setdefault(name, []):
                merged[name].append(value)
    return {name: values[0] if len(values) == 1 else tuple(values) for name, values in merged.items()}


def _outranked(rule: Rule, assessment: Assessment) -> tuple[str, ...]:
    """What a fired rule concluded that the assessment does not show, because a rule of higher
    priority decided it otherwise (the answer to "it fired, so why is the model not C?")."""
    notes = (kinds.kind(conclusion.kind).outranked(conclusion.payload, assessment) for conclusion in rule.then)
    return tuple(note for note in notes if note)


def _cells(rule: Rule, pack: RulePack) -> tuple[str, dict[Condition, str]]:
    """For a decision table's row: "row N of table T", and each condition's column and cell as written
    (rows that share an id, one rule: "rows N, M of table T")."""
    table = pack.table(rule.table) if rule.table else None
    rows = table.rows_of(rule.id) if table else ()
    if table is None or not rows:
        return "", {}
    cells = {
        condition: f"{fact}: {table_cell_text(cell)}"
        for row in rows
        for fact, cell, tests in zip(table.inputs, table.inputs_of(row), row.tests, strict=True)
        for condition in tests
    }
    numbers = ", ".join(str(row.number) for row in rows)
    return f"{'rows' if len(rows) > 1 else 'row'} {numbers} of table {table.id} ({table.hit_policy})", cells


def _explain_rule(
    rule: Rule,
    held: tuple[bool, ...],
    entries: list[TraceEntry],
    facts: Facts,
    derived: dict[str, tuple[Any, ...]],
    assessment: Assessment,
    pack: RulePack,
) -> RuleExplanation:
    row, cells = _cells(rule, pack)
    checks = tuple(
        replace(_check(item, ok, facts, derived), cell=cells.get(item, "") if isinstance(item, Condition) else "")
        for item, ok in zip(rule.when.items, held, strict=True)
    )
    return RuleExplanation(
        rule.id,
        rule.title,
        rule.priority,
        str(rule.location),
        bool(entries),
        checks,
        _matched(entries),
        entries[0].concluded if entries else (),
        _outranked(rule, assessment) if entries else (),
        row,
    )


def explain(
    scenario: ScenarioInput,
    rule_ids: Iterable[str] = (),
    rules: RulesArg = None,
    include_default_rules: bool = True,
    source: str | None = None,
    records: Any = None,
) -> Explanation:
    """Explain one assessment: every rule named (or the fired rules and near misses).

    `source` names the scenario in messages (default: its path, "<stdin>" for "-", or "<scenario>");
    `records` (as for api.assess) gives the service its evidence from its records, as of today. Raises
    ScenarioError (exit 3), RulesError (exit 4), or UnknownRule (exit 2) for a rule id the pack
    does not have.
    """
    pack = rule_pack(rules, include_default_rules)
    named = [find_rule(pack, rule_id) for rule_id in dict.fromkeys(rule_ids)]
    assessor = assessor_for(pack)
    source = source or (source_of(scenario) if isinstance(scenario, (str, Path)) else "<scenario>")
    parsed = load_scenario(scenario, assessor.spec, source)
    if records is not None:
        parsed = evidence_book(records).attach(parsed)
    when = AsOf.of(None)
    facts, result = assessor.run(parsed, when)
    assessment = assessor.build(parsed, facts, result, when)
    held = _held(pack, facts, result.derived)
    entries: dict[str, list[TraceEntry]] = {}
    for entry in assessment.trace:
        entries.setdefault(entry.rule, []).append(entry)
    if named:
        ordered = named
    else:
        by_id = {rule.id: rule for rule in pack.rules}
        ordered = [by_id[rule_id] for rule_id in entries] + [rule for rule in pack.rules if rule.id not in entries]
    explained = tuple(
        _explain_rule(rule, held[rule.id], entries.get(rule.id, []), facts, result.derived, assessment, pack)
        for rule in ordered
    )
    return Explanation(
        source,
        parsed.service_id,
        parsed.service_name,
        pack.version,
        explained,
        named=bool(named),
    )
