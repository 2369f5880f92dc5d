"""See the rules: `rules list`, `rules show`, `rules docs` (the catalogue and the authoring reference).

The reference part of docs/rules.md (facts, values, tests, conclusion kinds) is generated here from
the code that defines them (contract.FIELDS, rulepack.TESTS_BY_KIND, the kinds registry...),
so the guide cannot drift from what the loader accepts: a test compares the two.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tabulate import tabulate

from .. import kinds
from ..api import RulesArg, rule_pack
from ..contract import (
    COLUMNS,
    FACT_FIELDS,
    FACTS,
    INTERFACE_CELLS,
    MODELS,
    MODES,
    NOT_APPLICABLE,
    PERFORMERS,
    SERVICE_PLACEHOLDERS,
    SEVERITIES,
    UNDECIDED,
)
from ..effective import CELL_PREFIX, NOT_RECORDED, PERFORMER_PREFIX, system_facts
from ..errors import EXIT_USAGE, OpsAdvisorError, count, did_you_mean
from ..files import OutputError, atomic_write
from ..rulepack import (
    DEFAULT_PRIORITY,
    FILE_KEYS,
    MAX_PRIORITY,
    RULE_KEYS,
    TESTS_BY_KIND,
    Conclusion,
    Condition,
    Group,
    Rule,
    RulePack,
    version_label,
    version_parts,
)
from ..rulepack.ir import PRACTICE, SEED, SOURCE_EXAMPLE, SOURCE_FORMS
from ..rulepack.table_front import TABLE_KEYS
from ..rulepack.tables import HIT_POLICIES, ROW_SETTINGS, Table, table_cell_text
from ..text import escape_markdown as escape
from ..text import escape_markdown_cell, show_value

# --- the catalogue --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleEntry:
    id: str
    title: str
    priority: int
    concludes: tuple[str, ...]
    location: str
    overrides: str | None
    source: str  # as written: seed, "section" or practice, reference ("" when the rule gives none)
    origin: str  # seed, practice or ""
    reference: str
    rationale: str


@dataclass(frozen=True)
class RoleEntry:
    """A role in force: who may accept risk (line first) or is consulted (second), where it is defined."""

    id: str
    name: str
    line: str
    authority: int
    person: str | None
    location: str
    overrides: str | None  # the earlier layer's definition it replaces


@dataclass(frozen=True)
class PolicyEntry:
    """The acceptance policy in force for one risk severity, where it is defined."""

    severity: str
    review_months: int
    minimum_authority: int
    location: str
    overrides: str | None


@dataclass(frozen=True)
class Catalogue:
    rules: tuple[RuleEntry, ...]
    disabled: dict[str, str]  # rule id -> where it was disabled
    files: tuple[str, ...]
    rules_version: str
    roles: tuple[RoleEntry, ...] = ()
    acceptance: tuple[PolicyEntry, ...] = ()  # by severity, highest first

    def to_dict(self) -> dict[str, Any]:
        return {
            "rules": [{**asdict(entry), "concludes": list(entry.concludes)} for entry in self.rules],
            "disabled": dict(self.disabled),
            "roles": [asdict(entry) for entry in self.roles],
            "acceptance": [asdict(entry) for entry in self.acceptance],
            "files": list(self.files),
            "rules_version": self.rules_version,
        }

    def render_text(self) -> str:
        return render_list(self)

    def render_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def _in_file_order(pack: RulePack) -> list[Rule]:
    order = {name: index for index, name in enumerate(pack.files)}
    return sorted(pack.rules, key=lambda rule: (order.get(rule.location.file, -1), rule.location.line))


def catalogue(pack: RulePack) -> Catalogue:
    """Every rule in effect, in the order the files define them."""
    entries = tuple(
        RuleEntry(
            rule.id,
            rule.title,
            rule.priority,
            rule.concluded,
            str(rule.location),
            str(rule.overrides) if rule.overrides else None,
            str(rule.provenance),
            rule.provenance.origin,
            rule.provenance.reference,
            rule.rationale,
        )
        for rule in _in_file_order(pack)
    )
    disabled = {rule_id: str(location) for rule_id, location in sorted(pack.disabled.items())}
    return Catalogue(entries, disabled, pack.files, pack.version, role_entries(pack), policy_entries(pack))


def _overrides(item: Any) -> str | None:
    return str(item.replaces.location) if item.replaces is not None else None


def role_entries(pack: RulePack) -> tuple[RoleEntry, ...]:
    """The roles in force, in the order the pack declares them."""
    return tuple(
        RoleEntry(role.id, role.name, role.line, role.authority, role.person, str(role.location), _overrides(role))
        for role in pack.roles.values()
    )


def policy_entries(pack: RulePack) -> tuple[PolicyEntry, ...]:
    """The acceptance policy in force, the highest severity first."""
    return tuple(
        PolicyEntry(
            policy.severity, policy.review_months, policy.minimum_authority, str(policy.location), _overrides(policy)
        )
        for severity in reversed(SEVERITIES)
        if (policy := pack.acceptance.get(severity)) is not None
    )


def _where(entry: RoleEntry | PolicyEntry) -> str:
    return entry.location + (f"\n(overrides {entry.overrides})" if entry.overrides else "")


def _policy_tables(cat: Catalogue) -> list[str]:
    """The roles and the acceptance policy in force, as `rules list` shows them after the rules."""
    out = []
    if cat.roles:
        rows = [
            [r.id, r.name, r.line, r.authority if r.line == "first" else "-", r.person or "", _where(r)]
            for r in cat.roles
        ]
        headers = ["role", "name", "line", "authority", "person", "defined at"]
        out += ["", "Roles (first line: accepts risk; second line: consulted)", tabulate(rows, headers=headers)]
    if cat.acceptance:
        rows = [[p.severity, p.review_months, p.minimum_authority, _where(p)] for p in cat.acceptance]
        headers = ["severity", "review within (months)", "minimum authority", "defined at"]
        out += ["", "Acceptance policy in force", tabulate(rows, headers=headers), ""]
    return out


def render_list(cat: Catalogue) -> str:
    rows = []
    for entry in cat.rules:
        where = entry.location + (f"\n(overrides {entry.overrides})" if entry.overrides else "")
        rows.append([entry.id, entry.title, entry.priority, entry.origin or "-", "\n".join(entry.concludes), where])
    headers = ["rule", "title", "priority", "source", "concludes", "defined at"]
    out = [tabulate(rows, headers=headers, maxcolwidths=[None, 40])]
    out += _policy_tables(cat)
    out += [f"disabled: {rule_id} (by {where})" for rule_id, where in cat.disabled.items()]
    version = version_label(cat.rules_version)
    out += [f"{count(len(cat.rules), 'rule')} from {count(len(cat.files), 'file')}; rules_version {version}"]
    return "\n".join(out) + "\n"


# --- one rule -------------------------------------------------------------------------------------


class UnknownRule(OpsAdvisorError):
    """A rule id the pack in effect does not have (a usage error, exit 2)."""

    exit_code = EXIT_USAGE


def find_rule(pack: RulePack, rule_id: str) -> Rule:
    rule = pack.rule(rule_id)
    if rule is None:
        ids = [rule.id for rule in pack.rules]
        hint = did_you_mean(rule_id, ids) or " (see `opsadvisor rules list`)"
        disabled = f"; it is disabled by {pack.disabled[rule_id]}" if rule_id in pack.disabled else ""
        if any(rule.id == rule_id for rule in pack.left_out):
            disabled, hint = "; it is not the seed's, and --seed-only leaves it out", ""
        if redundant := _redundant_row(pack, rule_id):
            disabled, hint = redundant, ""
        raise UnknownRule("", [f"no rule {rule_id!r} in the pack{disabled}{hint}"])
    return rule


def _redundant_row(pack: RulePack, rule_id: str) -> str:
    """Why a redundant table row has no rule ('' when the id is no such row's)."""
    for table in pack.tables:
        for row in table.rows:
            if row.rule_id == rule_id and row.covered_by:
                return (
                    f"; it is row {row.number} of table {table.id}, which is redundant and never fires "
                    "(see `opsadvisor rules check`)"
                )
    return ""


def describe_item(item: Condition | Group) -> str:
    """A condition or a nested group on one line, e.g. `any of (ambition equals undecided; ...)`."""
    return item.describe()


def _conclusion_lines(conclusion: Conclusion) -> list[str]:
    details = kinds.kind(conclusion.kind).detail_lines(conclusion.payload)
    return [conclusion.describe(), *(f"  {key}: {text}" for key, text in details)]


def render_rule(rule: Rule) -> str:
    """The whole rule, as `rules show` prints it."""
    out = [f"{rule.id}: {rule.title}", ""]
    out.append(f"defined at  {rule.location}" + (f" (overrides {rule.overrides})" if rule.overrides else ""))
    out.append(f"priority    {rule.priority}")
    out.append(f"source      {str(rule.provenance) or 'none given'}")
    out += ["", "when (all of):"]
    out += [f"  {describe_item(item)}" for item in rule.when.items] or ["  (always)"]
    out += ["", "then:"]
    out += [f"  {line}" for conclusion in rule.then for line in _conclusion_lines(conclusion)]
    out += ["", "rationale:", textwrap.fill(rule.rationale, width=100, initial_indent="  ", subsequent_indent="  ")]
    return "\n".join(out) + "\n"


# --- decision tables ----------------------------------------------------------------------------


def _table_grid(table: Table) -> tuple[list[str], list[list[str]]]:
    """Headers (inputs, then outputs marked with an arrow) and rows (row number, cells, rule id: none for a
    redundant row)."""
    headers = ["#", *table.inputs, *(f"=> {name}" for name in table.outputs), "rule"]
    rows = [
        [
            str(row.number),
            *(table_cell_text(cell) for cell in row.cells),
            "(redundant)" if row.covered_by else row.rule_id,
        ]
        for row in table.rows
    ]
    return headers, rows


def _table_facts(table: Table) -> list[str]:
    facts = [f"hit policy {table.hit_policy}", f"{count(len(table.rows), 'row')}"]
    if table.priority is not None:
        facts.append(f"priority {table.priority}")
    return facts


def render_table(table: Table) -> str:
    """A decision table as `rules show` prints it."""
    headers, rows = _table_grid(table)
    out = [f"{table.id}: {table.title}", "", f"defined at  {table.location}", " · ".join(_table_facts(table))]
    if table.source:
        out.append(f"source      {table.source}")
    out += ["", tabulate(rows, headers=headers, disable_numparse=True, maxcolwidths=40), ""]
    out += ["rationale:", textwrap.fill(table.rationale, width=100, initial_indent="  ", subsequent_indent="  ")]
    return "\n".join(out) + "\n"


def _markdown_table(table: Table) -> list[str]:
    headers, rows = _table_grid(table)
    facts = [*_table_facts(table), f"`{table.location}`"]
    if table.source:
        facts.append(f"source: {escape(table.source)}")
    grid = tabulate(
        [[escape_markdown_cell(cell) for cell in row] for row in rows],
        headers=[escape_markdown_cell(header) for header in headers],
        tablefmt="github",
        disable_numparse=True,
    )
    return [
        f"### `{table.id}`: {escape(table.title)}",
        "",
        " · ".join(facts),
        "",
        grid,
        "",
        f"_Why:_ {escape(table.rationale)}",
        "",
    ]


# --- the Markdown catalogue -------------------------------------------------------------------


def _sections() -> tuple[str, ...]:
    """The catalogue's headings, in order: each kind's heading (kinds sharing one are listed together)."""
    listed = sorted((k for k in kinds.authored() if k.catalogue), key=lambda k: k.catalogue_order)
    return tuple(dict.fromkeys(k.catalogue for k in listed if k.catalogue))


def section_of(rule: Rule) -> str:
    """The first heading (in catalogue order) of a kind the rule concludes."""
    concluded = {kinds.kind(conclusion.kind).catalogue for conclusion in rule.then}
    return next((title for title in _sections() if title in concluded), OTHER)


OTHER = "Other conclusions"


def _markdown_rule(rule: Rule) -> list[str]:
    facts = [f"priority {rule.priority}", f"`{rule.location}`"]
    if rule.overrides:
        facts.append(f"overrides `{rule.overrides}`")
    if rule.provenance.origin:
        origin = "**practice**" if rule.provenance.origin == PRACTICE else rule.provenance.origin
        facts.append(f"source: {origin}, {escape(rule.provenance.reference)}")
    out = [f"### `{rule.id}`: {escape(rule.title)}", "", " · ".join(facts), "", "When all of:", ""]
    out += [f"- `{describe_item(item)}`" for item in rule.when.items] or ["- always"]
    out += ["", "Then:", ""]
    for conclusion in rule.then:
        detail = kinds.kind(conclusion.kind).detail(conclusion.payload)
        out.append(f"- {escape(conclusion.describe())}" + (f": {escape(detail)}" if detail else ""))
    out += ["", f"_Why:_ {escape(rule.rationale)}", ""]
    return out


def _origins(rules: tuple[Rule, ...]) -> str:
    """How many rules are the seed's and how many practice beyond it (and how many do not say)."""
    seed = sum(rule.provenance.origin == SEED for rule in rules)
    practice = sum(rule.provenance.origin == PRACTICE for rule in rules)
    out = f"{seed} from the seed, {practice} **practice** beyond it (each with its reference)"
    unsourced = len(rules) - seed - practice
    return out + (f", {unsourced} without a source" if unsourced else "")


def _markdown_policy(pack: RulePack) -> list[str]:
    """The roles and the acceptance policy in force, each with where it is defined (and what it overrides)."""
    out: list[str] = []
    roles, policies = role_entries(pack), policy_entries(pack)
    if not roles and not policies:
        return out
    out += ["## Roles and acceptance policy", ""]
    out += [
        "Who may accept a risk (the first line, within its authority) and who is consulted (the second line), "
        "and per risk severity how long an acceptance holds before its review and the least authority one "
        "acceptor must have.",
        "",
    ]

    def where(entry: RoleEntry | PolicyEntry) -> str:
        return f"`{entry.location}`" + (f" (overrides `{entry.overrides}`)" if entry.overrides else "")

    if roles:
        rows = [
            [f"`{r.id}`", escape(r.name), r.line, str(r.authority) if r.line == "first" else "-", where(r)]
            for r in roles
        ]
        out += [_table(["role", "name", "line", "authority", "defined at"], rows), ""]
    if policies:
        rows = [[p.severity, f"{p.review_months} months", str(p.minimum_authority), where(p)] for p in policies]
        out += [_table(["severity", "review within", "minimum authority", "defined at"], rows), ""]
    return out


def render_docs(pack: RulePack) -> str:
    """The rule catalogue as Markdown, grouped by what the rules conclude; practice rules are marked."""
    version, note = version_parts(pack.version)
    out = [
        "# Rule catalogue",
        "",
        f"{count(len(pack.rules), 'rule')} from {count(len(pack.files), 'file')}, rules_version `{version}`{note}. "
        "Generated by `opsadvisor rules docs`.",
        "",
        f"Source: {_origins(pack.rules)}.",
        "",
    ]
    rules = [rule for rule in _in_file_order(pack) if not rule.table]  # a table's rows are shown as the table
    for title in (*_sections(), OTHER):
        members = [rule for rule in rules if section_of(rule) == title]
        if members:
            out += [f"## {title}", ""]
            for rule in members:
                out += _markdown_rule(rule)
    if pack.tables:
        out += ["## Decision tables", ""]
        for table in pack.tables:
            out += _markdown_table(table)
    out += _markdown_policy(pack)
    if pack.disabled:
        out += ["## Disabled rules", ""]
        out += [f"- `{rule_id}` (by `{where}`)" for rule_id, where in sorted(pack.disabled.items())]
        out.append("")
    return "\n".join(out)


# --- the authoring reference (generated part of docs/rules.md) -----------------------------------

BEGIN = "<!-- BEGIN GENERATED REFERENCE: `opsadvisor rules docs --reference`; do not edit by hand -->"
END = "<!-- END GENERATED REFERENCE -->"

TEST_MEANINGS = {
    "equals": "the fact has this value (`fact: value` is short for `fact: {equals: value}`)",
    "in": "the fact has one of these values (`fact: [a, b]` is short for `fact: {in: [a, b]}`)",
    "not": "the fact is present and has another value",
    "not_in": "the fact is present and has none of these values",
    "at_least": "the fact is this value or later in its ordered list",
    "at_most": "the fact is this value or earlier in its ordered list",
    "gt": "the number is greater than this",
    "gte": "the number is greater than or equal to this",
    "lt": "the number is less than this",
    "lte": "the number is less than or equal to this",
    "contains": "the set holds this value (`fact: value` is short for `fact: {contains: value}`)",
    "contains_any": "the set holds at least one of these values",
    "contains_all": "the set holds every one of these values",
    "lacks": "the set is known and does not hold this value",
    "empty": "`true`: the set is known and empty; `false`: it holds at least one value",
    "exists": "`true`: the fact is in the scenario; `false`: it is missing (an open question)",
}


def _fact_rows() -> list[list[str]]:
    rows = []
    for spec in FACTS.values():
        values = ", ".join(f"`{value}`" for value in spec.values) or {
            "flag": "`true`, `false`",
            "number": "a whole number, 0 or more" if spec.minimum == 0 else "a whole number (negative too)",
        }.get(spec.kind, "")
        source = FACT_FIELDS[spec.name].path
        rows.append(
            [
                f"`{spec.name}`",
                spec.kind,
                values,
                ", ".join(TESTS_BY_KIND[spec.kind]),
                f"`{source}`",
                spec.description,
            ]
        )
    return rows


def _derived_rows(pack: RulePack) -> list[list[str]]:
    values: dict[str, set[str]] = {}
    for rule in pack.rules:
        for name, value in rule.derives:
            values.setdefault(name, set()).add(json.dumps(value))
    return [[f"`{name}`", ", ".join(f"`{v}`" for v in sorted(values[name]))] for name in sorted(values)]


def _system_rows(pack: RulePack) -> list[list[str]]:
    """The effective model's facts, one row per process for the cells (`accountable.<process>.*`)."""
    facts = system_facts(pack.processes)
    rows = [
        [
            "`accountable.<process>.application`, `.interface`",
            ", ".join(f"`{v}`" for v in INTERFACE_CELLS),
            "who is accountable for the process in the effective matrix (the model's cells, the rules' "
            "settings and the recorded decisions)",
        ],
        [
            "`performed_by.<process>`",
            ", ".join(f"`{v}`" for v in (*PERFORMERS, NOT_RECORDED)),
            f"who does the process's daily work, as a decision records it (`{NOT_RECORDED}`: not recorded); "
            "asserted for a service with evidence from its records (the drift rules)",
        ],
    ]
    for name, (values, meaning) in facts.items():
        if not name.startswith((CELL_PREFIX, PERFORMER_PREFIX)):
            shown_values = ", ".join(f"`{show_value(v)}`" for v in values) or "a number or text"
            rows.append([f"`{name}`", shown_values, meaning])
    return rows


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    return tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)


