"""Evidence: what a service's records show about its practice, as the scenario's `evidence` record.

The records (ticket exports, the contract register, access reviews: opsadvisor.records) are read and
aggregated per service into an `Evidence`: numbers only (counts by party, days), never free text, so
that nothing a record says verbatim reaches the rules engine. A scenario may also carry the record
itself (`evidence` in the scenario file, as `opsadvisor records evidence` writes it and rule tests
give it). contract.FIELDS declares the field; the facts rules test (shares in percent, counts, days)
are read from it here, one FactSpec each (`evidence.incident.business`, `evidence.contract.days_to_end`).

This module knows nothing of the contract's spec nodes (contract.py imports it, not the reverse).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, NamedTuple

# The support processes whose work ticket exports show (ITSM record types), in the seed's order.
TICKET_PROCESSES = ("request", "incident", "problem", "change")
# Who may handle a ticket: the parties of the matrix and a vendor (contract.PERFORMERS, in heat-map order).
HANDLERS = ("it_ops", "it_delivery", "business", "vendor")
IT_HANDLERS = ("it_ops", "it_delivery")
UNMAPPED = "unmapped"  # a ticket whose group the parties map does not name
HOLDERS = ("it", "business")  # who holds a contract in the register
MAX_DAYS = 100_000  # days to or since a date (about 270 years either way)
HANDLER_WORDS = {"it_ops": "IT OPS", "it_delivery": "IT Delivery", "business": "Business", "vendor": "Vendor"}


class Handled(NamedTuple):
    """One process's tickets in the period, by the party whose group handled them."""

    it_ops: int = 0
    it_delivery: int = 0
    business: int = 0
    vendor: int = 0
    unmapped: int = 0

    @property
    def total(self) -> int:
        return sum(self)

    def share(self, handler: str) -> int | None:
        """The handler's share of the tickets in whole percent, rounded down (None without tickets): a
        threshold `gt: 20` holds from 21%, so a share is never rounded into a finding."""
        total = self.total
        return None if not total else getattr(self, handler) * 100 // total


@dataclass(frozen=True)
class ContractEvidence:
    """The service's contract in the register on the as-of day (the entry ending last, when several)."""

    registered: bool
    holder: str | None = None  # it or business
    days_to_end: int | None = None  # negative: past its end date
    days_to_notice: int | None = None  # days to the last day notice can be given; 0 or less: inside the notice period
    renewal_owner: bool | None = None  # the register names someone who owns the renewal


@dataclass(frozen=True)
class Evidence:
    """A service's evidence over one period: `None` in a field means that kind of record was not read."""

    start: str  # the period's first day, YYYY-MM-DD
    end: str  # its last day
    tickets: tuple[tuple[str, Handled], ...] | None = None  # per TICKET_PROCESSES process, in that order
    changes_without_it_approval: int | None = None  # changes not approved by IT OPS or IT Delivery
    contract: ContractEvidence | None = None
    access_reviews: int | None = None  # reviews recorded up to the as-of day
    access_review_age: int | None = None  # days since the last one
    overdue_acceptances: int | None = None  # risk acceptances past their review date
    overdue_mitigations: int | None = None  # risk mitigations past their due date

    @property
    def days(self) -> int:
        first, last = datetime.date.fromisoformat(self.start), datetime.date.fromisoformat(self.end)
        return (last - first).days + 1

    def handled(self, process: str) -> Handled | None:
        if self.tickets is None:
            return None
        return dict(self.tickets).get(process, Handled())

    @property
    def ticket_count(self) -> int:
        return sum(counts.total for _, counts in self.tickets or ())

    # --- the scenario's `evidence` record ---------------------------------------------------------

    @classmethod
    def from_document(cls, value: dict[str, Any]) -> Evidence:
        """The Evidence of a valid `evidence` record (contract.FIELDS `build`)."""
        period = value["period"]
        tickets = value.get("tickets")
        contract = value.get("contract")
        reviews = value.get("access_reviews")
        return cls(
            period["start"],
            period["end"],
            None
            if tickets is None
            else tuple((process, Handled(**tickets.get(process, {}))) for process in TICKET_PROCESSES),
            value.get("changes_without_it_approval"),
            None if contract is None else ContractEvidence(**contract),
            None if reviews is None else reviews.get("count"),
            None if reviews is None else reviews.get("days_since_last"),
            value.get("overdue_acceptances"),
            value.get("overdue_mitigations"),
        )

    def to_document(self) -> dict[str, Any]:
        """The `evidence` record of a scenario file: what from_document reads back to this Evidence."""
        document: dict[str, Any] = {"period": {"start": self.start, "end": self.end}}
        if self.tickets is not None:
            document["tickets"] = {
                process: {key: number for key, number in counts._asdict().items() if number}
                for process, counts in self.tickets
                if counts.total
            }
        if self.changes_without_it_approval is not None:
            document["changes_without_it_approval"] = self.changes_without_it_approval
        if self.contract is not None:
            document["contract"] = {key: item for key, item in self.contract.__dict__.items() if item is not None}
        if self.access_reviews is not None:
            document["access_reviews"] = {"count": self.access_reviews}
            if self.access_review_age is not None:
                document["access_reviews"]["days_since_last"] = self.access_review_age
        if self.overdue_acceptances is not None:
            document["overdue_acceptances"] = self.overdue_acceptances
        if self.overdue_mitigations is not None:
            document["overdue_mitigations"] = self.overdue_mitigations
        return document


