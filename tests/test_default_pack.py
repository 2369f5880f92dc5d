"""The default rule pack's behaviours, as an analyst would read them in the report (issue #2, §4)."""

from __future__ import annotations

from typing import Any

import pytest

import opsadvisor
import opsadvisor.formats
from opsadvisor.assessment import Assessment

from .helpers import scenario

SEED_A = {"enhancement": "it_delivery", "release": "it_delivery"}
SEED_B_APPLICATION = {"enhancement": "it_delivery", "release": "it_delivery", "supportability_transition": "tbd"}
SEED_B_INTERFACE = {"enhancement": "it_delivery", "release": "it_delivery"}
SYSTEM_OF_RECORD = [{"system": "ERP", "type": "api", "system_of_record": True}]
PLAIN_INTEGRATION = [{"system": "Mail", "type": "api"}]
BUSINESS_RISKS = [  # (facts, a risk they raise under business operation, who must accept it)
    ({"criticality": "high"}, "business-operated-critical-service", "business owner (Jo) and accountable executive"),
    ({"criticality": "critical"}, "business-operated-critical-service", "business owner (Jo) and accountable"),
    ({"criticality": "high"}, "continuity-outside-it", "business owner (Jo) and accountable executive"),
    ({"data": {"personal_data": True}, "regulations": ["gdpr"]}, "personal-data-outside-it", "business owner (Jo)"),
    ({"data": {"classification": "restricted"}}, "restricted-data-outside-it", "business owner (Jo) and accountable"),
    ({"regulations": ["hipaa"]}, "regulatory-compliance", "business owner (Jo) and accountable executive"),
    ({"regulations": ["nis2"]}, "regulatory-compliance", "business owner (Jo) and management body"),
]


LOW_RISK_BUSINESS = {
    "contract_owner": "business",
    "criticality": "low",
    "data": {"classification": "internal"},
    "regulations": ["gdpr"],
    "users": 40,
    "integrations": PLAIN_INTEGRATION,
}


def assess(**facts: Any) -> Assessment:
    return opsadvisor.assess(scenario(**facts))


def column(assessment: Assessment, name: str) -> dict[str, str]:
    return {row.process: getattr(row, name) for row in assessment.accountability}


def kinds(assessment: Assessment) -> list[str]:
    return [conflict.kind for conflict in assessment.conflicts]


def steps(assessment: Assessment) -> str:
    return "\n".join(step.step for step in assessment.next_steps)


def test_1_it_operated_is_model_a_mode_1_with_column_a_twice() -> None:
    result = assess(ambition="it_operated", integrations=PLAIN_INTEGRATION, lifecycle="mature")
    assert (result.recommendation.model, result.recommendation.mode) == ("A", 1)
    assert assess(ambition="it_operated").recommendation.mode is None  # the lifecycle decides it, not the model
    assert "ambition.it-operated" in result.recommendation.because
    for name in ("application", "interface"):
        assert column(result, name) == {row.process: SEED_A.get(row.process, "it_ops") for row in result.accountability}
    assert result.open_decisions == ()


def test_2_it_operated_without_it_contract_is_a_high_contract_conflict() -> None:
    result = assess(ambition="it_operated", contract_owner="business")
    (conflict,) = result.conflicts
    assert (conflict.kind, conflict.severity) == ("contract_ownership", "high")
    assert "the business holds the IT elements of the service provider contract" in conflict.message
    assert "Move the IT elements of the contract to the IT function" in conflict.remedy


def test_2_no_contract_yet_is_a_conflict_only_when_a_vendor_runs_it() -> None:
    assert assess(ambition="it_operated", contract_owner="none", vendor_run=False).conflicts == ()
    assert kinds(assess(ambition="it_operated", contract_owner="none", vendor_run=True)) == ["no_contract"]


def test_2_an_in_house_service_without_a_third_party_has_no_contract_conflict() -> None:
    assert assess(ambition="it_operated", contract_owner="not_applicable", vendor_run=False).conflicts == ()


def test_2_a_split_contract_with_it_holding_the_it_elements_is_no_conflict() -> None:
    split = assess(ambition="it_operated", contract_owner="business", contract={"it_elements_owner": "it"})
    assert split.conflicts == ()


def test_2_it_operated_with_it_contract_has_no_conflict() -> None:
    assert assess(ambition="it_operated", contract_owner="it").conflicts == ()


def test_3_business_operated_is_model_b_with_seed_columns() -> None:
    result = assess(ambition="business_operated", integrations=PLAIN_INTEGRATION)
    assert result.recommendation.model == "B"
    assert column(result, "application") == {
        row.process: SEED_B_APPLICATION.get(row.process, "business") for row in result.accountability
    }
    assert column(result, "interface") == {
        row.process: SEED_B_INTERFACE.get(row.process, "it_ops") for row in result.accountability
    }


