"""The Python API: everything the CLI does, as functions. The CLI only calls these."""

from __future__ import annotations

import importlib
from collections.abc import Collection, Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .assessment import AsOf, Assessment, AssessmentDraft, DateArg, build_assessment
from .contract import Record, scenario_spec
from .effective import SETTLED_PARTS, SETTLING_KINDS, second_stage_facts, system_facts
from .engine import MEMO_SIZE, Engine, EngineResult, once_per_pack
from .facts import Facts, build_facts, run_key
from .kinds import is_built_in, kind, registered
from .rulepack.crosscheck import PLACEHOLDER
from .rulepack.ir import RulePack
from .rulepack.layering import load_pack, seed_rules_only
from .scenario import Scenario, ScenarioInput, load_scenario, parse_scenario
from .validation import compile_check, json_schema

if TYPE_CHECKING:
    from .records import EvidenceBook, RecordsArg

RulesArg = RulePack | Iterable[str | Path] | None


class Assessor:
    """A rule pack compiled once, ready to assess any number of scenarios in this process."""

    def __init__(self, pack: RulePack, memo_size: int = MEMO_SIZE) -> None:
        self.pack = pack
        self.spec: Record = scenario_spec(pack.process_ids, pack.risk_ids, pack.role_ids)
        self._valid = compile_check(self.spec)
        self.memo_size = memo_size  # also what batch.memo keeps of rendered outcomes
        self.engine = Engine(pack, memo_size=memo_size)
        # The parts the last run settled between its stages, for `build` to take as they are: (result, scenario,
        # parts), or None. One slot: `build` takes it for the result it was made for, then it is gone.
        self._settled: tuple[EngineResult, Scenario, dict[str, Any]] | None = None
        self._settling = _settling_rules(pack)
        self._second_stage = _second_stage_read(pack)

    def parse(self, document: Any, source: str) -> Scenario:
        return parse_scenario(document, source, self.spec, self._valid)

    def run(self, scenario: Scenario, as_of: AsOf, memo: bool = True) -> tuple[Facts, EngineResult]:
        """The service's facts and what the rules made of them, both stages; with `memo` False the rules
        run whatever the engine kept (for a caller that keeps what it makes of it)."""
        facts = build_facts(scenario)
        key = (run_key(scenario), as_of.date) if memo else None
        result = self.engine.recall(key)
        if result is None:
            result = self._both_stages(scenario, facts, as_of)
            self.engine.keep(key, result)
        return facts, result

    def _both_stages(self, scenario: Scenario, facts: Facts, as_of: AsOf) -> EngineResult:
        """The rules on the scenario's facts; then, in the same session, on the recommendation and the
        effective matrix settled from what fired (effective.py), which rules about risks, conflicts and
        governance test; the first stage alone where nothing reads the second's facts (_second_stage_read): the
        assessment then settles the model and matrix from the same firings."""
        with self.engine.session(facts) as session:
            first = session.chain()
            if not self._second_stage:
                return first
            draft = AssessmentDraft(scenario, facts, first, self.pack, as_of)
            session.add(second_stage_facts(draft))
            result = session.chain()
        # What the second stage fired cannot change the model, mode or matrix (rules testing its facts may not
        # conclude them, and these did not): the assessment takes them as settled here instead of settling again.
        later = result.firings[len(first.firings) :]
        if not any(firing.rule.id in self._settling for firing in later):
            self._settled = (result, scenario, {part: draft.parts[part] for part in SETTLED_PARTS})
        return result

    def build(
        self,
        scenario: Scenario,
        facts: Facts,
        result: EngineResult,
        as_of: AsOf,
        texts: dict[str, list[str]] | None = None,
        only: Collection[str] | None = None,
    ) -> Assessment:
        """The assessment of what the rules made of the scenario (build_assessment: `only` the parts it
        names, when given), a suggested model's preview assessed by this assessor too."""

        def assess_chosen(
            chosen: Scenario, nested: dict[str, list[str]] | None, parts: Collection[str] | None
        ) -> Assessment:
            chosen_facts, chosen_result = self.run(chosen, as_of)
            return self.build(chosen, chosen_facts, chosen_result, as_of, nested, parts)

        kept, self._settled = self._settled, None
        settled = kept[2] if kept is not None and kept[0] is result and kept[1] is scenario else None
        return build_assessment(scenario, facts, result, self.pack, as_of, texts, assess_chosen, settled, only)

    def assess_scenario(self, scenario: Scenario, as_of: DateArg = None) -> Assessment:
        """Assess a Scenario; risk acceptances are evaluated on `as_of` (default: today)."""
        when = AsOf.of(as_of)
        facts, result = self.run(scenario, when)
        return self.build(scenario, facts, result, when)

    def assess_document(self, document: Any, source: str = "<scenario>", as_of: DateArg = None) -> Assessment:
        return self.assess_scenario(self.parse(document, source), as_of)


def _settling_rules(pack: RulePack) -> frozenset[str]:
    """The rules that conclude what is settled between the engine's stages (the model, the mode, a cell)."""
    return frozenset(rule.id for rule in pack.rules if any(c.kind in SETTLING_KINDS for c in rule.then))


