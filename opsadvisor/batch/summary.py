"""The portfolio summary: counts gathered entry by entry (memory does not grow with the portfolio).

A batch's workers each gather the summary of a chunk of entries and the parent merges them in input
order (`merge`): the same summary as one gathered entry by entry, without the parent reading each entry.
"""

from __future__ import annotations

import functools
import heapq
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .. import kinds
from ..kinds import Kind
from ..kinds.recommend import NO_MODEL
from ..text import printable
from .gates import Gates
from .runner import INVALID, Outcome

TOP = 10


def tallied() -> tuple[Kind, ...]:
    """The kinds that count services into a tally (the others' tallies stay as new_tally makes them)."""
    return _tallied(kinds.parts())


@functools.lru_cache(maxsize=4)  # asked for once per entry; kinds.parts() changes when a kind is registered
def _tallied(parts: tuple[Kind, ...]) -> tuple[Kind, ...]:
    return tuple(kind for kind in parts if type(kind).tally is not Kind.tally)


def mergeable(kind: Kind) -> bool:
    """Whether a kind's tallies of two chunks of entries add up (Kind.merge); else its outlines are kept
    for the merge to tally one by one."""
    return type(kind).tally is Kind.tally or type(kind).merge is not Kind.merge


@dataclass
class Summary:
    """Counts over the whole portfolio (one tally per conclusion kind), plus the services with the most findings
    and the --fail-on gates."""

    read: int = 0
    assessed: int = 0
    invalid: int = 0
    tallies: dict[str, Any] = field(default_factory=lambda: {kind.part: kind.new_tally() for kind in kinds.parts()})
    _top: list[tuple[int, int, str, str, str]] = field(default_factory=list)
    records: Any = None  # the EvidenceBook of a batch with records (records.book): its invalid rows and notes
    rollups: Any = None  # its roll-ups by vendor and by who carries the risk (batch.rollups)
    gates: Gates = field(default_factory=Gates)
    # the outlines of each kind whose tallies do not merge (mergeable), for `merge` to tally
    _outlines: dict[str, list[Any]] = field(
        default_factory=lambda: {kind.part: [] for kind in kinds.parts() if not mergeable(kind)}
    )

    def add(self, outcome: Outcome) -> None:
        self.read += 1
        if outcome.status == INVALID:
            self.invalid += 1
            return
        self.assessed += 1
        tallies, outlines = self.tallies, outcome.outlines
        for kind in tallied():
            tallies[kind.part] = kind.tally(tallies[kind.part], outlines.get(kind.part))
        for part, kept in self._outlines.items():
            kept.append(outlines.get(part))
        self.gates.add(outcome)
        # the earliest entry wins a tie: its key (-index) is the larger one
        named = (outcome.location, outcome.service_id or "", outcome.service_name or "")
        self._rank((outcome.findings, -self.read, *named))

    def _rank(self, key: tuple[int, int, str, str, str]) -> None:
        if len(self._top) < TOP:
            heapq.heappush(self._top, key)
        elif key > self._top[0]:
            heapq.heapreplace(self._top, key)

    def merge(self, later: Summary) -> None:
        """Add the summary of the entries after this one's (a chunk a worker assessed): the summary is then
        the one `add` gathers from this one's entries and later's, in that order."""
        offset = self.read
        self.read += later.read
        self.assessed += later.assessed
        self.invalid += later.invalid
        for kind in kinds.parts():
            part = kind.part
            if part in later._outlines:
                for outline in later._outlines[part]:
                    self.tallies[part] = kind.tally(self.tallies[part], outline)
            else:
                self.tallies[part] = kind.merge(self.tallies[part], later.tallies[part])
        self.gates.merge(later.gates)
        for findings, index, location, service_id, name in later._top:
            self._rank((findings, index - offset, location, service_id, name))

    # What the gates, the terminal and the HTML overview read of the built-in kinds' tallies.
    def per_model(self) -> dict[str, int]:
        """Services per model, a suggested one apart ("C (suggested)"), and "none" when no model is
        recommended; in model order."""
        counts: Counter[str] = Counter()
        for (model, _), count in self.tallies["recommendation"].items():
            counts[model] += count
        return dict(sorted(counts.items(), key=lambda item: (item[0] == NO_MODEL, item[0])))

    @property
    def conflicts(self) -> Counter[str]:
        """Conflicts by kind."""
        return self.tallies["conflicts"].by_kind

    @property
    def services_with_conflicts(self) -> int:
        return self.tallies["conflicts"].services

    @property
    def pending_risks(self) -> int:
        return sum(pending for pending, _ in self.tallies["risks"].values())

    @property
    def open_decisions(self) -> int:
        return int(self.tallies["open_decisions"][0])

    @property
    def drifts(self) -> int:
        """Drifts from the agreement the records show, over the portfolio (0 without records)."""
        return sum(self.tallies["drift"].by_id.values())

    def top_services(self) -> list[tuple[str, str, str, int]]:
        """(location, id, name, findings) of the services with the most findings, most first."""
        ranked = sorted(self._top, reverse=True)
        return [(location, sid, name, findings) for findings, _, location, sid, name in ranked if findings]

    def tables(self, process_names: dict[str, str]) -> list[tuple[str, list[str], list[tuple[object, ...]]]]:
        """The summary as (title, headers, rows) tables, shared by the terminal, Markdown and HTML."""
        by_kind = sorted(
            kinds.parts(), key=lambda kind: kind.order if kind.summary_order is None else kind.summary_order
        )
        tables = [
            (table.title, table.headers, table.rows)
            for kind in by_kind
            for table in kind.summary_tables(self.tallies[kind.part], process_names)
        ]
        return [
            ("Entries", ["read", "assessed", "invalid"], [(self.read, self.assessed, self.invalid)]),
            *tables,
            *(self.rollups.tables() if self.rollups is not None else ()),
            (
                f"Services with the most findings (top {TOP})",
                ["service", "name", "location", "findings"],
                [
                    (printable(sid), printable(name), printable(location), findings)
                    for location, sid, name, findings in self.top_services()
                ],
            ),
        ]


def render_summary(summary: Summary, process_names: dict[str, str]) -> str:
    """The terminal summary (tabulate)."""
    from tabulate import tabulate  # imported here: it is slow to import and only reports need it

    out: list[str] = ["opsadvisor batch summary", "========================"]
    for title, headers, rows in summary.tables(process_names):
        out += ["", title, "-" * len(title)]
        out.append(tabulate(rows, headers=headers, disable_numparse=True) if rows else "None.")
    out.append("")
    return "\n".join(out)
