"""Aggregation: the records, streamed once, into each service's evidence over a period.

Every record is counted into its service's tally as it is read and then dropped, so memory grows
with the number of services (and of distinct group names), never with the number of records. A
record names its service by id or by name, as the scenario does (`Service ID` in one export, the CI's
display name in another); the two are matched ignoring case, spaces, '-' and '_'.

- A ticket counts in the period when it was opened in it (the `window_days` days before the as-of day),
  for the party of its group (the parties map; a group the map does not name is `unmapped`, and
  noted). A change counts as without IT approval when its approving group is not IT OPS or IT
  Delivery, or it has none; only where the export gives the approver at all.
- A service's contract is the register's entry for it that ends last; days are counted to the as-of day.
- An access review counts when it was completed before the as-of day.
- Risk acceptances past their review date are counted from the scenario itself (`attach`).

Several periods are read in the same pass (`read_books`), for the diff between two of them.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from .. import vocabulary
from ..contract import AcceptedRisk
from ..evidence import HANDLERS, IT_HANDLERS, TICKET_PROCESSES, UNMAPPED, ContractEvidence, Evidence, Handled
from ..scenario import Scenario
from ..text import count, printable
from .manifest import RecordSet
from .reading import FileTally, Problems, Reader, Record
from .schema import ACCESS_REVIEWS, CONTRACTS, TICKETS

_SLOT = {party: index for index, party in enumerate((*HANDLERS, UNMAPPED))}
MAX_NAMES = 10_000  # distinct unmatched names remembered for the notes; the rest are counted


@dataclass(frozen=True)
class Period:
    """The `days` days before `as_of` (as_of itself not included)."""

    as_of: datetime.date
    days: int

    @cached_property  # asked for every ticket
    def start(self) -> datetime.date:
        return self.as_of - datetime.timedelta(days=self.days)

    @cached_property
    def end(self) -> datetime.date:
        return self.as_of - datetime.timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()} ({count(self.days, 'day')})"


@dataclass
class _Contract:
    end: datetime.date
    holder: str | None
    notice_days: int
    renewal_owner: bool
    vendor: str | None


@dataclass
class _Tally:
    """One service's records over one period, as counted so far."""

    name: str = ""  # how the first record named the service (for notes)
    handled: dict[str, list[int]] = field(default_factory=dict)  # process -> counts by _SLOT
    changes_known: int = 0  # changes whose export gives the approver
    changes_without_it: int = 0
    contract: _Contract | None = None
    reviews: int = 0
    last_review: datetime.date | None = None


