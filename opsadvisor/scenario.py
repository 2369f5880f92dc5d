"""Input stage: read a scenario file, validate it against the contract, return a typed Scenario."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .contract import Record, scenario_spec
from .errors import ScenarioError
from .validation import describe, validate

MAX_BYTES = 5_000_000


@dataclass(frozen=True)
class Integration:
    system: str
    type: str
    system_of_record: bool


@dataclass(frozen=True)
class AcceptedRisk:
    risk: str
    accepted_by: str
    date: str | None


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. `None` means the fact is missing (an open question)."""

    service_id: str
    service_name: str
    business_owner: str | None = None
    description: str | None = None
    ambition: str | None = None
    hosting: str | None = None
    vendor_run: bool | None = None
    contract_owner: str | None = None
    integrations: tuple[Integration, ...] | None = None
    criticality: str | None = None
    classification: str | None = None
    personal_data: bool | None = None
    regulations: tuple[str, ...] | None = None
    users: int | None = None
    lifecycle: str | None = None
    business_capabilities: tuple[str, ...] | None = None
    expected_benefits: tuple[str, ...] | None = None
    accepted_risks: tuple[AcceptedRisk, ...] = ()
    decisions: dict[str, dict[str, str]] = field(default_factory=dict)


class _DuplicateKey(ValueError):
    pass


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):  # rare: find the first key given twice
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is too large for a number")
    return number


def decode_json(raw: bytes, source: str) -> Any:
    """Bytes to a JSON value, or a ScenarioError that says where and why."""
    if not raw.strip():
        raise ScenarioError(source, ["the file is empty; expected a JSON object"])
    if len(raw) > MAX_BYTES:
        raise ScenarioError(source, [f"the file is {len(raw)} bytes; at most {MAX_BYTES} allowed"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ScenarioError(
            source, [f"byte {error.start} is not UTF-8 text; expected a JSON file, found binary data"]
        ) from None
    if "\x00" in text:
        raise ScenarioError(source, ["found a NUL character; expected a JSON text file"])
    return decode_json_text(text, source)


def decode_json_text(text: str, source: str) -> Any:
    try:
        return json.loads(
            text,
            object_pairs_hook=_reject_duplicates,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
        )
    except json.JSONDecodeError as error:
        raise ScenarioError(f"{source}:{error.lineno}:{error.colno}", [f"invalid JSON: {error.msg}"]) from None
    except _DuplicateKey as error:
        raise ScenarioError(
            source, [f'the key "{error}" appears twice in one object; each fact must be given once']
        ) from None
    except ValueError as error:
        raise ScenarioError(source, [f"invalid JSON: {error}"]) from None
    except RecursionError:
        raise ScenarioError(source, ["the JSON is nested too deeply; a scenario is at most 4 levels deep"]) from None


def read_scenario_file(path: str | Path) -> Any:
    """The decoded JSON document of a scenario file (not yet validated)."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except IsADirectoryError:
        raise ScenarioError(source, ["is a directory; expected a scenario JSON file"]) from None
    except OSError as error:
        raise ScenarioError(source, [f"cannot read the file: {error.strerror}"]) from None
    return decode_json(raw, source)


def parse_scenario(document: Any, source: str, spec: Record | None = None) -> Scenario:
    """Validate a decoded document and build the Scenario; ScenarioError lists every problem."""
    spec = spec or scenario_spec((), ())
    if not isinstance(document, dict):
        raise ScenarioError(source, [f"$: expected a JSON object; found {describe(document)}"])
    problems = validate(document, spec)
    if problems:
        raise ScenarioError(source, problems)
    return _build(document)


def _as_tuple(values: list[Any] | None) -> tuple[Any, ...] | None:
    return None if values is None else tuple(values)


def _build(document: dict[str, Any]) -> Scenario:
    service = document["service"]
    data = document.get("data", {})
    integrations = document.get("integrations")
    return Scenario(
        service_id=service["id"],
        service_name=service["name"],
        business_owner=service.get("business_owner"),
        description=service.get("description"),
        ambition=document.get("ambition"),
        hosting=document.get("hosting"),
        vendor_run=document.get("vendor_run"),
        contract_owner=document.get("contract_owner"),
        integrations=None
        if integrations is None
        else tuple(
            Integration(item["system"], item["type"], item.get("system_of_record", False)) for item in integrations
        ),
        criticality=document.get("criticality"),
        classification=data.get("classification"),
        personal_data=data.get("personal_data"),
        regulations=_as_tuple(document.get("regulations")),
        users=document.get("users"),
        lifecycle=document.get("lifecycle"),
        business_capabilities=_as_tuple(document.get("business_capabilities")),
        expected_benefits=_as_tuple(document.get("expected_benefits")),
        accepted_risks=tuple(
            AcceptedRisk(item["risk"], item["accepted_by"], item.get("date"))
            for item in document.get("accepted_risks", ())
        ),
        decisions={process: dict(cells) for process, cells in document.get("decisions", {}).items()},
    )
