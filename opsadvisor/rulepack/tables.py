"""Decision tables: rows of cells over input facts, each row one IR rule, and the hit policies.

A table is read by a front end (table_front: CSV, XLSX, or a YAML file's `tables:`) into a `Table`
whose cells are still as written; `compile_table` parses every cell into the conditions the YAML
rule language has (conditions.make_condition), every row's outputs into conclusions (kinds'
`parse`), and makes one Rule per row.

How the hit policies are kept independent of firing order: every input column's values are split
into *atoms* (each value of a vocabulary, the intervals between the numbers the cells name, each
combination of the set members the cells name, and "missing"), so a row is a box: per column, the
atoms its cell accepts. Under `unique`, `any`, `first` and `priority` a row gets, beside its own
cells, a group "no earlier row matches": the atoms of its box that no earlier row (in row order, or
by priority) covers, as ordinary conditions. So in the engine at most one row of a table fires for
a service, whatever the firing order, and that holds for every conclusion kind - a collected one
(governance, next_step, derive) included, which settling by priority alone could not give. `unique`
(rows must not overlap) and `any` (overlapping rows must conclude the same) are checked here; the
first matching row is then the only one that fires. A row that earlier rows cover entirely can never
fire: an error under `first` and `priority`, and under `any` a redundant row (its outputs are theirs,
so it changes no outcome), which gets no rule and is kept in `covered_by` for `rules check` to warn
about. `collect` rows are plain rules. A derived fact is a join in the engine and cannot be negated,
so in a single-hit table two rows must test it with the same values or with values that never meet.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

from ..contract import FACTS
from ..errors import did_you_mean
from ..rulesyntax import RULE_ID
from .conditions import MISSING, TESTS_BY_KIND, fact_kind, holds, make_condition, shorthand
from .coverage import SMALL, Box, Masks, Uncovered, as_box, as_masks, earlier_meeting, meet, uncovered
from .ir import (
    DEFAULT_PRIORITY,
    MAX_PRIORITY,
    Conclusion,
    Condition,
    Group,
    Location,
    Problems,
    Provenance,
    Rule,
    Table,
    TableRow,
    describe_items,
    provenance,
)

HIT_POLICIES = ("unique", "first", "priority", "any", "collect")
SINGLE_HIT = ("unique", "first", "priority", "any")
ROW_SETTINGS = ("id", "priority", "title", "rationale", "source")
ANY_CELL = "-"
NO_EARLIER_ROW = "no earlier row matches"
_RANGE = re.compile(r"^([\[(])\s*([^.\s]+)\s*\.\.\s*([^.\s]+)\s*([\])])$")
_COMPARISON = re.compile(r"^(>=|<=|>|<)\s*(.+)$")
_NAMED = re.compile(r"^([a-z_]+)\s*:\s*(.*)$")
_ALL_TESTS = tuple(dict.fromkeys(test for tests in TESTS_BY_KIND.values() for test in tests))


# --- cells ------------------------------------------------------------------------------------------


def is_any(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and cell.strip() in ("", ANY_CELL))


def scalar(fact: str, text: str) -> Any:
    """A cell's text as the value the fact takes: true/false for a flag, a whole number for a number."""
    kind = fact_kind(fact)
    lowered = text.lower()
    if kind in ("flag", "derived") and lowered in ("true", "false"):
        return lowered == "true"
    if kind in ("number", "derived") and re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def _items(text: str) -> list[str]:
    inner = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    return [part.strip() for part in inner.split(",") if part.strip()]


def _operand(fact: str, test: str, text: str) -> Any:
    if test in ("in", "not_in", "contains_any", "contains_all"):
        return [scalar(fact, item) for item in _items(text)]
    if test in ("exists", "empty"):
        return scalar("data.personal_data", text)  # true/false, as for a flag
    return scalar(fact, text)