@dataclass
class EvidenceBook:
    """Each service's evidence over one period, from one reading of a record set."""

    period: Period
    record_set: RecordSet
    tallies: dict[str, _Tally] = field(default_factory=dict)  # vocabulary.key(service id or name) -> its tally
    problems: Problems = field(default_factory=Problems)
    notes: list[str] = field(default_factory=list)
    files: list[FileTally] = field(default_factory=list)
    outside: int = 0  # tickets opened outside the period
    unmapped_groups: Counter[str] = field(default_factory=Counter)
    used: set[str] = field(default_factory=set)  # the keys a scenario's evidence was taken from

    @property
    def kinds_read(self) -> tuple[str, ...]:
        """The kinds of records the set names (and so the evidence says something about)."""
        return tuple(kind.name for kind, _ in self.record_set.sources())

    # --- a service's evidence --------------------------------------------------------------------

    def tally_of(self, scenario: Scenario) -> _Tally:
        """What the records hold under the service's id and under its name, together (marked used)."""
        return self._tally_of(scenario.service_id, scenario.service_name)

    def _tally_of(self, service_id: str, name: str) -> _Tally:
        keys = dict.fromkeys(vocabulary.key(text) for text in (service_id, name))
        self.used.update(keys)
        found = [self.tallies[key] for key in keys if key in self.tallies]
        return found[0] if len(found) == 1 else _merged(found)

    def evidence(self, scenario: Scenario) -> Evidence:
        """What the records show of the service over the period (zero counts when they name it nowhere)."""
        tally = self.tally_of(scenario)
        read = self.kinds_read
        as_of = self.period.as_of
        contract: ContractEvidence | None = None
        if "contracts" in read:
            found = tally.contract
            contract = (
                ContractEvidence(False)
                if found is None
                else ContractEvidence(
                    True,
                    found.holder,
                    (found.end - as_of).days,
                    (found.end - datetime.timedelta(days=found.notice_days) - as_of).days,
                    found.renewal_owner,
                )
            )
        reviewed = "access_reviews" in read
        return Evidence(
            self.period.start.isoformat(),
            self.period.end.isoformat(),
            tickets=tuple((p, Handled(*tally.handled.get(p, (0,) * len(_SLOT)))) for p in TICKET_PROCESSES)
            if "tickets" in read
            else None,
            changes_without_it_approval=tally.changes_without_it if tally.changes_known else None,
            contract=contract,
            access_reviews=tally.reviews if reviewed else None,
            access_review_age=(as_of - tally.last_review).days if reviewed and tally.last_review else None,
            overdue_acceptances=overdue_acceptances(scenario, as_of),
            overdue_mitigations=overdue_mitigations(scenario, as_of),
        )

    def attach(self, scenario: Scenario) -> Scenario:
        """The scenario with its evidence from these records (replacing any the scenario file held)."""
        return dataclasses.replace(scenario, evidence=self.evidence(scenario))

    def vendor_of(self, service_id: str, name: str) -> str | None:
        """The vendor of the service's contract in the register, if any (the roll-up by vendor)."""
        contract = self._tally_of(service_id, name).contract
        return contract.vendor if contract else None

    def unmatched(self) -> list[str]:
        """Notes on records whose service no scenario asked for (after a portfolio is assessed)."""
        names = sorted(tally.name for key, tally in self.tallies.items() if key not in self.used)
        if not names:
            return []
        shown = ", ".join(f'"{printable(name)}"' for name in names[:8])
        more = f" and {len(names) - 8} more" if len(names) > 8 else ""
        return [f"records name {count(len(names), 'service')} no scenario has (by id or name): {shown}{more}"]


def _merged(tallies: list[_Tally]) -> _Tally:
    """One tally of the records that name a service by its id and of those that name it by its name."""
    merged = _Tally()
    for tally in tallies:
        for process, counts in tally.handled.items():
            mine = merged.handled.setdefault(process, [0] * len(_SLOT))
            mine[:] = [a + b for a, b in zip(mine, counts, strict=True)]
        merged.changes_known += tally.changes_known
        merged.changes_without_it += tally.changes_without_it
        if tally.contract and (merged.contract is None or tally.contract.end > merged.contract.end):
            merged.contract = tally.contract
        merged.reviews += tally.reviews
        if tally.last_review and (merged.last_review is None or tally.last_review > merged.last_review):
            merged.last_review = tally.last_review
    return merged


def overdue_acceptances(scenario: Scenario, as_of: datetime.date) -> int:
    """The scenario's risk acceptances in force last that are past their review date on the as-of day.

    As the risk kind reads them: per risk and acceptor (the role, or a free-text acceptor), only the
    latest acceptance given by the as-of day counts, so one renewed in time is not overdue; one given
    after the as-of day is not yet in force. An acceptance without a review date is not counted here
    (its date comes from the pack's policy for the risk's severity, which only the rules settle)."""
    day = as_of.isoformat()
    latest: dict[tuple[str, str | None], tuple[str, AcceptedRisk]] = {}
    for item in scenario.accepted_risks:
        if item.date is None or item.date > day:
            continue
        key = (item.risk, item.role or item.accepted_by)
        if key not in latest or item.date > latest[key][0]:
            latest[key] = (item.date, item)
    return sum(1 for _, item in latest.values() if item.review_by is not None and day > item.review_by)


