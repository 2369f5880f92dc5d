"""`risk`: a risk that named stakeholder roles must accept. Per risk id, the highest-priority rule wins.

A risk names the roles that must accept it (all of them, first line: they own risk) and the roles to
consult (second line: they advise and challenge, they do not accept), and a severity; the pack's
`roles:` and `acceptance:` sections say who is which line, how much authority a severity needs and
how long an acceptance holds. A risk counts as accepted only when every required role has accepted
it and no acceptance has passed its review date on the assessment's `as_of` date.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from typing import Any

from ..contract import SEVERITIES
from ..errors import did_you_mean
from ..rulesyntax import RULE_ID
from ..text import count
from .base import (
    BatchColumn,
    Expectation,
    Finding,
    FindingCount,
    IdsExpectation,
    Kind,
    PackFacts,
    Section,
    SummaryTable,
    Words,
    mapping,
    text_fields,
)

DEFAULT_SEVERITY = "medium"
DEFAULT_REVIEW_MONTHS = 12


@dataclass(frozen=True)
class RiskRule:
    id: str
    message: str
    accept_by: tuple[str, ...]  # role ids, all of which must accept
    consult: tuple[str, ...] = ()  # role ids to consult
    severity: str = DEFAULT_SEVERITY


# The statuses of a required role's acceptance, in words: it counts only from its date to its review date.
ACCEPTED, REVIEW_DUE, NOT_YET, MISSING = "accepted", "review due", "not yet in force", "missing"


@dataclass(frozen=True)
class RoleAcceptance:
    """One required role's acceptance of a risk, as the report shows it."""

    role: str  # the role's name
    name: str | None  # who accepted, when someone did
    date: str | None
    review_by: str | None  # the day it counts until: the recorded review date, within the pack's policy
    status: str  # ACCEPTED, REVIEW_DUE, NOT_YET or MISSING
    entry: str | None = None  # where it is recorded, e.g. accepted_risks[2]


@dataclass(frozen=True)
class RiskMitigation:
    """A mitigation recorded for a risk, overdue once the assessment's day is after its due date."""

    action: str
    owner: str
    due: str
    overdue: bool

    def describe(self) -> str:
        late = f", OVERDUE since {self.due}" if self.overdue else ""
        return f"mitigation: {self.action}, owner {self.owner}, due {self.due}{late}"


@dataclass(frozen=True)
class Incomplete:
    """An acceptance that lacks its role, name or date: it never counts."""

    entry: str
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Risk:
    id: str
    message: str
    accept_by: str  # who must accept, in words
    accepted: bool
    accepted_by: str | None  # who accepted, in words (when every required role did)
    accepted_on: str | None  # the latest acceptance date
    rule: str
    severity: str = DEFAULT_SEVERITY
    consult: tuple[str, ...] = ()
    acceptances: tuple[RoleAcceptance, ...] = ()
    notes: tuple[str, ...] = ()  # e.g. an incomplete acceptance, a review that is due, a review date capped
    mitigations: tuple[RiskMitigation, ...] = ()
    review_by: str | None = None  # when accepted: the earliest review date of its acceptances
    policy: Any = None  # the pack's AcceptancePolicy for its severity (rulepack.ir), None when the pack has none
    incomplete: tuple[Incomplete, ...] = ()

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(item.role for item in self.acceptances if item.status != ACCEPTED)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the month's last day when it has fewer days), at most the
    calendar's last day: a review "after 9999-12-31" is due on 9999-12-31."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    if year > datetime.MAXYEAR:
        return datetime.date.max
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_date(pack: Any, severity: str, accepted_on: str) -> str:
    """When an acceptance of a risk of this severity, given on `accepted_on`, is due for review."""
    policy = pack.acceptance.get(severity)
    months = policy.review_months if policy else DEFAULT_REVIEW_MONTHS
    return add_months(datetime.date.fromisoformat(accepted_on), months).isoformat()


def latest_review(pack: Any, severity: str, accepted_on: str) -> str | None:
    """The latest review date the pack's policy allows an acceptance given on `accepted_on` (None: the pack
    has no policy for the severity, so none is capped)."""
    return review_date(pack, severity, accepted_on) if severity in pack.acceptance else None


