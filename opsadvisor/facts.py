"""Facts stage: a validated Scenario becomes the facts rules test, plus the list of missing ones.

Only values from closed vocabularies (choices, flags, counts) become facts: names, descriptions and
other free text never reach the rules engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .contract import FACT_SOURCES, FACTS, QUESTION_FIELDS
from .scenario import Scenario

FactValue = str | bool | int | tuple[str, ...]


@dataclass(frozen=True)
class Facts:
    """The facts known about one service, by catalogue name; a missing fact is absent."""

    values: dict[str, FactValue]
    missing_fields: tuple[str, ...]

    def present(self, name: str) -> bool:
        return name in self.values


def _field_values(scenario: Scenario) -> dict[str, Any]:
    """Every question field with its scenario value (None when missing)."""
    integrations = scenario.integrations
    return {
        "ambition": scenario.ambition,
        "hosting": scenario.hosting,
        "vendor_run": scenario.vendor_run,
        "contract_owner": scenario.contract_owner,
        "integrations": None if integrations is None else len(integrations),
        "integration_types": None if integrations is None else tuple(sorted({item.type for item in integrations})),
        "system_of_record_integrations": None
        if integrations is None
        else sum(item.system_of_record for item in integrations),
        "criticality": scenario.criticality,
        "data.classification": scenario.classification,
        "data.personal_data": scenario.personal_data,
        "regulations": None if scenario.regulations is None else tuple(sorted(scenario.regulations)),
        "users": scenario.users,
        "lifecycle": scenario.lifecycle,
        "business_capabilities": None
        if scenario.business_capabilities is None
        else tuple(sorted(scenario.business_capabilities)),
        "expected_benefits": None if scenario.expected_benefits is None else len(scenario.expected_benefits),
        "service.business_owner": scenario.business_owner,
    }


def build_facts(scenario: Scenario) -> Facts:
    fields = _field_values(scenario)
    values = {name: fields[name] for name in FACTS if fields[name] is not None}
    missing = tuple(name for name in QUESTION_FIELDS if fields[name] is None)
    return Facts(values=values, missing_fields=missing)


def fact_source(name: str) -> str:
    """The scenario field a fact is read from (for 'missing' explanations)."""
    return FACT_SOURCES.get(name, name)
