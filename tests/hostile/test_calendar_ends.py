"""Valid dates near the calendar's ends: an acceptance on 9999-12-31 is reviewed on 9999-12-31 (no
later day exists), and nothing prints a traceback, aborts a batch or answers 500."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from starlette.testclient import TestClient

from opsadvisor.web.app import create_app

from .hostile_helpers import PAYROLL, SCENARIOS, cli, crashed, write_jsonl

LEDGER = SCENARIOS / "trading-ledger-critical-sox.json"  # accepts restricted-data-outside-it in two roles
LAST_DAY = "9999-12-31"


def _ledger_accepted_on_the_last_day(folder: Path) -> Path:
    document = json.loads(LEDGER.read_text(encoding="utf-8"))
    for item in document["accepted_risks"]:
        item["date"] = LAST_DAY
        del item["review_by"]  # due after the pack's review period: beyond the calendar
    path = folder / "ledger.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_assess_caps_a_review_beyond_the_calendar_at_its_last_day(tmp_path: Path) -> None:
    result = cli("assess", _ledger_accepted_on_the_last_day(tmp_path), "--format", "json", "--as-of", LAST_DAY)
    assert result.exit_code == 0 and not crashed(result), result.output
    acceptances = [item for risk in json.loads(result.output)["risks"] for item in risk["acceptances"] if item["date"]]
    assert {(item["review_by"], item["status"]) for item in acceptances} == {(LAST_DAY, "accepted")}


def test_accept_on_the_calendars_last_day_records_a_review_on_that_day(tmp_path: Path) -> None:
    scenario = shutil.copy(LEDGER, tmp_path / "ledger.json")
    result = cli("accept", scenario, "restricted-data-outside-it", "--role", "business_owner", "--name", "Ann",
                 "--date", LAST_DAY, "--as-of", LAST_DAY)  # fmt: skip
    assert not crashed(result), result.output
    recorded = json.loads(Path(scenario).read_text(encoding="utf-8"))["accepted_risks"]
    assert {"risk": "restricted-data-outside-it", "role": "business_owner", "name": "Ann", "date": LAST_DAY,
            "review_by": LAST_DAY} in recorded  # fmt: skip


def test_one_entry_at_the_calendars_end_never_stops_a_batch(tmp_path: Path) -> None:
    ledger = json.loads(_ledger_accepted_on_the_last_day(tmp_path).read_text(encoding="utf-8"))
    payroll = json.loads(PAYROLL.read_text(encoding="utf-8"))
    portfolio = write_jsonl(tmp_path / "p.jsonl", [payroll, ledger, payroll | {"service": {"id": "b", "name": "B"}}])
    out = tmp_path / "out.jsonl"
    result = cli("batch", portfolio, "--out", out, "--jobs", "1", "-q")
    assert result.exit_code == 0 and not crashed(result), result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3


def test_the_workbench_lists_and_shows_a_service_at_the_calendars_end(tmp_path: Path) -> None:
    _ledger_accepted_on_the_last_day(tmp_path)
    client = TestClient(create_app(tmp_path), base_url="http://127.0.0.1")
    for page in ("/", "/portfolio", "/s/ledger.json"):
        response = client.get(page)
        assert response.status_code == 200, (page, response.text[-500:])
