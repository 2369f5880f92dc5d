"""The workbench says what the report says (issues 24, 26): the board and the lists lead with the effective
model, "effectively C (A recommended)" where the report's headline says "effectively C", as soon as a decision
departs from the model; a matrix that leaves IT nothing is named business operation. Both say it through
the function the report's headline uses (kinds.recommend.said_effectively)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from starlette.testclient import TestClient

from opsadvisor import api
from opsadvisor.kinds.recommend import said_effectively
from opsadvisor.render.sections import recommendation_lines

from .web_helpers import HR, SCENARIOS, token, version

CRM = "sales-crm-business-operated.json"  # model B, nothing decided otherwise

PROCESSES = [row.process for row in api.assess(Path(__file__).parent.parent.parent / "scenarios" / HR).accountability]


def flat(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def test_the_board_and_the_lists_say_effectively_c_where_the_report_does(workspace: Path, client: TestClient) -> None:
    report = api.assess(workspace / HR)
    assert report.recommendation.effectively == "C" and report.recommendation.departures
    board = flat(client.get(f"/s/{HR}/workshop").text)
    assert '<span class="big-model" id="model">Model: effectively C (A recommended)</span>' in board
    listed = flat(client.get("/").text)
    assert f'href="/s/{HR}">{HR}</a></td>' in listed
    assert '<td class="model">effectively C (A recommended)</td>' in listed
    portfolio = flat(client.get("/portfolio").text)
    assert '<td class="model">effectively C (A recommended)</td>' in portfolio


def test_a_decision_that_departs_from_model_b_makes_the_board_and_the_lists_say_effectively_c(
    workspace: Path, client: TestClient
) -> None:
    shutil.copy(SCENARIOS / CRM, workspace / CRM)
    assert '<td class="model">B</td>' in flat(client.get("/").text)
    posted = {"csrf": token(client), "version": version(client, CRM), "process": "incident", "application": "it_ops"}
    board = flat(client.post(f"/s/{CRM}/decide", data=posted, headers={"X-Partial": "true"}).text)
    headline = api.assess(workspace / CRM).recommendation
    assert headline.model == "B" and headline.effectively == "C"  # the report: "... decided otherwise: effectively C"
    assert said_effectively("C") in recommendation_lines(api.assess(workspace / CRM))[0]
    assert '<span class="big-model" id="model">Model: effectively C (B recommended)</span>' in board
    assert "Model: B<" not in board
    for page in ("/", "/portfolio"):
        listed = flat(client.get(page).text)
        crm_row = listed.split(f'href="/s/{CRM}">')[1].split("</tr>")[0]
        assert '<td class="model">effectively C (B recommended)</td>' in crm_row, page


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
    assert f"Model: {said} (C recommended)</span>" in flat(client.get("/s/diy.json/workshop").text)
    assert f'<td class="model">{said} (C recommended)</td>' in flat(client.get("/").text)
