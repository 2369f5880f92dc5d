"""The workbench says what the report says (issue 24): a model decided otherwise is "effectively C" on the
board and in the lists, and a matrix that leaves IT nothing is named business operation."""

from __future__ import annotations

import json
import re
from pathlib import Path

from starlette.testclient import TestClient

from opsadvisor import api

from .web_helpers import HR

PROCESSES = [row.process for row in api.assess(Path(__file__).parent.parent.parent / "scenarios" / HR).accountability]


def flat(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def test_the_board_and_the_lists_say_effectively_c_where_the_report_does(workspace: Path, client: TestClient) -> None:
    report = api.assess(workspace / HR)
    assert report.recommendation.effectively == "C" and report.recommendation.departures
    board = flat(client.get(f"/s/{HR}/workshop").text)
    assert "Model A, effectively C</span>" in board
    listed = flat(client.get("/").text)
    assert f'href="/s/{HR}">{HR}</a></td>' in listed and '<td class="model">A, effectively C</td>' in listed
    portfolio = flat(client.get("/portfolio").text)
    assert '<td class="model">A, effectively C</td>' in portfolio


def test_a_matrix_that_leaves_it_nothing_is_named_business_operation(workspace: Path, client: TestClient) -> None:
    document = {
        "service": {"id": "diy", "name": "Do it yourself"},
        "ambition": "mixed",
        "criticality": "low",
        "integrations": [{"system": "ERP", "type": "api"}],
        "decisions": {p: {"application": "business", "interface": "business"} for p in PROCESSES},
    }
    (workspace / "diy.json").write_text(json.dumps(document), encoding="utf-8")
    said = "effectively business operated (IT has no part)"
    assert api.assess(workspace / "diy.json").recommendation.effectively == "business operated (IT has no part)"
    assert f"Model C, {said}</span>" in flat(client.get("/s/diy.json/workshop").text)
    assert f'<td class="model">C, {said}</td>' in flat(client.get("/").text)
