"""The Support Model Design Workshop pack, built from a scenario and its assessment.

It walks the effective accountability matrix (the assessment's, recorded decisions included): the
t.b.d. cells are decisions to make, and every process the business is accountable for gets what
the business must agree with whoever performs the daily work; it ends with the sign-off table.

Who to invite and which mode 1 triggers a service meets are decided by rules on durable_rules:
the mode 1 triggers are read from the assessment's trace; the participant rules (the pack's
`workshop.participants`) run here, on their own engine, so assessments do not carry them. The
discussion questions per support process are data in the rule pack (the `workshop` section).
Renderers, one module per format, turn the WorkshopPack into text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import api
from ..assessment import Assessment, DateArg, MatrixRow
from ..backend import CompiledRules
from ..contract import COLUMNS, UNDECIDED, label_for
from ..engine import BACKEND, once_per_pack
from ..facts import build_facts
from ..formats import WORKSHOP
from ..rulepack import Rule, RulePack
from ..scenario import Scenario, load_scenario, source_of
from ..text import count, party, say_value
from .benefits import split_benefit

MODE1_TRIGGER = "mode1_trigger"
BUSINESS = "business"
PURPOSE = (
    "Agree, process by process, who is accountable for operating {name}; discover the operational "
    "governance it needs and the areas where the IT function can add value; and make sure its risks "
    "and their consequences are understood, documented and accepted by the relevant stakeholders."
)
# What the business agrees for each process it is accountable for. Seed footnote: with a vendor's
# desk doing the work, "the responsibility for SLA performance remains with the Business. The
# Businesses responsible for managing performance and escalation, When the contracted vendor does not
# perform according to expectations the Business is on point to step in and resolve the situation."
AGREEMENTS = (
    "SLA performance: the service levels for {doer}, and how the business reviews its performance against them.",
    "Escalation: how, how fast and to whom the business escalates when {doer} misses a service level.",
    "Stepping in: how the business steps in and resolves the situation when {doer} does not perform as agreed.",
)
DOERS = {
    "vendor": "the vendor",
    "business": "the business's own team",
    "it_ops": "IT OPS",
    "it_delivery": "IT Delivery",
}
UNKNOWN_DOER = "the party doing the daily work"


@dataclass(frozen=True)
class Decision:
    """A support process with t.b.d. cells: a decision for the workshop to make."""

    process: str
    name: str
    columns: tuple[str, ...]
    questions: tuple[str, ...]
    suggestions: tuple[str, ...]


@dataclass(frozen=True)
class Accountable:
    """A support process the business is accountable for: what it must agree with whoever does the work."""

    row: MatrixRow
    columns: tuple[str, ...]  # the columns the business is accountable for
    questions: tuple[str, ...]
    agreements: tuple[str, ...]


@dataclass(frozen=True)
class Benefit:
    benefit: str
    validation: str | None


@dataclass(frozen=True)
class Trigger:
    """A rule that derives a mode 1 trigger; `detail` says what the service matched when met."""

    rule: str
    title: str
    detail: str


@dataclass(frozen=True)
class WorkshopPack:
    assessment: Assessment
    source: str
    purpose: str
    business_owner: str | None
    participants: tuple[str, ...]
    agenda: tuple[str, ...]
    decisions: tuple[Decision, ...]
    accountable: tuple[Accountable, ...]
    benefits: tuple[Benefit, ...] | None
    triggers_met: tuple[Trigger, ...]
    triggers_not_met: tuple[Trigger, ...]


def _deriving(rules: tuple[Rule, ...], name: str) -> list[Rule]:
    """The rules that derive `name`, in the pack's (priority, id) order."""
    return [rule for rule in rules if any(derived == name for derived, _ in rule.derives)]


def _derived_values(rule: Rule, name: str) -> list[str]:
    return [str(value) for derived, value in rule.derives if derived == name]


def _participant_rules(pack: RulePack) -> CompiledRules:
    return BACKEND.compile(pack.workshop_rules)


