"""The engine's memo (engine.Engine, keyed by facts.run_key) changes no output: a varied portfolio, in which
services repeat each other's profile under other names and differ from each other in one input at a
time (decisions, acceptances, today's operator, a fact, the owner's presence, the day), gives the same
JSON with the memo as without it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from opsadvisor import api
from opsadvisor.batch.runner import encode

SCENARIOS = sorted((Path(__file__).parent.parent / "scenarios").glob("*.json"))
DAYS = ("2026-11-01", "2031-01-01")  # before and after the examples' review dates


def _variants(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The document, and copies that each change one input the rules or the kinds can see (or only names)."""
    renamed = copy.deepcopy(document)
    renamed["service"] = {"id": "other-id", "name": 'Another "name" {service.id}', "business_owner": "Someone else"}
    ownerless = copy.deepcopy(document)
    ownerless["service"].pop("business_owner", None)
    decided = copy.deepcopy(document)
    decided["decisions"] = {"incident": {"application": "business", "interface": "business"}}
    undecided = copy.deepcopy(document)
    undecided.pop("decisions", None)
    unaccepted = copy.deepcopy(document)
    unaccepted.pop("accepted_risks", None)
    operated = copy.deepcopy(document)
    operated["current"] = {**document.get("current", {}), "operated_by": "business"}
    critical = copy.deepcopy(document)
    critical["criticality"] = "low" if document.get("criticality") == "critical" else "critical"
    return [document, renamed, ownerless, decided, undecided, unaccepted, operated, critical, renamed]


def _portfolio() -> list[dict[str, Any]]:
    return [variant for path in SCENARIOS for variant in _variants(json.loads(path.read_text(encoding="utf-8")))]


def test_the_memo_changes_no_output_and_is_used() -> None:
    pack = api.rule_pack()
    memo, plain = api.Assessor(pack), api.Assessor(pack, memo_size=0)
    for day in DAYS:
        for number, document in enumerate(_portfolio()):
            source = f"portfolio:line {number}"
            expected = encode(plain.assess_document(document, source, day).to_dict())
            assert encode(memo.assess_document(document, source, day).to_dict()) == expected, source
    assert memo.engine.hits > len(SCENARIOS)  # the repeated profiles came from the memo
    assert plain.engine.hits == 0


def test_a_small_memo_forgets_the_least_recently_used_profile() -> None:
    pack = api.rule_pack()
    memo = api.Assessor(pack, memo_size=2)
    first, second, third = (json.loads(path.read_text(encoding="utf-8")) for path in SCENARIOS[:3])
    for document in (first, second, first, third, first, second):
        memo.assess_document(document, "x", DAYS[0])
    # first (miss), second (miss), first (hit), third (miss: forgets second), first (hit), second (miss)
    assert (memo.engine.hits, memo.engine.misses) == (2, 4)