# --- the facts rules test ---------------------------------------------------------------------------


class EvidenceFact(NamedTuple):
    """One fact the evidence yields: its catalogue entry (contract.FactSpec's fields), how a report
    names it beside its value (`words`, `unit`), and `read`: the Evidence to the fact, or None when the
    records do not say (the fact is then missing: only `exists: false` holds on it)."""

    name: str
    kind: str  # number, flag or choice
    description: str
    values: tuple[str, ...]
    read: Any
    words: str
    unit: str = ""
    minimum: int = 0  # a number's least value


def _tickets(process: str) -> Any:
    def read(evidence: Evidence) -> int | None:
        counts = evidence.handled(process)
        return None if counts is None else counts.total

    return read


def _share(process: str, handler: str) -> Any:
    def read(evidence: Evidence) -> int | None:
        counts = evidence.handled(process)
        return None if counts is None else counts.share(handler)

    return read


def _contract(key: str) -> Any:
    def read(evidence: Evidence) -> Any:
        return None if evidence.contract is None else getattr(evidence.contract, key)

    return read


def _ticket_facts(process: str) -> list[EvidenceFact]:
    word = process  # the ticket processes are named by their ids in reports: "incident tickets"
    return [
        EvidenceFact(
            f"evidence.{process}.tickets",
            "number",
            f"{word} tickets in the period",
            (),
            _tickets(process),
            f"{word} tickets",
        ),
        *(
            EvidenceFact(
                f"evidence.{process}.{handler}",
                "number",
                f"share of the {word} tickets {HANDLER_WORDS[handler]} handled, whole percent rounded down",
                (),
                _share(process, handler),
                f"{word} tickets handled by {HANDLER_WORDS[handler]}",
                "%",
            )
            for handler in HANDLERS
        ),
    ]


# Every evidence fact, in catalogue order: the period, per ticket process its count and each handler's
# share, then the approvals, the contract, the access reviews, the acceptances and the mitigations.
FACTS: tuple[EvidenceFact, ...] = (
    EvidenceFact(
        "evidence.days",
        "number",
        "how many days the records cover (the period)",
        (),
        lambda e: e.days,
        "days of records",
        " days",
    ),
    *(fact for process in TICKET_PROCESSES for fact in _ticket_facts(process)),
    EvidenceFact(
        "evidence.change.without_it_approval",
        "number",
        "changes in the period that IT OPS or IT Delivery did not approve",
        (),
        lambda e: e.changes_without_it_approval,
        "changes without IT approval",
    ),
    EvidenceFact(
        "evidence.contract.registered",
        "flag",
        "the contract register has an entry for the service",
        (),
        _contract("registered"),
        "in the contract register",
    ),
    EvidenceFact(
        "evidence.contract.holder",
        "choice",
        "who holds the contract in the register",
        HOLDERS,
        _contract("holder"),
        "contract holder in the register",
    ),
    EvidenceFact(
        "evidence.contract.days_to_end",
        "number",
        "days until the contract's end date (negative: past it)",
        (),
        _contract("days_to_end"),
        "days to the contract's end",
        " days",
        -MAX_DAYS,
    ),
    EvidenceFact(
        "evidence.contract.days_to_notice",
        "number",
        "days until the last day notice can be given (0 or less: inside the notice period)",
        (),
        _contract("days_to_notice"),
        "days to the notice deadline",
        " days",
        -MAX_DAYS,
    ),
    EvidenceFact(
        "evidence.contract.renewal_owner",
        "flag",
        "the register names who owns the contract's renewal",
        (),
        _contract("renewal_owner"),
        "renewal owner named in the register",
    ),
    EvidenceFact(
        "evidence.access_reviews",
        "number",
        "access reviews recorded for the service",
        (),
        lambda e: e.access_reviews,
        "access reviews recorded",
    ),
    EvidenceFact(
        "evidence.access_review_age",
        "number",
        "days since the service's last access review",
        (),
        lambda e: e.access_review_age,
        "days since the last access review",
        " days",
    ),
    EvidenceFact(
        "evidence.overdue_acceptances",
        "number",
        "risk acceptances past their review date",
        (),
        lambda e: e.overdue_acceptances,
        "risk acceptances past their review date",
    ),
    EvidenceFact(
        "evidence.overdue_mitigations",
        "number",
        "risk mitigations past their due date",
        (),
        lambda e: e.overdue_mitigations,
        "risk mitigations past their due date",
    ),
)
EVIDENCE_FACTS = {fact.name: fact for fact in FACTS}
