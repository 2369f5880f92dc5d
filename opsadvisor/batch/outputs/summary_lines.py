"""Summary lines (`--out FILE.summary.jsonl`): one short JSON line per entry, what a portfolio dashboard
or a pipeline reads of each service, without the full report (about 300 bytes where the full line is
5-7 KB). The batch then encodes no assessment: the line is made from the outcome's outlines.

A valid entry: `{"status": "ok", "source", "service": {"id", "name"}, "model", "suggested", "effectively",
"mode", "conflicts", "pending_risks", "governance_areas", "open_decisions", "open_questions", "drifts"}`
(the last six are counts; `drifts` is null for a service without records, as the full report's `drift`);
an invalid entry is the line JSON Lines writes for it."""

from __future__ import annotations

from typing import Any

from ..runner import OK, Outcome, encode_utf8
from .jsonl import JsonLinesWriter


def summary_line(outcome: Outcome) -> str:
    """The summary line of one entry (compact JSON, without its newline)."""
    return summary_bytes(outcome).decode("utf-8", "surrogatepass")


def summary_bytes(outcome: Outcome) -> bytes:
    """summary_line in UTF-8, as a batch's worker encodes it."""
    if outcome.status != OK:
        return outcome.to_json().encode("utf-8", "surrogatepass")
    outlines = outcome.outlines
    model, mode, suggested, effectively = outlines["recommendation"]
    line: dict[str, Any] = {
        "status": OK,
        "source": outcome.location,
        "service": {"id": outcome.service_id, "name": outcome.service_name},
        "model": model,
        "suggested": suggested,
        "effectively": effectively,
        "mode": mode,
        "conflicts": len(outlines.get("conflicts", ())),
        "pending_risks": sum(not accepted for _, accepted in outlines.get("risks", ())),
        "governance_areas": len(outlines.get("governance_areas", ())),
        "open_decisions": outlines.get("open_decisions", 0),
        "open_questions": outlines.get("open_questions", 0),
        "drifts": _drift_count(outlines.get("drift")),
    }
    return encode_utf8(line)


def _drift_count(outline: tuple[Any, ...] | None) -> int | None:
    """How many drifts; None when the service had no records to weigh."""
    return None if outline is None else len(outline)


class SummaryLinesWriter(JsonLinesWriter):
    """Written as JSON Lines are: only which lines the workers encode differs."""

    needs_json = False  # made from the outlines: the runner encodes no full report
    lines = "summary"  # the workers encode the lines (batch.chunks)
