"""The engine and its backend: every condition test means what docs say, evaluated by durable_rules;
what is compiled from a pack lives as long as the pack."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import opsadvisor
from opsadvisor import api, durable_backend
from opsadvisor.assessment import AsOf, build_assessment
from opsadvisor.backend import Case, Firing
from opsadvisor.durable_backend import native
from opsadvisor.engine import BACKEND, Engine, once_per_pack
from opsadvisor.errors import EngineError
from opsadvisor.facts import build_facts
from opsadvisor.kinds.recommend import Recommend
from opsadvisor.rulepack import RulePack, load_pack

from .helpers import SCENARIOS, scenario

# (fact, test, operand, oracle) - the oracle says when the condition holds for a present value.
CASES: list[tuple[str, str, Any, Any]] = [
    ("criticality", "equals", "high", lambda v: v == "high"),
    ("criticality", "in", ["low", "critical"], lambda v: v in ("low", "critical")),
    ("criticality", "not", "low", lambda v: v != "low"),
    ("criticality", "not_in", ["low", "medium"], lambda v: v in ("high", "critical")),
    ("criticality", "at_least", "high", lambda v: v in ("high", "critical")),
    ("criticality", "at_most", "medium", lambda v: v in ("low", "medium")),
    ("users", "equals", 10, lambda v: v == 10),
    ("users", "not", 10, lambda v: v != 10),
    ("users", "gt", 500, lambda v: v > 500),
    ("users", "gte", 500, lambda v: v >= 500),
    ("users", "lt", 10, lambda v: v < 10),
    ("users", "lte", 10, lambda v: v <= 10),
    ("vendor_run", "equals", True, lambda v: v is True),
    ("vendor_run", "equals", False, lambda v: v is False),
    ("regulations", "contains", "sox", lambda v: "sox" in v),
    ("regulations", "lacks", "sox", lambda v: "sox" not in v),
    ("regulations", "contains_any", ["sox", "dora"], lambda v: bool({"sox", "dora"} & set(v))),
    ("regulations", "contains_all", ["sox", "gdpr"], lambda v: {"sox", "gdpr"} <= set(v)),
    ("regulations", "empty", True, lambda v: not v),
    ("regulations", "empty", False, lambda v: bool(v)),
]
EXISTENCE = ["criticality", "users", "vendor_run", "regulations"]


def write_pack(tmp_path: Path) -> Path:
    rules = []
    for index, (fact, test, operand, _) in enumerate(CASES):
        rules.append(_rule(f"case-{index}", {fact: {test: operand}}))
    for fact in EXISTENCE:
        rules.append(_rule(f"exists-{fact.replace('_', '-')}", {fact: {"exists": True}}))
        rules.append(_rule(f"absent-{fact.replace('_', '-')}", {fact: {"exists": False}}))
    rules.append(_rule("any-of", {"any": [{"users": {"gt": 100}}, {"vendor_run": True}]}))
    rules.append(_rule("derive", {"criticality": "critical"}, then=[{"derive": {"alarm": "red"}}]))
    rules.append(_rule("chained", {"alarm": "red", "users": {"gt": 0}}))
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "rules.yaml").write_text(yaml.safe_dump({"rules": rules}), encoding="utf-8")
    reference = Path(opsadvisor.rulepack.default_rules_dir()) / "00-reference.yaml"
    (folder / "00-reference.yaml").write_text(reference.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def _rule(rule_id: str, when: dict[str, Any], then: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "id": rule_id,
        "title": rule_id,
        "rationale": "test",
        "when": when,
        "then": then or [{"next_step": "x"}],
    }


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return api.assessor_for(load_pack([write_pack(tmp_path_factory.mktemp("ops"))], include_default=False)).engine


def fired(engine: Engine, document: dict[str, Any]) -> list[str]:
    parsed = api.assessor_for(engine.pack).parse(document, "test")
    return [firing.rule.id for firing in engine.run(build_facts(parsed)).firings]


facts_strategy = st.fixed_dictionaries(
    {},
    optional={
        "criticality": st.sampled_from(["low", "medium", "high", "critical"]),
        "users": st.integers(min_value=0, max_value=1000),
        "vendor_run": st.booleans(),
        "regulations": st.lists(st.sampled_from(["sox", "dora", "gdpr", "nis2"]), unique=True),
    },
)


@settings(max_examples=200, deadline=None)
@given(facts_strategy)
def test_each_condition_test_fires_exactly_when_it_holds(engine: Engine, facts: dict[str, Any]) -> None:
    names = fired(engine, scenario(**facts))
    expected = {
        f"case-{index}" for index, (fact, _, _, holds) in enumerate(CASES) if fact in facts and holds(facts[fact])
    }
    expected |= {f"exists-{f.replace('_', '-')}" for f in EXISTENCE if f in facts}
    expected |= {f"absent-{f.replace('_', '-')}" for f in EXISTENCE if f not in facts}
    if facts.get("users", 0) > 100 or facts.get("vendor_run") is True:
        expected.add("any-of")
    if facts.get("criticality") == "critical":
        expected.add("derive")
        if facts.get("users", 0) > 0:
            expected.add("chained")
    assert set(names) == expected
    if "chained" in names:
        assert names.index("derive") < names.index("chained")


def test_more_sessions_than_durable_rules_keeps_alive(engine: Engine) -> None:
    document = scenario(criticality="critical", users=3)
    first = fired(engine, document)
    for _ in range(1100):
        assert fired(engine, document) == first


def test_a_service_no_rule_matches_is_assessed_again_and_again(tmp_path: Path) -> None:
    folder = tmp_path / "only"
    folder.mkdir()
    reference = Path(opsadvisor.rulepack.default_rules_dir()) / "00-reference.yaml"
    (folder / "00-reference.yaml").write_text(reference.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "r.yaml").write_text(yaml.safe_dump({"rules": [_rule("never", {"users": 99})]}), encoding="utf-8")
    pack = load_pack([folder], include_default=False)
    for _ in range(1100):
        result = opsadvisor.assess(scenario(users=1), rules=pack)
        assert result.trace == () and result.recommendation.model is None


def test_an_action_failure_is_an_engine_error_not_a_silent_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_action(self: Any, rule: Any) -> Any:
        def action(matched: Any, emit: Any) -> None:
            raise RuntimeError("boom")

        return action

    monkeypatch.setattr(durable_backend._CompiledRules, "_action", broken_action)
    engine = Engine(load_pack())
    facts = build_facts(api.assessor_for(engine.pack).parse(scenario(ambition="mixed"), "t"))
    with pytest.raises(EngineError, match=r"a rule action failed: .*boom"):
        engine.run(facts)
    with pytest.raises(EngineError, match=r"a rule action failed: .*boom"):
        engine.run(facts)  # the failed session was abandoned and deleted: the next one runs too


def _facts_held(engine: Engine) -> list[Any]:
    """Every fact the engine's sessions hold, in all its rulesets (a deleted session holds none)."""
    held: list[Any] = []
    for ruleset in engine._rules._network._rulesets:  # type: ignore[attr-defined]
        with contextlib.suppress(native.error):  # no session: deleted after a failed run
            held += json.loads(native.get_facts(ruleset.handle, "0"))
    return held


