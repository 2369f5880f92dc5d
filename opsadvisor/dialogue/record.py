"""Record the workshop's outcome in the scenario file: decided cells and accepted risks.

The file is edited surgically, in its own format (scenario_formats; JSON's editor is jsonedit): only
the changed value or the new member is written, so the rest of the file keeps its key order and
formatting; the new text is checked to decode to exactly the expected document and to validate, then
written atomically (through a symlink to its target, keeping owner and mode). A format that cannot be
edited in place is refused before the file is read (exit 2). The file is locked from reading to
writing, so two edits at once both land; a caller that chose the change on a version of the file (the
workbench's forms carry it) passes it, and the edit is refused under the lock when the file is no longer
that version (StaleVersion), so nobody's change is written over unseen.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import api
from ..assessment import AsOf, Assessment, DateArg, interpolator
from ..contract import ACCEPTED_RISKS, MITIGATIONS, PERFORMED_BY, SEVERITIES, Choice, Date, ListOf, MapOf, Record, Spec
from ..errors import EXIT_INVALID_SCENARIO, EXIT_USAGE, EngineError, OpsAdvisorError, did_you_mean
from ..files import atomic_write, locked, version_of_bytes
from ..kinds.risk import ACCEPTED, NOT_YET, REVIEW_DUE, RiskMitigation, latest_review, review_date
from ..scenario import decode_scenario, read_file_bytes
from ..scenario_formats import Editor, ScenarioFormat, writable
from ..text import party, performer
from ..validation import validate
from .interview import choice_word

_BOM = b"\xef\xbb\xbf"


class RecordError(OpsAdvisorError):
    """A decision or acceptance names an unknown process, party or risk, or a bad date (exit 2)."""

    exit_code = EXIT_USAGE


class StaleVersion(RecordError):
    """The file is no longer the version the change was chosen on: nothing was written (exit 2)."""


@dataclass(frozen=True)
class Recorded:
    """The assessment before and after the change, for the user's feedback: with an acceptance or a
    mitigation, the entry written, where (e.g. accepted_risks[2]) and what the user must be told of it."""

    path: str
    before: Assessment
    after: Assessment
    entry: Mapping[str, str] = field(default_factory=dict)
    where: str = ""
    notes: tuple[str, ...] = ()


@dataclass
class _ScenarioText:
    path: Path
    form: ScenarioFormat
    editor: Editor
    bom: bool
    text: str
    document: dict[str, Any]
    assessor: api.Assessor

    @property
    def source(self) -> str:
        return str(self.path)


def _load(path: str | Path, rules: api.RulesArg, include_default_rules: bool, version: str | None) -> _ScenarioText:
    source = str(path)
    form, editor = writable(path)
    raw = read_file_bytes(path)
    if version is not None and version_of_bytes(raw) != version:
        raise StaleVersion(source, [f"the file changed since version {version} was read; nothing was written"])
    document = decode_scenario(raw, source, form)
    assessor = api.assessor_for(api.rule_pack(rules, include_default_rules))
    assessor.parse(document, source)  # refuse to edit a file that is not a valid scenario
    bom = raw.startswith(_BOM)
    text = raw[len(_BOM) if bom else 0 :].decode("utf-8")
    return _ScenarioText(Path(path), form, editor, bom, text, document, assessor)


def _check(value: Any, spec: Spec, label: str, source: str) -> None:
    problems = validate(value, spec, label)
    if problems:
        raise RecordError(source, problems)


def _save(
    scenario: _ScenarioText, text: str, expected: dict[str, Any], before: Assessment | None = None, **told: Any
) -> Recorded:
    """Check the edited text decodes to `expected` and validates, then replace the file atomically.
    `before`: the assessment of the file as it was, when the caller has made it already (on its day: the
    file as it is now is assessed on that day too); `told`: the Recorded's entry, where and notes."""
    document = decode_scenario(text.encode("utf-8"), scenario.source, scenario.form)
    if document != expected:
        raise EngineError(scenario.source, ["internal error: the edited file does not hold the expected change"])
    if before is None:
        before = scenario.assessor.assess_document(scenario.document, scenario.source)
    after = scenario.assessor.assess_document(
        document, scenario.source, before.as_of.date if before.as_of.given else None
    )
    atomic_write(scenario.path, (_BOM if scenario.bom else b"") + text.encode("utf-8"))
    return Recorded(scenario.source, before, after, **told)