def _second_stage_read(pack: RulePack) -> bool:
    """Whether anything can read the second stage's facts: a rule testing one, a rule's text naming one as
    a placeholder, or a kind that is not built in (it may read any derived fact). When nothing can, the
    second stage would fire no rule and change no text, and a run ends after the first (the peers' pack)."""
    names = system_facts(pack.processes)
    if not all(is_built_in(item) for item in registered()):
        return True
    for rule in pack.rules:
        if any(fact in names for fact in rule.facts_tested):
            return True
        texts = (text for conclusion in rule.then for text in kind(conclusion.kind).texts(conclusion.payload))
        if any(name in names for text in texts for name in PLACEHOLDER.findall(text)):
            return True
    return False


def assessor_for(pack: RulePack) -> Assessor:
    """The pack's Assessor, built once and kept by the pack (a compiled rule pack is costly to build)."""
    return once_per_pack(pack, "assessor", Assessor)


@cache
def _default_pack(seed_only: bool) -> RulePack:
    return seed_rules_only(_default_pack(False)) if seed_only else load_pack()


def rule_pack(rules: RulesArg = None, include_default: bool = True, seed_only: bool = False) -> RulePack:
    """A RulePack from a pack, extra rule directories, or None for the default pack.

    seed_only keeps only the rules whose source is the seed (`--seed-only`): the pack's version then
    ends in ':seed-only', and reports say that only seed rules ran.
    """
    if isinstance(rules, RulePack):
        pack = rules
    else:
        extra = [] if rules is None else list(rules)
        if not extra and include_default:
            return _default_pack(seed_only)
        pack = load_pack(extra, include_default=include_default)
    return seed_rules_only(pack) if seed_only else pack


def assess(
    scenario: ScenarioInput,
    rules: RulesArg = None,
    include_default_rules: bool = True,
    as_of: DateArg = None,
    records: RecordsArg | EvidenceBook | None = None,
) -> Assessment:
    """Assess one service: a scenario file path ("-" reads stdin), a decoded scenario document, or a Scenario.

    Risk acceptances are evaluated on `as_of` (a date or YYYY-MM-DD; default: today, and the report says
    so). With `records` (a records manifest, a RecordSet, or an EvidenceBook from `read_records`), the
    service's evidence over the period before `as_of` is attached and the drift rules weigh it. Raises
    ScenarioError (exit 3) for invalid input, RulesError (exit 4) for a broken pack and UsageError (exit 2)
    for a manifest that cannot be used.
    """
    assessor = assessor_for(rule_pack(rules, include_default_rules))
    parsed = load_scenario(scenario, assessor.spec)
    if records is not None:
        parsed = evidence_book(records, as_of).attach(parsed)
    return assessor.assess_scenario(parsed, as_of)


def evidence_book(records: RecordsArg | EvidenceBook, as_of: DateArg = None) -> EvidenceBook:
    """An EvidenceBook as it is, or the records read over the period before `as_of`."""
    found = importlib.import_module(".records", __package__)  # imported on first use, as _LAZY below
    return records if isinstance(records, found.EvidenceBook) else found.read_records(records, as_of)


def schema(rules: RulesArg = None) -> dict[str, Any]:
    """The scenario contract as JSON Schema (process and risk ids from the pack in effect). A choice field says
    what `assess` accepts: its ids, or a label or synonym in any case (vocabulary.forgiving_schema)."""
    from .vocabulary import forgiving_schema

    pack = rule_pack(rules)
    document = forgiving_schema(json_schema(scenario_spec(pack.process_ids, pack.risk_ids, pack.role_ids)))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "opsadvisor scenario (contract v1)",
        **document,
    }


# Everything beyond `assess`, imported on first use so that `opsadvisor assess` does not pay for it
# at start-up (benchmarks/startup.py): the dialogue (interview, workshop pack, recorded decisions and
# risk acceptance), rule authoring (the twins of `rules list/show/docs/check/test` and `explain`), the
# portfolio (the twins of `batch` and `diff`) and the guides (`docs`).
_LAZY = {
    "interview": "dialogue.interview",
    "workshop": "dialogue.workshop",
    "decide": "dialogue.record",
    "accept": "dialogue.record",
    "mitigate": "dialogue.record",
    "list_rules": "authoring.catalogue",
    "show_rule": "authoring.catalogue",
    "rules_docs": "authoring.catalogue",
    "write_rules_docs": "authoring.catalogue",
    "check_rules": "authoring.check",
    "run_rule_tests": "authoring.ruletest",
    "convert_table": "authoring.tableconvert",
    "explain": "authoring.explain",
    "run_batch": "batch",
    "batch_exit_code": "batch",
    "write_template": "batch",
    "example_portfolio": "batch.example",
    "diff_portfolio": "batch.diff",
    "guide": "guides",
    "render_diff": "batch.diff",
    "read_records": "records",
    "read_records_periods": "records",
    "write_records_example": "records.example",
    "diff_periods": "records.periods",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __package__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