@pytest.mark.parametrize(
    ("interruption", "raised"),
    [(RuntimeError("boom"), EngineError), (KeyboardInterrupt(), KeyboardInterrupt)],
    ids=["error", "ctrl-c"],
)
def test_a_run_that_fails_halfway_leaves_nothing_for_the_next_service(
    monkeypatch: pytest.MonkeyPatch, interruption: BaseException, raised: type[BaseException]
) -> None:
    """The engine reuses one session per ruleset and empties it after each service: after every run,
    and after one that fails near its end (facts stored in many rulesets by then), no session holds a
    fact, and each next service gets what a fresh engine gives it."""
    monkeypatch.setattr(durable_backend, "MAX_RULES", 4)  # the default pack spread over many rulesets
    pack = load_pack()
    parse = api.Assessor(pack).parse
    when = AsOf.of("2026-11-30")
    services = [
        parse(json.loads(path.read_text(encoding="utf-8")), path.name) for path in sorted(SCENARIOS.glob("*.json"))
    ]
    fresh = api.Assessor(pack)
    failing = services[0]
    fail_at = len(fresh.run(failing, when, memo=False)[1].firings) - 1
    armed = [True]
    real_action = durable_backend._CompiledRules._action

    def failing_late(self: Any, rule: Any) -> Any:
        action = real_action(self, rule)

        def run(matched: Any, emit: Any) -> None:
            action(matched, emit)
            if armed[0] and len(self._fired) == fail_at:
                armed[0] = False
                raise interruption

        return run

    monkeypatch.setattr(durable_backend._CompiledRules, "_action", failing_late)
    assessor = api.Assessor(pack)
    assert len(assessor.engine._rules._network._rulesets) > 10  # type: ignore[attr-defined]
    with pytest.raises(raised):
        assessor.run(failing, when, memo=False)
    assert not armed[0] and _facts_held(assessor.engine) == []
    for service in services:
        assert assessor.run(service, when, memo=False) == fresh.run(service, when, memo=False), service.service_id
        assert _facts_held(assessor.engine) == []