def cell_tests(fact: str, cell: Any) -> list[tuple[str, Any]] | str:
    """The (test, operand) pairs a cell stands for, or what is wrong with it.

    Text: `-` (any value), `v`, `a, b` or `[a, b]` (one of; a set fact: contains), `not v`,
    `not a, b`, `>= v` `> v` `<= v` `< v` (at_least/at_most on an ordered fact), `[a..b)` and the
    other ranges, `test: operand` for any test, and several joined with `&`. A YAML cell may also be
    a value, a list, or a mapping of test: operand as in a rule's `when`.
    """
    if is_any(cell):
        return []
    if isinstance(cell, dict):
        return list(cell.items())
    if not isinstance(cell, str):
        meant = shorthand(fact, cell)
        return meant if isinstance(meant, str) else [meant]
    pairs: list[tuple[str, Any]] = []
    for part in (piece.strip() for piece in cell.split("&")):
        parsed = _text_tests(fact, part)
        if isinstance(parsed, str):
            return parsed
        pairs += parsed
    return pairs


def _text_tests(fact: str, text: str) -> list[tuple[str, Any]] | str:
    ordered = fact_kind(fact) == "ordered"
    if match := _RANGE.match(text):
        opening, low, high, closing = match.groups()
        if ordered:
            if opening == "(" or closing == ")":
                return f"{fact}: an ordered fact's range includes both ends: write [{low}..{high}]"
            return [("at_least", low), ("at_most", high)]
        return [
            ("gte" if opening == "[" else "gt", scalar(fact, low)),
            ("lte" if closing == "]" else "lt", scalar(fact, high)),
        ]
    if match := _COMPARISON.match(text):
        sign, value = match.groups()
        if ordered:
            if sign in (">", "<"):
                return f"{fact}: an ordered fact takes >= or <= (at_least, at_most); found '{text}'"
            return [("at_least" if sign == ">=" else "at_most", value.strip())]
        return [({">=": "gte", ">": "gt", "<=": "lte", "<": "lt"}[sign], scalar(fact, value.strip()))]
    if text.startswith("not "):
        rest = text[4:].strip()
        values = [scalar(fact, item) for item in _items(rest)]
        if fact_kind(fact) == "set":
            return [("lacks", value) for value in values]
        return [("not", values[0])] if len(values) == 1 and not rest.startswith("[") else [("not_in", values)]
    if (match := _NAMED.match(text)) and match.group(1) in _ALL_TESTS:
        test = match.group(1)
        return [(test, _operand(fact, test, match.group(2).strip()))]
    if "," in text or (text.startswith("[") and text.endswith("]")):
        if fact_kind(fact) == "set":
            listed = ", ".join(_items(text))
            return f"{fact} is a list fact: write 'contains_any: {listed}' or 'contains_all: {listed}'"
        meant = shorthand(fact, [scalar(fact, item) for item in _items(text)])
    else:
        meant = shorthand(fact, scalar(fact, text))
    return meant if isinstance(meant, str) else [meant]


def cell_conditions(fact: str, cell: Any, location: Location) -> tuple[Condition, ...] | str:
    """The conditions of one input cell (built by make_condition, so they mean what `when` means)."""
    pairs = cell_tests(fact, cell)
    if isinstance(pairs, str):
        return pairs
    conditions = []
    for test, operand in pairs:
        condition = make_condition(fact, test, operand, location)
        if isinstance(condition, str):
            return condition
        conditions.append(condition)
    return tuple(conditions)


def output_value(cell: Any) -> Any:
    """An output cell's value: text from CSV/XLSX becomes a number or true/false when it reads as one,
    and a list when it is written as one (`[business_owner, accountable_executive]`, as `table_cell_text` writes)."""
    if isinstance(cell, str):
        text = cell.strip()
        if text.startswith("[") and text.endswith("]"):
            return [output_value(item) for item in _items(text)]
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        return text
    return cell


def table_cell_text(cell: Any) -> str:
    """A cell as text (CSV, XLSX, `rules show`): YAML values in the cell syntax."""
    if cell is None:
        return ANY_CELL
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, list):
        return "[" + ", ".join(table_cell_text(item) for item in cell) + "]"
    if isinstance(cell, dict):
        return " & ".join(f"{test}: {table_cell_text(operand)}" for test, operand in cell.items())
    return str(cell)


# --- the domain of an input column: its atoms --------------------------------------------------------


