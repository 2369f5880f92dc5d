"""The workshop pack as format-neutral blocks, so each renderer only maps blocks to its syntax."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from ..assessment import MatrixRow
from ..contract import UNDECIDED, label_for
from ..kinds.drift import records_note
from ..kinds.governance import pending_note
from ..kinds.open_question import question_text
from ..kinds.risk import policy_note
from ..render.sections import party, recommendation_lines
from ..rulepack import version_label
from ..text import performer
from .workshop import WorkshopPack


@dataclass(frozen=True)
class Highlight:
    """Text to highlight: a cell still to decide, or a value to fill in."""

    text: str


Cell = str | Highlight


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str
    note: bool = False  # a remark, rendered in italics


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]
    numbered: bool = False


@dataclass(frozen=True)
class TableBlock:
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Command:
    text: str


Block = Heading | Paragraph | Bullets | TableBlock | Command


def _cell(value: str) -> Cell:
    return Highlight("t.b.d. - decide") if value == UNDECIDED else party(value)


def _header(pack: WorkshopPack) -> list[Block]:
    a = pack.assessment
    return [
        Heading(1, f"Support Model Design Workshop: {a.service_name} ({a.service_id})"),
        Paragraph(f"Scenario: {pack.source}. Rules version: {version_label(a.rules_version)}.", note=True),
        Heading(2, "Purpose"),
        Paragraph(pack.purpose),
        Bullets(tuple(recommendation_lines(a))),
        Heading(2, "Participants to invite"),
        Bullets(pack.participants),
        Heading(2, "Agenda"),
        Bullets(pack.agenda, numbered=True),
    ]


def _drift(pack: WorkshopPack) -> list[Block]:
    """What the service's records show, first (issue 28): each drift from the agreement, with the evidence
    it rests on and its remedy; nothing without records."""
    a = pack.assessment
    drift = a.part("drift")
    if drift is None:
        return []
    blocks: list[Block] = [
        Heading(2, "What the records show: drift from the agreement"),
        Paragraph(records_note(drift.evidence), note=True),
    ]
    if not drift.drifts:
        return [*blocks, Paragraph("The records show the service run as agreed: no drift to discuss.")]
    names = a.process_names
    rows = tuple(
        (
            names.get(d.process, d.process) if d.process else "",
            performer(d.party),
            " ".join(part for part in (d.message, d.evidence_text()) if part),
            d.remedy or "",
        )
        for d in drift.drifts
    )
    blocks += [
        Paragraph(
            "Start here: practice departs from what was agreed. Decide, for each, whether practice changes "
            "(the remedy) or the agreement does (record the decision that matches how the service is run)."
        ),
        TableBlock(("process", "in practice", "what the records show", "remedy"), rows),
    ]
    return blocks


def _row_cells(row: MatrixRow) -> tuple[Cell, ...]:
    """A matrix row's process, accountable cells and who performs the work (blank: to fill in)."""
    return (row.name, _cell(row.application), _cell(row.interface), performer(row.performed_by))


def _matrix(pack: WorkshopPack) -> list[Block]:
    rows = tuple(_row_cells(row) for row in pack.assessment.accountability)
    blocks: list[Block] = [
        Heading(2, "Accountability matrix"),
        Paragraph(
            "Accountable means end responsible for the operation and governance of the process, not "
            "necessarily doing the daily work: a vendor's desk may handle incidents while the accountable "
            "party owns SLA performance and escalation. Fill in who performs the daily work where it is blank."
        ),
        TableBlock(("support process", "application", "interface", "performed by"), rows),
        Heading(2, "Decisions to make"),
    ]
    if not pack.decisions:
        return [*blocks, Paragraph("Every cell is decided: confirm the matrix with the participants.", note=True)]
    urgent = _urgent(pack)
    if urgent:
        blocks.append(Paragraph(urgent[""]))
    for number, decision in enumerate(pack.decisions, 1):
        blocks += [
            Heading(
                3, f"D{number}. {decision.name}: {' and '.join(decision.columns)}{urgent.get(decision.process, '')}"
            ),
            Paragraph("Discussion questions:"),
            Bullets(decision.questions),
        ]
        if decision.suggestions:
            blocks += [Paragraph("What the facts suggest:"), Bullets(decision.suggestions)]
    return blocks