def test_a_session_runs_the_stages_its_caller_asks_for(engine: Engine) -> None:
    """Facts the caller adds between two chains fire the rules that test them, in the same session;
    the result lists them among the derived facts, with those no rule tests."""
    facts = build_facts(api.assessor_for(engine.pack).parse(scenario(users=5), "t"))
    with engine.session(facts) as session:
        first = session.chain()
        session.add([("alarm", "red"), ("untested", 3)])
        second = session.chain()
    assert "chained" not in {firing.rule.id for firing in first.firings}
    assert [firing.matched["alarm"] for firing in second.firings if firing.rule.id == "chained"] == ["red"]
    assert second.firings[: len(first.firings)] == first.firings
    assert (second.derived["alarm"], second.derived["untested"]) == (("red",), (3,))


def test_a_caller_failing_between_the_stages_leaves_nothing_for_the_next_service(engine: Engine) -> None:
    facts = build_facts(api.assessor_for(engine.pack).parse(scenario(criticality="critical", users=5), "t"))
    fresh = Engine(engine.pack).run(facts)
    with pytest.raises(RuntimeError, match="settling failed"), engine.session(facts) as session:
        session.chain()
        session.add([("alarm", "red")])
        session.chain()
        raise RuntimeError("settling failed")
    assert _facts_held(engine) == []
    assert engine.run(facts) == fresh


def test_conclusions_come_from_the_rule_object_that_fired() -> None:
    """A pack keeps each rule's conclusions once; a firing of another rule object under the same id
    (a changed copy) concludes what that copy says, not what was kept."""
    pack = api.rule_pack()
    assessor = api.assessor_for(pack)
    when = AsOf.of("2026-11-30")
    service = assessor.parse(scenario(ambition="business_operated"), "t")
    facts, result = assessor.run(service, when)
    assert build_assessment(service, facts, result, pack, when).recommendation.model == "B"
    firings = tuple(
        Firing(
            dataclasses.replace(
                firing.rule,
                then=tuple(
                    dataclasses.replace(c, payload=Recommend("A")) if c.kind == "recommend" else c
                    for c in firing.rule.then
                ),
            ),
            firing.matched,
        )
        if firing.rule.id == "ambition.business-operated"
        else firing
        for firing in result.firings
    )
    changed = dataclasses.replace(result, firings=firings)
    assert build_assessment(service, facts, changed, pack, when).recommendation.model == "A"


def test_trace_lists_matched_facts_in_firing_order() -> None:
    result = opsadvisor.assess(scenario(ambition="business_operated", criticality="high"))
    order = [entry.rule for entry in result.trace]
    assert order.index("ambition.business-operated") < order.index("risk.operations-with-business")
    entries = [e for e in result.trace if e.rule == "risk.operations-with-business"]
    # joined to a derived fact with one value per process the business operates: one firing per value
    assert sorted(e.matched["business_operations"] for e in entries) == [
        "Change Mgmt",
        "Incident Mgmt",
        "Problem Mgmt",
        "Service Level Mgmt",
        "Situation Mgmt",
    ]
    assert entries[0].concluded == ("risk business-operated-critical-service (high)", "derive risk_to_accept = true")
    assert [r.id for r in result.risks].count("business-operated-critical-service") == 1


def test_a_rule_fires_once_for_the_same_facts_even_when_several_branches_hold() -> None:
    result = opsadvisor.assess(scenario(regulations=["gdpr", "sox", "hipaa"], ambition="business_operated"))
    order = [entry.rule for entry in result.trace]
    assert order.count("trigger.regulated") == 1
    # once per value of the derived fact it joins (the processes it names), never once more per branch
    controls = {
        e.matched["controls_with_business"] for e in result.trace if e.rule == "risk.regulated-controls-with-business"
    }
    assert order.count("risk.regulated-controls-with-business") == len(controls) == 2