@dataclass(frozen=True)
class ColumnAtoms:
    """One input column's atoms: representative values (MISSING last), and for numbers the intervals."""

    fact: str
    atoms: tuple[Any, ...]
    intervals: tuple[tuple[int, int | None], ...] = ()  # numbers: [low, high) per atom but MISSING
    members: tuple[str, ...] = ()  # sets: the members the cells name

    @property
    def known(self) -> frozenset[int]:
        return frozenset(index for index, atom in enumerate(self.atoms) if atom is not MISSING)

    @property
    def everything(self) -> frozenset[int]:
        return frozenset(range(len(self.atoms)))

    def accepted(self, conditions: Sequence[Condition]) -> frozenset[int]:
        """The atoms for which every condition of a cell holds."""
        return frozenset(i for i, atom in enumerate(self.atoms) if all(holds(c, atom) for c in conditions))


def column(fact: str, cells: Iterable[Sequence[Condition]], derived_values: Sequence[Any] = ()) -> ColumnAtoms:
    """The atoms of a column, from the fact's vocabulary and the cells written in it."""
    conditions = [condition for cell in cells for condition in cell]
    kind = fact_kind(fact)
    if kind == "derived":
        return ColumnAtoms(fact, (*derived_values, MISSING))
    spec = FACTS[fact]
    if kind in ("choice", "ordered"):
        return ColumnAtoms(fact, (*spec.values, MISSING))
    if kind == "flag":
        return ColumnAtoms(fact, (True, False, MISSING))
    if kind == "number":
        cuts = sorted({spec.minimum, *(cut for c in conditions for cut in _cuts(c, spec.minimum))})
        intervals = tuple(zip(cuts, [*cuts[1:], None], strict=True))
        return ColumnAtoms(fact, (*(low for low, _ in intervals), MISSING), intervals)
    named = {value for c in conditions for value in (c.operand if isinstance(c.operand, tuple) else (c.operand,))}
    members = spec.values if any(c.test == "empty" for c in conditions) else tuple(v for v in spec.values if v in named)
    combos = [combo for size in range(len(members) + 1) for combo in itertools.combinations(members, size)]
    return ColumnAtoms(fact, (*combos, MISSING), members=members)


def _cuts(condition: Condition, minimum: int) -> tuple[int, ...]:
    operand = condition.operand
    if not isinstance(operand, int) or isinstance(operand, bool) or operand < minimum:
        return ()
    return {"gt": (operand + 1,), "lte": (operand + 1,), "gte": (operand,), "lt": (operand,)}.get(
        condition.test, (operand, operand + 1)
    )


# --- atoms back to conditions ---------------------------------------------------------------------------


def column_items(
    col: ColumnAtoms, atoms: frozenset[int], full: frozenset[int], location: Location
) -> list[Condition | Group]:
    """Conditions that hold exactly for these atoms of the column (nothing when they are `full`)."""
    if atoms >= full:
        return []
    missing = len(col.atoms) - 1
    known = atoms - {missing}
    absent = _condition(col.fact, "exists", False, location)
    if not known:
        return [absent]
    items = _known_items(col, known, location)
    if missing in atoms:
        return [Group("any", (Group("all", tuple(items)), Group("all", (absent,))))]
    return items


def _condition(fact: str, test: str, operand: Any, location: Location) -> Condition:
    condition = make_condition(fact, test, list(operand) if isinstance(operand, tuple) else operand, location)
    assert not isinstance(condition, str), condition
    return condition


def _known_items(col: ColumnAtoms, atoms: frozenset[int], location: Location) -> list[Condition | Group]:
    fact = col.fact
    if atoms == col.known:
        return [_condition(fact, "exists", True, location)]
    values = [col.atoms[index] for index in sorted(atoms)]
    kind = fact_kind(fact)
    if col.intervals:
        return _interval_items(col, sorted(atoms), location)
    if kind == "set":
        return _set_items(col, [col.atoms[index] for index in sorted(atoms)], location)
    if len(values) == 1:
        return [_condition(fact, "equals", values[0], location)]
    if kind == "ordered":
        order = list(FACTS[fact].values)
        positions = [order.index(value) for value in values]
        if positions == list(range(positions[0], positions[0] + len(positions))):
            if positions[0] == 0:
                return [_condition(fact, "at_most", values[-1], location)]
            if positions[-1] == len(order) - 1:
                return [_condition(fact, "at_least", values[0], location)]
    others = [col.atoms[index] for index in sorted(col.known - atoms)]
    if kind != "derived" and len(others) < len(values):
        return [
            _condition(
                fact, "not" if len(others) == 1 else "not_in", others[0] if len(others) == 1 else others, location
            )
        ]
    return [_condition(fact, "in", values, location)]


