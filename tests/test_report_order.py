"""The order a reader meets findings in: the most severe conflict first, risks nobody has accepted before
accepted ones, and the batch summary's ten services with the most findings, earliest first on a tie."""

from __future__ import annotations

import json
from pathlib import Path

from .batch_helpers import run_cli, write_jsonl
from .helpers import scenario

CONFLICTS = """\
conflict_kinds: {a_low: Low., b_high: High., c_medium: Medium.}
rules:
  - id: order.a
    title: A low conflict, first by kind and by rule id
    rationale: Test.
    when: {ambition: it_operated}
    then: [{conflict: {kind: a_low, severity: low, message: Low., remedy: Fix.}}]
  - id: order.b
    title: A high conflict
    rationale: Test.
    when: {ambition: it_operated}
    then: [{conflict: {kind: b_high, severity: high, message: High., remedy: Fix.}}]
  - id: order.c
    title: A medium conflict
    rationale: Test.
    when: {ambition: it_operated}
    then: [{conflict: {kind: c_medium, severity: medium, message: Medium., remedy: Fix.}}]
"""


def assess_json(tmp_path: Path, document: dict, *extra: str) -> dict:
    path = write_jsonl(tmp_path / "scenario.json", [document])
    result = run_cli("assess", path, "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_conflicts_come_most_severe_first(tmp_path: Path) -> None:
    layer = tmp_path / "layer"
    layer.mkdir()
    (layer / "order.yaml").write_text(CONFLICTS, encoding="utf-8")
    document = scenario(ambition="it_operated", contract_owner="it")
    report = assess_json(tmp_path, document, "--rules", str(layer))
    assert [conflict["kind"] for conflict in report["conflicts"]] == ["b_high", "c_medium", "a_low"]
    table = run_cli("assess", tmp_path / "scenario.json", "--rules", layer).stdout
    assert table.index("b high") < table.index("c medium") < table.index("a low")  # kinds in words


def test_pending_risks_come_before_accepted_ones(tmp_path: Path) -> None:
    document = scenario(
        ambition="business_operated",
        contract_owner="business",
        criticality="high",
        data={"personal_data": True, "classification": "restricted"},
        regulations=["gdpr"],
        accepted_risks=[
            {"risk": "business-operated-critical-service", "role": role, "name": "Jo", "date": "2026-11-01"}
            for role in ("business_owner", "accountable_executive")
        ],
    )
    risks = assess_json(tmp_path, document, "--as-of", "2026-12-01")["risks"]
    assert [(risk["id"], risk["accepted"]) for risk in risks] == [
        ("continuity-outside-it", False),
        ("personal-data-outside-it", False),
        ("restricted-data-outside-it", False),
        ("business-operated-critical-service", True),
    ]


def top_services(output: str) -> list[tuple[str, str]]:
    """(service id, findings) rows of the terminal summary's last table."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Services with the most findings"))
    rows = [line.split() for line in lines[start + 4 :] if line.strip()]
    return [(row[0], row[-1]) for row in rows]


def test_the_summary_lists_the_ten_services_with_most_findings_earliest_first_on_a_tie(tmp_path: Path) -> None:
    def service(number: int, **facts: object) -> dict:
        return {**scenario(**facts), "service": {"id": f"svc-{number:02}", "name": f"Service {number}"}}

    tied = {"ambition": "it_operated", "contract_owner": "business"}  # one conflict each (contract ownership)
    documents = [service(n, **tied) for n in range(1, 13)]
    undecided = {"supportability_transition": {"application": "tbd", "interface": "it_ops"}}
    documents[6] = service(7, **tied, decisions=undecided)  # the conflict and an open decision: two findings
    result = run_cli("batch", write_jsonl(tmp_path / "in.jsonl", documents), "--jobs", "1")
    assert result.exit_code == 0, result.output
    expected = [("svc-07", "2")] + [(f"svc-{n:02}", "1") for n in (1, 2, 3, 4, 5, 6, 8, 9, 10)]
    assert top_services(result.output) == expected


QUESTIONS = """\
rules:
  - id: ask.exit-first
    title: Fires first (lower priority), asks for a field listed late in the contract
    rationale: Test.
    priority: 1
    when: {ambition: it_operated}
    then: [{question: exit.escrow}]
  - id: ask.dora-later
    title: Fires later, asks for a field listed early in the contract
    rationale: Test.
    priority: 900
    when: {ambition: it_operated}
    then: [{question: dora.critical_function}, {question: sox.soc1_report}]
"""


def test_questions_rules_ask_come_in_the_contracts_order_not_the_firing_order(tmp_path: Path) -> None:
    layer = tmp_path / "layer"
    layer.mkdir()
    (layer / "ask.yaml").write_text(QUESTIONS, encoding="utf-8")
    document = scenario(ambition="it_operated", contract_owner="it", sox={"soc1_report": True})
    report = assess_json(tmp_path, document, "--rules", str(layer))
    asked = [question["fact"] for question in report["open_questions"] if question["fact"].startswith(("dora", "exit"))]
    assert asked == ["dora.critical_function", "exit.escrow"]  # sox.soc1_report is known: not asked