def _participant_rules_fired(pack: RulePack, scenario: Scenario) -> set[str]:
    """Run the pack's workshop participant rules on the rules engine (compiled once per pack)."""
    if not pack.workshop_rules:
        return set()
    result = once_per_pack(pack, "workshop", _participant_rules).run(build_facts(scenario))
    return {firing.rule.id for firing in result.firings}


def _participants(pack: RulePack, scenario: Scenario, assessment: Assessment) -> tuple[str, ...]:
    """Who the participant rules invite, and every role that must accept a risk still pending or is to be
    consulted on it (the pack's roles: first line accepts, second line is consulted), saying for which."""
    fired = _participant_rules_fired(pack, scenario)
    names: dict[str, list[str]] = {}
    for rule in pack.workshop_rules:
        if rule.id in fired:
            names.update({participant.role: [] for participant in rule.of_kind("participant")})
    for role_id, role in pack.roles.items():
        accepts = [_named(assessment, r) for r in assessment.pending_risks if role_id in _acceptors(pack, r)]
        consulted = [_named(assessment, r) for r in assessment.pending_risks if role.name in r.consult]
        said = [f"accepts {', '.join(accepts)}"] if accepts else []
        said += [f"consulted on {', '.join(consulted)}"] if consulted else []
        if said:
            names.setdefault(role.name, []).extend(said)
    business_owner = scenario.business_owner
    return tuple(
        (f"{name}: {business_owner}" if name == "business owner" and business_owner else name)
        + (f" ({'; '.join(why)})" if why else "")
        for name, why in names.items()
    )


def _named(assessment: Assessment, risk: Any) -> str:
    """A risk as the participants' list names it: its words, quoted (they hold commas of their own)."""
    return f'"{assessment.risk_name(risk)}"'


def _acceptors(pack: RulePack, risk: Any) -> tuple[str, ...]:
    """The role ids that must accept a risk, as the rule that raised it names them."""
    rule = pack.rule(risk.rule)
    payloads = rule.of_kind("risk") if rule else ()
    return next((payload.accept_by for payload in payloads if payload.id == risk.id), ())


def _triggers(pack: RulePack, assessment: Assessment) -> tuple[tuple[Trigger, ...], tuple[Trigger, ...]]:
    matched = {entry.rule: entry.matched for entry in assessment.trace}
    met, not_met = [], []
    for rule in _deriving(pack.rules, MODE1_TRIGGER):
        if rule.id in matched:
            facts = "; ".join(f"{label_for(key)}: {say_value(value)}" for key, value in matched[rule.id].items())
            detail = ", ".join(_derived_values(rule, MODE1_TRIGGER)) + (f" ({facts})" if facts else "")
            met.append(Trigger(rule.id, rule.title, detail))
        else:
            not_met.append(Trigger(rule.id, rule.title, ""))
    return tuple(met), tuple(not_met)


def _suggestions(process: str, assessment: Assessment, pack: RulePack) -> tuple[str, ...]:
    """What the facts suggest for a process: where IT can add value, and the reference models' cells."""
    hints = [f"IT can add value here: {area.advice}" for area in assessment.governance_areas if area.process == process]
    for model in pack.models.values():
        cells = model.cells.get(process)
        if cells and UNDECIDED not in cells:
            hints.append(f"In reference model {model.id}: application {party(cells[0])}, interface {party(cells[1])}")
    return tuple(hints)


def _columns(row: MatrixRow, cell: str) -> tuple[str, ...]:
    """The columns of a matrix row that hold `cell` (a party, or t.b.d.)."""
    return tuple(column for column in COLUMNS if getattr(row, column) == cell)


def _questions(row: MatrixRow, pack: RulePack) -> tuple[str, ...]:
    return pack.workshop_questions.get(row.process, (f"Who is accountable for {row.name}?",))


def _decisions(assessment: Assessment, pack: RulePack) -> tuple[Decision, ...]:
    decisions = []
    for row in assessment.accountability:
        columns = _columns(row, UNDECIDED)
        if columns:
            suggestions = _suggestions(row.process, assessment, pack)
            decisions.append(Decision(row.process, row.name, columns, _questions(row, pack), suggestions))
    return tuple(decisions)


