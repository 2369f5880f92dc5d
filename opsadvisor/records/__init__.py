"""Records: what a service's own records show about its practice, as evidence for the rules.

Ticket exports (CSV, XLSX, JSON Lines; ServiceNow-, Jira Service Management- or any other export,
read through a column map), a parties map (assignment groups and vendors -> the parties of the
matrix), a contract register and access review logs, named by a manifest (manifest.py), are streamed
once (reading.py) and aggregated per service over a period (book.py) into the scenario's `evidence`
(opsadvisor/evidence.py), which the drift rules test (rules/80-drift.yaml). `opsadvisor records
example DIR` writes a consistent set with known drifts for the bundled scenarios (example.py).

    book = records.read_records("records.yaml", as_of="2026-11-30")
    scenario = book.attach(scenario)      # the evidence of the 90 days before the as-of day
"""

from __future__ import annotations

import datetime
from pathlib import Path

from ..assessment import DateArg
from ..clock import today
from .book import EvidenceBook, Period, read_books
from .manifest import RecordSet, load_record_set

__all__ = [
    "EvidenceBook",
    "Period",
    "RecordSet",
    "RecordsArg",
    "load_record_set",
    "read_records",
    "read_records_periods",
]

RecordsArg = str | Path | RecordSet


def record_set(records: RecordsArg) -> RecordSet:
    return records if isinstance(records, RecordSet) else load_record_set(records)


def day(value: DateArg) -> datetime.date:
    """A date from a date, YYYY-MM-DD or None (today, opsadvisor.clock)."""
    if value is None:
        return today()
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def read_records(records: RecordsArg, as_of: DateArg = None, window_days: int | None = None) -> EvidenceBook:
    """The evidence of every service the records name, over the `window_days` (default: the manifest's,
    else 90) days before `as_of` (default: today). Bad rows are in `book.problems`, the others used."""
    return read_records_periods(records, [as_of], window_days)[0]


def read_records_periods(
    records: RecordsArg, as_ofs: list[DateArg], window_days: int | None = None
) -> list[EvidenceBook]:
    """One EvidenceBook per as-of day, from a single pass over the records (a diff of two periods)."""
    found = record_set(records)
    days = window_days or found.window_days
    return read_books(found, [Period(day(as_of), days) for as_of in as_ofs])
