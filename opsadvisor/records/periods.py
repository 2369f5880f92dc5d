"""What got better: the drifts of a portfolio in two periods, compared (`opsadvisor records diff`).

The records are read once for both periods (the `window_days` before each as-of day, book.read_books),
every service is assessed with each period's evidence, and each drift is **better** (in the earlier
period, gone in the later), **worse** (new in the later) or **unchanged** (in both). A service is
matched across the periods by where it was read (its location), so two services of one id are two.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tabulate import tabulate

from .. import api
from ..assessment import DateArg
from ..batch import with_evidence
from ..batch.inputs import iter_entries
from ..batch.runner import INVALID, assess_entries
from ..text import escape_markdown, json_text, markdown_table, printable
from . import RecordsArg, day, read_records_periods, record_set

CHANGES = ("better", "worse", "unchanged")
HEADERS = ("service", "location", "change", "drift")


@dataclass(frozen=True)
class DriftChange:
    service_id: str
    location: str
    change: str  # better, worse or unchanged
    drift: str


@dataclass
class PeriodDiff:
    """The drifts of each service in the earlier and the later period, compared."""

    before: tuple[str, str]  # the earlier period's first and last day
    after: tuple[str, str]
    services: int = 0
    changes: list[DriftChange] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)  # the entries that could not be assessed
    records: Any = None  # the later period's EvidenceBook: the records' invalid rows and notes

    def count(self, change: str) -> int:
        return sum(item.change == change for item in self.changes)

    @property
    def worse(self) -> bool:
        return any(item.change == "worse" for item in self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": {"start": self.before[0], "end": self.before[1]},
            "after": {"start": self.after[0], "end": self.after[1]},
            "services": self.services,
            "counts": {change: self.count(change) for change in CHANGES},
            "changes": [item.__dict__ for item in self.changes],
            "invalid": self.invalid,
        }


def diff_periods(
    inputs: Iterable[str | Path],
    records: RecordsArg,
    before: DateArg = None,
    as_of: DateArg = None,
    rules: api.RulesArg = None,
    window_days: int | None = None,
    jobs: int = 1,
) -> PeriodDiff:
    """Each service's drifts in the period before `before` (default: one window before `as_of`) and in the
    period before `as_of` (default: today), compared. Raises UsageError (exit 2) for a manifest that
    cannot be used, ValueError when `before` is not earlier than `as_of`."""
    chosen = record_set(records)
    window = window_days or chosen.window_days
    later = day(as_of)
    earlier = day(before) if before is not None else later - datetime.timedelta(days=window)
    if earlier >= later:
        raise ValueError(f"the earlier as-of day {earlier} must be before {later}")
    pack = api.rule_pack(rules)
    books = read_records_periods(chosen, [earlier, later], window)
    drifts: list[dict[str, tuple[str, set[str]]]] = []
    invalid: list[str] = []
    for book, when in zip(books, (earlier, later), strict=True):
        entries = with_evidence(iter_entries([Path(item) for item in inputs]), book, api.assessor_for(pack))
        found: dict[str, tuple[str, set[str]]] = {}
        for outcome in assess_entries(entries, pack, jobs, with_json=False, as_of=when):
            if outcome.status == INVALID:
                if when == later:
                    invalid.append(outcome.error or outcome.location)
                continue
            found[outcome.location] = (
                outcome.service_id or "",
                {item[0] for item in outcome.outlines.get("drift") or ()},
            )
        drifts.append(found)
    report = PeriodDiff(_period(books[0]), _period(books[1]), len(drifts[1]), invalid=invalid, records=books[1])
    for location, (service_id, now) in drifts[1].items():
        then = drifts[0].get(location, (service_id, set()))[1]
        for change, ids in (("better", then - now), ("worse", now - then), ("unchanged", now & then)):
            report.changes += [DriftChange(service_id, location, change, drift) for drift in sorted(ids)]
    return report


def _period(book: Any) -> tuple[str, str]:
    return (book.period.start.isoformat(), book.period.end.isoformat())


def _headline(report: PeriodDiff) -> str:
    (b0, b1), (a0, a1) = report.before, report.after
    counts = ", ".join(f"{report.count(change)} {change}" for change in CHANGES)
    return f"Drift from {b0}..{b1} to {a0}..{a1}, {report.services} services: {counts}."


def _rows(report: PeriodDiff) -> list[tuple[str, ...]]:
    order = {change: index for index, change in enumerate(CHANGES)}
    changes = sorted(report.changes, key=lambda item: (order[item.change], item.location, item.drift))
    return [tuple(printable(cell) for cell in (c.service_id, c.location, c.change, c.drift)) for c in changes]


def render_table(report: PeriodDiff) -> str:
    out = [_headline(report), "", tabulate([(c, report.count(c)) for c in CHANGES], headers=("change", "drifts"))]
    rows = _rows(report)
    if rows:
        out += ["", tabulate(rows, headers=HEADERS, maxcolwidths=[None, 50, None, None], disable_numparse=True)]
    return "\n".join(out) + "\n"


def render_json(report: PeriodDiff) -> str:
    return json_text(report.to_dict())


def render_markdown(report: PeriodDiff) -> str:
    out = ["# Drift between two periods", "", escape_markdown(_headline(report)), ""]
    rows = _rows(report)
    out.append(markdown_table(HEADERS, rows) if rows else "_No drift in either period._")
    return "\n".join(out) + "\n"
