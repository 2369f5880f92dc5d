"""The fast paths of issue 27 change no output: every bundled scenario (and variants of each) and a
generated portfolio, assessed through them and the slow way, give the same bytes; and where a fast path
may not be taken, it is not."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from opsadvisor import api, durable_backend, kinds
from opsadvisor.assessment import AsOf, build_assessment
from opsadvisor.batch import fragments
from opsadvisor.batch.fragments import report_bytes
from opsadvisor.batch.memo import OutcomeMemo
from opsadvisor.batch.runner import encode_utf8
from opsadvisor.contract import (
    CAPABILITIES,
    CLASSIFICATIONS,
    FACT_FIELDS,
    FACTS,
    FIELDS,
    HOSTING,
    INTEGRATION_TYPES,
    LIFECYCLES,
    REGULATIONS,
    get_path,
)
from opsadvisor.errors import ScenarioError
from opsadvisor.facts import build_facts
from opsadvisor.kinds import open_decision, recommend
from opsadvisor.rulepack import RulePack
from opsadvisor.scenario import Scenario
from opsadvisor.scenario_formats import json_format
from opsadvisor.vocabulary import normalise_document

from .test_memo import _portfolio

DAY = "2026-12-01"


def generated(count: int, seed: int = 27) -> list[dict[str, Any]]:
    """Seeded services in realistic proportions: any ambition (or none), contracts, data, integrations,
    decisions and acceptances (each field missing now and then)."""
    rng = random.Random(seed)
    documents = []
    for number in range(count):
        document: dict[str, Any] = {"service": {"id": f"svc-{number}", "name": f"Service {number}"}}
        if rng.random() < 0.7:
            document["service"]["business_owner"] = "Finance director"
        fields: dict[str, Any] = {
            "ambition": rng.choice(["it_operated", "business_operated", "mixed", "undecided"]),
            "hosting": rng.choice(HOSTING),
            "vendor_run": rng.random() < 0.5,
            "contract_owner": rng.choice(["it", "business", "none"]),
            "integrations": [
                {"system": f"System {i}", "type": rng.choice(INTEGRATION_TYPES), "system_of_record": rng.random() < 0.4}
                for i in range(rng.choice([0, 1, 2, 3]))
            ],
            "criticality": rng.choice(["low", "medium", "high", "critical"]),
            "data": {"classification": rng.choice(CLASSIFICATIONS), "personal_data": rng.random() < 0.5},
            "regulations": rng.sample(REGULATIONS, rng.choice([0, 1, 2])),
            "users": rng.choice([10, 499, 500, 501, 5000]),
            "lifecycle": rng.choice(LIFECYCLES),
            "business_capabilities": rng.sample(CAPABILITIES, rng.randint(0, len(CAPABILITIES))),
        }
        document.update({key: value for key, value in fields.items() if rng.random() < 0.85})
        if rng.random() < 0.2:
            document["decisions"] = {"incident": {"application": rng.choice(["business", "it_ops", "tbd"])}}
        if rng.random() < 0.2:
            document["accepted_risks"] = [
                {"risk": "personal-data-outside-it", "role": "business_owner", "date": "2026-03-01"}
            ]
        documents.append(document)
    return documents


def _slow(assessor: api.Assessor, document: dict[str, Any]) -> bytes:
    """The JSON line built the slow way: both stages run afresh, every part settled by the assessment."""
    when = AsOf.of(DAY)
    scenario = assessor.parse(document, "x")
    facts, result = assessor.run(scenario, when, memo=False)

    def assess_chosen(chosen: Any, texts: Any, parts: Any) -> Any:  # every part, whatever the preview shows
        chosen_facts, chosen_result = assessor.run(chosen, when, memo=False)
        return build_assessment(chosen, chosen_facts, chosen_result, assessor.pack, when, texts, assess_chosen)

    return encode_utf8(build_assessment(scenario, facts, result, assessor.pack, when, None, assess_chosen).to_dict())


def _fast(assessor: api.Assessor, document: dict[str, Any]) -> bytes:
    """The JSON line as the batch makes it: the assessment's fast paths, the line from fragments."""
    return report_bytes(assessor.assess_document(document, "x", DAY))