def decide(
    path: str | Path,
    process: str,
    application: str,
    interface: str | None = None,
    performed_by: str | None = None,
    rules: api.RulesArg = None,
    include_default_rules: bool = True,
    version: str | None = None,
) -> Recorded:
    """Record who is accountable for a process (application column, and interface if given), and
    who performs its daily work (vendor, business, it_ops or it_delivery) if given.

    Raises RecordError (exit 2) for an unknown process, party or performer, StaleVersion (exit 2) when
    `version` is given and the file is no longer that version, UsageError (exit 2) for a file whose format
    cannot be edited in place, ScenarioError (exit 3) when the file is not a valid scenario.
    """
    with locked(path):  # another decide/accept on the file waits: no edit is lost
        scenario = _load(path, rules, include_default_rules, version)
        spec = scenario.assessor.spec.fields["decisions"]
        processes = scenario.assessor.pack.process_ids
        if process not in processes:
            expected_ids = f"expected one of {', '.join(processes)}{did_you_mean(process, processes)}"
            raise RecordError(scenario.source, [f'unknown process "{process}"; {expected_ids}'])
        assert isinstance(spec, MapOf) and isinstance(spec.value, Record)  # the contract's process id -> cells
        cells = spec.value
        given = {"application": application, "interface": interface, PERFORMED_BY: performed_by}
        chosen = {key: choice_word(value) for key, value in given.items() if value is not None}
        for key, value in chosen.items():
            _check(value, cells.fields[key], f"--{key.replace('_', '-')}", scenario.source)
        expected = copy.deepcopy(scenario.document)
        current = expected.setdefault("decisions", {}).get(process)
        text = scenario.text
        if current is None:
            expected["decisions"][process] = chosen
            text = scenario.editor.set_value(text, ("decisions", process), chosen)
        else:
            current.update(chosen)
            for key, value in chosen.items():
                text = scenario.editor.set_value(text, ("decisions", process, key), value)
        return _save(scenario, text, expected)


class RefusedAcceptance(OpsAdvisorError):
    """An acceptance the rule pack does not allow: an obligation, or a role that may not accept (exit 3)."""

    exit_code = EXIT_INVALID_SCENARIO