def _interval_items(col: ColumnAtoms, atoms: list[int], location: Location) -> list[Condition | Group]:
    runs: list[list[int]] = []
    for index in atoms:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    groups = []
    for run in runs:
        low, high = col.intervals[run[0]][0], col.intervals[run[-1]][1]
        if high == low + 1:
            tests = [_condition(col.fact, "equals", low, location)]
        else:
            tests = [_condition(col.fact, "gte", low, location)] if low > 0 else []
            tests += [_condition(col.fact, "lt", high, location)] if high is not None else []
        groups.append(tests)
    if len(groups) == 1:
        return list(groups[0])
    return [Group("any", tuple(Group("all", tuple(tests)) for tests in groups))]


def _set_items(col: ColumnAtoms, combos: list[tuple[str, ...]], location: Location) -> list[Condition | Group]:
    """Combinations of named members as contains/lacks tests, split member by member (Shannon)."""
    cover = _combo_cover(col.members, {frozenset(combo) for combo in combos})
    alternatives = [
        [_condition(col.fact, "contains" if has else "lacks", member, location) for member, has in box.items()]
        for box in cover
    ]
    if len(alternatives) == 1:
        return list(alternatives[0])
    return [Group("any", tuple(Group("all", tuple(tests)) for tests in alternatives))]


def _combo_cover(members: Sequence[str], combos: set[frozenset[str]]) -> list[dict[str, bool]]:
    """Member present/absent assignments whose combinations are exactly `combos`."""
    if not combos:
        return []
    if len(combos) == 2 ** len(members):
        return [{}]
    member, rest = members[0], members[1:]
    present = {combo - {member} for combo in combos if member in combo}
    absent = {combo for combo in combos if member not in combo}
    if present == absent:
        return _combo_cover(rest, present)
    return [{member: True, **box} for box in _combo_cover(rest, present)] + [
        {member: False, **box} for box in _combo_cover(rest, absent)
    ]


# Measured on durable_rules 2.0.28 (rete.h, MAX_SEQUENCE_EXPRESSIONS = 32): the expression on one fact
# may hold at most 15 `$and`/`$or` operators (each takes two of its 32 slots); a 16th fails to build
# with error 113. The count below follows durable_backend's encoding; tests/test_tables.py keeps the two equal.
MAX_OPERATORS = 15

# What coverage.uncovered may spend, in cells of rows held against a region (a few million a second), and
# how many uncovered parts it may find: for the "no earlier row matches" of all the rows of a table (a row
# that needs more overlaps the rows before it in far more ways than MAX_OPERATORS lets the engine take: the
# table is refused), and for a table's gaps in `rules check` (listed ten at a time; said incomplete).
TABLE_BUDGET = 10_000_000
ROW_PARTS = 4 * SMALL
GAP_BUDGET = 20_000_000
GAP_PARTS = 4096
OVERLAPS_SHOWN = 100  # errors naming a pair of rows that overlap, per table


def beyond_the_engine(row: int, operators: str) -> str:
    return (
        f"row {row} needs {operators} and/or operators in the engine (durable_rules takes at most {MAX_OPERATORS}): "
        "rows before it overlap it in too many ways; make the rows disjoint or split the table"
    )


def engine_operators(when: Group) -> int:
    """How many `$and`/`$or` operators durable_backend writes for the service fact of a rule's `when`."""
    tests = _operators_of_group(when)
    return 0 if tests is None else tests + 1  # + the `$and` that joins the fact's type test


def _operators_of_group(group: Group) -> int | None:
    """Operators of the expression for a group's scenario-fact items, None when it tests none."""
    parts = []
    for item in group.items:
        if isinstance(item, Group):
            # a group nested in a group holds groups (yaml_front._nested, the regions above)
            nested = [_operators_of_group(cast(Group, child)) for child in item.items]
            counted = [number for number in nested if number is not None]
            if counted:
                parts.append(sum(counted) + (len(counted) > 1))
        elif not item.derived:
            parts.append(_operators_of_condition(item))
    return None if not parts else sum(parts) + (len(parts) > 1)


def _operators_of_condition(condition: Condition) -> int:
    test, operand = condition.test, condition.operand
    if test in ("in", "not_in", "contains_any", "contains_all"):
        return int(len(operand) > 1)
    if test in ("at_least", "at_most"):
        values = FACTS[condition.fact].values
        index = values.index(operand)
        return int((len(values) - index if test == "at_least" else index + 1) > 1)
    if test == "empty":
        return int(len(FACTS[condition.fact].values) > 1)
    return 0


