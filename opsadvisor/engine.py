"""Engine stage: a rule pack's rules run on the rules backend, one service at a time.

The backend is a seam (backend.py: compile / run / matches); durable_rules (durable_backend.py) is
the one there is, and no other module knows it. What is compiled from a pack is costly (a native
ruleset) and is kept by the pack itself (`built`), so it lives exactly as long as the pack.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar, cast

from .backend import EngineResult, Firing, RuleBackend, SecondStage
from .durable_backend import DurableRules
from .facts import Facts
from .rulepack.ir import RulePack

__all__ = ["BACKEND", "Engine", "EngineResult", "Firing", "built"]

BACKEND: RuleBackend = DurableRules()
MEMO_SIZE = 2048  # runs an Engine keeps by key (facts.run_key): portfolios repeat service profiles
T = TypeVar("T")


class Engine:
    """A rule pack's rules compiled on the backend, ready to assess services.

    A run given a `key` is kept under it (the `memo_size` keys used last), and a run with a known key
    returns the kept result: the rules fired once for that key, and the same inputs fire the same rules.
    """

    def __init__(self, pack: RulePack, backend: RuleBackend = BACKEND, memo_size: int = MEMO_SIZE) -> None:
        self.pack = pack
        self._rules = backend.compile(pack.rules)
        self._memo: dict[Hashable, EngineResult] = {}
        self._memo_size = memo_size
        self.hits = 0
        self.misses = 0

    def run(self, facts: Facts, then: SecondStage | None = None, key: Hashable = None) -> EngineResult:
        """Assert one service's facts, let the rules chain, and collect what fired (see EngineResult);
        `then` gives the second stage's facts (see CompiledRules.run). `key` must cover every input of
        both stages (facts.run_key does); None runs the rules whatever was run before."""
        if key is None or self._memo_size <= 0:
            return self._rules.run(facts, then)
        result = self._memo.pop(key, None)
        if result is not None:
            self.hits += 1
            self._memo[key] = result  # now the most recent
            return result
        self.misses += 1
        result = self._rules.run(facts, then)
        if len(self._memo) >= self._memo_size:
            del self._memo[next(iter(self._memo))]  # the one used least recently
        self._memo[key] = result
        return result


def built(pack: RulePack, key: str, factory: Callable[[RulePack], T]) -> T:
    """What `factory` builds from `pack`, built on first use and kept by the pack under `key`.

    The one cache of compiled things: it is the pack's own (RulePack.compiled), so what is built goes
    with the pack, and a caller who loads a new pack per call leaks nothing. Keys: "assessor" (api),
    "outcomes" (batch.runner), "explain" (authoring.explain), "workshop" (dialogue.workshop), "rule rows"
    (authoring.ruletest), "reference matrices" (kinds.accountability), "conclusions" (assessment).
    """
    compiled = pack.compiled
    if key not in compiled:
        compiled[key] = factory(pack)
    return cast(T, compiled[key])
