"""Input stage: read a scenario (a file, stdin or a document), validate it against the contract,
return a typed Scenario.

`load_scenario` is the one way in: assess, explain, the workshop pack and the Python API all read
a scenario through it, so a file, `-` (stdin), a decoded document and an already-parsed Scenario
are accepted alike and fail with the same messages. A file is decoded in its format, chosen by its
suffix (scenario_formats: JSON, the default, also for stdin), then validated alike whatever the format.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .contract import FIELD, FIELDS, AcceptedRisk, Integration, Mitigation, Record, same, scenario_spec
from .contract import get_path as get_path  # re-exported: readers of documents take it from here
from .errors import ScenarioError, UsageError
from .evidence import Evidence
from .scenario_formats import ScenarioFormat
from .scenario_formats import for_path as format_for_path
from .scenario_formats import patterns as format_patterns
from .validation import Check, describe, validate
from .vocabulary import normalise_document

MAX_BYTES = 5_000_000  # a scenario file, stdin or a rule test file: read no further (README "Limits")
STDIN = "-"
STDIN_SOURCE = "<stdin>"


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. `None` means the fact is missing (an open question).

    One attribute per scenario field (contract.FIELDS names it); `value(path)` reads one by path.
    """

    service_id: str
    service_name: str
    business_owner: str | None = None
    description: str | None = None
    ambition: str | None = None
    hosting: str | None = None
    vendor_run: bool | None = None
    contract_owner: str | None = None
    it_elements_owner: str | None = None
    escalation_path: bool | None = None
    current_operated_by: str | None = None
    current_contract_owner: str | None = None
    integrations: tuple[Integration, ...] | None = None
    criticality: str | None = None
    classification: str | None = None
    personal_data: bool | None = None
    regulations: tuple[str, ...] | None = None
    users: int | None = None
    lifecycle: str | None = None
    business_capabilities: tuple[str, ...] | None = None
    expected_benefits: tuple[str, ...] | None = None
    service_hours: str | None = None
    vendor_support_hours: str | None = None
    dora_critical_function: bool | None = None
    dora_register_entry: bool | None = None
    dora_exit_strategy: bool | None = None
    dora_contract_clauses: bool | None = None
    dora_pre_contract_assessment: bool | None = None
    dora_critical_clauses: bool | None = None
    dora_concentration_assessment: bool | None = None
    dora_continuity_plan: bool | None = None
    dora_incident_reporting: bool | None = None
    dora_contract_owner_assigned: bool | None = None
    sox_soc1_report: bool | None = None
    sox_key_controls_owner: bool | None = None
    sox_cuecs_owned: bool | None = None
    sox_soc1_reviewed: bool | None = None
    gdpr_dpa: bool | None = None
    gdpr_processing_record: bool | None = None
    gdpr_high_risk: bool | None = None
    gdpr_dpia: bool | None = None
    gdpr_transfers_outside_eea: bool | None = None
    gdpr_transfer_safeguards: bool | None = None
    gdpr_security_of_processing: bool | None = None
    gdpr_breach_notification: bool | None = None
    hipaa_phi: bool | None = None
    hipaa_baa: bool | None = None
    security_sso_mfa: bool | None = None
    security_central_logging: bool | None = None
    security_vulnerability_management: bool | None = None
    security_joint_incident_response: bool | None = None
    nis2_incident_reporting: bool | None = None
    pci_responsibilities_assigned: bool | None = None
    low_code_tier: str | None = None
    low_code_dlp_policy: bool | None = None
    low_code_environments: bool | None = None
    low_code_support_owner: bool | None = None
    exit_data_portability: bool | None = None
    exit_escrow: bool | None = None
    exit_termination_assistance: bool | None = None
    evidence: Evidence | None = None
    accepted_risks: tuple[AcceptedRisk, ...] = ()
    mitigations: tuple[Mitigation, ...] = ()
    decisions: dict[str, dict[str, str]] = field(default_factory=dict)

    def value(self, path: str) -> Any:
        """A field's value by its dotted path ("data.classification"); None when missing."""
        return getattr(self, FIELD[path].attr)


ScenarioInput = str | Path | Mapping[str, Any] | Scenario