def _compare(pack: RulePack, documents: list[dict[str, Any]]) -> int:
    """How many documents were assessed, each the same both ways (invalid ones are left out)."""
    fast, slow = api.Assessor(pack), api.Assessor(pack, memo_size=0)
    compared = 0
    for number, document in enumerate(documents):
        try:
            expected = _slow(slow, document)
        except ScenarioError:
            continue
        assert _fast(fast, document) == expected, number
        compared += 1
    return compared


@pytest.mark.slow
def test_the_fast_paths_change_no_output() -> None:
    documents = _portfolio() + generated(300)
    assert _compare(api.rule_pack(), documents) > 400


def test_a_line_from_fragments_is_the_encoded_report() -> None:
    """Texts that escape (quotes, backslashes, line separators, non-ASCII), and the same rules and
    matrices again, from the kept fragments."""
    assessor = api.Assessor(api.rule_pack())
    documents = _portfolio()[::3]
    names = ['A "quoted" \\ name \u2028 {service.id}', "Caf\u00e9 \U0001f600", "<b>&amp;</b>"]
    for number, document in enumerate(documents):
        document["service"]["name"] = names[number % len(names)]
        report = assessor.assess_document(document, "x", DAY)
        assert report_bytes(report) == encode_utf8(report.to_dict()), number
        assert report_bytes(report) == encode_utf8(report.to_dict()), number  # from the kept fragments


# A mode rule that tests the effective model (a second-stage fact): the mode it concludes outranks the
# lifecycle's, so the recommendation settled before the second stage must not be taken as it is.
MODE_PACK = """
rules:
  - id: test.model-a-is-mode-1
    title: A service settled on model A is run the mode 1 way
    rationale: A test rule concluding a mode from a second-stage fact.
    source: practice, a test of issue 27's fast path
    priority: 990
    when:
      recommended_model: A
    then:
      - mode: 1
"""


def test_a_mode_concluded_in_the_second_stage_is_the_reports(tmp_path: Path) -> None:
    (tmp_path / "mode.yaml").write_text(MODE_PACK, encoding="utf-8")
    pack = api.rule_pack([tmp_path])
    pilot = {
        "service": {"id": "p", "name": "Pilot"},
        "ambition": "it_operated",
        "lifecycle": "pilot",
        "criticality": "low",
    }
    report = api.Assessor(pack).assess_document(pilot, "x", DAY)
    assert report.recommendation.model == "A"
    assert report.recommendation.mode == 1
    assert "test.model-a-is-mode-1" in report.recommendation.because


# A mode note that names a second-stage fact: the settled recommendation's note is written before that
# fact exists, so the report's note is interpolated anew.
NOTE_PACK = """
rules:
  - id: test.transition-with-the-model
    title: A scaling service moves to mode 1 with its model
    rationale: A test rule whose mode note names the effective model (a second-stage fact).
    source: practice, a test of issue 27's fast path
    priority: 990
    when:
      lifecycle: scaling
    then:
      - mode: {value: transition, note: "model {recommended_model} is settled"}
"""


def test_a_mode_note_names_the_second_stages_facts(tmp_path: Path) -> None:
    (tmp_path / "note.yaml").write_text(NOTE_PACK, encoding="utf-8")
    scaling = {"service": {"id": "s", "name": "Scaling"}, "ambition": "it_operated", "lifecycle": "scaling"}
    report = api.Assessor(api.rule_pack([tmp_path])).assess_document(scaling, "x", DAY)
    assert report.recommendation.mode_note == "model A is settled"