def test_3_without_integrations_the_interface_column_is_not_applicable() -> None:
    result = assess(ambition="business_operated", integrations=[])
    assert set(column(result, "interface").values()) == {"n/a"}
    assert [(d.process, d.column) for d in result.open_decisions] == [("supportability_transition", "application")]


def test_4_business_operated_with_it_contract_is_a_contract_conflict() -> None:
    """One fact, one finding: model B's premise broken, said once (not also as contract ownership)."""
    result = assess(ambition="business_operated", contract_owner="it")
    assert kinds(result) == ["model_fit"]
    assert "Model B presumes a business-owned service provider contract" in result.conflicts[0].message
    assert "without the contract" in result.conflicts[0].message


def test_5_benefits_missing_or_listed_give_different_next_steps() -> None:
    missing = steps(assess(ambition="business_operated"))
    empty = steps(assess(ambition="business_operated", expected_benefits=[]))
    listed = steps(assess(ambition="business_operated", expected_benefits=["a", "b"]))
    for text in (missing, empty):
        assert "Make explicit which benefits the business expects" in text
        assert "check whether each can be validated" in text
    assert "(without an agreed validation so far: 2 of 2)" in listed
    assert "Make explicit" not in listed


def test_6_mixed_is_model_c_with_every_undecided_cell_an_open_decision() -> None:
    result = assess(ambition="mixed", integrations=PLAIN_INTEGRATION)
    assert result.recommendation.model == "C"
    assert len(result.open_decisions) == 28
    decided = assess(
        ambition="mixed",
        integrations=PLAIN_INTEGRATION,
        decisions={"incident": {"application": "business", "interface": "it_ops"}, "change": {"application": "it_ops"}},
    )
    assert column(decided, "application")["incident"] == "business"
    assert column(decided, "interface")["incident"] == "it_ops"
    assert column(decided, "interface")["change"] == "tbd"
    assert len(decided.open_decisions) == 25


@pytest.mark.parametrize("ambition", [{"ambition": "undecided"}, {}])
def test_7_undecided_first_establishes_the_ambition(ambition: dict[str, str]) -> None:
    result = assess(**ambition)
    assert result.next_steps[0].step.startswith("Establish the operate-ownership ambition")
    assert result.recommendation.suggestion is True


@pytest.mark.parametrize(
    ("facts", "model"),
    [
        ({"criticality": "critical"}, "A"),
        ({"regulations": ["sox"], "integrations": SYSTEM_OF_RECORD}, "A"),
        ({"regulations": ["dora"], "integrations": SYSTEM_OF_RECORD, "criticality": "low"}, "A"),
        ({"regulations": ["sox"], "integrations": PLAIN_INTEGRATION}, "C"),
        (LOW_RISK_BUSINESS, "B"),
        ({**LOW_RISK_BUSINESS, "contract_owner": "it"}, "A"),
        ({**LOW_RISK_BUSINESS, "users": 4000, "data": {"classification": "restricted"}}, "A"),
        ({**LOW_RISK_BUSINESS, "users": 4000}, "C"),
        ({"criticality": "low", "hosting": "saas", "integrations": SYSTEM_OF_RECORD}, "C"),
        ({"criticality": "low", "hosting": "cloud", "integrations": []}, "C"),
        ({"criticality": "medium", "hosting": "saas", "integrations": []}, "C"),
        ({}, "C"),
    ],
)
def test_7_suggested_model_from_the_facts(facts: dict[str, Any], model: str) -> None:
    result = assess(ambition="undecided", **facts)
    assert (result.recommendation.model, result.recommendation.suggestion) == (model, True)


@pytest.mark.parametrize(("facts", "risk", "accept_by"), BUSINESS_RISKS)
def test_8_business_operated_risks_name_who_must_accept(facts: dict[str, Any], risk: str, accept_by: str) -> None:
    document = scenario(ambition="business_operated", **facts)
    document["service"]["business_owner"] = "Jo"
    result = opsadvisor.assess(document)
    found = {found.id: found for found in result.risks}[risk]
    assert accept_by in found.accept_by and not found.accepted
    assert "Walk the named stakeholders through each risk" in steps(result)


@pytest.mark.parametrize("ambition", ["mixed", "it_operated"])
@pytest.mark.parametrize(("facts", "risk"), [(facts, risk) for facts, risk, _ in BUSINESS_RISKS])
def test_8_mixed_or_it_operation_carries_none_of_these_risks(ambition: str, facts: dict[str, Any], risk: str) -> None:
    assert risk not in [found.id for found in assess(ambition=ambition, contract_owner="it", **facts).risks]


def test_8_no_risks_for_a_low_risk_business_service_or_for_model_a() -> None:
    assert assess(ambition="business_operated", criticality="medium", regulations=[]).risks == ()
    assert assess(ambition="it_operated", criticality="critical", regulations=["sox"]).risks == ()


