"""Open decisions: the matrix cells still t.b.d., made by the assessment from the matrix.

Rules may raise their priority: `open_decision: {priority: high, why: text}` (e.g. on a critical or
regulated service nobody is accountable for an undecided process), or only of some processes with
`processes: [it_controls, vendor_contract]` (personal data makes the controls and the processor's
contract urgent, not every cell). Each open cell takes the highest priority concluded for it, with the
reasons of the rules that concluded that priority.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..contract import COLUMNS, UNDECIDED
from ..errors import did_you_mean
from ..text import count
from .base import BatchColumn, Finding, FindingCount, Kind, PackFacts, Section, Words, mapping, text_fields

PRIORITIES = ("normal", "high")


@dataclass(frozen=True)
class OpenDecisionPriority:
    priority: str
    why: str
    processes: tuple[str, ...] = ()  # () = every process


@dataclass(frozen=True)
class OpenDecision:
    process: str
    column: str
    priority: str = "normal"
    why: str = ""  # the reasons, joined
    reasons: tuple[str, ...] = field(default=(), compare=False)  # each rule's reason (the report's note)


class OpenDecisionKind(Kind):
    name = "open_decision"
    shape = "`{priority: high, why: text, processes?: [process]}`"
    meaning = "raise the priority of the open (t.b.d.) cells of the matrix (or of the listed processes), saying why"
    catalogue = "Open decisions"
    catalogue_order = 35
    part = "open_decisions"
    order = 60
    reads = ("accountability",)
    columns = (BatchColumn("open_decisions", 60, lambda outline: outline),)
    finding_count = FindingCount("decisions", "open decisions")

    def parse(self, data: Any) -> OpenDecisionPriority | str:
        result = mapping(data, ("priority", "why"), ("processes",))
        if isinstance(result, str):
            return result
        if result["priority"] not in PRIORITIES:
            return f"priority must be one of {', '.join(PRIORITIES)}"
        processes = result.pop("processes", None)
        if processes is None:
            processes = []
        elif not isinstance(processes, list) or not processes or not all(isinstance(p, str) for p in processes):
            return "processes lists process ids, e.g. [it_controls]"
        result = text_fields(result, ("why",))
        return result if isinstance(result, str) else OpenDecisionPriority(**result, processes=tuple(processes))

    def describe(self, payload: OpenDecisionPriority) -> str:
        which = f" ({', '.join(payload.processes)})" if payload.processes else ""
        return f"open decisions priority {payload.priority}{which}"

    def detail(self, payload: OpenDecisionPriority) -> str:
        return payload.why

    def detail_lines(self, payload: OpenDecisionPriority) -> list[tuple[str, str]]:
        return [("why", payload.why)]

    def texts(self, payload: OpenDecisionPriority) -> tuple[str, ...]:
        return (payload.why,)

    def check(self, payload: OpenDecisionPriority, pack: PackFacts) -> list[str]:
        return [
            f"unknown process '{process}'; expected one of "
            f"{', '.join(pack.process_ids)}{did_you_mean(process, pack.process_ids)}"
            for process in payload.processes
            if process not in pack.process_ids
        ]

    def build(self, draft: Any) -> tuple[OpenDecision, ...]:
        made = sorted(draft.conclusions(self.name), key=lambda m: m.rank, reverse=True)  # the weightiest reason first
        flags = [(m.payload, draft.text(m.payload.why)) for m in made]
        matrix = draft.parts["accountability"]
        # Most services share a matrix (their model's reference matrix) and their flags: built once for those.
        key = (id(matrix), *(id(flag) for flag, _ in flags), *(why for _, why in flags))
        kept = _BUILT.get(key)
        if kept is not None and kept[0] is matrix and all(a is b for a, (b, _) in zip(kept[1], flags, strict=True)):
            return kept[2]
        built = _open_decisions(matrix, flags)
        if len(_BUILT) >= MAX_BUILT:
            _BUILT.clear()
        _BUILT[key] = (matrix, tuple(flag for flag, _ in flags), built)
        return built

    def sections(self, value: tuple[OpenDecision, ...], assessment: Any) -> list[Section]:
        names = assessment.process_names
        if any(d.priority != "normal" for d in value):
            rows: list[tuple[str, ...]] = [(names.get(d.process, d.process), d.column, d.priority) for d in value]
            why = " ".join(dict.fromkeys(reason for d in value for reason in d.reasons))
            return [Section("Open decisions", ("process", "column", "priority"), rows, "No open decisions.", note=why)]
        rows = [(names.get(d.process, d.process), d.column) for d in value]
        return [Section("Open decisions", ("process", "column"), rows, "No open decisions.")]

    def to_json(self, value: tuple[OpenDecision, ...]) -> list[dict[str, Any]]:
        return [{"process": d.process, "column": d.column, "priority": d.priority, "why": d.why} for d in value]

    def outline(self, value: tuple[OpenDecision, ...]) -> int:
        return len(value)

    def findings(self, outline: int) -> int:
        return outline

    def listed_findings(self, part: list[dict[str, Any]], words: Words) -> list[Finding]:
        """One line per priority, naming its processes (not one line per cell, each repeating the reason)."""
        names = words.process_names
        lines = []
        for priority in reversed(PRIORITIES):
            cells = [item for item in part if item["priority"] == priority]
            if not cells:
                continue
            processes = ", ".join(dict.fromkeys(names.get(item["process"], item["process"]) for item in cells))
            why = " ".join(dict.fromkeys(item["why"] for item in cells if item["why"]))
            what = count(len(cells), "cell", "cells") + " still t.b.d."
            lines.append(Finding("open decisions", what, priority, f"{processes}. {why}".strip(), ""))
        return lines

    def new_tally(self) -> list[int]:
        return [0, 0]  # open decisions, services with one

    def tally(self, tally: list[int], outline: int) -> list[int]:
        tally[0] += outline or 0
        tally[1] += bool(outline)
        return tally

    def merge(self, tally: list[int], later: list[int]) -> list[int]:
        return [tally[0] + later[0], tally[1] + later[1]]


# Open decisions built, by the matrix and the flags (payload and reason) they were built from: (the matrix,
# the payloads, the open decisions), the objects kept so that their ids stay their own.
_BUILT: dict[tuple[Any, ...], tuple[Any, tuple[OpenDecisionPriority, ...], tuple[OpenDecision, ...]]] = {}
MAX_BUILT = 1024


def _open_decisions(matrix: Any, flags: list[tuple[OpenDecisionPriority, str]]) -> tuple[OpenDecision, ...]:
    """Each t.b.d. cell of the matrix, with the priority and reasons the flags give its process."""
    decisions = []
    settled: dict[tuple[int, ...], tuple[str, tuple[str, ...]]] = {}  # by the flags that apply to a process
    for row in matrix:
        columns = [column for column in COLUMNS if getattr(row, column) == UNDECIDED]
        if not columns:
            continue  # most rows of most matrices: nothing to settle
        applying = tuple(
            index for index, (flag, _) in enumerate(flags) if not flag.processes or row.process in flag.processes
        )
        if applying not in settled:
            settled[applying] = _priority([flags[index] for index in applying])
        priority, reasons = settled[applying]
        decisions += [OpenDecision(row.process, column, priority, " ".join(reasons), reasons) for column in columns]
    return tuple(decisions)


def _priority(flags: list[tuple[OpenDecisionPriority, str]]) -> tuple[str, tuple[str, ...]]:
    """The highest priority the flags (payload, its reason) give a cell, and the reasons of those that give it."""
    priority = max((flag.priority for flag, _ in flags), key=PRIORITIES.index, default="normal")
    return priority, tuple(dict.fromkeys(why for flag, why in flags if flag.priority == priority))


KIND = OpenDecisionKind()