def policy_words(policy: Any) -> str:
    """The policy for a severity as a note names it: 'high risks: review within 6 months, an acceptor of
    authority 2 or more (<bundled>/05-roles.yaml:25)'."""
    return f"{policy.severity} risks: {policy.describe()} ({policy.location})"


def role_label(role: Any, scenario: Any) -> str:
    """A role as a reader sees it: 'business owner (Head of Sales)' when the scenario names the person."""
    person = scenario.value(role.person) if role.person else None
    return f"{role.name} ({person})" if person else role.name


class RiskKind(Kind):
    name = "risk"
    shape = "`{id, message, accept_by: [role], consult?: [role], severity?: low|medium|high}`"
    meaning = (
        "a risk every `accept_by` role (first line) must accept, after consulting the `consult` roles; the "
        "highest priority wins per id"
    )
    catalogue = "Risks to accept"
    catalogue_order = 50
    part = "risks"
    order = 40
    reads = ()
    summary_order = 35
    columns = (
        BatchColumn("pending_risks", 40, lambda outline: ";".join(risk for risk, accepted in outline if not accepted)),
    )
    aspects = (("risks", 40),)
    finding_count = FindingCount("risks", "risks to accept", highlight=True)
    compares_texts = False  # by id / the winning rule, never by text

    def parse(self, data: Any) -> RiskRule | str:
        result = mapping(data, ("id", "message", "accept_by"), ("consult", "severity"))
        if isinstance(result, str):
            return result
        if not isinstance(result["id"], str) or not RULE_ID.match(result["id"]):
            return "id must be lower-case letters, digits, '.', '_' or '-'"
        accept_by, consult = (_role_ids(result.get(key, [])) for key in ("accept_by", "consult"))
        if accept_by is None or consult is None:
            key = "accept_by" if accept_by is None else "consult"
            return f"{key} lists role ids (see `roles:` in the pack), e.g. [business_owner]"
        if not accept_by:
            return "accept_by names at least one role"
        severity = result.get("severity", DEFAULT_SEVERITY)
        if severity not in SEVERITIES:
            return f"severity must be one of {', '.join(SEVERITIES)}{did_you_mean(str(severity), SEVERITIES)}"
        texts = text_fields({"message": result["message"]}, ("message",))
        if isinstance(texts, str):
            return texts
        return RiskRule(result["id"], texts["message"], accept_by, consult, severity)

    def describe(self, payload: RiskRule) -> str:
        return f"risk {payload.id} ({payload.severity})"

    def detail(self, payload: RiskRule) -> str:
        return payload.message

    def detail_lines(self, payload: RiskRule) -> list[tuple[str, str]]:
        lines = [("message", payload.message), ("accept_by", ", ".join(payload.accept_by))]
        return [*lines, ("consult", ", ".join(payload.consult))] if payload.consult else lines

    def texts(self, payload: RiskRule) -> tuple[str, ...]:
        return (payload.message,)

    def check(self, payload: RiskRule, pack: PackFacts) -> list[str]:
        problems = []
        for key, ids in (("accept_by", payload.accept_by), ("consult", payload.consult)):
            for role_id in ids:
                if role_id not in pack.roles:
                    hint = did_you_mean(role_id, pack.roles)
                    problems.append(f"{key}: unknown role '{role_id}'{hint}; declare it under roles:")
                elif key == "accept_by" and pack.roles[role_id].line != "first":
                    problems.append(
                        f"accept_by: the {pack.roles[role_id].name} is second line: consulted, does not accept "
                        "risk (IIA Three Lines Model); move it to consult"
                    )
        policy = pack.acceptance.get(payload.severity)
        known = [pack.roles[r] for r in payload.accept_by if r in pack.roles]
        if policy and known and max(role.authority for role in known) < policy.minimum_authority:
            enough = [role.id for role in pack.roles.values() if role.authority >= policy.minimum_authority]
            problems.append(
                f"a {payload.severity} risk needs an acceptor with authority {policy.minimum_authority} or more "
                f"({', '.join(enough) or 'none declared'})"
            )
        return problems

    def build(self, draft: Any) -> tuple[Risk, ...]:
        winners: dict[str, Any] = {}
        for m in draft.conclusions(self.name):
            if m.payload.id not in winners or m.rank > winners[m.payload.id].rank:
                winners[m.payload.id] = m
        recorded: dict[str, list[Any]] = {}
        for item in draft.scenario.accepted_risks:
            recorded.setdefault(item.risk, []).append(item)
        mitigations: dict[str, list[RiskMitigation]] = {}
        for mitigation in draft.scenario.mitigations:
            overdue = draft.as_of > mitigation.due
            mitigations.setdefault(mitigation.risk, []).append(
                RiskMitigation(mitigation.action, mitigation.owner, mitigation.due, overdue)
            )
        risks = [
            _risk(m, recorded.get(risk_id, []), tuple(mitigations.get(risk_id, ())), draft)
            for risk_id, m in winners.items()
        ]
        return tuple(sorted(risks, key=lambda r: (r.accepted, r.id)))

    def to_json(self, value: tuple[Risk, ...]) -> list[dict[str, Any]]:
        return [
            {
                **{key: getattr(risk, key) for key in ("id", "severity", "message", "accept_by", "accepted")},
                "accepted_by": risk.accepted_by,
                "accepted_on": risk.accepted_on,
                "review_by": risk.review_by,
                "consult": list(risk.consult),
                "acceptances": [dict(item.__dict__) for item in risk.acceptances],
                "missing": list(risk.missing),
                "incomplete": [{"entry": item.entry, "missing": list(item.missing)} for item in risk.incomplete],
                "policy": _policy_json(risk.policy),
                "mitigations": [dict(item.__dict__) for item in risk.mitigations],
                "notes": list(risk.notes),
                "rule": risk.rule,
            }
            for risk in value
        ]

    def sections(self, value: tuple[Risk, ...], assessment: Any) -> list[Section]:
        return [
            Section(
                "Risks to accept",
                ("risk", "status", "must be accepted by", "why", "rule"),
                [(r.id, _status(r), r.accept_by, _why(r), r.rule) for r in value],
                _none_pending(assessment),
                (None, 24, 24, 44, None),
                note=policy_note(value, assessment) if value else "",
            )
        ]

    def expectations(self) -> tuple[Expectation, ...]:
        return (
            IdsExpectation("risks", "no_risks", lambda a: sorted({r.id for r in a.risks}), lambda pack: pack.risk_ids),
        )

    def outline(self, value: tuple[Risk, ...]) -> tuple[tuple[str, bool], ...]:
        return tuple((risk.id, risk.accepted) for risk in value)

    def findings(self, outline: tuple[tuple[str, bool], ...]) -> int:
        return sum(not accepted for _, accepted in outline)

    def listed_findings(self, part: list[dict[str, Any]], words: Words) -> list[Finding]:
        """The risks nobody has accepted yet."""
        return [
            Finding("risk", words.risk_label(item["id"]), item["severity"], item["message"], item["rule"])
            for item in part
            if not item["accepted"]
        ]

    def new_tally(self) -> dict[str, list[int]]:
        return {}

    def tally(self, tally: dict[str, list[int]], outline: tuple[tuple[str, bool], ...]) -> dict[str, list[int]]:
        for risk_id, accepted in outline:
            tally.setdefault(risk_id, [0, 0])[accepted] += 1
        return tally

    def merge(self, tally: dict[str, list[int]], later: dict[str, list[int]]) -> dict[str, list[int]]:
        for risk_id, (pending, accepted) in later.items():
            counts = tally.setdefault(risk_id, [0, 0])
            counts[0] += pending
            counts[1] += accepted
        return tally

    def summary_tables(self, tally: dict[str, list[int]], process_names: Any) -> list[SummaryTable]:
        pending = sum(counts[0] for counts in tally.values())
        accepted = sum(counts[1] for counts in tally.values())
        rows = [(risk, counts[0], counts[1]) for risk, counts in sorted(tally.items())]
        return [SummaryTable("Risks", ["risk", "pending", "accepted"], [*rows, ("total", pending, accepted)])]

    def diff_aspects(self, outline: tuple[tuple[str, bool], ...]) -> dict[str, str]:
        risks = sorted(f"{risk} ({'accepted' if accepted else 'pending'})" for risk, accepted in outline)
        return {"risks": ", ".join(risks) or "none"}