def test_a_scenario_built_in_one_walk_is_the_one_field_by_field() -> None:
    """Each top-level key is read once and its record's fields from it (scenario._build): the Scenario is
    the one each field's path read on its own makes, every attribute set, in FIELDS' order."""
    assessor = api.Assessor(api.rule_pack())
    compared = 0
    for document in _portfolio() + generated(100):
        try:
            scenario = assessor.parse(document, "x")
        except ScenarioError:
            continue
        normalised = normalise_document(document)
        expected = {
            item.attr: None if (value := get_path(normalised, item.path, item.default)) is None else item.build(value)
            for item in FIELDS
        }
        assert list(vars(scenario)) == list(expected)
        assert scenario == Scenario(**expected)
        facts = build_facts(scenario).values  # read by attribute: in FACTS' order all the same
        assert list(facts) == [name for name in FACTS if name in facts]
        compared += 1
    assert compared > 100


def test_what_is_kept_across_services_is_each_services_own() -> None:
    """Open decisions built once per matrix and reasons (kinds.open_decision), whether IT has a part in
    a matrix (kinds.recommend) and parts encoded once per object (batch.fragments): a portfolio assessed
    in one process, each service after the others, gives the lines each service gives in a process that
    has kept nothing."""
    assessor = api.Assessor(api.rule_pack(), memo_size=0)
    documents = _portfolio() + generated(150, seed=28)
    warm = [_line_or_none(assessor, document) for document in documents]
    for number, document in enumerate(documents):
        open_decision._BUILT.clear()
        recommend._NO_PART.clear()
        fragments._SAME.clear()
        assert _line_or_none(assessor, document) == warm[number], number
    assert sum(line is not None for line in warm) > 200


def _line_or_none(assessor: api.Assessor, document: dict[str, Any]) -> bytes | None:
    try:
        return _fast(assessor, document)
    except ScenarioError:
        return None


def test_a_suggestions_preview_builds_only_the_parts_it_shows() -> None:
    """The preview assesses a suggested model's choice only as far as the parts it shows (conflicts and
    risks): the preview is the one a whole assessment of the choice gives, and the parts after those are
    never built."""
    pack = api.rule_pack()
    assessor, slow = api.Assessor(pack), api.Assessor(pack, memo_size=0)
    built: list[tuple[str, ...]] = []
    build = assessor.build

    def recording(*args: Any, **kwargs: Any) -> Any:
        assessment = build(*args, **kwargs)
        built.append(tuple(assessment.parts))
        return assessment

    assessor.build = recording  # type: ignore[method-assign]
    previews = 0
    for number, document in enumerate(generated(120, seed=29)):
        try:
            expected = _slow(slow, document)
        except ScenarioError:
            continue
        built.clear()
        assert _fast(assessor, document) == expected, number
        if len(built) > 1:  # the preview's assessment first, then the service's own
            previews += 1
            assert built[0] == ("conflicts", "risks"), number  # they read no other part
            assert len(built[1]) == len(kinds.parts()), number
    assert previews > 10


class _Watched(dict):  # type: ignore[type-arg]
    """A draft's parts, noting each one read."""

    def __init__(self, parts: dict[str, Any], read: set[str]) -> None:
        super().__init__(parts)
        self.read = read

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)


