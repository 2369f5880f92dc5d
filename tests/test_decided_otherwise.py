"""The effective operating model: recorded decisions that depart from the model's cells make the service
"effectively C" (docs/rules.md, "The effective operating model"). The report says so, names the processes,
and the rule over the `decided_otherwise` fact asks to review them. A decision that agrees with the model,
or fills a cell the model leaves t.b.d., departs from nothing. Before these tests only the golden reports
and the bundled rule suite saw this."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .helpers import run_cli, scenario, write_json

EFFECTIVELY_C = "decided otherwise: effectively C"
REVIEW = "Review the"


def report(tmp_path: Path, ambition: str, decisions: dict[str, Any]) -> str:
    path = write_json(tmp_path / "service.json", scenario(ambition=ambition, decisions=decisions))
    result = run_cli("assess", str(path), "--format", "markdown")
    assert result.exit_code == 0, result.output
    return " ".join(result.stdout.split())


def test_one_process_decided_otherwise_than_model_a(tmp_path: Path) -> None:
    text = report(tmp_path, "it_operated", {"incident": {"application": "business"}})
    assert "Recommended model: A - IT Operated - End to End Application & Infrastructure, with 1 process " in text
    assert EFFECTIVELY_C in text
    assert "- Decided otherwise: Incident Mgmt -" in text
    assert "Review the 1 processes decided otherwise than model A: agree that Test service is effectively" in text


def test_two_processes_decided_otherwise_are_both_named(tmp_path: Path) -> None:
    decisions = {"incident": {"application": "business"}, "change": {"interface": "business"}}
    text = report(tmp_path, "it_operated", decisions)
    assert "with 2 processes decided otherwise: effectively C" in text
    assert "- Decided otherwise: Incident Mgmt, Change Mgmt -" in text
    assert "Review the 2 processes decided otherwise than model A" in text


def test_a_decision_the_model_already_holds_departs_from_nothing(tmp_path: Path) -> None:
    text = report(tmp_path, "it_operated", {"incident": {"application": "it_ops", "interface": "it_ops"}})
    assert EFFECTIVELY_C not in text and "Decided otherwise" not in text and REVIEW not in text


def test_deciding_a_cell_model_c_leaves_open_departs_from_nothing(tmp_path: Path) -> None:
    decisions = {"incident": {"application": "business", "interface": "it_ops"}, "change": {"application": "it_ops"}}
    text = report(tmp_path, "mixed", decisions)
    assert "Recommended model: C" in text
    assert EFFECTIVELY_C not in text and "Decided otherwise" not in text and REVIEW not in text
