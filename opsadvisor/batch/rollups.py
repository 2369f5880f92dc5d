"""Beyond one report (issue 28): a portfolio's drift and risk rolled up by vendor and by who carries it.

- **By vendor** (the contract register's supplier of each service): how many services a vendor runs or
  supplies, how many of them drift from their agreement, and the risks pending and accepted on them;
  several services, or several critical ones, on one vendor is the concentration DORA Art. 29 asks to
  assess before contracting.
- **By who carries the risk**: each first-line role of the pack and the person recorded as accepting in
  it (the accountable executive, the business owner, ...): the risks they accepted, how many of them
  high, on how many services; and per role, the risks still waiting for its acceptance.

Gathered outcome by outcome in the batch's parent process (memory grows with vendors and people, not
services), from each outcome's outlines and, for the acceptances, its JSON line; only in a batch with
records, whose contract register names the vendors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .runner import OK, Outcome

NO_VENDOR = "(no contract in the register)"
PENDING = "(not accepted yet)"


@dataclass
class _Vendor:
    services: int = 0
    drifting: int = 0
    drifts: int = 0
    pending: int = 0
    accepted: int = 0


@dataclass
class _Carrier:
    services: set[str] = field(default_factory=set)  # locations
    risks: int = 0
    high: int = 0


@dataclass
class RollUps:
    """The roll-ups of one batch with records (feed it `add`, read `tables`)."""

    book: Any  # the records' EvidenceBook: which vendor supplies which service
    vendors: dict[str, _Vendor] = field(default_factory=dict)
    carriers: dict[tuple[str, str], _Carrier] = field(default_factory=dict)  # (role, person or PENDING)

    def add(self, outcome: Outcome) -> None:
        if outcome.status != OK:
            return
        vendor = self.book.vendor_of(outcome.service_id or "", outcome.service_name or "") or NO_VENDOR
        tally = self.vendors.setdefault(vendor, _Vendor())
        drifts = len(outcome.outlines.get("drift") or ())
        risks = outcome.outlines.get("risks", ())
        tally.services += 1
        tally.drifting += bool(drifts)
        tally.drifts += drifts
        tally.pending += sum(not accepted for _, accepted in risks)
        tally.accepted += sum(accepted for _, accepted in risks)
        if outcome.json is not None and risks:
            self._carried(outcome.location, json.loads(outcome.json)["risks"])

    def _carried(self, location: str, risks: list[dict[str, Any]]) -> None:
        for risk in risks:
            for acceptance in risk["acceptances"]:  # each role the risk names: who accepted in it, or nobody yet
                person = acceptance["name"] if acceptance["status"] == "accepted" else PENDING
                carrier = self.carriers.setdefault((acceptance["role"], person or PENDING), _Carrier())
                carrier.services.add(location)
                carrier.risks += 1
                carrier.high += risk["severity"] == "high"

    def tables(self) -> list[tuple[str, list[str], list[tuple[Any, ...]]]]:
        """The two roll-ups as summary tables (title, headers, rows): most services, most risks first."""
        vendors = sorted(self.vendors.items(), key=lambda item: (item[0] == NO_VENDOR, -item[1].services, item[0]))
        carriers = sorted(
            self.carriers.items(), key=lambda item: (item[0][1] == PENDING, -item[1].risks, item[0][0], item[0][1])
        )
        return [
            (
                "Drift and risk by vendor (concentration, DORA Art. 29)",
                ["vendor", "services", "with drift", "drifts", "risks pending", "risks accepted"],
                [(name, v.services, v.drifting, v.drifts, v.pending, v.accepted) for name, v in vendors],
            ),
            (
                "Risk by who carries it",
                ["role", "person", "risks", "of them high", "services"],
                [(role, person, c.risks, c.high, len(c.services)) for (role, person), c in carriers],
            ),
        ]