def test_each_kind_reads_only_the_parts_it_says_it_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kind.reads lets an assessment built for some parts leave the others out (the preview, the summary
    lines): a kind that read a part it does not name would be built without it, and say something else."""
    read: dict[str, set[str]] = {kind.part: set() for kind in kinds.parts()}
    for kind in kinds.parts():
        build = type(kind).build

        def watched(self: Any, draft: Any, build: Any = build, part: str = kind.part) -> Any:
            draft.parts = _Watched(draft.parts, read[part])
            try:
                return build(self, draft)
            finally:
                draft.parts = dict(draft.parts)

        monkeypatch.setattr(type(kind), "build", watched)
    assessor = api.Assessor(api.rule_pack(), memo_size=0)
    for document in _portfolio() + generated(150, seed=30):
        try:
            assessor.assess_document(document, "x", DAY)
        except ScenarioError:
            continue
    for kind in kinds.parts():
        own = {kind.part} if kind.part == "recommendation" else set()  # the recommendation sets its own first
        assert kind.reads is not None and read[kind.part] - own <= set(kind.reads), kind.name
    assert read["open_decisions"] == {"accountability"} and read["next_steps"] == {"conflicts"}


def test_outcomes_without_their_line_are_outlined_as_with_it() -> None:
    """The summary lines build only the outlined parts (no preview, no next steps): every outline is the one
    a whole assessment gives."""
    pack = api.rule_pack()
    whole, outlined = OutcomeMemo(api.Assessor(pack, memo_size=0)), OutcomeMemo(api.Assessor(pack, memo_size=0))
    built: list[tuple[str, ...]] = []
    build = outlined.assessor.build

    def recording(*args: Any, **kwargs: Any) -> Any:
        assessment = build(*args, **kwargs)
        built.append(tuple(assessment.parts))
        return assessment

    outlined.assessor.build = recording  # type: ignore[method-assign]
    compared = 0
    for number, document in enumerate(_portfolio() + generated(150, seed=31)):
        try:
            scenario = whole.assessor.parse(document, "x")
        except ScenarioError:
            continue
        expected = whole.outcome(scenario, DAY, True, encode_utf8)[0]
        assert outlined.outcome(scenario, DAY, False, encode_utf8)[0] == expected, number
        assert "preview" not in built[-1] and "next_steps" not in built[-1], number
        compared += 1
    assert compared > 150


# A pack of the reference and one rule that tests no second-stage fact: nothing reads those facts, so a run
# ends after the first stage. The second rule names one in its message: then the second stage runs.
ONE_STAGE_PACK = """
rules:
  - id: test.it-operated
    title: An IT-operated ambition aims for model A
    rationale: A test rule of issue 27's fast path.
    source: practice, a test of issue 27's fast path
    when:
      ambition: it_operated
    then:
      - recommend: A
  - id: test.owned-by-the-business
    title: The business holds the contract
    rationale: A test rule of issue 27's fast path.
    source: practice, a test of issue 27's fast path
    when:
      contract_owner: business
    then:
      - conflict: {kind: contract_ownership, severity: high, message: "{service.name}: the business holds it",
                   remedy: "Move it."}
"""
NAMING_RULE = """
  - id: test.names-the-model
    title: The message names the effective model
    rationale: A test rule of issue 27's fast path.
    source: practice, a test of issue 27's fast path
    when:
      contract_owner: business
    then:
      - governance: {process: incident, advice: "model {recommended_model}"}
"""


def _one_stage_pack(tmp_path: Path, rules: str) -> RulePack:
    reference = Path(api.__file__).resolve().parent.parent / "rules" / "00-reference.yaml"
    (tmp_path / "00-reference.yaml").write_bytes(reference.read_bytes())
    (tmp_path / "10-test.yaml").write_text(rules, encoding="utf-8")
    return api.rule_pack([tmp_path], include_default=False)


def test_a_run_ends_after_the_first_stage_when_nothing_reads_the_second(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = _one_stage_pack(tmp_path, ONE_STAGE_PACK)
    one, two = api.Assessor(pack, memo_size=0), api.Assessor(pack, memo_size=0)
    two._second_stage = True  # as before: both stages, whatever the rules read
    second_stages: list[object] = []
    settle = api.second_stage_facts
    monkeypatch.setattr(api, "second_stage_facts", lambda draft: second_stages.append(draft) or settle(draft))
    compared = 0
    for document in generated(60, seed=32):
        try:
            expected = _fast(two, document)
        except ScenarioError:
            continue
        runs = len(second_stages)
        assert _fast(one, document) == expected
        assert len(second_stages) == runs  # no second stage for this pack
        compared += 1
    assert compared > 40 and second_stages


def test_a_message_naming_a_second_stage_fact_keeps_the_second_stage(tmp_path: Path) -> None:
    pack = _one_stage_pack(tmp_path, ONE_STAGE_PACK + NAMING_RULE)
    owned = {"service": {"id": "s", "name": "S"}, "ambition": "it_operated", "contract_owner": "business"}
    report = api.Assessor(pack).assess_document(owned, "x", DAY)
    assert [area.advice for area in report.governance_areas] == ["model A"]


def _strict(text: str) -> Any:
    """The strict decoding alone (json_format without its orjson path): the value, or the error's words."""
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(json_format, "_at_once", lambda text: None)
            return ("value", json_format.decode_json_text(text, "x"))
    except ScenarioError as error:
        return ("error", error.source, error.problems)