def render_reference(pack: RulePack) -> str:
    """The generated part of docs/rules.md, between its BEGIN and END markers."""
    tests = sorted({test for tests in TESTS_BY_KIND.values() for test in tests})
    parties = [f"`{party}`" for party in INTERFACE_CELLS]
    out = [
        BEGIN,
        "",
        "### Rule file keys",
        "",
        f"A rule file is a mapping with the keys {', '.join(f'`{key}`' for key in FILE_KEYS)}; "
        f"a rule has the keys {', '.join(f'`{key}`' for key in RULE_KEYS)}. "
        f"`priority` is a whole number from 0 to {MAX_PRIORITY} (default {DEFAULT_PRIORITY}). "
        "`source` is `{}` or `{}` (e.g. `{}`): the rule is the seed's, or practice beyond it.".format(
            *SOURCE_FORMS, SOURCE_EXAMPLE
        ),
        "",
        f"A decision table (an entry of `tables`, or a `.csv` / `.xlsx` file) has the keys "
        f"{', '.join(f'`{key}`' for key in TABLE_KEYS)}; its `hit_policy` is one of "
        f"{', '.join(f'`{policy}`' for policy in HIT_POLICIES)} (default `unique`), and a row may set its own "
        f"{', '.join(f'`{key}`' for key in ROW_SETTINGS)}.",
        "",
        "### Facts a rule may test",
        "",
        _table(["fact", "kind", "values", "tests", "scenario field", "meaning"], _fact_rows()),
        "",
        "### Tests",
        "",
        _table(["test", "holds when"], [[f"`{test}`", TEST_MEANINGS[test]] for test in tests]),
        "",
        f"A derived fact (one that a rule derives) takes the tests {', '.join(TESTS_BY_KIND['derived'])} "
        "(`exists: true` only), and only at the top level of `when`, not inside `any` or `all`.",
        "",
        "### Derived facts of the default pack",
        "",
        _table(["derived fact", "values the default rules derive"], _derived_rows(pack)),
        "",
        "### Facts of the effective operating model",
        "",
        "Asserted once the model and the matrix are settled (the second stage of a run); tested like derived "
        "facts, by rules that may not conclude `recommend` or `accountability` themselves.",
        "",
        _table(["fact", "values", "meaning"], _system_rows(pack)),
        "",
        "### Conclusion kinds",
        "",
        _table(
            ["kind", "shape", "meaning"],
            [[f"`{kind.name}`", kind.shape, kind.meaning] for kind in kinds.authored()],
        ),
        "",
        "### Vocabularies",
        "",
        f"- models: {', '.join(f'`{model}`' for model in MODELS)}; modes: {', '.join(map(str, MODES))}",
        f"- accountability columns: {', '.join(f'`{c}`' for c in COLUMNS)} (or `both`); parties: "
        f"{', '.join(parties)} (`{UNDECIDED}` = an open decision, `{NOT_APPLICABLE}` = not applicable)",
        f"- conflict severities: {', '.join(f'`{s}`' for s in SEVERITIES)}",
        f"- processes: {', '.join(f'`{p}`' for p in pack.process_ids)}",
        f"- conflict kinds: {', '.join(f'`{k}`' for k in sorted(pack.conflict_kinds))}",
        "- message placeholders: "
        + ", ".join(f"`{{{name}}}`" for name in (*SERVICE_PLACEHOLDERS, *FACTS))
        + ", and any derived fact",
        "",
        END,
    ]
    return "\n".join(out)


