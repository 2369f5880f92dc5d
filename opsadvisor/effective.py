"""The effective operating model, as facts rules can test: the second stage of every assessment.

A run has two stages. First the scenario's facts go in and the rules chain as far as they can; then
the recommendation and the matrix are settled (each kind by its own rule: the highest priority wins)
and the *effective* accountability - the recommended or suggested model's cells, the rules'
settings, and the scenario's recorded decisions on top - goes back into the same engine session as
facts, one per cell. Rules about risks, conflicts and governance match those cells, so they hold
for model A, B, C, a suggestion and any decision alike, never for a label alone.

A rule that tests these facts cannot set the model or a cell itself (rules check says so): the
matrix is settled before they fire.

The caller runs the stages (api.Assessor.run): it opens an engine session on the scenario's facts,
chains, settles from what fired (`second_stage_facts`), adds those facts and chains on. The engine
never calls back here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .contract import COLUMNS, INTERFACE_CELLS, MODELS, NOT_APPLICABLE, PERFORMERS, UNDECIDED
from .kinds import kind
from .kinds.recommend import IT_PARTIES, NO_MODEL

if TYPE_CHECKING:
    from .assessment import AssessmentDraft
    from .kinds.accountability import MatrixRow
    from .kinds.recommend import Recommendation
    from .rulepack.ir import Process, RulePack

CELL_PREFIX = "accountable."
PERFORMER_PREFIX = "performed_by."
NOT_RECORDED = "none"  # who performs a process's daily work, when no decision records it
MODEL = "recommended_model"
SUGGESTED = "model_suggested"
DEPARTURES = "departures"  # numbers and texts for messages; rules test the true/false facts beside them
DECIDED_OTHERWISE = "decided_otherwise"
UNDECIDED_CELLS = "undecided_cells"
OPEN_CELLS = "open_cells"
CHANGES = "changing_processes"
CHANGE_COUNT = "changes"
CHANGING = "accountability_changes"
IT_ACCOUNTABLE = "it_accountable"
# Conclusion kinds whose rules are settled before the second stage: a rule testing its facts may not conclude them.
SETTLED_FIRST = ("recommend", "accountability")
# The kinds whose conclusions settle those parts (the recommendation takes the winning mode), and the parts.
SETTLING_KINDS = frozenset((*SETTLED_FIRST, "mode"))
SETTLED_PARTS = ("recommendation", "accountability")


def cell_fact(process: str, column: str) -> str:
    """The fact holding who is accountable for a process's column, e.g. accountable.incident.application."""
    return f"{CELL_PREFIX}{process}.{column}"


def performer_fact(process: str) -> str:
    """The fact holding who does a process's daily work, e.g. performed_by.incident."""
    return f"{PERFORMER_PREFIX}{process}"


def system_facts(processes: Sequence[Process]) -> dict[str, tuple[tuple[Any, ...], str]]:
    """Every second-stage fact: name -> (the values it can take, what it means). Cells in matrix order,
    then who performs each process."""
    facts: dict[str, tuple[tuple[Any, ...], str]] = {
        cell_fact(process.id, column): (INTERFACE_CELLS, f"who is accountable for {process.name} ({column})")
        for process in processes
        for column in COLUMNS
    }
    # Who does the work, for a service with evidence from its records only: the drift rules compare it with
    # who did (rules/80-drift.yaml). Asserted for every service, these facts cost about a tenth of the rules'
    # time of a service without records, which no rule reads them for (measured, docs/assurance.md).
    facts.update(
        (performer_fact(process.id), ((*PERFORMERS, NOT_RECORDED), f"who does the daily work of {process.name}"))
        for process in processes
    )
    facts[MODEL] = ((*MODELS, NO_MODEL), "the recommended (or suggested) reference model")
    facts[SUGGESTED] = ((True, False), "true when the model is only suggested (no ambition set)")
    facts[DECIDED_OTHERWISE] = ((True, False), "true when a recorded decision departs from the model's cells")
    facts[DEPARTURES] = ((), "how many processes recorded decisions set otherwise than the model (for messages)")
    facts[OPEN_CELLS] = ((True, False), "true when a cell of the effective matrix is still t.b.d.")
    facts[UNDECIDED_CELLS] = ((), "how many cells are still t.b.d. (for messages)")
    facts[IT_ACCOUNTABLE] = ((True, False), "true when IT OPS or IT Delivery is accountable for some cell")
    facts[CHANGING] = ((True, False), "true when a process changes accountable party from today's operator")
    facts[CHANGE_COUNT] = ((), "how many processes change accountable party (for messages)")
    facts[CHANGES] = ((), "the processes whose accountable party changes (for messages)")
    return facts


