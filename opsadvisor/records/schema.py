"""The kinds of records opsadvisor reads, and the fields of each: what a column (or a map) may fill.

A ticket export, a contract register and an access review log are tables with a row per record.
Their columns are read by field name, forgivingly (`Assignment group`, `assignment_group`), or
through a column map in the format of `batch --map` (opsadvisor/tabular.py): rename, `values`, `split`,
`ignore`, `constants`. Columns that name no field are not read (exports have many), and said so.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .. import vocabulary
from ..errors import did_you_mean
from ..evidence import HOLDERS, TICKET_PROCESSES
from ..tabular import Columns
from ..validation import describe

TEXT, DATE, CHOICE, COUNT = "text", "date", "choice", "count"
MAX_TEXT = 500  # characters of a text cell (a group or service name); longer is a bad row
MAX_COUNT = 100_000  # days of notice
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ]\d{1,2}:\d{2}.*)?$")


@lru_cache(maxsize=4096)  # a million tickets are opened on a few hundred days
def _day(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class RecordField:
    name: str
    kind: str  # text, date, choice, count
    meaning: str
    required: bool = False
    values: tuple[str, ...] = ()  # a choice's vocabulary

    def read(self, text: str) -> tuple[Any, str]:
        """The cell's value, or (None, what was expected) when it does not fit."""
        if self.kind == TEXT:
            return (text, "") if len(text) <= MAX_TEXT else (None, f"text of at most {MAX_TEXT} characters")
        if self.kind == DATE:
            found = _DATE.match(text)
            day = _day(found.group(1)) if found else None
            return (day, "") if day else (None, "a date YYYY-MM-DD (a time after it is ignored)")
        if self.kind == CHOICE:
            value = vocabulary.choice(text, self.values)
            return (value, "") if value else (None, f"one of {', '.join(self.values)}")
        if text.isdigit() and int(text) <= MAX_COUNT:
            return int(text), ""
        return None, f"a whole number from 0 to {MAX_COUNT:,}"

    def problem(self, text: str, expected: str) -> str:
        hint = did_you_mean(text, self.values) if self.kind == CHOICE else ""
        return f"{self.name}: expected {expected}; found {describe(text)}{hint}"


@dataclass(frozen=True)
class RecordKind:
    """One kind of record: its name in the manifest, how one record is called, its fields."""

    name: str  # the manifest's key: tickets, contracts, access_reviews
    noun: str  # "ticket"
    fields: tuple[RecordField, ...]

    @property
    def field(self) -> dict[str, RecordField]:
        return {item.name: item for item in self.fields}

    def columns(self) -> Columns:
        """The kind's fields as tabular.plan reads a header: forgiving names, not strict."""
        names = {vocabulary.key(item.name): item.name for item in self.fields}
        resolve: Callable[[str], str | None] = lambda header: names.get(vocabulary.key(header))  # noqa: E731
        return Columns(
            f"{self.noun} field",
            tuple(item.name for item in self.fields),
            tuple(item.name for item in self.fields if item.required),
            resolve,
            f"name it after a {self.noun} field, or map it (the manifest's map: for this file)",
            strict=False,
        )


TICKETS = RecordKind(
    "tickets",
    "ticket",
    (
        RecordField("id", TEXT, "the ticket's number, for messages"),
        RecordField("service", TEXT, "the service: its id or its name, as the scenario has them", required=True),
        RecordField(
            "type",
            CHOICE,
            "the support process the ticket is work of (a map's values: null leaves other types out)",
            required=True,
            values=TICKET_PROCESSES,
        ),
        RecordField("opened", DATE, "when the ticket was opened: the period counts it by this day", required=True),
        RecordField("group", TEXT, "the assignment group that handled it (the parties map names its party)"),
        RecordField("approved_by", TEXT, "a change's approving group (the parties map names its party)"),
    ),
)
CONTRACTS = RecordKind(
    "contracts",
    "contract",
    (
        RecordField("service", TEXT, "the service: its id or its name", required=True),
        RecordField("vendor", TEXT, "the vendor (for the roll-up by vendor)"),
        RecordField("holder", CHOICE, "who holds the contract: it or business", values=HOLDERS),
        RecordField("end", DATE, "the contract's end date", required=True),
        RecordField("notice_days", COUNT, "the notice period in days (default 0)"),
        RecordField("renewal_owner", TEXT, "who owns the renewal (empty: nobody)"),
    ),
)
ACCESS_REVIEWS = RecordKind(
    "access_reviews",
    "access review",
    (
        RecordField("service", TEXT, "the service: its id or its name", required=True),
        RecordField("date", DATE, "when the review was completed", required=True),
        RecordField("reviewer", TEXT, "who reviewed (not read by the rules)"),
    ),
)
KINDS = {kind.name: kind for kind in (TICKETS, CONTRACTS, ACCESS_REVIEWS)}
