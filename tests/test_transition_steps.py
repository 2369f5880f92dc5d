"""The transition step ("Plan the transition of ...") lists the processes whose accountable party changes
from today's operator; an interface cell that is n/a (no integrations) is no change of accountable party."""

from __future__ import annotations

import json
import re
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


def steps(path: Path) -> list[str]:
    result = run_cli("assess", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    return [step["step"] for step in json.loads(result.stdout)["next_steps"]]


def transition(path: Path) -> str | None:
    return next((step for step in steps(path) if step.startswith(TRANSITION)), None)


def test_a_business_run_service_without_integrations_plans_no_transition(tmp_path: Path) -> None:
    path = rota(tmp_path, current={"operated_by": "business"}, integrations=[])
    assert transition(path) is None


def test_a_business_run_service_with_its_integrations_unchanged_plans_no_transition(tmp_path: Path) -> None:
    path = rota(tmp_path, current={"operated_by": "business"}, integrations=[{"system": "HR", "type": "api"}])
    assert transition(path) is None


def test_a_service_it_runs_today_plans_the_transition_to_the_business(tmp_path: Path) -> None:
    path = rota(tmp_path, current={"operated_by": "it_ops"}, integrations=[])
    step = transition(path)
    assert step is not None
    found = re.fullmatch(
        rf"{TRANSITION} \(Supportability & Transition Mgmt\) for the (\d+) processes whose accountable party "
        r"changes: (.*?)\.",
        step,
    )
    assert found, step
    changing = found[2].split(", ")
    assert "Incident Mgmt" in changing
    assert int(found[1]) == len(changing)  # the count is of the processes it names


def test_a_cell_still_to_decide_is_no_change_of_accountable_party(tmp_path: Path) -> None:
    undecided = {"incident": {"application": "tbd", "interface": "tbd"}}
    path = rota(tmp_path, current={"operated_by": "business"}, integrations=[], decisions=undecided)
    assert transition(path) is None