def settle(draft: AssessmentDraft) -> tuple[Recommendation, tuple[MatrixRow, ...]]:
    """The recommendation and the effective matrix, as the recommend and accountability kinds settle them."""
    recommendation = kind("recommend").build(draft)
    draft.parts["recommendation"] = recommendation
    matrix = draft.parts["accountability"] = kind("accountability").build(draft)
    return recommendation, matrix


def changing_processes(today: str | None, matrix: tuple[MatrixRow, ...], pack: RulePack) -> list[str] | None:
    """The processes whose accountable party (either column) differs between today's operator and the
    target; None when today's operator maps to no reference model (unknown, mixed or new)."""
    current = next((model for model in pack.models.values() if today in model.operated_today), None)
    if current is None:
        return None
    return [row.name for row in matrix if _changes(row, current.cells[row.process])]


def _changes(row: MatrixRow, today: tuple[str, str]) -> bool:
    """A decided target cell with another party than today's; an interface cell counts where there is one."""
    if row.application not in (UNDECIDED, today[0]):
        return True
    return row.interface not in (UNDECIDED, NOT_APPLICABLE, today[1])


def second_stage_facts(draft: AssessmentDraft) -> list[tuple[str, Any]]:
    """What the second stage asserts, settled from what the first stage fired (`draft` holds it; see
    the module docstring): (name, value) facts, the effective matrix's cells first."""
    recommendation, matrix = settle(draft)
    cells, undecided, it_accountable = _matrix_facts(matrix)
    pairs: list[tuple[str, Any]] = [*cells]
    if draft.scenario.evidence is not None:  # see system_facts: the drift rules read them, on evidence
        pairs += [(performer_fact(row.process), row.performed_by or NOT_RECORDED) for row in matrix]
    pairs.append((MODEL, recommendation.model or NO_MODEL))
    pairs.append((SUGGESTED, recommendation.suggestion))
    departed = len(recommendation.departures)
    pairs += [(DECIDED_OTHERWISE, departed > 0), (DEPARTURES, departed)]
    pairs += [(OPEN_CELLS, undecided > 0), (UNDECIDED_CELLS, undecided)]
    pairs.append((IT_ACCOUNTABLE, it_accountable))
    changes = changing_processes(draft.scenario.current_operated_by, matrix, draft.pack)
    if changes is not None:
        pairs += [(CHANGING, bool(changes)), (CHANGE_COUNT, len(changes)), (CHANGES, ", ".join(changes) or "none")]
    return pairs


# What a matrix makes of facts, kept by the matrix object (most services share their model's reference
# matrix: accountability._reference_matrix), with the matrix itself so that its id stays its own.
_MATRIX_FACTS: dict[int, tuple[tuple[MatrixRow, ...], tuple[tuple[tuple[str, Any], ...], int, bool]]] = {}
MAX_MATRICES = 256


def _matrix_facts(matrix: tuple[MatrixRow, ...]) -> tuple[tuple[tuple[str, Any], ...], int, bool]:
    """The matrix's cell facts, how many cells are t.b.d., and whether IT is accountable for some cell."""
    kept = _MATRIX_FACTS.get(id(matrix))
    if kept is not None and kept[0] is matrix:
        return kept[1]
    cells = tuple((cell_fact(row.process, column), getattr(row, column)) for row in matrix for column in COLUMNS)
    made = (
        cells,
        sum(value == UNDECIDED for _, value in cells),
        any(value in IT_PARTIES for _, value in cells),
    )
    if len(_MATRIX_FACTS) >= MAX_MATRICES:
        _MATRIX_FACTS.clear()
    _MATRIX_FACTS[id(matrix)] = (matrix, made)
    return made