def test_8_a_risk_is_accepted_when_every_required_role_has_accepted_it() -> None:
    def acceptance(role: str, name: str) -> dict[str, str]:
        return {"risk": "regulatory-compliance", "role": role, "name": name, "date": "2026-11-01"}

    facts = {"ambition": "business_operated", "criticality": "high", "regulations": ["sox"]}
    one = opsadvisor.assess(scenario(**facts, accepted_risks=[acceptance("business_owner", "Jo")]), as_of="2026-11-30")
    risk = {r.id: r for r in one.risks}["regulatory-compliance"]
    assert not risk.accepted and risk.missing == ("accountable executive",)
    both = [acceptance("business_owner", "Jo"), acceptance("accountable_executive", "CFO")]
    two = opsadvisor.assess(scenario(**facts, accepted_risks=both), as_of="2026-11-30")
    risk = {r.id: r for r in two.risks}["regulatory-compliance"]
    assert risk.accepted and risk.accepted_on == "2026-11-01"
    assert risk.accepted_by == "business owner: Jo, accountable executive: CFO"
    assert [r.id for r in two.pending_risks] == ["business-operated-critical-service", "continuity-outside-it"]


def test_8_an_acceptance_past_its_review_date_counts_as_pending_again() -> None:
    both = [
        {"risk": "regulatory-compliance", "role": role, "name": "Jo", "date": "2026-01-10"}
        for role in ("business_owner", "accountable_executive")
    ]
    document = scenario(ambition="business_operated", regulations=["sox"], accepted_risks=both)
    in_time = {r.id: r for r in opsadvisor.assess(document, as_of="2026-07-10").risks}["regulatory-compliance"]
    assert in_time.accepted  # a high risk is reviewed after 6 months: on 2026-07-10 it still holds
    late = {r.id: r for r in opsadvisor.assess(document, as_of="2026-07-11").risks}["regulatory-compliance"]
    assert not late.accepted and "business owner: review due since 2026-07-10" in late.notes
    report = opsadvisor.api.assess(document, as_of="2026-07-11")
    assert "PENDING: review due since 2026-07-10" in opsadvisor.formats.ASSESSMENT.render("markdown", report)


def test_8_an_acceptance_without_a_role_still_reads_and_says_so() -> None:
    legacy = [{"risk": "personal-data-outside-it", "accepted_by": "CFO", "date": "2026-11-01"}]
    result = assess(
        ambition="business_operated", data={"personal_data": True}, regulations=["gdpr"], accepted_risks=legacy
    )
    (risk,) = result.risks
    assert not risk.accepted
    assert (
        "incomplete acceptance accepted_risks[0] (no role; accepted by CFO): it does not count; record it with "
        "accept --role"
    ) in risk.notes


@pytest.mark.parametrize("regulation", ["sox", "dora"])
def test_9_critical_sox_or_dora_business_operated_is_an_ambition_risk(regulation: str) -> None:
    result = assess(ambition="business_operated", criticality="critical", regulations=[regulation])
    (conflict,) = [c for c in result.conflicts if c.kind == "ambition_risk"]
    assert conflict.severity == "high" and "model A" in conflict.remedy and "model C" in conflict.remedy


def test_9_not_critical_or_not_sox_dora_is_no_ambition_risk() -> None:
    assert "ambition_risk" not in kinds(assess(ambition="business_operated", criticality="high", regulations=["sox"]))
    assert "ambition_risk" not in kinds(
        assess(ambition="business_operated", criticality="critical", regulations=["gdpr"])
    )


@pytest.mark.parametrize("ambition", ["mixed", "it_operated"])
def test_9_a_critical_sox_service_not_business_operated_is_no_ambition_risk(ambition: str) -> None:
    assert "ambition_risk" not in kinds(assess(ambition=ambition, criticality="critical", regulations=["sox"]))


@pytest.mark.parametrize(
    ("facts", "process"),
    [
        ({"vendor_run": True}, "vendor_contract"),
        ({"data": {"personal_data": True}}, "it_controls"),
        ({"data": {"classification": "confidential"}}, "it_controls"),
        ({"criticality": "high"}, "continuity"),
        ({}, "licence"),
        ({"integrations": PLAIN_INTEGRATION}, "change"),
        ({"vendor_run": False}, "incident"),
    ],
)
@pytest.mark.parametrize("ambition", ["business_operated", "mixed"])
def test_10_governance_areas_from_missing_capabilities(ambition: str, facts: dict[str, Any], process: str) -> None:
    without = assess(ambition=ambition, business_capabilities=[], **facts)
    assert process in [area.process for area in without.governance_areas]
    capable = assess(ambition=ambition, business_capabilities=list(opsadvisor.contract.CAPABILITIES), **facts)
    assert capable.governance_areas == ()