# --- compiling a table into rules -------------------------------------------------------------------------


@dataclass
class _Compiler:
    table: Table
    problems: Problems
    label: str = field(init=False)
    redundant: dict[int, tuple[int, ...]] = field(default_factory=dict, init=False)  # row -> the rows covering it
    budget_left: int = field(default=TABLE_BUDGET, init=False)  # what the rows' regions may still take
    regions: int = field(default=0, init=False)  # examined for the rows' regions
    gave_up: bool = field(default=False, init=False)  # a row's region ran out of regions
    overlaps: int = field(default=0, init=False)  # pairs of rows that overlap where the hit policy forbids it

    def __post_init__(self) -> None:
        self.label = f"table {self.table.id}"

    def error(self, location: Location, message: str) -> None:
        self.problems.add(location, f"{self.label}: {message}")

    def run(self, conclude: Any) -> tuple[Table, list[Rule]]:
        table = self.table
        before = len(self.problems.items)
        rows = [self._row(row, conclude) for row in table.rows]
        parsed = [row for row, _ in rows]
        if len(self.problems.items) > before:
            return table, []
        table = replace(table, rows=tuple(parsed))
        conclusions = {row.number: then for row, then in rows}
        regions = self._regions(table, conclusions) if table.hit_policy in SINGLE_HIT else {}
        table = replace(
            table, rows=tuple(replace(row, covered_by=self.redundant.get(row.number, ())) for row in table.rows)
        )
        rules = [
            self._rule(live, conclusions[live[0].number], regions)
            for same in self._alike(table, conclusions).values()
            if (live := [row for row in same if not row.covered_by])
        ]
        return table, [] if len(self.problems.items) > before else rules

    def _alike(self, table: Table, conclusions: dict[int, tuple[Conclusion, ...]]) -> dict[str, list[TableRow]]:
        """The rows by rule id: rows that share an id are one rule, matching when any of them does (a
        condition such as "regulated or restricted, and critical or large" spans several rows). They
        must conclude the same and agree on priority, title, rationale and source."""
        by_id: dict[str, list[TableRow]] = {}
        for row in table.rows:
            by_id.setdefault(row.rule_id, []).append(row)
        for same in by_id.values():
            first = same[0]
            for row in same[1:]:
                differ = [
                    name
                    for name, a, b in (
                        ("outputs", _said(conclusions[first.number]), _said(conclusions[row.number])),
                        *((key, getattr(first, key), getattr(row, key)) for key in ROW_SETTINGS[1:]),
                    )
                    if a != b and (name == "outputs" or b is not None)
                ]
                if differ:
                    self.error(
                        row.location,
                        f"rows {first.number} and {row.number} share the id {row.rule_id}, so they are one rule, "
                        f"but differ in {', '.join(differ)}; give the rows different ids or make them agree",
                    )
        return by_id

    def _row(self, row: TableRow, conclude: Any) -> tuple[TableRow, tuple[Conclusion, ...]]:
        table = self.table
        where = f"row {row.number}"
        tests = []
        for fact, cell in zip(table.inputs, table.inputs_of(row), strict=True):
            conditions = cell_conditions(fact, cell, row.location)
            if isinstance(conditions, str):
                self.error(row.location, f"{where}: {conditions}")
                conditions = ()
            tests.append(conditions)
        rule_id = row.id or f"{table.id}.{row.number}"
        if not RULE_ID.match(rule_id):
            self.error(
                row.location, f"{where}: id must be lower-case letters, digits, '.', '_' or '-'; found '{rule_id}'"
            )
        then = conclude(table.outputs, table.outputs_of(row), row.location, f"{self.label} {where}")
        return replace(row, tests=tuple(tests), rule_id=rule_id), then

    def _rule(self, rows: list[TableRow], then: tuple[Conclusion, ...], regions: dict[int, tuple[Any, ...]]) -> Rule:
        """One rule from its rows: a row's cells (and, under a single-hit policy, "no earlier row
        matches"); when several rows share the rule's id, the tests all of them make, and any of the rest."""
        table, row = self.table, rows[0]
        own = [tuple(c for cell in each.tests for c in cell) for each in rows]
        common = set.intersection(*({_meaning(c) for c in conditions} for conditions in own))
        shared = [c for c in own[0] if _meaning(c) in common]
        self._derived_alike(rows, own)
        alternatives = []
        for each, conditions in zip(rows, own, strict=True):
            rest = tuple(c for c in conditions if _meaning(c) not in common)
            when = Group("all", (*rest, *regions.get(each.number, ())))
            operators = engine_operators(Group("all", (*shared, *when.items)))
            if operators > MAX_OPERATORS:
                self.error(each.location, beyond_the_engine(each.number, str(operators)))
            alternatives.append(when)
        if len(rows) == 1:
            when = Group("all", (*shared, *alternatives[0].items))
        elif all(alternative.items for alternative in alternatives):
            when = Group("all", (*shared, Group("any", tuple(alternatives))))
        else:  # a row with the shared tests only matches whenever any of the rows does
            when = Group("all", tuple(shared))
        title = row.title or f"{table.title} (row {row.number})"
        priority = row.priority if row.priority is not None else table.priority
        return Rule(
            row.rule_id,
            title,
            row.rationale or table.rationale,
            DEFAULT_PRIORITY if priority is None else priority,
            when,
            then,
            row.location,
            # the front ends dropped a row's or refused a table's source that is not a valid one
            cast(Provenance, provenance(source)) if (source := row.source or table.source) else Provenance(),
            table=table.id,
        )

    def _derived_alike(self, rows: list[TableRow], own: list[tuple[Condition, ...]]) -> None:
        """Rows that share an id must test derived facts alike: a derived fact is a join in the engine and
        cannot be one of several alternatives."""
        first = {_meaning(c): c for c in own[0] if c.derived}
        for each, conditions in zip(rows[1:], own[1:], strict=True):
            these = {_meaning(c): c for c in conditions if c.derived}
            if these.keys() != first.keys():
                differ = [c.describe() for key, c in {**first, **these}.items() if (key in first) != (key in these)]
                self.error(
                    each.location,
                    f"rows {rows[0].number} and {each.number} share the id {each.rule_id} but test the derived facts "
                    f"differently ({'; '.join(differ)} in one only); a derived fact cannot be one of several "
                    "alternatives: test it alike in every row of the rule",
                )

    def _regions(self, table: Table, conclusions: dict[int, tuple[Conclusion, ...]]) -> dict[int, tuple[Any, ...]]:
        """Per row, the 'no earlier row matches' group (empty when no earlier row overlaps it); a row that
        earlier rows cover entirely has none (see _covered)."""
        scenario = [i for i, fact in enumerate(table.inputs) if fact_kind(fact) != "derived"]
        derived = [i for i, fact in enumerate(table.inputs) if fact_kind(fact) == "derived"]
        columns = [column(table.inputs[i], (row.tests[i] for row in table.rows)) for i in scenario]
        boxes = {
            row.number: as_masks(tuple(col.accepted(row.tests[i]) for col, i in zip(columns, scenario, strict=True)))
            for row in table.rows
        }
        keys = {row.number: tuple(_derived_key(row.tests[i]) for i in derived) for row in table.rows}
        order = hit_order(table)
        meeting = earlier_meeting([boxes[row.number] for row in order])
        regions: dict[int, tuple[Any, ...]] = {}
        for position, row in enumerate(order):
            overlaps = []
            # rows that test a derived fact must agree on it whether or not they meet otherwise
            for earlier in order[:position] if derived else [order[index] for index in meeting[position]]:
                if not self._same_binding(table, earlier, row, keys, derived):
                    continue
                both = meet(boxes[earlier.number], boxes[row.number])
                if both is None:
                    continue
                if table.hit_policy == "unique":
                    self._overlap(columns, earlier, row, both, "(hit policy unique: at most one row may match)")
                elif table.hit_policy == "any" and _said(conclusions[earlier.number]) != _said(conclusions[row.number]):
                    why = "but conclude differently (hit policy any: overlapping rows agree)"
                    self._overlap(columns, earlier, row, both, why)
                if earlier.number not in self.redundant:  # it adds no case: the rows before it cover it
                    overlaps.append((earlier.number, both))
            region = self._region(row, columns, boxes[row.number], overlaps)
            if region is None:
                self._covered(row, boxes[row.number], overlaps, conclusions)
            else:
                regions[row.number] = region
        if self.overlaps > OVERLAPS_SHOWN:
            more = self.overlaps - OVERLAPS_SHOWN
            self.error(
                table.location,
                f"{more:,} more {'pair' if more == 1 else 'pairs'} of rows overlap as hit policy {table.hit_policy} "
                f"forbids (the first {OVERLAPS_SHOWN} pairs are reported one by one)",
            )
        return regions

    def _overlap(self, columns: list[ColumnAtoms], earlier: TableRow, row: TableRow, both: Masks, why: str) -> None:
        """An overlap the hit policy forbids: an error naming the pair and the cases they share, for the first
        OVERLAPS_SHOWN of them (the cases take time to write out, and a table of 1,000 rows that all overlap
        has half a million pairs); the others are counted."""
        self.overlaps += 1
        if self.overlaps <= OVERLAPS_SHOWN:
            shared = _describe(columns, as_box(both), row.location)
            self.error(row.location, f"rows {earlier.number} and {row.number} both match {shared} {why}")

    def _same_binding(
        self, table: Table, a: TableRow, b: TableRow, keys: dict[int, tuple[Any, ...]], derived: list[int]
    ) -> bool:
        for index, key_a, key_b in zip(derived, keys[a.number], keys[b.number], strict=True):
            if key_a == key_b:
                continue
            if isinstance(key_a, frozenset) and isinstance(key_b, frozenset) and not key_a & key_b:
                return False
            self.error(
                b.location,
                f"rows {a.number} and {b.number} test the derived fact {table.inputs[index]} with values that "
                f"partly meet; under hit policy {table.hit_policy} give them the same values or values that "
                "never meet (a derived fact cannot be negated)",
            )
            return False
        return True

    def _region(
        self, row: TableRow, columns: list[ColumnAtoms], box: Masks, overlaps: list[tuple[int, Masks]]
    ) -> tuple[Any, ...] | None:
        """The row's cases that no earlier row covers, as a 'no earlier row matches' group; None when there
        are none."""
        if not overlaps or self.gave_up:  # having given up, the table has its error: it makes no rules
            return ()
        left = uncovered(box, [both for _, both in overlaps], self.budget_left, ROW_PARTS)
        self.budget_left -= left.work
        self.regions += left.regions
        if not left.complete and self.budget_left <= 0:
            self.gave_up = True
            self.error(
                row.location,
                "the rows overlap in too many ways to work out which cases are left to each: gave up at row "
                f"{row.number}, after {self.regions:,} regions; make the rows disjoint or split the table",
            )
            return ()
        if not left.complete:
            self.error(
                row.location,
                f"row {row.number}: the rows before it cut what is left to it into more than {ROW_PARTS} pieces, far "
                f"more than durable_rules' {MAX_OPERATORS} and/or operators can tell apart; make the rows disjoint or "
                "split the table",
            )
            return ()
        if not left.pieces:
            return None
        if len(left.pieces) > SMALL:  # not worth writing out: every piece but one takes an operator, so does their any
            self.error(row.location, beyond_the_engine(row.number, f"at least {len(left.pieces) + 1}"))
            return ()
        alternatives = []
        for piece in left.boxes:
            items = [
                item
                for col, atoms, own in zip(columns, piece, as_box(box), strict=True)
                for item in column_items(col, atoms, own, row.location)
            ]
            alternatives.append(Group("all", tuple(items)))
        return (Group("any", tuple(alternatives), label=NO_EARLIER_ROW),)

    def _covered(
        self,
        row: TableRow,
        box: Masks,
        overlaps: list[tuple[int, Masks]],
        conclusions: dict[int, tuple[Conclusion, ...]],
    ) -> None:
        """A row that earlier rows cover entirely can never fire. Under `unique` the overlap is the error
        already; under `any`, when they conclude as it does (else that is the error), it is redundant, as
        DMN tools call it: removing it changes no outcome, so it is a warning of `rules check`, not an
        error. Whether one earlier row or several together cover it makes no difference."""
        policy = self.table.hit_policy
        if policy == "unique":
            return
        if policy == "any":
            if all(_said(conclusions[number]) == _said(conclusions[row.number]) for number, _ in overlaps):
                whole = [number for number, both in overlaps if both == box]
                self.redundant[row.number] = (whole[0],) if whole else tuple(number for number, _ in overlaps)
            return
        numbers = ", ".join(str(number) for number, _ in overlaps)
        self.error(
            row.location,
            f"row {row.number} can never match: rows {numbers} before it cover every case it covers "
            f"(hit policy {policy})",
        )