def _decoded(text: str) -> Any:
    try:
        return ("value", json_format.decode_json_text(text, "x"))
    except ScenarioError as error:
        return ("error", error.source, error.problems)


_KEYS = st.sampled_from(["a", "b", "a:b", "c"]) | st.text(max_size=4)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=6)
    | st.sampled_from(["x:y", "10:00", "\\u003a", "1e400", "1.5"])
)


@st.composite
def _json_texts(draw: st.DrawFn, depth: int = 0) -> str:
    """JSON texts (now and then broken), keys given twice among them, colons inside strings."""
    if depth > 2 or draw(st.booleans()):
        value = draw(_SCALARS)
        return (
            draw(st.sampled_from(["1e400", "NaN", "-", "01", '"\\u003a"', '"a\\"b"']))
            if draw(st.integers(0, 15)) == 0
            else json.dumps(value, ensure_ascii=draw(st.booleans()))
        )
    if draw(st.booleans()):
        items = draw(st.lists(_json_texts(depth + 1), max_size=3))
        return "[" + ", ".join(items) + "]"
    keys = draw(st.lists(_KEYS, max_size=4))
    members = [f"{json.dumps(key)}: {draw(_json_texts(depth + 1))}" for key in keys]
    return "{" + ",".join(members) + draw(st.sampled_from(["}", "}", "}", ",}", "} x"]))


@given(_json_texts())
@example('{"users": 18446744073709551616}')
@settings(max_examples=400)
def test_json_decoded_at_once_is_the_strict_decoding(text: str) -> None:
    """Decoded without the duplicate-key hook, a text gives exactly the strict value or error: a key given twice, a
    number too large, a float, an integer past 64 bits, escapes and broken texts alike."""
    assert repr(_decoded(text)) == repr(_strict(text))  # repr: an int is no float, however equal


def test_json_decoded_at_once_finds_a_key_given_twice() -> None:
    twice = [('{"a": 1, "a": 2}', "a"), ('{"a": {"b": "x:y", "b": 1}}', "b"), ('[{"k": 1}, {"k": 2, "k": 3}]', "k")]
    for text, key in twice:
        problem = f'the key "{key}" appears twice in one object; each fact must be given once'
        assert _decoded(text) == _strict(text) == ("error", "x", [problem])
    assert json_format._at_once('{"a": "10:00", "b": [1, {"c": null}]}') == {"a": "10:00", "b": [1, {"c": None}]}


def test_a_part_kept_by_its_object_is_that_objects_own() -> None:
    """A part encoded once per object (a model's reference matrix, shared by most services) is found by
    its id only while the object kept with it is the one asked about: another object that came to have the
    id gets its own encoding, equal values the same one."""
    assessor = api.Assessor(api.rule_pack())
    reports = [assessor.assess_document(document, "x", DAY) for document in _portfolio()[:6]]
    kind = kinds.kind("accountability")
    for report in reports:
        matrix = report.parts["accountability"]
        expected = encode_utf8(kind.to_json(matrix))
        fragments._SAME[("accountability", id(matrix))] = ((), b"another object's")
        assert fragments._part(kind, matrix) == expected
        assert fragments._part(kind, tuple(list(matrix))) == fragments._part(kind, matrix) == expected


