"""durable_rules' limits are the engine's problem: big packs, wide `any` groups and look-alike derived
values behave as the rules say, and what the engine still cannot take is a `rules check` error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import opsadvisor
from opsadvisor import api, durable_backend
from opsadvisor.authoring.check import check_rules
from opsadvisor.durable_backend import encode_value
from opsadvisor.errors import RulesError
from opsadvisor.rulepack import load_pack

from .helpers import scenario

ROOT = Path(__file__).resolve().parent.parent
TYPED = Path(__file__).parent / "rules" / "typed-equality"


def _rule(rule_id: str, when: dict[str, Any], then: list[dict[str, Any]] | None = None, priority: int = 200) -> Any:
    then = then or [{"next_step": rule_id}]
    return {"id": rule_id, "title": rule_id, "rationale": "test", "priority": priority, "when": when, "then": then}


def _layer(tmp_path: Path, rules: list[dict[str, Any]]) -> Path:
    folder = tmp_path / "layer"
    folder.mkdir()
    (folder / "90-extra.yaml").write_text(yaml.safe_dump({"rules": rules}), encoding="utf-8")
    return folder


def _fired(document: dict[str, Any], folder: Path) -> set[str]:
    return {entry.rule for entry in opsadvisor.assess(document, rules=[folder]).trace}


# --- typed equality on derived facts ----------------------------------------------------------------


def test_derived_values_fire_only_rules_testing_the_same_type() -> None:
    run = api.run_rule_tests([TYPED / "tests"], rules=[TYPED])
    assert [result.passed for result in run.results] == [True] * 4


def test_derived_texts_that_differ_after_65535_characters_are_different(tmp_path: Path) -> None:
    common = "x" * 70_000
    folder = _layer(
        tmp_path,
        [
            _rule("says", {"users": {"gte": 0}}, [{"derive": {"said": common + "a"}}], priority=100),
            _rule("hears-b", {"said": common + "b"}),
            _rule("hears-a", {"said": common + "a"}),
        ],
    )
    fired = _fired(scenario(users=1), folder)
    assert "hears-a" in fired and "hears-b" not in fired


def test_encoded_values_keep_type_and_whole_value() -> None:
    values = [True, 1, "1", "true", False, 0, "0", "", "x" * 70_000 + "a", "x" * 70_000 + "b"]
    encoded = [encode_value(value) for value in values]
    assert len(set(encoded)) == len(values)
    assert encode_value("x" * 70_000 + "a") == encode_value("x" * 70_000 + "a")
    assert max(len(text) for text in encoded) <= durable_backend.LONG_VALUE


# --- packs bigger than one durable_rules ruleset ------------------------------------------------------


def _reports(pack: Any) -> list[str]:
    documents = [json.loads(path.read_text(encoding="utf-8")) for path in sorted((ROOT / "scenarios").glob("*.json"))]
    return [json.dumps(opsadvisor.assess(document, rules=pack).to_dict()) for document in documents]


def test_the_default_pack_spread_over_many_rulesets_reports_exactly_as_in_one(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = load_pack()
    expected = _reports(whole)
    assert len(api.assessor_for(whole).engine._rules._network._rulesets) == 1
    monkeypatch.setattr(durable_backend, "MAX_RULES", 4)  # 3 rules and the warm-up per ruleset
    spread = load_pack()
    assert len(api.assessor_for(spread).engine._rules._network._rulesets) > 10
    assert _reports(spread) == expected  # same firings, same order, chaining across rulesets


def test_rules_with_two_new_tests_each_beyond_the_240_that_hung(tmp_path: Path) -> None:
    rules = [_rule(f"big-{n}", {"any": [{"users": {"gt": 1000 + n}}, {"integrations": {"gt": n}}]}) for n in range(300)]
    folder = _layer(tmp_path, rules)
    integrations = [{"system": f"S{n}", "type": "api"} for n in range(3)]
    fired = _fired(scenario(users=1150, integrations=integrations), folder)
    assert {rule for rule in fired if rule.startswith("big-")} == {f"big-{n}" for n in range(300) if n < 150 or n < 3}


def test_rules_sharing_an_any_of_values_beyond_128(tmp_path: Path) -> None:
    rules = [_rule(f"similar-{n}", {"criticality": {"at_least": "high"}, "users": {"gt": n}}) for n in range(200)]
    folder = _layer(tmp_path, rules)
    fired = _fired(scenario(criticality="critical", users=50), folder)
    assert {rule for rule in fired if rule.startswith("similar-")} == {f"similar-{n}" for n in range(50)}
    explanation = api.explain(scenario(criticality="critical", users=50), rules=[folder])
    assert {rule.rule for rule in explanation.fired} == _fired(scenario(criticality="critical", users=50), folder)


def test_a_rule_with_14_any_groups_fires(tmp_path: Path) -> None:
    group = {"any": [{"criticality": "critical"}, {"regulations": {"contains": "sox"}}]}
    folder = _layer(tmp_path, [_rule("fourteen", {"all": [group] * 14})])
    assert check_rules([folder]).errors == 0
    assert "fourteen" in _fired(scenario(criticality="critical"), folder)
    assert "fourteen" not in _fired(scenario(criticality="low"), folder)
    assert "fourteen" in {rule.rule for rule in api.explain(scenario(criticality="critical"), rules=[folder]).fired}


# --- what remains a limit is reported before anything runs --------------------------------------------


def _too_big(tmp_path: Path) -> Path:
    alternatives = [{"criticality": ["high", "critical"], "users": {"gt": n}} for n in range(16)]
    derivers = [_rule(f"says-{n}", {"users": {"gte": 0}}, [{"derive": {f"signal_{n}": True}}]) for n in range(17)]
    joins = _rule("joins-17", {f"signal_{n}": True for n in range(17)})
    return _layer(tmp_path, [_rule("wide-any", {"any": alternatives}), *derivers, joins])


def test_rules_check_names_rules_beyond_the_engine_limits(tmp_path: Path) -> None:
    report = check_rules([_too_big(tmp_path)])
    limits = {finding.rule: finding.message for finding in report.findings if "rules engine" in finding.message}
    assert set(limits) == {"wide-any", "joins-17"}
    assert "expression of size" in limits["wide-any"] and "joins 17 facts" in limits["joins-17"]
    assert report.exit_code() == 4


def test_assess_refuses_rules_beyond_the_engine_limits_with_exit_4(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="rule wide-any: one of its 'any' groups") as raised:
        opsadvisor.assess(scenario(users=1), rules=[_too_big(tmp_path)])
    assert raised.value.exit_code == 4