def _meaning(condition: Condition) -> tuple[str, str, Any]:
    """What a condition tests, wherever it was written."""
    return condition.fact, condition.test, repr(condition.operand)


def _said(conclusions: Sequence[Conclusion]) -> list[tuple[str, Any]]:
    """What conclusions say, wherever they were written."""
    return [(conclusion.kind, conclusion.payload) for conclusion in conclusions]


def _derived_key(conditions: Sequence[Condition]) -> Any:
    """What a cell on a derived fact joins: its values, or "-" (not tested) / "exists"."""
    if not conditions:
        return ANY_CELL
    values: set[Any] | None = None
    for condition in conditions:
        if condition.test == "exists":
            continue
        these = set(condition.operand) if condition.test == "in" else {condition.operand}
        values = these if values is None else values & these
    return "exists" if values is None else frozenset(values)


def hit_order(table: Table) -> list[TableRow]:
    """The order in which rows win: row order, or by priority (highest first, then row order)."""
    if table.hit_policy == "priority":
        base = DEFAULT_PRIORITY if table.priority is None else table.priority
        return sorted(table.rows, key=lambda row: (-(base if row.priority is None else row.priority), row.number))
    return list(table.rows)


def _describe(columns: list[ColumnAtoms], box: Box, location: Location) -> str:
    items = [
        item
        for col, atoms in zip(columns, box, strict=True)
        for item in column_items(col, atoms, col.everything, location)
    ]
    return describe_items(items) or "every case"


