"""The batch's outcome memo (batch.memo.OutcomeMemo) changes no output: over a varied portfolio, with
names that escape, sort and deduplicate differently, every outcome (its outlines and JSON line) is the
one built without the memo, and a profile that repeats under other names comes from the memo."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from opsadvisor import api
from opsadvisor.batch.memo import STAND_INS, OutcomeMemo
from opsadvisor.batch.runner import encode, encode_utf8
from opsadvisor.rulepack import RulePack

from .test_memo import DAYS, SCENARIOS, _portfolio

NAMES = (
    "Zed",  # equals the literal in ORDER_PACK's second step: the real texts deduplicate
    "Aaa",  # sorts before it
    "Zzz",  # sorts after it
    'A "quoted" \\ name {service.id}',  # JSON escapes, and a placeholder that must stay text
    "Caf\u00e9 \u2603 \U0001f600 \u2028",  # non-ASCII kept as is (ensure_ascii=False)
    "x",
    "".join(STAND_INS.values()),  # the memo's own stand-ins, as text: filled in one pass, left as they are
    "\ufdfa \ufdef",  # characters whose UTF-8 starts as the stand-ins' does
)

# Two next steps of one rule (same rank): they sort and deduplicate by their text, with the name in it.
ORDER_PACK = """
rules:
  - id: test.ask-the-named
    title: Ask the named one first
    rationale: A rule whose two next steps sort by the service's name.
    source: practice, a test of the outcome memo
    priority: 10
    when:
      criticality: {exists: true}
    then:
      - next_step: Ask {service.name} first.
      - next_step: Ask Zed first.
"""


def _scenarios() -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in SCENARIOS]


def _renamed(document: dict[str, Any], name: str, owner: str | None) -> dict[str, Any]:
    renamed = copy.deepcopy(document)
    renamed["service"] = {"id": f"id-{name}", "name": name}
    if owner is not None:
        renamed["service"]["business_owner"] = owner
    return renamed


def _portfolio_with_names() -> list[dict[str, Any]]:
    documents = _portfolio()
    return documents + [
        _renamed(document, name, owner)
        for document in documents[::9]
        for name in NAMES
        for owner in (None, name + " owner")
    ]


def _with_stand_in_accepted(document: dict[str, Any]) -> dict[str, Any]:
    """The document with an acceptance whose person's name holds a stand-in (a text the key holds)."""
    changed = copy.deepcopy(document)
    changed["accepted_risks"] = [
        {"risk": "restricted-data-outside-it", "role": "business_owner", "name": "C" + STAND_INS["service_name"]}
    ]
    return changed


def _compare(pack: RulePack, documents: list[dict[str, Any]]) -> OutcomeMemo:
    """Each document's outcome, with and without JSON, on each day, from the memo (each asked for three
    times: the first plain, the second from a new template, the third from the kept one) and without."""
    memo, plain = OutcomeMemo(api.Assessor(pack)), OutcomeMemo(api.Assessor(pack, memo_size=0))
    for day in DAYS:
        for number, document in enumerate(documents):
            scenario = memo.assessor.parse(document, f"portfolio:line {number}")
            expected = plain.outcome(scenario, day, True, encode_utf8)
            for _ in range(3):
                assert memo.outcome(scenario, day, True, encode_utf8) == expected, (number, scenario.service_name)
                assert memo.outcome(scenario, day, False, encode_utf8) == (expected[0], None)
    assert plain.hits == 0
    return memo


@pytest.mark.slow
def test_the_outcome_memo_changes_no_output_and_is_used() -> None:
    memo = _compare(api.rule_pack(), _portfolio_with_names())
    assert memo.hits > len(_portfolio_with_names())  # the renamed profiles came from the memo


def test_a_stand_in_in_a_text_the_key_holds_is_never_filled_in() -> None:
    documents = [_with_stand_in_accepted(document) for document in _scenarios()]
    memo = _compare(api.rule_pack(), documents)
    assert memo.misses and all(kept is None for kept in memo._kept.values())  # no template made
    assert any(STAND_INS["service_name"] in json.dumps(document, ensure_ascii=False) for document in documents)


def test_texts_that_sort_by_the_name_are_built_for_each_name(tmp_path: Path) -> None:
    (tmp_path / "order.yaml").write_text(ORDER_PACK, encoding="utf-8")
    pack = api.rule_pack([tmp_path])
    document = _scenarios()[0]
    document["criticality"] = "high"
    documents = [_renamed(document, name, None) for name in NAMES]
    _compare(pack, documents)
    zed = api.Assessor(pack).assess_document(documents[0], "x", DAYS[0])
    assert [step.step for step in zed.next_steps].count("Ask Zed first.") == 1  # the case is real


def test_a_pack_holding_a_stand_in_is_never_memoised() -> None:
    pack = api.rule_pack()
    titled = dataclasses.replace(pack.rules[0], title="a title with " + STAND_INS["service_name"])
    memo = OutcomeMemo(api.Assessor(dataclasses.replace(pack, rules=(titled, *pack.rules[1:]))))
    document = _scenarios()[0]
    for _ in range(2):
        memo.outcome(memo.assessor.parse(document, "x"), DAYS[0], True, encode_utf8)
    assert (memo.hits, memo.misses) == (0, 0)


def test_orjson_writes_what_json_writes() -> None:
    """runner.encode's orjson writes what json.dumps(ensure_ascii=False, separators=(",", ":")) does: every
    character (but lone surrogates, which json would also write and validation refuses) in keys and values,
    the numbers and constants of an assessment, and every scenario's JSON line."""
    characters = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF)
    plain = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for start in range(0, len(characters), 4096):
        text = characters[start : start + 4096]
        value = {text: [text, 0, -1, 2**63 - 1, -(2**63), True, False, None, (text,), {}, []]}
        assert encode(value) == plain(value)
    for document in _scenarios():
        assessment = api.Assessor(api.rule_pack()).assess_document(document, "x", DAYS[0]).to_dict()
        assert encode(assessment) == plain(assessment)
    for refused in ({1: "a non-text key"}, ["a lone surrogate \ud800"], [2**64]):  # left to json
        assert encode(refused) == plain(refused)


@pytest.mark.parametrize("size", [1, 2])
def test_the_outcome_memo_is_bounded(size: int) -> None:
    memo = OutcomeMemo(api.Assessor(api.rule_pack(), memo_size=size))
    for document in _scenarios()[:3] * 2:
        memo.outcome(memo.assessor.parse(document, "x"), DAYS[0], True, encode_utf8)
    assert len(memo._kept) == size
    assert memo.misses == 6  # each profile was forgotten before it came back