def _urgent(pack: WorkshopPack) -> dict[str, str]:
    """The decisions of raised priority: "" -> the paragraph saying which and why; a process id -> the mark
    its heading takes (only when some decisions are more urgent than others)."""
    flagged = [d for d in pack.assessment.open_decisions if d.priority != "normal"]
    if not flagged:
        return {}
    priority, processes = flagged[0].priority, {d.process for d in flagged}
    reasons = " ".join(dict.fromkeys(reason for d in flagged for reason in d.reasons))
    if all(decision.process in processes for decision in pack.decisions):
        return {"": f"Priority {priority}: {reasons}"}
    names = ", ".join(decision.name for decision in pack.decisions if decision.process in processes)
    return {"": f"Priority {priority} ({names}): {reasons}"} | {
        process: f" (priority {priority})" for process in processes
    }


def _business_accountable(pack: WorkshopPack) -> list[Block]:
    """Every process the business is accountable for: the questions and what to agree with whoever does the work."""
    blocks: list[Block] = [Heading(2, "Processes the business is accountable for")]
    if not pack.accountable:
        return [*blocks, Paragraph("The business is accountable for no process (yet).", note=True)]
    blocks.append(
        Paragraph(
            "The business stays accountable for these processes whoever does the daily work: for each, agree "
            "who performs it, and how the business manages its performance, escalates and steps in."
        )
    )
    for walked in pack.accountable:
        row = walked.row
        done_by = performer(row.performed_by) or "not yet recorded"
        blocks += [
            Heading(3, f"{row.name}: the business is accountable for the {' and '.join(walked.columns)}"),
            Paragraph(
                f"Accountable now: application {party(row.application)}, interface {party(row.interface)}. "
                f"Daily work performed by: {done_by}."
            ),
            Paragraph("Discussion questions:"),
            Bullets(walked.questions),
            Paragraph("What to agree:"),
            Bullets(walked.agreements),
        ]
    return blocks


def _facilitator_appendix(pack: WorkshopPack) -> list[Block]:
    """The commands that record the workshop's outcomes: for the facilitator, apart from the handout."""
    source = shlex.quote(pack.source)
    commands: list[Block] = []
    for number, decision in enumerate(pack.decisions, 1):
        options = " ".join(f"--{column} PARTY" for column in decision.columns)
        commands += [
            Paragraph(f"D{number}. {decision.name}:"),
            Command(f"opsadvisor decide {source} {decision.process} {options}"),
        ]
    for walked in pack.accountable:
        row = walked.row
        if row.performed_by is None:
            commands += [
                Paragraph(f"Who performs {row.name} (vendor, business, it_ops or it_delivery):"),
                Command(
                    f"opsadvisor decide {source} {row.process} --application {row.application} "
                    f"--interface {shlex.quote(row.interface)} --performed-by WHO"
                ),
            ]
    for risk in pack.assessment.pending_risks:
        roles = ", ".join(item.role for item in risk.acceptances if item.status != "accepted")
        named = pack.assessment.risk_name(risk)
        commands += [
            Paragraph(f"Risk {named} ({risk.id}), once accepted (by: {roles}), one command per role:"),
            Command(f"opsadvisor accept {source} {risk.id} --role ROLE --name NAME --date YYYY-MM-DD"),
            Paragraph(f"Or, for a mitigation agreed for {risk.id} (it does not accept the risk):"),
            Command(f'opsadvisor mitigate {source} {risk.id} --action "ACTION" --owner NAME --due YYYY-MM-DD'),
        ]
    if not commands:
        return []
    return [
        Heading(2, "Facilitator appendix: recording the outcomes"),
        Paragraph(
            "Not for the participants' handout. After the workshop, record each decision and each accepted risk "
            "in the scenario file (PARTY: it_ops, it_delivery, business or tbd; an interface may also be n/a), "
            "then assess it again."
        ),
        *commands,
    ]


