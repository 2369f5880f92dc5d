"""The scenario input contract (v1) and the facts rules may test.

The contract is written once, as small spec objects, and serves three purposes: the validator walks
it, `opsadvisor schema` prints it as JSON Schema, and the rule compiler checks rule conditions
against the fact catalogue derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

AMBITIONS = ("it_operated", "business_operated", "mixed", "undecided")
HOSTING = ("saas", "vendor_hosted", "on_premise", "cloud")
CONTRACT_OWNERS = ("it", "business", "none")
INTEGRATION_TYPES = ("api", "file", "database", "sso", "event")
CRITICALITIES = ("low", "medium", "high", "critical")
CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")
REGULATIONS = ("gdpr", "sox", "dora", "nis2", "hipaa", "pci_dss")
LIFECYCLES = ("pilot", "scaling", "mature", "retiring")
CAPABILITIES = (
    "support_desk",
    "vendor_management",
    "change_control",
    "access_management",
    "licence_management",
    "continuity_planning",
)
PARTIES = ("it_ops", "it_delivery", "business")
UNDECIDED = "tbd"
NOT_APPLICABLE = "n/a"
APPLICATION_CELLS = (*PARTIES, UNDECIDED)
INTERFACE_CELLS = (*PARTIES, UNDECIDED, NOT_APPLICABLE)
COLUMNS = ("application", "interface")
MODELS = ("A", "B", "C")
MODES = (1, 2)
SEVERITIES = ("low", "medium", "high")
MAX_TEXT = 2000


# --- spec nodes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A non-empty string (ids and names) or any string."""

    non_empty: bool = False
    max_length: int = MAX_TEXT


@dataclass(frozen=True)
class Choice:
    values: tuple[str, ...]


@dataclass(frozen=True)
class Flag:
    pass


@dataclass(frozen=True)
class Count:
    minimum: int = 0
    maximum: int = 10**12


@dataclass(frozen=True)
class Date:
    pass


@dataclass(frozen=True)
class ListOf:
    item: Spec
    unique: bool = False


@dataclass(frozen=True)
class Record:
    fields: dict[str, Spec]
    required: tuple[str, ...] = ()
    defaults: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MapOf:
    """An object whose keys come from a fixed list (e.g. process ids)."""

    keys: tuple[str, ...]
    value: Spec


Spec = Text | Choice | Flag | Count | Date | ListOf | Record | MapOf


def scenario_spec(process_ids: tuple[str, ...], risk_ids: tuple[str, ...]) -> Record:
    """The v1 scenario contract. Process and risk ids come from the rule pack in effect."""
    decision = Record({"application": Choice(APPLICATION_CELLS), "interface": Choice(INTERFACE_CELLS)})
    return Record(
        {
            "$schema": Text(),
            "service": Record(
                {
                    "id": Text(non_empty=True, max_length=200),
                    "name": Text(non_empty=True, max_length=200),
                    "business_owner": Text(non_empty=True, max_length=200),
                    "description": Text(),
                },
                required=("id", "name"),
            ),
            "ambition": Choice(AMBITIONS),
            "hosting": Choice(HOSTING),
            "vendor_run": Flag(),
            "contract_owner": Choice(CONTRACT_OWNERS),
            "integrations": ListOf(
                Record(
                    {
                        "system": Text(non_empty=True, max_length=200),
                        "type": Choice(INTEGRATION_TYPES),
                        "system_of_record": Flag(),
                    },
                    required=("system", "type"),
                    defaults={"system_of_record": False},
                )
            ),
            "criticality": Choice(CRITICALITIES),
            "data": Record({"classification": Choice(CLASSIFICATIONS), "personal_data": Flag()}),
            "regulations": ListOf(Choice(REGULATIONS), unique=True),
            "users": Count(),
            "lifecycle": Choice(LIFECYCLES),
            "business_capabilities": ListOf(Choice(CAPABILITIES), unique=True),
            "expected_benefits": ListOf(Text(non_empty=True)),
            "accepted_risks": ListOf(
                Record(
                    {
                        "risk": Choice(risk_ids),
                        "accepted_by": Text(non_empty=True, max_length=200),
                        "date": Date(),
                    },
                    required=("risk", "accepted_by"),
                )
            ),
            "decisions": MapOf(process_ids, decision),
        },
        required=("service",),
    )


# --- the facts a rule may test -----------------------------------------------------------------


@dataclass(frozen=True)
class FactSpec:
    """One fact rules can test. `kind` decides which tests apply (see docs/rules.md)."""

    name: str
    kind: str  # "choice", "ordered", "flag", "number", "set"
    description: str
    values: tuple[str, ...] = ()

    @property
    def is_set(self) -> bool:
        return self.kind == "set"


FACTS: dict[str, FactSpec] = {
    spec.name: spec
    for spec in (
        FactSpec("ambition", "choice", "the operate-ownership ambition", AMBITIONS),
        FactSpec("hosting", "choice", "where the application runs", HOSTING),
        FactSpec("vendor_run", "flag", "a vendor operates the application day to day"),
        FactSpec("contract_owner", "choice", "who holds the service provider contract", CONTRACT_OWNERS),
        FactSpec("criticality", "ordered", "business criticality", CRITICALITIES),
        FactSpec("data.classification", "ordered", "the highest data classification", CLASSIFICATIONS),
        FactSpec("data.personal_data", "flag", "the service processes personal data"),
        FactSpec("regulations", "set", "regulations that apply", REGULATIONS),
        FactSpec("users", "number", "number of users"),
        FactSpec("lifecycle", "ordered", "lifecycle stage", LIFECYCLES),
        FactSpec("business_capabilities", "set", "capabilities the business has in place", CAPABILITIES),
        FactSpec("expected_benefits", "number", "how many expected benefits are listed"),
        FactSpec("integrations", "number", "how many integrations with other systems"),
        FactSpec("integration_types", "set", "the kinds of integration", INTEGRATION_TYPES),
        FactSpec(
            "system_of_record_integrations",
            "number",
            "how many integrations touch a system of record",
        ),
    )
}

# Which scenario field a fact comes from: a missing field makes its facts missing.
FACT_SOURCES: dict[str, str] = {
    "integration_types": "integrations",
    "system_of_record_integrations": "integrations",
}

# Scenario fields that are open questions when missing, in the order the dialogue asks them.
QUESTION_FIELDS = (
    "ambition",
    "expected_benefits",
    "contract_owner",
    "vendor_run",
    "hosting",
    "integrations",
    "criticality",
    "data.classification",
    "data.personal_data",
    "regulations",
    "users",
    "lifecycle",
    "business_capabilities",
    "service.business_owner",
)

# Placeholders a message may use besides the facts and derived facts.
SERVICE_PLACEHOLDERS = ("service.id", "service.name", "service.business_owner")
