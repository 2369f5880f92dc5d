"""`--fail-on`: which findings fail a batch, and the lines that say why (one per kind, with counts and
the first services, as a test runner names its first failures)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..text import count
from .runner import OK, Outcome

FIRST = 5  # services named per kind
KINDS = ("conflict", "risk", "decision", "drift")
NOUNS = {"conflict": "conflict", "risk": "pending risk", "decision": "open decision", "drift": "drift"}


@dataclass
class _Kind:
    services: int = 0
    findings: int = 0
    first: list[str] = field(default_factory=list)

    def add(self, service: str, findings: int) -> None:
        if not findings:
            return
        self.services += 1
        self.findings += findings
        if len(self.first) < FIRST:
            self.first.append(service)


@dataclass
class Gates:
    """The services with each kind of --fail-on finding, gathered outcome by outcome (feed it `add`)."""

    kinds: dict[str, _Kind] = field(default_factory=lambda: {kind: _Kind() for kind in KINDS})

    def add(self, outcome: Outcome) -> None:
        if outcome.status != OK:
            return
        service = outcome.service_id or outcome.location
        self.kinds["conflict"].add(service, len(outcome.conflicts))
        pending = sum(not accepted for _, accepted in outcome.outlines.get("risks", ()))
        self.kinds["risk"].add(service, pending)
        self.kinds["decision"].add(service, outcome.open_decisions)
        self.kinds["drift"].add(service, len(outcome.outlines.get("drift") or ()))

    def merge(self, later: Gates) -> None:
        """Add the gates of the entries after this one's (a chunk a worker assessed)."""
        for kind, found in later.kinds.items():
            mine = self.kinds[kind]
            mine.services += found.services
            mine.findings += found.findings
            mine.first += found.first[: FIRST - len(mine.first)]

    def failed(self, fail_on: tuple[str, ...] | list[str]) -> list[str]:
        """One line per --fail-on kind found: 'fail-on conflict: 3 services, 5 conflicts: a, b, c'."""
        lines = []
        for kind in KINDS:
            found = self.kinds[kind]
            if kind not in fail_on or not found.services:
                continue
            noun = NOUNS[kind]
            more = f", and {found.services - len(found.first)} more" if found.services > len(found.first) else ""
            lines.append(
                f"fail-on {kind}: {count(found.services, 'service')}, {count(found.findings, noun)}: "
                f"{', '.join(found.first)}{more}"
            )
        return lines