def test_parts_kept_by_their_object_are_few() -> None:
    """Each part kept by its object keeps the object alive, and most are one service's own: however many go by,
    at most MAX_SAME are kept (a batch's memory stays flat: docs/batch.md), each still encoded as its value."""
    report = api.Assessor(api.rule_pack()).assess_document(_portfolio()[0], "x", DAY)
    kind = kinds.kind("accountability")
    expected = encode_utf8(kind.to_json(report.parts["accountability"]))
    copies = [tuple(list(report.parts["accountability"])) for _ in range(3 * fragments.MAX_SAME)]  # one id each
    for copy in copies:
        assert fragments._part(kind, copy) == expected
        assert len(fragments._SAME) <= fragments.MAX_SAME


def test_facts_read_without_a_call_are_the_ones_each_read_gives() -> None:
    """A fact that is its attribute's value as it is (contract.same) is taken without calling its read:
    the facts are the ones calling each fact's read gives, in FACTS' order."""
    assessor = api.Assessor(api.rule_pack())
    compared = 0
    for document in _portfolio() + generated(100, seed=30):
        try:
            scenario = assessor.parse(document, "x")
        except ScenarioError:
            continue
        expected = {}
        for name, fact in FACTS.items():
            value = getattr(scenario, FACT_FIELDS[name].attr)
            if value is not None and (read := fact.read(value)) is not None:
                expected[name] = read
        assert list(build_facts(scenario).values.items()) == list(expected.items())
        compared += 1
    assert compared > 100


def test_a_trace_entry_kept_by_its_rule_is_that_rules_own() -> None:
    """A trace entry's fragments are kept by rule id with the rule object: another rule of that id (a pack
    whose layer rewords it) gets its own."""
    assessor = api.Assessor(api.rule_pack())
    for document in _portfolio()[:6]:
        report = assessor.assess_document(document, "x", DAY)
        for entry in report.trace:
            fragments._TRACE[entry.rule] = (object(), b"another rule's", b"")
        assert report_bytes(report) == encode_utf8(report.to_dict())


def _assessors_before_and_after(pack: RulePack, monkeypatch: pytest.MonkeyPatch) -> tuple[api.Assessor, api.Assessor]:
    """An assessor whose engine is given every service fact (as before), and one given those its rules test."""
    with monkeypatch.context() as before_the_cut:
        before_the_cut.setattr(durable_backend, "encoding_for", lambda keys: durable_backend._ENCODING)
        before = api.Assessor(pack, memo_size=0)
    return before, api.Assessor(pack, memo_size=0)


def test_the_engine_takes_only_the_service_facts_its_rules_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, after = _assessors_before_and_after(_one_stage_pack(tmp_path, ONE_STAGE_PACK), monkeypatch)
    asserted: list[dict[str, Any]] = []
    assert_fact = durable_backend.native.assert_fact
    monkeypatch.setattr(
        durable_backend.native,
        "assert_fact",
        lambda handle, text: asserted.append(json.loads(text)) or assert_fact(handle, text),
    )
    documents = generated(60, seed=33)

    def lines_and_keys(assessor: api.Assessor) -> tuple[list[bytes | None], set[str]]:
        asserted.clear()
        lines = [_line_or_none(assessor, document) for document in documents]
        return lines, {key for fact in asserted if fact["t"] == "s" for key in fact}

    expected, keys_before = lines_and_keys(before)
    found, keys_after = lines_and_keys(after)
    assert found == expected and sum(line is not None for line in expected) > 40
    assert {"criticality", "regulations__sox"} <= keys_before
    assert keys_after == {"t", "sid", "ambition", "contract_owner"}


def test_the_default_pack_reports_the_same_on_the_service_facts_its_rules_test(monkeypatch: pytest.MonkeyPatch) -> None:
    before, after = _assessors_before_and_after(api.rule_pack(), monkeypatch)
    documents = _portfolio() + generated(150, seed=34)
    expected = [_line_or_none(before, document) for document in documents]
    assert [_line_or_none(after, document) for document in documents] == expected
    assert sum(line is not None for line in expected) > 200