def _accountable(assessment: Assessment, pack: RulePack) -> tuple[Accountable, ...]:
    """Every process the business is accountable for in the effective matrix (decisions included)."""
    walked = []
    for row in assessment.accountability:
        columns = _columns(row, BUSINESS)
        if columns:
            doer = DOERS[row.performed_by] if row.performed_by else UNKNOWN_DOER
            agreements = tuple(text.format(doer=doer) for text in AGREEMENTS)
            walked.append(Accountable(row, columns, _questions(row, pack), agreements))
    return tuple(walked)


def _agenda(
    assessment: Assessment, decisions: tuple[Decision, ...], accountable: tuple[Accountable, ...], benefits: bool
) -> tuple[str, ...]:
    drift = assessment.part("drift")
    names = assessment.process_names
    # What the records show comes first: the agreement as lived, before what is still to agree (issue 28).
    items = [
        f"Drift{f' in {names.get(d.process, d.process)}' if d.process else ''}: {d.message}"
        for d in (drift.drifts if drift is not None else ())
    ]
    items.append("Purpose, the operate-ownership ambition and the recommended model")
    if decisions:
        items.append(
            f"Decide the open cells of the accountability matrix ({count(len(decisions), 'process', 'processes')})"
        )
    else:
        items.append("Confirm the accountability matrix")
    if accountable:
        processes = count(len(accountable), "process", "processes")
        items.append(
            f"Walk through the {processes} the business is accountable for: who does the daily work, "
            "SLA performance, escalation and stepping in"
        )
    if assessment.conflicts:
        items.append(f"Resolve the conflicts ({len(assessment.conflicts)})")
    if benefits:
        items.append("Agree how the expected benefits will be validated")
    if assessment.risks:
        items.append(f"Walk through the risks and have them accepted or mitigated ({len(assessment.risks)})")
    if assessment.governance_areas:
        items.append("Agree where the IT function helps with operational governance")
    items.append("Maturity: the service's mode and its mode 1 triggers")
    items.append("Sign off the agreed support model and agree the next steps")
    return tuple(items)


def build_workshop(scenario: Scenario, assessment: Assessment, pack: RulePack, source: str) -> WorkshopPack:
    decisions = _decisions(assessment, pack)
    accountable = _accountable(assessment, pack)
    benefits = (
        None
        if scenario.expected_benefits is None
        else tuple(Benefit(*split_benefit(text)) for text in scenario.expected_benefits)
    )
    show_benefits = bool(benefits) or scenario.ambition == "business_operated"
    met, not_met = _triggers(pack, assessment)
    return WorkshopPack(
        assessment=assessment,
        source=source,
        purpose=PURPOSE.format(name=scenario.service_name),
        business_owner=scenario.business_owner,
        participants=_participants(pack, scenario, assessment),
        agenda=_agenda(assessment, decisions, accountable, show_benefits),
        decisions=decisions,
        accountable=accountable,
        benefits=benefits,
        triggers_met=met,
        triggers_not_met=not_met,
    )


def workshop(
    scenario: str | Path | Mapping[str, Any],
    rules: api.RulesArg = None,
    include_default_rules: bool = True,
    output_format: str = "markdown",
    source: str | None = None,
    as_of: DateArg = None,
    records: Any = None,
) -> str:
    """The workshop pack for a scenario file (or decoded document), as Markdown or self-contained HTML;
    with `records` (as for api.assess), what they show comes first: the drifts from the agreement.

    Raises ScenarioError (exit 3) for invalid input and RulesError (exit 4) for a broken pack.
    """
    assessor = api.assessor_for(api.rule_pack(rules, include_default_rules))
    label = source or (source_of(scenario) if isinstance(scenario, (str, Path)) else "scenario.json")
    parsed = load_scenario(scenario, assessor.spec, label)
    if records is not None:
        parsed = api.evidence_book(records, as_of).attach(parsed)
    pack = build_workshop(parsed, assessor.assess_scenario(parsed, as_of), assessor.pack, label)
    return WORKSHOP.render(output_format, pack)