def accept(
    path: str | Path,
    risk: str,
    role: str,
    name: str,
    date: str | None = None,
    review_by: str | None = None,
    rules: api.RulesArg = None,
    include_default_rules: bool = True,
    version: str | None = None,
    as_of: DateArg = None,
) -> Recorded:
    """Record that `name`, in `role`, accepted a risk on `date` (YYYY-MM-DD; default: `as_of`, else today), to
    be reviewed by `review_by` (default: the date plus the pack's review period for the risk's severity, as the
    service's assessment raises it; for a risk not raised now, the highest severity a rule gives it). A review
    date beyond that period is capped to it, and the Recorded's notes say so. The assessments before and after
    are made on `as_of` (default: today).

    Accepting again in the same role replaces that role's acceptance. Raises RecordError (exit 2) for an unknown
    risk id or role, an empty name, a bad date, a date after `as_of` (or today) or a review date before the date,
    StaleVersion (exit 2) as for `decide`, UsageError (exit 2) for a file whose format cannot be edited in place,
    and RefusedAcceptance (exit 3) for a conflict or obligation, or a role the risk does not name as an acceptor;
    the file is left unchanged.
    """
    with locked(path):  # another decide/accept on the file waits: no edit is lost
        scenario = _load(path, rules, include_default_rules, version)
        pack = scenario.assessor.pack
        day = _day(as_of, scenario.source)
        _refuse_conflict(scenario, risk, "accepted", day)
        accepted = _record_spec(scenario, ACCEPTED_RISKS)
        _check(risk, Choice(pack.risk_ids), "RISK_ID", scenario.source)
        _check(role, accepted.fields["role"], "--role", scenario.source)
        _check(name, accepted.fields["name"], "--name", scenario.source)
        when = date if date is not None else day.date
        _check(when, Date(), "--date", scenario.source)
        if when > day.date:
            limit = f"the --as-of date {day.date}" if day.given else f"today, {day.date}"
            raise RecordError(
                scenario.source, [f"--date: {when} is after {limit}: record an acceptance once it is given"]
            )
        rules_of_risk = [payload for rule in pack.rules for payload in rule.of_kind("risk") if payload.id == risk]
        _refuse_role(pack, risk, role, rules_of_risk, scenario.source)
        before = scenario.assessor.assess_document(scenario.document, scenario.source, as_of)
        raised = next((item for item in before.risks if item.id == risk), None)
        # the severity the service's report shows; a risk not raised now: the highest any rule gives it
        severity = raised.severity if raised else max((p.severity for p in rules_of_risk), key=SEVERITIES.index)
        review, notes = _review(pack, severity, when, review_by, scenario.source)
        item = {"risk": risk, "role": role, "name": name, "date": when, "review_by": review}
        entries = scenario.document.get(ACCEPTED_RISKS, [])
        index = next((i for i, entry in enumerate(entries) if (entry["risk"], entry.get("role")) == (risk, role)), None)
        text, expected, index = _put(scenario, ACCEPTED_RISKS, index, item, ("name", "date", "review_by"))
        return _save(scenario, text, expected, before, entry=item, where=f"{ACCEPTED_RISKS}[{index}]", notes=notes)


def mitigate(
    path: str | Path,
    risk: str,
    action: str,
    owner: str,
    due: str,
    rules: api.RulesArg = None,
    include_default_rules: bool = True,
    version: str | None = None,
    as_of: DateArg = None,
) -> Recorded:
    """Record a mitigation of a risk: the `action`, its `owner` and its `due` date (YYYY-MM-DD). It does not
    accept the risk: every report shows it with the risk, overdue once the day is after `due`. Recording the
    same action for the risk again replaces its owner and due date. The assessments before and after are made
    on `as_of` (default: today).

    Raises RecordError (exit 2) for an unknown risk id, an empty action or owner, a text too long or a bad
    date, StaleVersion and UsageError (exit 2) as for `accept`, and RefusedAcceptance (exit 3) for a conflict
    or obligation (fixed, not mitigated and left open); the file is left unchanged.
    """
    with locked(path):
        scenario = _load(path, rules, include_default_rules, version)
        day = _day(as_of, scenario.source)
        _refuse_conflict(scenario, risk, "mitigated", day)
        spec = _record_spec(scenario, MITIGATIONS)
        _check(risk, Choice(scenario.assessor.pack.risk_ids), "RISK_ID", scenario.source)
        item = {"risk": risk, "action": action, "owner": owner, "due": due}
        for key in ("action", "owner", "due"):
            _check(item[key], spec.fields[key], f"--{key}", scenario.source)
        before = scenario.assessor.assess_document(scenario.document, scenario.source, as_of)
        entries = scenario.document.get(MITIGATIONS, [])
        index = next((i for i, entry in enumerate(entries) if (entry["risk"], entry["action"]) == (risk, action)), None)
        text, expected, index = _put(scenario, MITIGATIONS, index, item, ("owner", "due"))
        return _save(scenario, text, expected, before, entry=item, where=f"{MITIGATIONS}[{index}]")


