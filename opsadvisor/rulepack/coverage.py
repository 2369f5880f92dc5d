"""What part of a region of a decision table's input space a set of rows leaves uncovered.

A region or a row is a *box*: per input column, a set of atoms (tables.py says what atoms are). A
table's gaps are the input space minus its rows, and a row's "no earlier row matches" is its box
minus the earlier rows that meet it: both are `uncovered(region, rows, budget, most)`.

Two ways, the first while it stays small:
- Subtracting the rows one after the other, each cutting every piece left into at most one piece
  per column. Exact, and its pieces are what a row's conditions have always been built from, but
  they multiply with every row and column: minutes for a valid table of 20 columns. It is given up
  as soon as it holds more than SMALL pieces.
- A search that splits the region in two on one column at a time (the atoms the largest row meeting
  it accepts there, and the rest: only values the rows tell apart), and descends no further into a
  part that no row meets (uncovered) or that one row covers entirely.

Whether rows cover a region is co-NP-complete in general (the tautology of a formula in disjunctive
normal form), so both count their work, the cells of the rows they hold against a region (a piece,
or a part the search settles or splits), and stop at a budget of it, or once the search has found
`most` uncovered parts, saying they did: the pieces are then the uncovered parts found so far.
Counting cells rather than regions bounds the time whatever the number of rows and columns. Boxes
are bit masks (one int per column) while they are worked on.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass

Box = tuple[frozenset[int], ...]  # per column, the atoms: what conditions are written from
Masks = tuple[int, ...]  # a box as one bit mask of atoms per column: what is searched
SMALL = 64  # pieces the row-by-row subtraction may hold before the search takes over


@dataclass(frozen=True)
class Uncovered:
    """The pieces of a region no row covers, disjoint and sorted (and merged, when complete); `complete` is
    False when the search stopped at its budget or its most pieces (there may be more than these)."""

    pieces: tuple[Masks, ...]
    complete: bool
    regions: int  # regions examined: pieces held against a row, parts the search settled or split
    work: int  # cells of rows held against a region: what the budget counts

    @property
    def boxes(self) -> list[Box]:
        """The pieces as sets of atoms, as conditions are written from them."""
        return [as_box(piece) for piece in self.pieces]


@dataclass
class _Work:
    """The work done (cells of rows held against a region) against its budget, and the regions examined."""

    budget: int
    width: int  # columns
    regions: int = 0
    done: int = 0

    def examine(self, regions: int, rows: int) -> bool:
        """Count the work of holding `rows` rows against `regions` regions; False once the budget is spent."""
        self.regions += regions
        self.done += rows * self.width
        return self.done < self.budget


def uncovered(region: Masks, rows: Sequence[Masks], budget: int, most: int) -> Uncovered:
    """The parts of `region` that none of `rows` covers, within `budget` cells of work and `most` parts."""
    work = _Work(budget, len(region))
    pieces = _subtracted(region, rows, work)
    if pieces is not None:
        return Uncovered(tuple(_merge_pairs(pieces)), True, work.regions, work.done)
    found, complete = _searched(region, rows, work, most)
    if complete:
        found = _merge_columns(found)
    return Uncovered(tuple(_sorted(found)), complete, work.regions, work.done)


def as_masks(box: Box) -> Masks:
    return tuple(sum(1 << atom for atom in part) for part in box)


def as_box(masks: Masks) -> Box:
    return tuple(_atoms(mask) for mask in masks)


@functools.lru_cache(maxsize=4096)
def _listed(mask: int) -> tuple[int, ...]:
    """The atoms of a mask, in order."""
    return tuple(atom for atom in range(mask.bit_length()) if mask >> atom & 1)


@functools.lru_cache(maxsize=4096)
def _atoms(mask: int) -> frozenset[int]:
    return frozenset(_listed(mask))


def meet(a: Masks, b: Masks) -> Masks | None:
    """What two boxes have in common; None when nothing."""
    both = tuple(x & y for x, y in zip(a, b, strict=True))
    return both if all(both) else None


def earlier_meeting(boxes: Sequence[Masks]) -> list[list[int]]:
    """Per box, the indices of the boxes before it that meet it: per column and atom, the boxes holding
    it are one bit mask, so the rows of a table are not held against each other pair by pair."""
    holding: list[dict[int, int]] = [{} for _ in boxes[0]] if boxes else []
    meeting = []
    for index, masks in enumerate(boxes):
        earlier = (1 << index) - 1
        for column, part in enumerate(masks):
            atoms = _listed(part)
            earlier &= functools.reduce(operator.or_, (holding[column].get(atom, 0) for atom in atoms), 0)
            for atom in atoms:
                holding[column][atom] = holding[column].get(atom, 0) | 1 << index
        meeting.append([other for other in range(index) if earlier >> other & 1])
    return meeting


# --- row by row ------------------------------------------------------------------------------------


def _subtracted(region: Masks, rows: Sequence[Masks], work: _Work) -> list[Masks] | None:
    """The region minus each row in turn; None once it holds more than SMALL pieces or the budget is spent."""
    pieces = [region]
    for row in rows:
        held = len(pieces)
        pieces = [piece for kept in pieces for piece in _subtract(kept, row)]
        if not work.examine(held, held) or len(pieces) > SMALL:
            return None
    return pieces


def _subtract(kept: Masks, row: Masks) -> list[Masks]:
    """kept minus row as disjoint boxes: per column, what the row leaves of it, within the row before it."""
    if not all(a & b for a, b in zip(kept, row, strict=True)):
        return [kept]
    pieces = []
    for index, (part, removed) in enumerate(zip(kept, row, strict=True)):
        if rest := part & ~removed:
            pieces.append((*(a & b for a, b in zip(kept[:index], row[:index], strict=True)), rest, *kept[index + 1 :]))
    return pieces


def _merge_pairs(boxes: list[Masks]) -> list[Masks]:
    """Fewer boxes for the same atoms: two boxes that differ in one column become one (a few boxes only:
    every merge looks at every pair again)."""
    boxes = list(dict.fromkeys(boxes))
    merged = True
    while merged:
        merged = False
        for a, b in itertools.combinations(boxes, 2):
            differing = [index for index in range(len(a)) if a[index] != b[index]]
            if len(differing) == 1:
                index = differing[0]
                boxes.remove(a)
                boxes.remove(b)
                boxes.append((*a[:index], a[index] | b[index], *a[index + 1 :]))
                merged = True
                break
    return _sorted(boxes)


# --- the search ------------------------------------------------------------------------------------


def _searched(region: Masks, rows: Sequence[Masks], work: _Work, most: int) -> tuple[list[Masks], bool]:
    """The parts no row covers, and whether the search finished (within the budget, before `most` parts)."""
    found: list[Masks] = []
    pending: list[tuple[Masks, Sequence[Masks]]] = [(region, rows)]
    while pending and len(found) < most and work.examine(1, len(pending[-1][1]) + 1):
        here, candidates = pending.pop()
        meeting = _meeting(here, candidates)
        if not meeting:
            found.append(here)
        elif here not in meeting:  # no single row covers it: split it
            pending.extend(reversed([(part, meeting) for part in _split(here, meeting)]))
    return found, not pending


def _meeting(region: Masks, rows: Sequence[Masks]) -> list[Masks]:
    """The rows that meet the region, each cut down to it."""
    meeting = []
    for row in rows:
        both = tuple(map(operator.and_, row, region))
        if all(both):
            meeting.append(both)
    return meeting


def _split(region: Masks, rows: list[Masks]) -> list[Masks]:
    """The region in two, on the column the rows restrict most (each row weighing what it holds of the
    region, so a large row counts more than many small ones): the atoms the largest of those rows
    accepts there, and the others."""
    volumes = [math.prod(map(int.bit_count, row)) for row in rows]
    weights = [0] * len(region)
    for row, volume in zip(rows, volumes, strict=True):
        for index in itertools.compress(range(len(region)), map(operator.ne, row, region)):
            weights[index] += volume
    column = weights.index(max(weights))
    whole = region[column]
    restricting = [(volume, row) for row, volume in zip(rows, volumes, strict=True) if row[column] != whole]
    part = max(restricting, key=lambda pair: pair[0])[1][column]
    return [(*region[:column], piece, *region[column + 1 :]) for piece in (whole & part, whole & ~part)]


def _merge_columns(boxes: list[Masks]) -> list[Masks]:
    """Fewer boxes for the same atoms, for many disjoint boxes: those that differ in one column only
    become one, column by column until none do."""
    merged = list(dict.fromkeys(boxes))
    changed = True
    while changed:
        changed = False
        for column in range(len(merged[0]) if merged else 0):
            together: dict[Masks, Masks] = {}
            for box in merged:
                rest = box[:column] + box[column + 1 :]
                other = together.get(rest)
                together[rest] = box if other is None else (*box[:column], box[column] | other[column], *rest[column:])
                changed |= other is not None
            merged = list(together.values())
    return merged


def _sorted(boxes: list[Masks]) -> list[Masks]:
    """In the order of their atoms, column by column."""
    return sorted(boxes, key=lambda masks: tuple(_listed(mask) for mask in masks))