def _conflicts_and_benefits(pack: WorkshopPack) -> list[Block]:
    a = pack.assessment
    blocks: list[Block] = [Heading(2, "Conflicts to resolve")]
    if a.conflicts:
        blocks.append(
            TableBlock(
                ("severity", "conflict", "remedy"), tuple((c.severity, c.message, c.remedy) for c in a.conflicts)
            )
        )
    else:
        blocks.append(Paragraph("No conflicts found.", note=True))
    blocks.append(Heading(2, "Expected benefits to validate"))
    if pack.benefits:
        rows = tuple((b.benefit, b.validation or Highlight("how will it be validated?")) for b in pack.benefits)
        blocks.append(TableBlock(("expected benefit", "how it will be validated"), rows))
    elif pack.benefits is None:
        blocks.append(
            Paragraph(
                "Not yet known: which benefits does the business expect, and how will they be validated?", note=True
            )
        )
    else:
        blocks.append(Paragraph("None listed.", note=True))
    return blocks


def _risks(pack: WorkshopPack) -> list[Block]:
    a = pack.assessment
    blocks: list[Block] = [Heading(2, "Risks to accept (sign-off)")]
    if not a.risks:
        return [*blocks, Paragraph("No risks need acceptance.", note=True)]
    rows = tuple(
        (
            a.risk_name(r),
            r.message,
            r.accept_by,
            f"accepted by {r.accepted_by}, review by {r.review_by}" if r.accepted else Highlight("accept / mitigate"),
            (r.accepted_on or "") if r.accepted else Highlight("date"),
            "; ".join([*(m.describe() for m in r.mitigations), *r.notes]),
        )
        for r in a.risks
    )
    headers = ("risk", "consequence", "who must accept", "decision", "date", "mitigations and notes")
    blocks.append(TableBlock(headers, rows))
    blocks.append(Paragraph(policy_note(a.risks, a), note=True))
    return blocks


def _governance_and_maturity(pack: WorkshopPack) -> list[Block]:
    a = pack.assessment
    names = {row.process: row.name for row in a.accountability}
    blocks: list[Block] = [Heading(2, "Where IT offers help")]
    if a.governance_areas:
        blocks.append(
            TableBlock(
                ("support process", "what IT can do"),
                tuple((names.get(g.process, g.process), g.advice) for g in a.governance_areas),
            )
        )
        waiting = pending_note(a.governance_areas, a)
        if waiting:
            blocks.append(Paragraph(waiting, note=True))
    else:
        blocks.append(Paragraph("No governance areas flagged.", note=True))
    rec = a.recommendation
    current = "not yet known" if rec.mode is None else f"mode {rec.mode}"
    if rec.transition_due:
        current += f", and the move to mode 1 is due ({rec.mode_note})"
    blocks += [
        Heading(2, "Maturity: mode 2 to mode 1"),
        Paragraph(
            f"Current mode: {current}. A service can start as mode 2 (exploratory) and move to mode 1 "
            "(predictable) as it matures."
        ),
        Heading(3, "Mode 1 triggers the service meets"),
        Bullets(tuple(t.detail for t in pack.triggers_met)) if pack.triggers_met else Paragraph("None yet.", note=True),
        Heading(3, "Mode 1 triggers not yet met"),
        Bullets(tuple(t.title for t in pack.triggers_not_met))
        if pack.triggers_not_met
        else Paragraph("None.", note=True),
    ]
    if a.open_questions:
        blocks += [
            Heading(2, "Still to find out"),
            TableBlock(
                ("about", "question"),
                tuple((label_for(q.fact), question_text(q, names)) for q in a.open_questions),
            ),
        ]
    return blocks


def _sign_off(pack: WorkshopPack) -> list[Block]:
    rows = tuple((*_row_cells(row), "", "") for row in pack.assessment.accountability)
    return [
        Heading(2, "Sign-off: the agreed support model"),
        Paragraph(
            "Once every cell is decided and who performs the daily work is known, the accountable party "
            "of each process signs for it."
        ),
        TableBlock(
            (
                "support process",
                "accountable: application",
                "accountable: interface",
                "performed by",
                "agreed by (name)",
                "date",
            ),
            rows,
        ),
    ]


def workshop_blocks(pack: WorkshopPack) -> list[Block]:
    return [
        *_header(pack),
        *_drift(pack),
        *_matrix(pack),
        *_business_accountable(pack),
        *_conflicts_and_benefits(pack),
        *_risks(pack),
        *_governance_and_maturity(pack),
        *_sign_off(pack),
        *_facilitator_appendix(pack),
    ]