def _day(as_of: DateArg, source: str) -> AsOf:
    """The day an acceptance is recorded on: `as_of` when given (checked), else today."""
    if isinstance(as_of, str):
        _check(as_of, Date(), "--as-of", source)
    return AsOf.of(as_of)


def _record_spec(scenario: _ScenarioText, field_name: str) -> Record:
    """The contract's record of one entry of a list field (accepted_risks, mitigations)."""
    spec = scenario.assessor.spec.fields[field_name]
    assert isinstance(spec, ListOf) and isinstance(spec.item, Record)  # the contract's list of records
    return spec.item


def _put(
    scenario: _ScenarioText, field_name: str, index: int | None, item: dict[str, str], replaced: tuple[str, ...]
) -> tuple[str, dict[str, Any], int]:
    """The file's text and document with `item` appended to a list field, or at `index` its `replaced` keys
    set; and the item's index."""
    expected = copy.deepcopy(scenario.document)
    entries = expected.setdefault(field_name, [])
    text = scenario.text
    if index is None:
        entries.append(item)
        return scenario.editor.append_item(text, (field_name,), item), expected, len(entries) - 1
    entries[index] = item
    for key in replaced:
        text = scenario.editor.set_value(text, (field_name, index, key), item[key])
    return text, expected, index


def _refuse_role(pack: Any, risk: str, role: str, rules_of_risk: list[Any], source: str) -> None:
    """A role the risk does not name as an acceptor may not accept it."""
    acceptors = tuple(dict.fromkeys(role_id for payload in rules_of_risk for role_id in payload.accept_by))
    if role not in acceptors:
        names = ", ".join(f"{r} ({pack.roles[r].name})" for r in acceptors if r in pack.roles)
        raise RefusedAcceptance(
            source, [f"the {pack.roles[role].name} may not accept {risk}; it is accepted by: {names}"]
        )


def _review(pack: Any, severity: str, when: str, review_by: str | None, source: str) -> tuple[str, tuple[str, ...]]:
    """The review date to record: the given one (after the date, at most the policy's limit: capped, with a
    note saying so), or the date plus the policy's period for the severity."""
    if review_by is None:
        return review_date(pack, severity, when), ()
    _check(review_by, Date(), "--review-by", source)
    if review_by < when:
        raise RecordError(
            source, [f"--review-by: {review_by} is before the acceptance date {when}: a review follows the acceptance"]
        )
    limit = latest_review(pack, severity, when)
    if limit is None or review_by <= limit:
        return review_by, ()
    policy = pack.acceptance[severity]
    months = "1 month" if policy.review_months == 1 else f"{policy.review_months} months"
    return limit, (
        f"review by capped to {limit}: the pack's policy for {severity} risks is {months} ({policy.location})",
    )


def _refuse_conflict(scenario: _ScenarioText, risk: str, verb: str, day: AsOf) -> None:
    """An obligation (a conflict with an id) cannot be accepted or mitigated, only fixed, nor can any other
    conflict a rule names by id (a conflict is resolved, not accepted): say so, with its reference and its
    remedy as the service's report gives it (filled for the service; the first rule's when it is not raised)."""
    named = [conflict for rule in scenario.assessor.pack.rules for conflict in rule.of_kind("conflict")]
    conflict = next((item for item in named if item.id == risk), None)
    if conflict is None:
        return
    assessment = scenario.assessor.assess_document(scenario.document, scenario.source, day.date)
    raised = next((item for item in assessment.conflicts if item.id == risk), None)
    remedy = raised.remedy if raised is not None else _filler(scenario, day)(conflict.remedy)
    kind, reference = (raised or conflict).kind, (raised or conflict).reference
    if kind != "obligation":
        problem = f"{risk} is a conflict to resolve, not a risk: it cannot be {verb}: {remedy}"
        raise RefusedAcceptance(scenario.source, [problem])
    cited = f" ({reference})" if reference else ""
    raise RefusedAcceptance(
        scenario.source, [f"{risk} is an obligation{cited}: it cannot be {verb}, only fixed: {remedy}"]
    )


