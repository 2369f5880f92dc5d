"""The transition step ("Plan the transition of ...") lists the processes whose accountable party changes
from today's operator; an interface cell that is n/a (no integrations) is no change of accountable party."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .helpers import run_cli, scenario, write_json

TRANSITION = "Plan the transition of Shift rota"


def rota(tmp_path: Path, **facts: Any) -> Path:
    """A small vendor-run SaaS service the business is to operate."""
    document = scenario(
        ambition="business_operated", hosting="saas", vendor_run=True, contract_owner="business", criticality="low"
    )
    document["service"]["name"] = "Shift rota"
    return write_json(tmp_path / "rota.json", {**document, **facts})


def steps(path: Path) -> str:
    result = run_cli("assess", str(path), "--format", "markdown")
    assert result.exit_code == 0, result.output
    return result.stdout.split("## Next steps", 1)[1]


def test_a_business_run_service_without_integrations_plans_no_transition(tmp_path: Path) -> None:
    path = rota(tmp_path, current={"operated_by": "business"}, integrations=[])
    assert TRANSITION not in steps(path)


def test_a_business_run_service_with_its_integrations_unchanged_plans_no_transition(tmp_path: Path) -> None:
    path = rota(tmp_path, current={"operated_by": "business"}, integrations=[{"system": "HR", "type": "api"}])
    assert TRANSITION not in steps(path)


def test_a_service_it_runs_today_plans_the_transition_to_the_business(tmp_path: Path) -> None:
    path = rota(tmp_path, current={"operated_by": "it_ops"}, integrations=[])
    text = " ".join(steps(path).split())
    assert TRANSITION in text
    assert "Incident Mgmt" in text.split(TRANSITION, 1)[1]


def test_a_cell_still_to_decide_is_no_change_of_accountable_party(tmp_path: Path) -> None:
    undecided = {"incident": {"application": "tbd", "interface": "tbd"}}
    path = rota(tmp_path, current={"operated_by": "business"}, integrations=[], decisions=undecided)
    assert TRANSITION not in steps(path)