def test_a_rule_joined_to_two_derived_values_fires_once_per_value_and_concludes_once(tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    folder.mkdir()
    reference = Path(opsadvisor.rulepack.default_rules_dir()) / "00-reference.yaml"
    (folder / "00-reference.yaml").write_text(reference.read_text(encoding="utf-8"), encoding="utf-8")
    rules = [
        _rule("red", {"criticality": "critical"}, then=[{"derive": {"alarm": "red"}}]),
        _rule("amber", {"users": {"gt": 0}}, then=[{"derive": {"alarm": "amber"}}]),
        _rule("alarmed", {"alarm": ["red", "amber"], "regulations": {"empty": False}}, then=[{"next_step": "call"}]),
    ]
    (folder / "r.yaml").write_text(yaml.safe_dump({"rules": rules}), encoding="utf-8")
    result = opsadvisor.assess(
        scenario(criticality="critical", users=3, regulations=["sox", "gdpr"]),
        rules=[folder],
        include_default_rules=False,
    )
    alarmed = sorted(entry.matched["alarm"] for entry in result.trace if entry.rule == "alarmed")
    assert alarmed == ["amber", "red"]  # once per derived value, not once more per regulation
    assert [step.step for step in result.next_steps] == ["call"]


@settings(max_examples=100, deadline=None)
@given(facts_strategy)
def test_each_condition_item_holds_exactly_when_its_one_condition_rule_fires(
    engine: Engine, facts: dict[str, Any]
) -> None:
    rules = [rule for rule in engine.pack.rules if len(rule.when.items) == 1]
    compiled = once_per_pack(
        engine.pack, "test-items", lambda pack: BACKEND.compile_items([r.when.items[0] for r in rules])
    )
    scenario_facts = build_facts(api.assessor_for(engine.pack).parse(scenario(**facts), "test"))
    held = compiled.matches(Case(scenario_facts.values))
    fired_ids = set(fired(engine, scenario(**facts)))
    assert {rule.id for index, rule in enumerate(rules) if index in held} == fired_ids - {"chained"}


def _spy(calls: list[Any], function: Callable[..., Any], handle: Callable[[Any, tuple[Any, ...]], int]) -> Any:
    def spy(*args: Any) -> Any:
        result = function(*args)
        calls.append(handle(result, args))
        return result

    return spy


@pytest.fixture
def rulesets(monkeypatch: pytest.MonkeyPatch) -> tuple[list[int], list[int]]:
    """(native rulesets created, native rulesets deleted) while the test runs."""
    created: list[int] = []
    deleted: list[int] = []
    monkeypatch.setattr(native, "create_ruleset", _spy(created, native.create_ruleset, lambda result, _: result))
    monkeypatch.setattr(native, "delete_ruleset", _spy(deleted, native.delete_ruleset, lambda _, args: args[0]))
    gc.collect()
    return created, deleted


def _live_packs() -> int:
    return sum(isinstance(thing, RulePack) for thing in gc.get_objects())


@pytest.mark.slow
def test_assessing_with_a_rules_dir_in_a_loop_keeps_nothing_compiled(
    tmp_path: Path, rulesets: tuple[list[int], list[int]]
) -> None:
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "r.yaml").write_text(yaml.safe_dump({"rules": [_rule("extra", {"users": 3})]}), encoding="utf-8")
    document = scenario(users=3, criticality="high")
    before = _live_packs()
    created, deleted = rulesets
    per_round = 0
    for round_ in range(50):
        assert "extra" in [entry.rule for entry in opsadvisor.assess(document, rules=[folder]).trace]
        api.workshop(document, rules=[folder])
        api.explain(document, rules=[folder])
        per_round = per_round or len(created)  # as many native rulesets as the pack's size needs (at least 5)
        assert len(created) == (round_ + 1) * per_round  # each call's pack compiled its own rules ...
    gc.collect()
    assert per_round >= 5  # the assessor's, the workshop's (twice) and explain's (twice) engines
    assert sorted(deleted) == sorted(created)  # ... and each native ruleset went with its pack
    assert _live_packs() == before


def test_one_pack_compiles_each_of_its_engines_once(rulesets: tuple[list[int], list[int]]) -> None:
    pack = load_pack()
    document = scenario(users=3, criticality="high")
    created, _ = rulesets
    compiled = 0
    for _ in range(3):
        opsadvisor.assess(document, rules=pack)
        api.workshop(document, rules=pack)
        api.explain(document, rules=pack)
        compiled = compiled or len(created)
    assert api.assessor_for(pack) is api.assessor_for(pack)
    # the assessor's engine, the workshop participants', explain's conditions: each compiled once, into as
    # many native rulesets as its rules need (the assessor's may take several: durable_rules' limits)
    assert len(created) == compiled >= 3


def test_joining_rules_read_their_derived_facts_without_decoding_the_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """_Network._matched finds each matched derived fact by the text it was asserted with, and so decodes
    no action message: the assessment is the one decoding them gives."""
    path = SCENARIOS / "hr-portal-it-operated-decided-otherwise.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    expected = api.Assessor(api.rule_pack()).assess_document(document, "x", "2026-11-30").to_dict()
    read = []
    real = durable_backend._Network._matched

    def counted(network: Any, message: str, name: str) -> dict[str, Any]:
        read.append(name)
        return real(network, message, name)

    class NoDecoding:
        dumps = staticmethod(json.dumps)

        @staticmethod
        def loads(text: str) -> Any:
            raise AssertionError("an action message was decoded")

    monkeypatch.setattr(durable_backend._Network, "_matched", counted)
    monkeypatch.setattr(durable_backend, "json", NoDecoding)
    assert api.Assessor(api.rule_pack()).assess_document(document, "x", "2026-11-30").to_dict() == expected
    assert read  # joining rules fired