def _none_pending(assessment: Any) -> str:
    """No risks, said honestly: with cells still open, the risks of whoever is decided are not known yet."""
    still_open = len(assessment.open_decisions)
    if not still_open:
        return "No risks need acceptance."
    cells = count(still_open, "cell is", "cells are")
    return f"No risks need acceptance yet: {cells} still open, and who is decided accountable may raise some."


def _role_ids(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) and RULE_ID.match(item) for item in value):
        return None
    return tuple(dict.fromkeys(value))


def _policy_json(policy: Any) -> dict[str, Any] | None:
    if policy is None:
        return None
    return {
        "severity": policy.severity,
        "review_months": policy.review_months,
        "minimum_authority": policy.minimum_authority,
        "from": str(policy.location),
        "layer": policy.layer,
    }


def policy_note(risks: tuple[Risk, ...], assessment: Any) -> str:
    """The section's note: the day acceptances are evaluated on, the policy in force for the severities
    raised (with where it is defined), and where the roles come from: what an auditor asks after "who"."""
    note = f"Acceptances as of {assessment.as_of}."
    policies = {risk.policy.severity: risk.policy for risk in risks if risk.policy is not None}
    shown = [policy_words(policies[severity]) for severity in reversed(SEVERITIES) if severity in policies]
    if shown:
        note += f" Acceptance policy in force: {'; '.join(shown)}."
    roles: dict[str, Any] = assessment.provenance.get("roles", {})
    files: dict[str, list[str]] = {}
    for role_id, role in roles.items():
        files.setdefault(role["from"].rpartition(":")[0], []).append(role_id)
    if files:
        main = max(files, key=lambda file: len(files[file]))  # the file most roles come from; the others named
        others = [
            f"{role_id} from {roles[role_id]['from']}" for file, ids in files.items() if file != main for role_id in ids
        ]
        note += f" Roles: {main}" + (f", but {', '.join(others)}" if others else "") + "."
    return note