def set_path(document: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path as nested keys ("data.classification" -> document["data"]["classification"]);
    a parent that is not an object is left alone (the validator reports it)."""
    *parents, last = path.split(".")
    node = document
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            return
        node = child
    node[last] = value


def decode_scenario(raw: bytes, source: str, form: ScenarioFormat) -> Any:
    """A scenario file's bytes to its document in `form` (not yet validated), or a ScenarioError that says
    where and why."""
    if len(raw) > MAX_BYTES:
        raise ScenarioError(source, [f"is larger than {MAX_BYTES:,} bytes, the limit for a scenario"])
    return form.decode(raw, source)


def source_of(path: str | Path) -> str:
    """How a scenario path is named in messages: "<stdin>" for "-"."""
    return STDIN_SOURCE if str(path) == STDIN else str(path)


def read_file_bytes(path: str | Path) -> bytes:
    """The bytes of a scenario file (at most MAX_BYTES), or a ScenarioError that says why it cannot be read."""
    source = str(path)
    try:
        with open(path, "rb") as stream:
            return stream.read(MAX_BYTES + 1)  # decode_scenario refuses more: /dev/zero or a huge file stops here
    except IsADirectoryError:
        raise ScenarioError(source, [f"is a directory; expected a scenario file ({format_patterns()})"]) from None
    except OSError as error:
        raise ScenarioError(source, [f"cannot read the file: {error.strerror}"]) from None


def _read_stdin() -> bytes:
    """Standard input (at most MAX_BYTES); a closed stdin is a usage error (exit 2), not an empty scenario."""
    stream = getattr(sys.stdin, "buffer", None)  # sys.stdin is None when the process has no stdin
    if stream is None:
        raise UsageError(STDIN_SOURCE, ["standard input is closed; pipe a scenario in or name a file"])
    try:
        return stream.read(MAX_BYTES + 1)
    except (OSError, ValueError) as error:  # ValueError: the stream was closed
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise UsageError(STDIN_SOURCE, [f"cannot read standard input: {reason}"]) from None


def read_scenario_file(path: str | Path) -> Any:
    """The decoded document of a scenario file in its format (scenario_formats), or of stdin for "-" (not
    yet validated)."""
    raw = _read_stdin() if str(path) == STDIN else read_file_bytes(path)
    return decode_scenario(raw, source_of(path), format_for_path(path))


def load_scenario(scenario: ScenarioInput, spec: Record | None = None, source: str | None = None) -> Scenario:
    """Read and validate a scenario: a file path, "-" for stdin, a decoded document, or a Scenario
    (returned as it is). `source` names it in validation messages (default: its path, "<stdin>" or
    "<scenario>"); read and syntax errors always name the file. Raises ScenarioError (exit 3)."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, (str, Path)):
        return parse_scenario(read_scenario_file(scenario), source or source_of(scenario), spec)
    return parse_scenario(dict(scenario), source or "<scenario>", spec)


def parse_scenario(document: Any, source: str, spec: Record | None = None, valid: Check | None = None) -> Scenario:
    """Validate a decoded document and build the Scenario; ScenarioError lists every problem. `valid`, the
    spec's compiled check (validation.compile_check), lets a document valid as it is be built at once:
    normalising would change none of its values (each choice is an id already) and `validate` would find
    nothing."""
    if valid is not None and valid(document):
        return _build(document)
    spec = spec or scenario_spec((), ())
    if not isinstance(document, dict):
        raise ScenarioError(source, [f"$: expected a JSON object; found {describe(document)}"])
    document = normalise_document(document)
    problems = validate(document, spec)
    if problems:
        raise ScenarioError(source, problems)
    return _build(document)


def _called(build: Callable[[Any], Any]) -> Callable[[Any], Any] | None:
    """A field's build, or None for one built as it is (contract.same)."""
    return None if build is same else build


# The fields by the document's top-level key, in FIELDS order (a key's fields are listed together): a
# top-level field as (its attribute, the value an absent field is built from, how it is built) and no
# children, or None and its record's fields as (attribute, key in the record, absent value, build). A field
# built as it is (most are: contract.same) has None for its build, and its value is taken without a call.
_Build = Callable[[Any], Any] | None
_Built = tuple[str, Any, _Build]
_GROUPS: tuple[tuple[str, _Built | None, tuple[tuple[str, str, Any, _Build], ...]], ...] = tuple(
    (
        top,
        next(((i.attr, i.default, _called(i.build)) for i in FIELDS if i.path == top), None),
        tuple(
            (i.attr, i.path.split(".")[1], i.default, _called(i.build)) for i in FIELDS if i.path.startswith(f"{top}.")
        ),
    )
    for top in dict.fromkeys(item.path.split(".")[0] for item in FIELDS)
)
_NO_RECORD: Mapping[str, Any] = {}


def _build(document: dict[str, Any]) -> Scenario:
    """The Scenario of a valid document: each field's value built as its declaration says.

    Every attribute is set (FIELDS names them all, tests/test_fields.py checks), so the object is the one
    Scenario(**values) makes, without the frozen dataclass's __init__, which sets each of the 64 through
    object.__setattr__: a third of the time a batch takes to build a scenario. Each top-level key is read
    once, its record's fields from it (most of the regulations' records are absent: one lookup for all;
    tests/test_fast_paths.py compares it with reading each field's path)."""
    scenario = object.__new__(Scenario)
    values = scenario.__dict__
    for top, whole, fields in _GROUPS:
        if whole is not None:
            attr, default, build = whole
            value = document.get(top, default)
            values[attr] = value if build is None or value is None else build(value)
            continue
        record = document.get(top)
        if not isinstance(record, Mapping):
            record = _NO_RECORD
        for attr, key, default, build in fields:
            value = record.get(key, default)
            values[attr] = value if build is None or value is None else build(value)
    return scenario
