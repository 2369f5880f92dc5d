"""The rule pack's intermediate representation: what every front end produces and the engine compiles.

A front end (YAML rule files today) turns a file into these objects, each with the location it came
from; nothing here knows how a rule was written. A conclusion carries a typed payload that its kind
(opsadvisor.kinds) parsed and knows how to describe, settle and report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..errors import did_you_mean
from ..rulesyntax import as_written
from ..text import show_value

MAX_PRIORITY = 1000
DEFAULT_PRIORITY = 100
SEED, PRACTICE = ORIGINS = ("seed", "practice")
SOURCE_FORMS = ('seed, "<section of the seed>"', "practice, <reference>")
SOURCE_EXAMPLE = "practice, GDPR Art. 28(3)"
SOURCE_FORMAT = f"{SOURCE_FORMS[0]} or {SOURCE_FORMS[1]} (e.g. {SOURCE_EXAMPLE})"
SEED_ONLY = ":seed-only"  # appended to the version of a pack that keeps only the seed's rules


@dataclass(frozen=True)
class Location:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Condition:
    """One test on one fact, e.g. criticality at_least high."""

    fact: str
    test: str
    operand: Any
    location: Location
    derived: bool = False

    def describe(self) -> str:
        return f"{self.fact} {self.test} {show_value(self.operand)}"


@dataclass(frozen=True)
class Group:
    """Conditions that must all hold ("all") or of which one must hold ("any")."""

    mode: str
    items: tuple[Condition | Group, ...]
    label: str = ""  # what the group means, when a front end made it (a decision table's "no earlier row matches")

    def conditions(self) -> Iterable[Condition]:
        for item in self.items:
            if isinstance(item, Group):
                yield from item.conditions()
            else:
                yield item

    def describe(self) -> str:
        """The group on one line, e.g. `any of (ambition equals undecided; ambition exists false)`."""
        if len(self.items) == 1:
            inner = self.items[0].describe()
        else:
            inner = f"{self.mode} of ({'; '.join(item.describe() for item in self.items)})"
        return f"{self.label}: {inner}" if self.label else inner


def describe_items(items: Iterable[Condition | Group]) -> str:
    """Conditions and groups joined by ' and '."""
    return " and ".join(item.describe() for item in items)


@dataclass(frozen=True)
class Conclusion:
    """One conclusion of a rule: its kind's name, the payload that kind parsed, where it was written,
    and the line that kind describes the payload with (the front end asks the kind, so that the IR
    needs no kind to describe a rule)."""

    kind: str
    payload: Any
    location: Location
    summary: str

    def describe(self) -> str:
        """One line for the trace and the rule catalogue, e.g. 'conflict contract_ownership (high)'."""
        return self.summary


@dataclass(frozen=True)
class Provenance:
    """Where a rule comes from: the seed (the IT function's guide) and its section, or practice beyond
    the seed and its reference (a regulation's article, a common practice). origin is "" when the
    rule does not say (`rules check` warns), and such a rule is not the seed's."""

    origin: str = ""
    reference: str = ""

    def __str__(self) -> str:
        return f"{self.origin}, {self.reference}" if self.origin else ""


def provenance(text: str) -> Provenance | str:
    """A rule's source (`seed, "section"` or `practice, reference`) as a Provenance, or what is wrong."""
    origin, _, reference = (" ".join(text.split())).partition(",")
    origin, reference = origin.strip(), reference.strip()
    if origin not in ORIGINS:
        hint = did_you_mean(origin, ORIGINS)
        return f"source must start with seed or practice: {SOURCE_FORMAT}; found {as_written(text)}{hint}"
    if not reference:
        return f"source {origin} needs a reference after a comma: {SOURCE_FORMAT}; found {as_written(text)}"
    return Provenance(origin, reference)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    rationale: str
    priority: int
    when: Group
    then: tuple[Conclusion, ...]
    location: Location
    provenance: Provenance = Provenance()
    overrides: Location | None = None
    table: str = ""  # the decision table whose row this rule is ("" for a rule written as a rule)

    @cached_property
    def concluded(self) -> tuple[str, ...]:
        """What the rule concludes, one line each (computed once: the trace shows it per firing)."""
        return tuple(conclusion.describe() for conclusion in self.then)

    @cached_property
    def facts_tested(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(condition.fact for condition in self.when.conditions()))

    @cached_property
    def derives(self) -> tuple[tuple[str, Any], ...]:
        """The (name, value) pairs of the facts this rule derives, in the order it derives them."""
        return tuple(pair for conclusion in self.then if conclusion.kind == "derive" for pair in conclusion.payload)

    def of_kind(self, name: str) -> tuple[Any, ...]:
        """The payloads of this rule's conclusions of one kind."""
        return tuple(conclusion.payload for conclusion in self.then if conclusion.kind == name)


@dataclass(frozen=True)
class Process:
    id: str
    name: str
    location: Location = field(default=Location("", 0), compare=False)


@dataclass(frozen=True)
class Model:
    id: str
    name: str
    ambition: str
    mode: int
    cells: dict[str, tuple[str, str]]
    operated_today: tuple[str, ...] = ()  # current.operated_by values whose accountability this model describes


LINES = ("first", "second")  # IIA Three Lines Model: the first line owns and accepts risk, the second advises


NOWHERE = Location("", 0)


@dataclass(frozen=True)
class Role:
    """A stakeholder role of the pack: who may accept risk (first line) or is consulted (second line).

    `authority` ranks first-line roles for the acceptance policy's minimum per severity; `person` names
    the scenario field that holds the person in that role (the business owner's name), if any. `location`
    is where it is defined, `layer` the layer that holds that file, and `replaces` the role of an earlier
    layer it overrides (`rules check` warns).
    """

    id: str
    name: str
    line: str
    authority: int = 0
    person: str | None = None
    location: Location = field(default=NOWHERE, compare=False)
    layer: str = field(default="", compare=False)  # the label of the layer that defines it ("<bundled>", a DIR)
    replaces: Role | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class AcceptancePolicy:
    """For a risk severity: how long an acceptance holds, and the least authority one acceptor must have;
    where it is defined, and the policy of an earlier layer it overrides (`replaces`)."""

    severity: str
    review_months: int
    minimum_authority: int = 0
    location: Location = field(default=NOWHERE, compare=False)
    layer: str = field(default="", compare=False)
    replaces: AcceptancePolicy | None = field(default=None, compare=False, repr=False)

    def describe(self) -> str:
        """The policy in words, e.g. 'review within 6 months, an acceptor of authority 2 or more'."""
        months = "1 month" if self.review_months == 1 else f"{self.review_months} months"
        who = f"an acceptor of authority {self.minimum_authority} or more" if self.minimum_authority else "any acceptor"
        return f"review within {months}, {who}"


@dataclass(frozen=True)
class TableRow:
    number: int  # 1-based, in the table's order
    cells: tuple[Any, ...]  # the input cells, then the output cells, as written
    location: Location
    id: str | None = None
    priority: int | None = None
    title: str | None = None
    tests: tuple[tuple[Condition, ...], ...] = ()  # per input column, once compiled (empty: any value)
    rule_id: str = ""
    rationale: str | None = None  # the row's own, where its rule has a reason of its own (else the table's)
    source: str | None = None  # the row's own provenance, where it differs from the table's
    covered_by: tuple[int, ...] = ()  # a redundant row under `any`: the earlier rows that match all it matches


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    rationale: str
    source: str
    hit_policy: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    rows: tuple[TableRow, ...]
    location: Location
    priority: int | None = None

    def rows_of(self, rule_id: str) -> tuple[TableRow, ...]:
        """The rows of one rule: usually one; rows that share an id are one rule. A redundant row is in none."""
        return tuple(row for row in self.rows if row.rule_id == rule_id and not row.covered_by)

    def inputs_of(self, row: TableRow) -> tuple[Any, ...]:
        return row.cells[: len(self.inputs)]

    def outputs_of(self, row: TableRow) -> tuple[Any, ...]:
        return row.cells[len(self.inputs) :]


@dataclass(frozen=True)
class RulePack:
    rules: tuple[Rule, ...]
    processes: tuple[Process, ...]
    models: dict[str, Model]
    questions: dict[str, str]
    conflict_kinds: dict[str, str]
    files: tuple[str, ...]
    version: str
    disabled: dict[str, Location] = field(default_factory=dict)
    # The Support Model Design Workshop: discussion questions by process id, and the rules that
    # decide whom to invite (run for the workshop pack only, so they stay out of assessments).
    workshop_questions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    workshop_rules: tuple[Rule, ...] = ()
    # Rules a filter left out (--seed-only): they still name the risks a scenario may accept, so one
    # scenario file is valid whichever rules run.
    left_out: tuple[Rule, ...] = ()
    tables: tuple[Table, ...] = ()  # the decision tables in effect, their rows among `rules`
    roles: dict[str, Role] = field(default_factory=dict)
    acceptance: dict[str, AcceptancePolicy] = field(default_factory=dict)  # by risk severity
    # What is built from this pack once (durable_rules rulesets and matchers), freed with the pack.
    # Not an init field, so dataclasses.replace() gives the new pack an empty cache of its own.
    compiled: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def process_ids(self) -> tuple[str, ...]:
        return tuple(process.id for process in self.processes)

    @property
    def role_ids(self) -> tuple[str, ...]:
        return tuple(self.roles)

    @property
    def risk_ids(self) -> tuple[str, ...]:
        return tuple(sorted({risk.id for rule in (*self.rules, *self.left_out) for risk in rule.of_kind("risk")}))

    def rule(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)

    def table(self, table_id: str) -> Table | None:
        """The decision table with this id, or None."""
        return next((table for table in self.tables if table.id == table_id), None)


def version_parts(version: str) -> tuple[str, str]:
    """A rules version as a report's footer shows it, and a note: ('sha256:...', ' (seed rules only)')
    for a seed-only pack, (version, '') for any other."""
    return (version.removesuffix(SEED_ONLY), " (seed rules only)") if version.endswith(SEED_ONLY) else (version, "")


def version_label(version: str) -> str:
    """The footer's text: 'sha256:... (seed rules only)' for a seed-only pack, else the version."""
    return "".join(version_parts(version))


def derived_names(rules: Iterable[Rule]) -> tuple[str, ...]:
    return tuple(sorted({name for rule in rules for name, _ in rule.derives}))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the pack: where (file:line, or a layer label) and what."""

    location: Location | str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class Problems:
    """The problems found so far; readers add to it and go on, so one run reports them all."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, location: Location | str, message: str) -> None:
        self.items.append(Problem(location, message))
