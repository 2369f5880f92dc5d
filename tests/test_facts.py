"""Facts stage: what the rules see of a scenario, and what counts as missing."""

from __future__ import annotations

from opsadvisor import api
from opsadvisor.durable_backend import encode_service
from opsadvisor.facts import build_facts

from .helpers import scenario


def facts_of(**fields):
    return build_facts(api.assessor_for(api.rule_pack()).parse(scenario(**fields), "t"))


def test_integrations_become_counts_and_a_set_of_types() -> None:
    facts = facts_of(
        integrations=[
            {"system": "ERP", "type": "api", "system_of_record": True},
            {"system": "CRM", "type": "api"},
            {"system": "DWH", "type": "file", "system_of_record": True},
        ]
    )
    assert facts.values["integrations"] == 3
    assert facts.values["integration_types"] == ("api", "file")
    assert facts.values["system_of_record_integrations"] == 2


def test_no_free_text_becomes_a_fact() -> None:
    facts = facts_of(expected_benefits=["Faster reports", "Cheaper"], integrations=[{"system": "$s", "type": "sso"}])
    assert facts.values["expected_benefits"] == 2
    encoded = encode_service(facts.values)
    assert "Faster reports" not in repr(encoded) and "$s" not in repr(encoded)
    assert not {"sid", "id", "$s"} & set(encoded)


def test_missing_fields_in_dialogue_order_and_empty_lists_are_not_missing() -> None:
    facts = facts_of(ambition="mixed", regulations=[], data={"personal_data": False})
    assert "regulations" not in facts.missing_fields and facts.values["regulations"] == ()
    assert facts.missing_fields[:3] == ("expected_benefits", "contract_owner", "vendor_run")
    assert "data.classification" in facts.missing_fields and "data.personal_data" not in facts.missing_fields
    assert facts.missing_fields[-2:] == ("service.business_owner", "current.operated_by")


def test_set_facts_become_one_flag_per_value() -> None:
    encoded = encode_service(facts_of(regulations=["sox"]).values)
    assert encoded["regulations__sox"] is True and encoded["regulations__gdpr"] is False
    assert "business_capabilities__support_desk" not in encoded