def _filler(scenario: _ScenarioText, day: AsOf) -> Callable[[str], str]:
    """Fills a rule text's placeholders for the scenario, as its report fills them."""
    parsed = scenario.assessor.parse(scenario.document, scenario.source)
    facts, result = scenario.assessor.run(parsed, day)
    return interpolator(parsed, facts, result)


def describe_decision(recorded: Recorded, process: str) -> list[str]:
    """The user's feedback after `decide`: the cells now in the matrix (and who performs the work), and the
    open decisions left."""
    row = next(row for row in recorded.after.accountability if row.process == process)
    before, after = len(recorded.before.open_decisions), len(recorded.after.open_decisions)
    done_by = f", performed by {performer(row.performed_by)}" if row.performed_by else ""
    return [
        f"{recorded.path}: {row.name}: application {party(row.application)}, interface {party(row.interface)}{done_by}",
        f"open decisions: {before} -> {after}",
    ]


def describe_acceptance(recorded: Recorded, risk: str) -> list[str]:
    """The user's feedback after `accept`: who accepted the risk, whether the acceptance just recorded counts
    (and why not, with its dates), a review date capped to the policy, and the risks still pending."""
    before, after = len(recorded.before.pending_risks), len(recorded.after.pending_risks)
    raised = next((item for item in recorded.after.risks if item.id == risk), None)
    if raised is None:
        lines = [f"{recorded.path}: {risk} recorded as accepted"]
        lines.append(f"note: the risk {risk} is not raised for this service now; the acceptance is kept for the record")
    else:
        lines = _acceptance_lines(recorded, raised)
    lines += [f"note: {note}" for note in recorded.notes]
    lines.append(f"risks pending acceptance: {before} -> {after}")
    return lines


def _acceptance_lines(recorded: Recorded, raised: Any) -> list[str]:
    done = [
        f"{item.role}: {item.name} on {item.date} (review by {item.review_by})"
        for item in raised.acceptances
        if item.status == ACCEPTED
    ]
    mine = next((item for item in raised.acceptances if item.entry == recorded.where), None)
    if mine is None or mine.status == ACCEPTED:
        lines = [f"{recorded.path}: {raised.id} accepted by " + "; ".join(done)]
    else:
        why = {
            REVIEW_DUE: f"its review date {mine.review_by} has passed",
            NOT_YET: f"it is dated after {recorded.after.as_of.date}",
        }.get(mine.status, mine.status)
        lines = [
            f"{recorded.path}: {raised.id}: {mine.role}: {mine.name} on {mine.date} (review by {mine.review_by}) "
            f"recorded, but it does not count as of {recorded.after.as_of}: {why}"
        ]
        if done:
            lines.append(f"accepted by {'; '.join(done)}")
    if raised.missing:
        lines.append(f"still to accept {raised.id}: {', '.join(raised.missing)}")
    return lines


def describe_mitigation(recorded: Recorded, risk: str) -> list[str]:
    """The user's feedback after `mitigate`: the mitigation as reports show it, and that the risk is still to
    be accepted (a mitigation does not accept it)."""
    before, after = len(recorded.before.pending_risks), len(recorded.after.pending_risks)
    raised = next((item for item in recorded.after.risks if item.id == risk), None)
    entry = recorded.entry
    shown = RiskMitigation(entry["action"], entry["owner"], entry["due"], recorded.after.as_of.date > entry["due"])
    lines = [f"{recorded.path}: {risk}: {shown.describe()}"]
    if raised is None:
        lines.append(f"note: the risk {risk} is not raised for this service now; the mitigation is kept for the record")
    elif not raised.accepted:
        lines.append(f"still to accept {risk}: {', '.join(raised.missing)} (a mitigation does not accept a risk)")
    lines.append(f"risks pending acceptance: {before} -> {after}")
    return lines