def test_10_no_governance_areas_for_an_it_operated_service() -> None:
    assert assess(ambition="it_operated", business_capabilities=[], vendor_run=True).governance_areas == ()


def test_11_vendor_run_without_contract_is_no_contract_and_a_dpa_obligation_with_personal_data() -> None:
    result = assess(vendor_run=True, contract_owner="none", data={"personal_data": True}, regulations=["gdpr"])
    assert kinds(result) == ["no_contract", "obligation"]
    obligation = result.conflicts[1]
    assert (obligation.id, obligation.reference) == ("no-data-processing-agreement", "GDPR Art. 28(3)")
    assert result.risks == ()
    assert "obligation" not in kinds(assess(vendor_run=True, contract_owner="none", data={"personal_data": False}))
    # personal data under HIPAA only: GDPR's agreement is not owed (HIPAA asks whether the vendor handles PHI)
    hipaa_only = assess(vendor_run=True, contract_owner="none", data={"personal_data": True}, regulations=["hipaa"])
    assert "obligation" not in kinds(hipaa_only)


def test_12_pilots_are_mode_2_whatever_the_model_and_a_running_model_a_is_mode_1() -> None:
    assert assess(ambition="business_operated", lifecycle="pilot").recommendation.mode == 2
    assert assess(ambition="undecided", criticality="critical", lifecycle="pilot").recommendation.mode == 2
    assert assess(ambition="it_operated", lifecycle="pilot").recommendation.mode == 2
    assert assess(ambition="it_operated", lifecycle="mature").recommendation.mode == 1


def test_12_a_maturing_service_with_triggers_is_due_to_move_to_mode_1_naming_them() -> None:
    rec = assess(ambition="business_operated", lifecycle="scaling", criticality="critical", regulations=["sox"])
    assert (rec.recommendation.mode, rec.recommendation.transition_due) == (2, True)
    assert "criticality is high or critical" in rec.recommendation.mode_note
    assert "subject to regulation" in rec.recommendation.mode_note
    it_run = assess(ambition="it_operated", lifecycle="scaling", criticality="critical", regulations=["sox"])
    assert (it_run.recommendation.mode, it_run.recommendation.transition_due) == (2, True)  # whoever runs it
    mature = assess(ambition="business_operated", lifecycle="mature", criticality="critical", regulations=["sox"])
    assert (mature.recommendation.mode, mature.recommendation.transition_due) == (1, False)


@pytest.mark.parametrize(
    ("facts", "trigger"),
    [
        ({"criticality": "high"}, "criticality is high or critical"),
        ({"users": 501}, "more than 500 users"),
        ({"regulations": ["nis2"]}, "subject to regulation"),
    ],
)
def test_12_the_staged_move_to_mode_1_names_the_triggers(facts: dict[str, Any], trigger: str) -> None:
    text = steps(assess(ambition="business_operated", lifecycle="scaling", **facts))
    assert "to mode 1 in stages" in text and trigger in text


def test_12_no_move_to_mode_1_without_trigger_for_a_pilot_or_a_system_of_record_alone() -> None:
    assert "in stages" not in steps(assess(ambition="business_operated", lifecycle="scaling", users=500))
    assert "in stages" not in steps(assess(ambition="business_operated", lifecycle="pilot", users=900))
    alone = assess(ambition="business_operated", lifecycle="scaling", integrations=SYSTEM_OF_RECORD)
    assert "in stages" not in steps(alone)


def test_missing_facts_become_open_questions_and_rules_needing_them_do_not_fire() -> None:
    result = assess(ambition="business_operated")
    questions = {question.fact for question in result.open_questions}
    assert {"criticality", "contract_owner", "business_capabilities", "service.business_owner"} <= questions
    assert result.conflicts == () and result.risks == ()
    # unknown is not none: an area shows only as depending on the unanswered question about capabilities
    assert result.governance_areas and {area.depends_on for area in result.governance_areas} == {
        "business_capabilities"
    }


def test_every_conclusion_names_a_rule_of_the_pack() -> None:
    pack = opsadvisor.rule_pack()
    document = scenario(
        ambition="business_operated",
        contract_owner="none",
        vendor_run=True,
        criticality="critical",
        regulations=["sox"],
        data={"personal_data": True, "classification": "restricted"},
        business_capabilities=[],
        integrations=SYSTEM_OF_RECORD,
        lifecycle="mature",
    )
    result = opsadvisor.assess(document).to_dict()
    named = [item["rule"] for key in ("conflicts", "governance_areas", "risks", "next_steps") for item in result[key]]
    assert len(named) > 10
    assert all(pack.rule(rule_id) is not None for rule_id in named + result["recommendation"]["because"])