def overdue_mitigations(scenario: Scenario, as_of: datetime.date) -> int:
    """The scenario's risk mitigations whose due date is before the as-of day (the risk kind's OVERDUE)."""
    day = as_of.isoformat()
    return sum(1 for item in scenario.mitigations if day > item.due)


# --- reading ----------------------------------------------------------------------------------------


def read_books(record_set: RecordSet, periods: Iterable[Period]) -> list[EvidenceBook]:
    """One book per period, from one pass over every records file of the set."""
    books = [EvidenceBook(period, record_set) for period in periods]
    first = books[0]
    for book in books[1:]:  # what reading finds is the same for every period
        book.problems, book.notes, book.unmapped_groups, book.files = (
            first.problems,
            first.notes,
            first.unmapped_groups,
            first.files,
        )
    problems, notes = first.problems, first.notes
    for kind, source in record_set.sources():
        reader = Reader(source.path, kind, source.table_map, problems, notes)
        add = _ADDERS[kind.name]
        for record in reader.records():
            add(books, record)
        first.files.append(reader.tally)
    unmapped = first.unmapped_groups
    if unmapped:
        groups = ", ".join(f'"{printable(name)}" ({count(n, "ticket")})' for name, n in unmapped.most_common(8))
        more = f" and {len(unmapped) - 8} more" if len(unmapped) > 8 else ""
        notes.append(f"groups the parties map does not name, counted as unmapped: {groups}{more}")
    return books


def _tally(book: EvidenceBook, service: str) -> _Tally:
    key = vocabulary.key(service)
    found = book.tallies.get(key)
    if found is None:
        found = book.tallies[key] = _Tally(service)
    return found


def _party(book: EvidenceBook, name: str | None) -> str | None:
    """The party of a group: its entry in the parties map, UNMAPPED when the map does not name it, None
    when the map says it is nobody's work."""
    if not name:
        return UNMAPPED
    named, party = book.record_set.parties.of(name)
    if not named:
        if len(book.unmapped_groups) < MAX_NAMES or name in book.unmapped_groups:
            book.unmapped_groups[name] += 1
        return UNMAPPED
    return party


def _add_ticket(books: list[EvidenceBook], record: Record) -> None:
    opened: datetime.date = record["opened"]
    process: str = record["type"]
    within = [book for book in books if book.period.start <= opened <= book.period.end]
    if not within:
        books[0].outside += 1
        return
    party = _party(books[0], record.get("group"))
    if party is None:
        return  # the parties map says the group's tickets are nobody's work
    for book in within:
        tally = _tally(book, record["service"])
        counts = tally.handled.get(process)
        if counts is None:
            counts = tally.handled[process] = [0] * len(_SLOT)
        counts[_SLOT[party]] += 1
        if process == "change" and "approved_by" in record:
            tally.changes_known += 1
            approver = record["approved_by"]
            tally.changes_without_it += not approver or book.record_set.parties.of(approver)[1] not in IT_HANDLERS


def _add_contract(books: list[EvidenceBook], record: Record) -> None:
    owner = record.get("renewal_owner")
    found = _Contract(
        record["end"], record.get("holder"), record.get("notice_days") or 0, bool(owner), record.get("vendor")
    )
    for book in books:
        tally = _tally(book, record["service"])
        if tally.contract is None or found.end > tally.contract.end:
            tally.contract = found


def _add_review(books: list[EvidenceBook], record: Record) -> None:
    done: datetime.date = record["date"]
    for book in books:
        if done >= book.period.as_of:
            continue
        tally = _tally(book, record["service"])
        tally.reviews += 1
        if tally.last_review is None or done > tally.last_review:
            tally.last_review = done


_ADDERS = {TICKETS.name: _add_ticket, CONTRACTS.name: _add_contract, ACCESS_REVIEWS.name: _add_review}