def _lacking(item: Any) -> tuple[str, ...]:
    """What an acceptance lacks of its role, name and date (the free-text `accepted_by` stands for a name)."""
    given = {"role": item.role, "name": item.name or item.accepted_by, "date": item.date}
    return tuple(key for key, value in given.items() if not value)


def _incomplete_note(item: Any, lacking: tuple[str, ...]) -> str:
    who = f"; accepted by {item.accepted_by}" if item.accepted_by and not item.name else ""
    hint = "; record it with accept --role" if "role" in lacking else ""
    missing = ", ".join("no " + key for key in lacking)
    return f"incomplete acceptance {item.entry} ({missing}{who}): it does not count{hint}"


def _counted(recorded: list[Any], roles: dict[str, Any], pack: Any, notes: list[str]) -> list[Any]:
    """The acceptances that may count: complete, by a role the risk names, reviewed no earlier than given; a
    note for each other one, naming where it is recorded."""
    counted = []
    for item in recorded:
        lacking = _lacking(item)
        if lacking:
            notes.append(_incomplete_note(item, lacking))
        elif item.review_by is not None and item.review_by < item.date:
            notes.append(
                f"acceptance {item.entry} is to be reviewed on {item.review_by}, before it was given on {item.date}: "
                "it does not count"
            )
        elif item.role not in roles:
            label = pack.roles[item.role].name if item.role in pack.roles else item.role
            notes.append(f"acceptance {item.entry} by the {label} ({item.name}) does not count: not an acceptor")
        else:
            counted.append(item)
    return counted


