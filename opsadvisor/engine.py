"""Engine stage: a rule pack's rules run on the rules backend, one service at a time.

The backend is a seam (backend.py: compile / run or session / matches); durable_rules (durable_backend.py) is
the one there is, and no other module knows it. What is compiled from a pack is costly (a native
ruleset) and is kept by the pack itself (`once_per_pack`), so it lives exactly as long as the pack.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar, cast

from .backend import EngineResult, Firing, RuleBackend, Session
from .durable_backend import DurableRules
from .facts import Facts
from .rulepack.ir import RulePack

__all__ = ["BACKEND", "Engine", "EngineResult", "Firing", "once_per_pack"]

BACKEND: RuleBackend = DurableRules()
MEMO_SIZE = 2048  # runs an Engine keeps by key (facts.run_key): portfolios repeat service profiles
T = TypeVar("T")


class Engine:
    """A rule pack's rules compiled on the backend, ready to assess services.

    `run` runs one stage; `session` lets the caller run the stages (api.Assessor.run: the scenario's
    facts, then the effective model's). A result kept under a key (`keep`: the `memo_size` keys used
    last) is found again by that key (`recall`): the rules fired once for that key, and the same inputs
    fire the same rules.
    """

    def __init__(self, pack: RulePack, backend: RuleBackend = BACKEND, memo_size: int = MEMO_SIZE) -> None:
        self.pack = pack
        self._rules = backend.compile(pack.rules)
        self._memo: dict[Hashable, EngineResult] = {}
        self._memo_size = memo_size
        self.hits = 0
        self.misses = 0

    def run(self, facts: Facts) -> EngineResult:
        """Assert one service's facts, let the rules chain, and collect what fired (see EngineResult)."""
        return self._rules.run(facts)

    def session(self, facts: Facts) -> Session:
        """One service's facts in a session, to run stage by stage (see backend.Session)."""
        return self._rules.session(facts)

    def recall(self, key: Hashable) -> EngineResult | None:
        """The result kept under `key`, now the most recently used; None when there is none (or no key).
        The key must cover every input of the run (facts.run_key and the as-of date do)."""
        if key is None or self._memo_size <= 0:
            return None
        result = self._memo.pop(key, None)
        if result is None:
            self.misses += 1
            return None
        self.hits += 1
        self._memo[key] = result  # now the most recent
        return result

    def keep(self, key: Hashable, result: EngineResult) -> None:
        """Keep a run's result under `key` (nothing for no key), forgetting the one used least recently."""
        if key is None or self._memo_size <= 0:
            return
        if len(self._memo) >= self._memo_size:
            del self._memo[next(iter(self._memo))]
        self._memo[key] = result


def once_per_pack(pack: RulePack, key: str, factory: Callable[[RulePack], T]) -> T:
    """What `factory` builds from `pack`, built on first use and kept by the pack under `key`.

    The one cache of compiled things: it is the pack's own (RulePack.compiled), so what is built goes
    with the pack, and a caller who loads a new pack per call leaks nothing. Keys: "assessor" (api),
    "outcomes" (batch.runner), "explain" (authoring.explain), "workshop" (dialogue.workshop), "rule rows"
    (authoring.ruletest), "reference matrices" and "decided matrices" (kinds.accountability), "conclusions"
    and "provenance" (assessment).
    """
    compiled = pack.compiled
    if key not in compiled:
        compiled[key] = factory(pack)
    return cast(T, compiled[key])
