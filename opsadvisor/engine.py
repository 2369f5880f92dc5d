"""Engine stage: a rule pack's rules run on the rules backend, one service at a time.

The backend is a seam (backend.py: compile / run / matches); durable_rules (durable_backend.py) is
the one there is, and no other module knows it. What is compiled from a pack is costly (a native
ruleset) and is kept by the pack itself (`built`), so it lives exactly as long as the pack.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from .backend import EngineResult, Firing, RuleBackend, SecondStage
from .durable_backend import DurableRules
from .facts import Facts
from .rulepack import RulePack

__all__ = ["BACKEND", "Engine", "EngineResult", "Firing", "built"]

BACKEND: RuleBackend = DurableRules()
T = TypeVar("T")


class Engine:
    """A rule pack's rules compiled on the backend, ready to assess services."""

    def __init__(self, pack: RulePack, backend: RuleBackend = BACKEND) -> None:
        self.pack = pack
        self._rules = backend.compile(pack.rules)

    def run(self, facts: Facts, then: SecondStage | None = None) -> EngineResult:
        """Assert one service's facts, let the rules chain, and collect what fired (see EngineResult);
        `then` gives the second stage's facts (see CompiledRules.run)."""
        return self._rules.run(facts, then)


def built(pack: RulePack, key: str, factory: Callable[[RulePack], T]) -> T:
    """What `factory` builds from `pack`, built on first use and kept by the pack under `key`.

    The one cache of compiled things: it is the pack's own (RulePack.compiled), so what is built goes
    with the pack, and a caller who loads a new pack per call leaks nothing. Keys: "assessor" (api),
    "explain" (authoring.explain), "workshop" (dialogue.workshop).
    """
    compiled = pack.compiled
    if key not in compiled:
        compiled[key] = factory(pack)
    return cast(T, compiled[key])