def _risk(fired: Any, recorded: list[Any], mitigations: tuple[RiskMitigation, ...], draft: Any) -> Risk:
    """One risk with its acceptances: each required role's acceptance in force on as_of (dated on or before it,
    reviewed on or after it, within the pack's policy), the others named where recorded, and its mitigations."""
    payload, pack, scenario = fired.payload, draft.pack, draft.scenario
    roles = {role_id: pack.roles.get(role_id) for role_id in payload.accept_by}
    notes: list[str] = []
    incomplete = tuple(Incomplete(item.entry, lacking) for item in recorded if (lacking := _lacking(item)))
    counted = _counted(recorded, roles, pack, notes)
    acceptances = tuple(
        _role_acceptance(role_id, role, counted, payload.severity, draft, notes) for role_id, role in roles.items()
    )
    accepted = bool(acceptances) and all(item.status == ACCEPTED for item in acceptances)
    dates = [item.date for item in acceptances if item.date]
    reviews = [item.review_by for item in acceptances if item.review_by]
    return Risk(
        payload.id,
        draft.text(payload.message),
        " and ".join(role_label(role, scenario) if role else role_id for role_id, role in roles.items()),
        accepted,
        ", ".join(f"{item.role}: {item.name}" for item in acceptances) if accepted else None,
        max(dates) if accepted and dates else None,
        fired.rule.id,
        payload.severity,
        tuple(pack.roles[c].name if c in pack.roles else c for c in payload.consult),
        acceptances,
        tuple(notes),
        mitigations,
        min(reviews) if accepted and reviews else None,
        pack.acceptance.get(payload.severity),
        incomplete,
    )


def _role_acceptance(
    role_id: str, role: Any, counted: list[Any], severity: str, draft: Any, notes: list[str]
) -> RoleAcceptance:
    """The role's acceptance as of draft.as_of: the latest in force; else the latest given before as_of (its
    review is due); else the earliest given after it (not yet in force); else missing."""
    label = role.name if role else role_id
    mine = [(item, *_counts_until(item, severity, draft.pack)) for item in counted if item.role == role_id]
    if not mine:
        return RoleAcceptance(label, None, None, None, MISSING)
    as_of = draft.as_of
    in_force = [entry for entry in mine if entry[0].date <= as_of <= entry[1]]
    given = [entry for entry in mine if entry[0].date <= as_of]
    if in_force:
        (item, until, capped), status = max(in_force, key=lambda entry: entry[0].date), ACCEPTED
    elif given:
        (item, until, capped), status = max(given, key=lambda entry: entry[0].date), REVIEW_DUE
        notes.append(f"{label}: review due since {until}")
    else:
        (item, until, capped), status = min(mine, key=lambda entry: entry[0].date), NOT_YET
        notes.append(f"{label}: accepted on {item.date}, after {as_of}: not yet in force")
    if capped:
        policy = draft.pack.acceptance[severity]
        notes.append(
            f"{label}: review by {item.review_by} is beyond the pack's policy for {severity} risks "
            f"({policy.review_months} months, {policy.location}): it counts until {until}"
        )
    return RoleAcceptance(label, item.name or item.accepted_by, item.date, until, status, item.entry)


def _counts_until(item: Any, severity: str, pack: Any) -> tuple[str, bool]:
    """The last day an acceptance counts, and whether the pack's policy capped its recorded review date."""
    limit = latest_review(pack, severity, item.date)
    review = item.review_by or review_date(pack, severity, item.date)
    if limit is not None and review > limit:
        return limit, True
    return review, False


def _status(risk: Risk) -> str:
    if risk.accepted:
        return "accepted"
    due = [item for item in risk.acceptances if item.status == REVIEW_DUE]
    if due:
        return f"PENDING: review due since {min(item.review_by or '' for item in due)}"
    if any(item.status == NOT_YET for item in risk.acceptances):
        return "PENDING: acceptance not yet in force"
    if any(item.status == ACCEPTED for item in risk.acceptances):
        return "PENDING: " + ", ".join(risk.missing) + " still to accept"
    return "PENDING"


def _why(risk: Risk) -> str:
    parts = [risk.message]
    accepted = [
        f"{a.role}: {a.name} on {a.date} (review by {a.review_by})" for a in risk.acceptances if a.status == ACCEPTED
    ]
    if accepted:
        parts.append("Accepted by " + "; ".join(accepted) + ".")
    parts += [_sentence(item.describe()) for item in risk.mitigations]
    if risk.consult:
        parts.append("Consult: " + ", ".join(risk.consult) + ".")
    parts += [_sentence(note) for note in risk.notes]
    return " ".join(parts)


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + "."


KIND = RiskKind()
