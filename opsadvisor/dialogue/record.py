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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import api, clock
from ..assessment import Assessment
from ..contract import PERFORMED_BY, SEVERITIES, Choice, Date, ListOf, MapOf, Record, Spec
from ..errors import EXIT_INVALID_SCENARIO, EXIT_USAGE, EngineError, OpsAdvisorError, did_you_mean
from ..files import atomic_write, locked, version_of_bytes
from ..kinds.risk import review_date
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
    """The assessment before and after the change, for the user's feedback."""

    path: str
    before: Assessment
    after: Assessment


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


def _save(scenario: _ScenarioText, text: str, expected: dict[str, Any], before: Assessment | None = None) -> Recorded:
    """Check the edited text decodes to `expected` and validates, then replace the file atomically.
    `before`: the assessment of the file as it was, when the caller has made it already."""
    document = decode_scenario(text.encode("utf-8"), scenario.source, scenario.form)
    if document != expected:
        raise EngineError(scenario.source, ["internal error: the edited file does not hold the expected change"])
    if before is None:
        before = scenario.assessor.assess_document(scenario.document, scenario.source)
    after = scenario.assessor.assess_document(document, scenario.source)
    atomic_write(scenario.path, (_BOM if scenario.bom else b"") + text.encode("utf-8"))
    return Recorded(scenario.source, before, after)


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
) -> Recorded:
    """Record that `name`, in `role`, accepted a risk on `date` (YYYY-MM-DD; today when None), to be
    reviewed by `review_by` (default: the date plus the pack's review period for the risk's severity, as the
    service's assessment raises it; for a risk not raised now, the highest severity a rule gives it).

    Accepting again in the same role replaces that role's acceptance. Raises RecordError (exit 2) for
    an unknown risk id or role, an empty name or a bad date, StaleVersion (exit 2) as for `decide`, UsageError
    (exit 2) for a file whose format cannot be edited in place, and RefusedAcceptance (exit 3) for an
    obligation or a role the risk does not name as an acceptor; the file is left unchanged.
    """
    with locked(path):  # another decide/accept on the file waits: no edit is lost
        scenario = _load(path, rules, include_default_rules, version)
        pack = scenario.assessor.pack
        when = date if date is not None else clock.today().isoformat()
        _refuse_obligation(pack, risk, scenario.source)
        acceptances = scenario.assessor.spec.fields["accepted_risks"]
        assert isinstance(acceptances, ListOf) and isinstance(acceptances.item, Record)  # the contract's list
        accepted = acceptances.item
        _check(risk, Choice(pack.risk_ids), "RISK_ID", scenario.source)
        _check(role, accepted.fields["role"], "--role", scenario.source)
        _check(name, accepted.fields["name"], "--name", scenario.source)
        _check(when, Date(), "--date", scenario.source)
        rules_of_risk = [payload for rule in pack.rules for payload in rule.of_kind("risk") if payload.id == risk]
        acceptors = tuple(dict.fromkeys(role_id for payload in rules_of_risk for role_id in payload.accept_by))
        if role not in acceptors:
            names = ", ".join(f"{r} ({pack.roles[r].name})" for r in acceptors if r in pack.roles)
            raise RefusedAcceptance(
                scenario.source,
                [f"the {pack.roles[role].name} may not accept {risk}; it is accepted by: {names}"],
            )
        before = scenario.assessor.assess_document(scenario.document, scenario.source)
        raised = next((item for item in before.risks if item.id == risk), None)
        # the severity the service's report shows; a risk not raised now: the highest any rule gives it
        severity = raised.severity if raised else max((p.severity for p in rules_of_risk), key=SEVERITIES.index)
        review = review_by if review_by is not None else review_date(pack, severity, when)
        _check(review, Date(), "--review-by", scenario.source)
        item = {"risk": risk, "role": role, "name": name, "date": when, "review_by": review}
        expected = copy.deepcopy(scenario.document)
        entries = expected.setdefault("accepted_risks", [])
        index = next((i for i, entry in enumerate(entries) if (entry["risk"], entry.get("role")) == (risk, role)), None)
        text = scenario.text
        if index is None:
            entries.append(item)
            text = scenario.editor.append_item(text, ("accepted_risks",), item)
        else:
            entries[index] = item
            for key in ("name", "date", "review_by"):
                text = scenario.editor.set_value(text, ("accepted_risks", index, key), item[key])
        return _save(scenario, text, expected, before)


def _refuse_obligation(pack: Any, risk: str, source: str) -> None:
    """An obligation (a conflict with an id) cannot be accepted, only fixed, nor can any other conflict a rule
    names by id (a conflict is resolved, not accepted): say so, with its reference and remedy."""
    for rule in pack.rules:
        for conflict in rule.of_kind("conflict"):
            if conflict.id == risk:
                if conflict.kind != "obligation":
                    problem = f"{risk} is a conflict to resolve, not a risk: it cannot be accepted: {conflict.remedy}"
                    raise RefusedAcceptance(source, [problem])
                reference = f" ({conflict.reference})" if conflict.reference else ""
                raise RefusedAcceptance(
                    source,
                    [f"{risk} is an obligation{reference}: it cannot be accepted, only fixed: {conflict.remedy}"],
                )


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
    """The user's feedback after `accept`: who accepted the risk and the risks still pending."""
    before, after = len(recorded.before.pending_risks), len(recorded.after.pending_risks)
    raised = next((item for item in recorded.after.risks if item.id == risk), None)
    if raised is None:
        lines = [f"{recorded.path}: {risk} recorded as accepted"]
        lines.append(f"note: the risk {risk} is not raised for this service now; the acceptance is kept for the record")
    else:
        done = [
            f"{item.role}: {item.name} on {item.date} (review by {item.review_by})"
            for item in raised.acceptances
            if item.status == "accepted"
        ]
        lines = [f"{recorded.path}: {risk} accepted by " + "; ".join(done)]
        if raised.missing:
            lines.append(f"still to accept {risk}: {', '.join(raised.missing)}")
    lines.append(f"risks pending acceptance: {before} -> {after}")
    return lines
