"""`accountability`: who is accountable for a support process, per column (application, interface).

The matrix part starts from the recommended model's reference cells, applies the rules' settings in
priority order (the highest priority is applied last, so it wins) and then the scenario's recorded
decisions, which always win. A model that is only suggested (the ambition is open) gives no cells:
until the ambition is set every cell is an open decision, and the suggested model's consequences are
a preview (kinds.preview), not findings.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, cast

from ..contract import COLUMNS, INTERFACE_CELLS, PERFORMED_BY, UNDECIDED
from ..errors import did_you_mean
from ..rulesyntax import as_written
from ..text import party as party_words
from ..text import performer as performer_words
from .base import Expectation, Kind, PackFacts, Section, mapping, unknown

BOTH = "both"


@dataclass(frozen=True)
class Accountability:
    process: str  # a process id, or "all"
    column: str  # application, interface or both
    party: str

    def cells(self, process_ids: tuple[str, ...]) -> list[tuple[str, str]]:
        """The (process, column) cells this setting covers."""
        processes = process_ids if self.process == "all" else (self.process,)
        columns = COLUMNS if self.column == BOTH else (self.column,)
        return list(itertools.product(processes, columns))


@dataclass(frozen=True)
class MatrixRow:
    process: str
    name: str
    application: str
    interface: str
    performed_by: str | None = None  # who does the daily work, when a decision records it


MAX_DECIDED = 1024  # decided matrices a pack keeps (by model, decisions and the rules that set cells)


class AccountabilityKind(Kind):
    name = "accountability"
    shape = "`{process, column, party}`"
    meaning = "set a cell of the matrix: process id or `all`, column application, interface or `both`"
    catalogue = "Accountability"
    catalogue_order = 30
    part = "accountability"
    order = 50
    reads = ("recommendation",)

    def parse(self, data: Any) -> Accountability | str:
        result = mapping(data, ("process", "column", "party"))
        if isinstance(result, str):
            return result
        if result["column"] not in (*COLUMNS, BOTH):
            column = result["column"]
            hint = did_you_mean(str(column), (*COLUMNS, BOTH))
            return f"column must be application, interface or both; found {as_written(column)}{hint}"
        if result["party"] not in INTERFACE_CELLS:
            return unknown("party", result["party"], INTERFACE_CELLS)
        return Accountability(result["process"], result["column"], result["party"])

    def describe(self, payload: Accountability) -> str:
        return f"accountability {payload.process} {payload.column} = {payload.party}"

    def check(self, payload: Accountability, pack: PackFacts) -> list[str]:
        allowed = (*pack.process_ids, "all")
        if payload.process in allowed:
            return []
        return [
            f"unknown process '{payload.process}'; expected one of "
            f"{', '.join(allowed)}{did_you_mean(str(payload.process), allowed)}"
        ]

    def disagreement(self, mine: Any, theirs: Any, other: str, pack: PackFacts) -> str:
        ours, yours = _cells(mine, pack.process_ids), _cells(theirs, pack.process_ids)
        clashes = sorted(cell for cell in ours.keys() & yours.keys() if ours[cell] != yours[cell])
        if not clashes:
            return ""
        process, column = clashes[0]
        more = f" (and {len(clashes) - 1} more cells)" if len(clashes) > 1 else ""
        return (
            f"sets accountability {process} {column} = {ours[(process, column)]}{more}, "
            f"but rule {other} sets {yours[(process, column)]}"
        )

    def build(self, draft: Any) -> tuple[MatrixRow, ...]:
        settled = draft.settled.get(self.part)
        if settled is not None:
            return cast("tuple[MatrixRow, ...]", settled)
        recommendation = draft.parts["recommendation"]
        model_id = None if recommendation.suggestion else recommendation.model
        matrix = draft.matrices.get(model_id)  # the recommendation's `effectively` built it already
        if matrix is None:
            matrix = draft.matrices[model_id] = self._matrix(draft, model_id)
        return cast("tuple[MatrixRow, ...]", matrix)

    def _matrix(self, draft: Any, model_id: str | None) -> tuple[MatrixRow, ...]:
        pack = draft.pack
        reference = _reference_matrix(pack, model_id if model_id in pack.models else None)
        decisions = draft.scenario.decisions
        conclusions = draft.conclusions(self.name)
        if not decisions and not conclusions:
            return reference
        # The same decisions and rules on the same model make the same matrix: one object, kept by the pack
        # (services share it, and what is made of it: effective._matrix_facts, batch.fragments).
        key = (
            model_id,
            tuple((process, tuple(sorted(decided.items()))) for process, decided in sorted(decisions.items())),
            tuple(fired.rule.id for fired in conclusions),
        )
        kept = pack.compiled.setdefault("decided matrices", {})  # the pack's cache (engine.once_per_pack)
        matrix = kept.get(key)
        if matrix is None:
            if len(kept) >= MAX_DECIDED:
                kept.clear()
            matrix = kept[key] = self._decided(pack, reference, decisions, conclusions)
        return cast("tuple[MatrixRow, ...]", matrix)

    def _decided(self, pack: Any, reference: Any, decisions: Any, conclusions: Any) -> tuple[MatrixRow, ...]:
        """The reference matrix with the cells rules set (by priority) and then the recorded decisions."""
        cells = {row.process: [row.application, row.interface] for row in reference}
        for fired in sorted(conclusions, key=lambda m: m.rank):
            for process_id, column in fired.payload.cells(pack.process_ids):
                cells[process_id][COLUMNS.index(column)] = fired.payload.party
        for process_id, decided in decisions.items():
            for column in COLUMNS:
                if process_id in cells and column in decided:
                    cells[process_id][COLUMNS.index(column)] = decided[column]
        rows = []
        for process in pack.processes:
            application, interface = cells[process.id]
            performed_by = decisions.get(process.id, {}).get(PERFORMED_BY)
            rows.append(MatrixRow(process.id, process.name, application, interface, performed_by))
        return tuple(rows)

    def to_json(self, value: tuple[MatrixRow, ...]) -> Any:
        return [{key: cell for key, cell in row.__dict__.items() if cell is not None} for row in value]

    def sections(self, value: tuple[MatrixRow, ...], assessment: Any) -> list[Section]:
        headers: tuple[str, ...] = ("support process", "application", "interface")
        rows: list[tuple[str, ...]] = [
            (row.name, party_words(row.application), party_words(row.interface)) for row in value
        ]
        if any(row.performed_by for row in value):  # shown once the workshop records who does the work
            headers += ("performed by",)
            rows = [(*cells, performer_words(row.performed_by)) for cells, row in zip(rows, value, strict=True)]
        return [Section("Accountability", headers, rows)]

    def outranked(self, payload: Accountability, assessment: Any) -> str | None:
        cells = {(row.process, column): getattr(row, column) for row in assessment.accountability for column in COLUMNS}
        lost = sorted(
            cell
            for cell in payload.cells(tuple(row.process for row in assessment.accountability))
            if cells.get(cell, payload.party) != payload.party
        )
        if not lost:
            return None
        process, column = lost[0]
        more = f" and {len(lost) - 1} more cells" if len(lost) > 1 else ""
        return (
            f"{self.describe(payload)}: {process} {column} is {cells[lost[0]]}{more} "
            "(a higher-priority rule or a recorded decision)"
        )

    def expectations(self) -> tuple[Expectation, ...]:
        return (MatrixExpectation(),)

    def outline(self, value: tuple[MatrixRow, ...]) -> tuple[tuple[str, str], ...]:
        return tuple((row.application, row.interface) for row in value)


def _cells(payloads: Any, process_ids: tuple[str, ...]) -> dict[tuple[str, str], str]:
    return {cell: payload.party for payload in payloads for cell in payload.cells(process_ids)}


class MatrixExpectation(Expectation):
    """`matrix: {process: {application: party, interface: party}}`: those cells have those parties."""

    keys = ("matrix",)

    def problems(self, key: str, value: Any, pack: Any) -> list[str]:
        if not isinstance(value, dict):
            return ["matrix: expected process: {application: party, interface: party}"]
        problems = []
        for process, cells in value.items():
            if process not in pack.process_ids:
                problems.append(f"matrix: unknown process '{process}'{did_you_mean(process, pack.process_ids)}")
            if not isinstance(cells, dict) or not cells:
                problems.append(f"matrix.{process}: expected {{application: party}}")
                continue
            for column, party in cells.items():
                if column not in COLUMNS or party not in INTERFACE_CELLS:
                    hint = did_you_mean(str(party), INTERFACE_CELLS)
                    problems.append(
                        f"matrix.{process}: expected columns {', '.join(COLUMNS)} with parties "
                        f"{', '.join(INTERFACE_CELLS)}; found {column}: {party}{hint}"
                    )
        return problems

    def diff(self, expect: Any, assessment: Any) -> list[str]:
        actual = {
            row.process: {"application": row.application, "interface": row.interface}
            for row in assessment.accountability
        }
        lines = []
        for process, cells in expect.get("matrix", {}).items():
            for column, party in cells.items():
                got = actual.get(process, {}).get(column)
                if got != party:
                    lines += [f"- matrix.{process}.{column}: {party}", f"+ matrix.{process}.{column}: {got}"]
        return lines


def _reference_matrix(pack: Any, model_id: str | None) -> tuple[MatrixRow, ...]:
    """A model's reference cells as the matrix (every cell t.b.d. without a model): where every matrix
    starts, and the whole of it for most services, which record no decision and get no rule setting a
    cell (docs/batch.md, Performance). Made once per pack and model: the matrix is settled twice per
    service (effective.py)."""
    matrices = pack.compiled.setdefault("reference matrices", {})  # the pack's cache (engine.once_per_pack)
    matrix = matrices.get(model_id)
    if matrix is None:
        matrix = matrices[model_id] = _matrix(pack, model_id)
    return matrix


def _matrix(pack: Any, model_id: str | None) -> tuple[MatrixRow, ...]:
    model = pack.models[model_id] if model_id else None
    return tuple(
        MatrixRow(process.id, process.name, *(model.cells[process.id] if model else (UNDECIDED, UNDECIDED)))
        for process in pack.processes
    )


KIND = AccountabilityKind()
