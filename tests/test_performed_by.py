"""`decisions.<process>.performed_by`: who does a process's daily work, beside who is accountable for it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

import opsadvisor
from opsadvisor import api
from opsadvisor.batch.inputs import iter_entries
from opsadvisor.contract import PERFORMERS
from opsadvisor.errors import ScenarioError

from .batch_helpers import write_csv
from .helpers import SCENARIOS, run_cli, scenario


def with_performers(document: dict[str, Any], performer: str) -> dict[str, Any]:
    """The document with `performer` recorded for every process, its accountable cells left as they were."""
    changed = copy.deepcopy(document)
    decisions = changed.setdefault("decisions", {})
    for process in api.rule_pack().process_ids:
        decisions.setdefault(process, {})["performed_by"] = performer
    return changed


def without_performers(report: dict[str, Any]) -> dict[str, Any]:
    for row in report["accountability"]:
        row.pop("performed_by", None)
    return report


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.json")), ids=lambda path: path.stem)
def test_who_performs_the_work_never_changes_the_advice(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    before = opsadvisor.assess(document).to_dict()
    after = opsadvisor.assess(with_performers(document, "vendor")).to_dict()
    assert [row["performed_by"] for row in after["accountability"]] == ["vendor"] * 14
    assert without_performers(after) == before


def test_the_report_shows_performed_by_only_when_a_process_has_it(scenario_file: Any) -> None:
    plain = scenario(ambition="business_operated")
    table = run_cli("assess", str(scenario_file(plain))).stdout
    assert "performed by" not in table
    plain["decisions"] = {"incident": {"performed_by": "vendor"}, "change": {"performed_by": "it_delivery"}}
    path = scenario_file(plain)
    table = run_cli("assess", str(path)).stdout
    matrix = table.split("Accountability\n")[1].split("\n\n")[0].splitlines()
    assert matrix[1].split() == ["support", "process", "application", "interface", "performed", "by"]
    assert matrix[4].split() == ["Incident", "Mgmt", "Business", "IT", "OPS", "Vendor"]
    assert matrix[3].split() == ["Request", "Mgmt", "Business", "IT", "OPS"]  # blank: not recorded
    assert matrix[7].split() == ["Change", "Mgmt", "Business", "IT", "OPS", "IT", "Delivery"]
    markdown = run_cli("assess", str(path), "--format", "markdown").stdout
    assert "| support process" in markdown and "| performed by" in markdown and "| Vendor" in markdown
    rows = json.loads(run_cli("assess", str(path), "--format", "json").stdout)["accountability"]
    assert [row.get("performed_by") for row in rows[:5]] == [None, "vendor", None, None, "it_delivery"]
    assert "performed_by" not in rows[0]  # the key is there only when recorded


def test_a_performer_outside_the_vocabulary_is_refused_with_its_path() -> None:
    with pytest.raises(ScenarioError) as raised:
        opsadvisor.assess(scenario(decisions={"incident": {"performed_by": "vender"}}))
    assert raised.value.problems == [
        "$.decisions.incident.performed_by: expected one of vendor, it_ops, it_delivery, business; found string "
        '"vender" (did you mean "vendor"?)'
    ]
    schema = api.schema()["properties"]["decisions"]["properties"]["incident"]["properties"]
    assert schema["performed_by"]["enum"] == list(PERFORMERS)


def test_a_csv_decisions_cell_records_who_performs_the_work(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        "service.id,service.name,decisions\n"
        'svc,Svc,"incident.application=business; incident.performed_by=vendor; change.performed_by=it_ops"\n'
    )
    (entry,) = iter_entries([path])
    assert entry.document()["decisions"] == {
        "incident": {"application": "business", "performed_by": "vendor"},
        "change": {"performed_by": "it_ops"},
    }
    document = scenario(decisions={"request": {"application": "business", "performed_by": "business"}})
    (written,) = iter_entries([write_csv(tmp_path / "round.csv", [document])])
    assert written.document() == document
    path.write_text('service.id,service.name,decisions\nsvc,Svc,"incident.performed_by=vender"\n')
    result = run_cli("batch", str(path), "--out", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 3
    assert f"{path}:row 2: $.decisions.incident.performed_by: expected one of vendor" in result.stderr
