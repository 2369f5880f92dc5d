"""`risk`: a risk that named stakeholders must accept. Per risk id, the highest-priority rule's text wins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..rulepack.ir import RULE_ID
from .base import Column, Expectation, IdsExpectation, Kind, Section, SummaryTable, mapping, text_fields


@dataclass(frozen=True)
class RiskRule:
    id: str
    message: str
    accept_by: str


@dataclass(frozen=True)
class Risk:
    id: str
    message: str
    accept_by: str
    accepted: bool
    accepted_by: str | None
    accepted_on: str | None
    rule: str


def _status(risk: Risk) -> str:
    if not risk.accepted:
        return "PENDING"
    when = f" on {risk.accepted_on}" if risk.accepted_on else ""
    return f"accepted by {risk.accepted_by}{when}"


class RiskKind(Kind):
    name = "risk"
    shape = "`{id, message, accept_by}`"
    meaning = "a risk a named stakeholder must accept; the highest priority wins per id"
    catalogue = "Risks to accept"
    catalogue_order = 50
    part = "risks"
    order = 40
    summary_order = 35
    columns = (
        Column("pending_risks", 40, lambda outline: ";".join(risk for risk, accepted in outline if not accepted)),
    )
    aspects = (("risks", 40),)

    def parse(self, data: Any) -> RiskRule | str:
        result = mapping(data, ("id", "message", "accept_by"))
        if isinstance(result, str):
            return result
        if not isinstance(result["id"], str) or not RULE_ID.match(result["id"]):
            return "id must be lower-case letters, digits, '.', '_' or '-'"
        result = text_fields(result, ("message", "accept_by"))
        return result if isinstance(result, str) else RiskRule(**result)

    def describe(self, payload: RiskRule) -> str:
        return f"risk {payload.id}"

    def detail(self, payload: RiskRule) -> str:
        return payload.message

    def detail_lines(self, payload: RiskRule) -> list[tuple[str, str]]:
        return [("message", payload.message), ("accept_by", payload.accept_by)]

    def texts(self, payload: RiskRule) -> tuple[str, ...]:
        return (payload.id, payload.message, payload.accept_by)

    def build(self, settling: Any) -> tuple[Risk, ...]:
        winners: dict[str, Any] = {}
        for m in settling.made(self.name):
            if m.payload.id not in winners or m.rank > winners[m.payload.id].rank:
                winners[m.payload.id] = m
        acceptances = {item.risk: item for item in settling.scenario.accepted_risks}
        text = settling.text
        risks = []
        for risk_id, m in winners.items():
            accepted = acceptances.get(risk_id)
            risks.append(
                Risk(
                    risk_id,
                    text(m.payload.message),
                    text(m.payload.accept_by),
                    accepted is not None,
                    accepted.accepted_by if accepted else None,
                    accepted.date if accepted else None,
                    m.rule.id,
                )
            )
        return tuple(sorted(risks, key=lambda r: (r.accepted, r.id)))

    def sections(self, value: tuple[Risk, ...], assessment: Any) -> list[Section]:
        return [
            Section(
                "Risks to accept",
                ("risk", "status", "must be accepted by", "why", "rule"),
                [(r.id, _status(r), r.accept_by, r.message, r.rule) for r in value],
                "No risks need acceptance.",
                (None, 20, 24, 44, None),
            )
        ]

    def expectations(self) -> tuple[Expectation, ...]:
        return (
            IdsExpectation("risks", "no_risks", lambda a: sorted({r.id for r in a.risks}), lambda pack: pack.risk_ids),
        )

    def outline(self, value: tuple[Risk, ...]) -> tuple[tuple[str, bool], ...]:
        return tuple((risk.id, risk.accepted) for risk in value)

    def findings(self, outline: tuple[tuple[str, bool], ...]) -> int:
        return sum(not accepted for _, accepted in outline)

    def new_tally(self) -> dict[str, list[int]]:
        return {}

    def tally(self, tally: dict[str, list[int]], outline: tuple[tuple[str, bool], ...]) -> dict[str, list[int]]:
        for risk_id, accepted in outline:
            tally.setdefault(risk_id, [0, 0])[accepted] += 1
        return tally

    def summary_tables(self, tally: dict[str, list[int]], process_names: Any) -> list[SummaryTable]:
        pending = sum(counts[0] for counts in tally.values())
        accepted = sum(counts[1] for counts in tally.values())
        rows = [(risk, counts[0], counts[1]) for risk, counts in sorted(tally.items())]
        return [SummaryTable("Risks", ["risk", "pending", "accepted"], [*rows, ("total", pending, accepted)])]

    def diff_aspects(self, outline: tuple[tuple[str, bool], ...]) -> dict[str, str]:
        risks = sorted(f"{risk} ({'accepted' if accepted else 'pending'})" for risk, accepted in outline)
        return {"risks": ", ".join(risks) or "none"}


KIND = RiskKind()