def compile_table(table: Table, problems: Problems, conclude: Any) -> tuple[Table, list[Rule]]:
    """The table with its cells parsed, and its rows as rules; problems are added as file:line."""
    return _Compiler(table, problems).run(conclude)


def check_header(table_id: Any, hit_policy: Any, priority: Any, location: Location, problems: Problems) -> None:
    """Problems with a table's id, hit policy and priority (shared by every front end)."""
    if not isinstance(table_id, str) or not RULE_ID.match(table_id):
        problems.add(
            location, f"a table needs an id of lower-case letters, digits, '.', '_' or '-'; found {table_id!r}"
        )
    if hit_policy not in HIT_POLICIES:
        problems.add(
            location,
            f"table {table_id}: unknown hit_policy {hit_policy!r}; expected one of {', '.join(HIT_POLICIES)}"
            f"{did_you_mean(str(hit_policy), HIT_POLICIES)}",
        )
    if priority is not None and (
        isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= MAX_PRIORITY
    ):
        problems.add(location, f"table {table_id}: priority must be a whole number 0 to {MAX_PRIORITY}")


# --- completeness: the input combinations no row covers ----------------------------------------------


def columns_of(table: Table, derived_values: Mapping[str, Sequence[Any]]) -> list[ColumnAtoms]:
    """The atoms of each input column, a derived fact's being the values the pack derives."""
    return [
        column(fact, (row.tests[index] for row in table.rows), derived_values.get(fact, ()))
        for index, fact in enumerate(table.inputs)
    ]


def gaps(
    table: Table, derived_values: Mapping[str, Sequence[Any]], budget: int = GAP_BUDGET
) -> tuple[list[ColumnAtoms], Uncovered]:
    """The input combinations (known values only: a missing fact is an open question) no row matches,
    as disjoint boxes over the columns' atoms; incomplete when the search spent `budget`."""
    columns = columns_of(table, derived_values)
    rows = [as_masks(tuple(col.accepted(row.tests[i]) for i, col in enumerate(columns))) for row in table.rows]
    return columns, uncovered(as_masks(tuple(col.known for col in columns)), rows, budget, GAP_PARTS)


def describe_box(columns: Sequence[ColumnAtoms], box: Box, location: Location) -> str:
    """A box as conditions ('criticality at_most medium and users lt 500'), 'any input' when it is everything."""
    items = [
        item for col, atoms in zip(columns, box, strict=True) for item in column_items(col, atoms, col.known, location)
    ]
    return describe_items(items) or "any input"