def replace_reference(document: str, reference: str) -> str:
    """The document with its generated block replaced (the markers must be there)."""
    start, end = document.find(BEGIN), document.find(END)
    if start < 0 or end < start:
        found = "a BEGIN marker but no END marker after it" if start >= 0 else "no BEGIN marker"
        raise ValueError(f"no generated reference block in the document: {found}")
    return document[:start] + reference + document[end + len(END) :]


def write_reference(path: Path, pack: RulePack) -> bool:
    """Refresh the generated block of a Markdown file in place; True when it changed.

    OutputError (exit 2), the file untouched, when it is not UTF-8 or its markers are broken.
    """
    old = _read_document(path)
    try:
        new = replace_reference(old, render_reference(pack))
    except ValueError as error:
        raise OutputError(str(path), [f"{error}; the file is left as it was"]) from None
    if new != old:
        atomic_write(path, new.encode("utf-8"))
    return new != old


def _read_document(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise OutputError(str(path), [f"byte {error.start} is not UTF-8 text; the file is left as it was"]) from None
    except OSError as error:
        raise OutputError(str(path), [f"cannot read the file: {error.strerror}"]) from None


# --- the Python API twins of `rules list`, `rules show` and `rules docs` --------------------------


def list_rules(rules: RulesArg = None, include_default_rules: bool = True) -> Catalogue:
    return catalogue(rule_pack(rules, include_default_rules))


def show_rule(rule_id: str, rules: RulesArg = None, include_default_rules: bool = True) -> str:
    """The whole rule (or decision table) as text; UnknownRule (exit 2) when the pack has no such id."""
    pack = rule_pack(rules, include_default_rules)
    table = pack.table(rule_id)
    return render_table(table) if table is not None else render_rule(find_rule(pack, rule_id))


def rules_docs(rules: RulesArg = None, include_default_rules: bool = True, reference: bool = False) -> str:
    """The rule catalogue as Markdown, or (reference=True) the generated part of docs/rules.md."""
    pack = rule_pack(rules, include_default_rules)
    return render_reference(pack) + "\n" if reference else render_docs(pack)


def write_rules_docs(
    path: Path, rules: RulesArg = None, include_default_rules: bool = True, reference: bool = False
) -> str:
    """Write the catalogue (or the reference) to a file; what was done, as a line for the user.

    The reference written into a file that holds the BEGIN/END markers (docs/rules.md) replaces
    only the generated block, so the hand-written guide around it stays.
    """
    pack = rule_pack(rules, include_default_rules)
    if reference and path.is_file() and BEGIN in _read_document(path):
        changed = write_reference(path, pack)
        return f"{path}: generated reference {'updated' if changed else 'already up to date'}"
    atomic_write(path, rules_docs(pack, reference=reference).encode("utf-8"))
    return f"{path}: written"
