"""The registry of conclusion kinds: every consumer iterates it instead of naming kinds.

A kind is one module (see base.Kind). The built-in ones are listed below in the order an author
reads them; another module (an organisation's, or a test's) adds a kind with `register(KIND)`.
"""

from __future__ import annotations

import functools
import importlib

from .base import BatchColumn, Expectation, Finding, FindingCount, Kind, PackFacts, Section, SummaryTable, Words

__all__ = [
    "BatchColumn",
    "Expectation",
    "Finding",
    "FindingCount",
    "Kind",
    "PackFacts",
    "Section",
    "SummaryTable",
    "Words",
    "authored",
    "columns",
    "finding_counts",
    "is_built_in",
    "kind",
    "parts",
    "register",
    "registered",
    "summarised",
    "unregister",
]

BUILT_IN = (
    "recommend",
    "mode",
    "derive",
    "accountability",
    "conflict",
    "governance",
    "risk",
    "drift",
    "next_step",
    "participant",
    "open_decision",
    "open_question",
    "preview",
)
_BUILT_IN_MODULES = frozenset(f"{__name__}.{module}" for module in BUILT_IN)
_KINDS: dict[str, Kind] = {}


def register(new: Kind) -> Kind:
    """Add a kind (its name must be new); returns it, so a module can write `KIND = register(MyKind())`."""
    if not new.name or new.name in _KINDS:
        raise ValueError(f"a conclusion kind needs a new name; {new.name!r} is taken or empty")
    _KINDS[new.name] = new
    _parts.cache_clear()
    return new


def unregister(name: str) -> None:
    """Remove a kind added with register (tests that add a toy kind clean up with it)."""
    _KINDS.pop(name, None)
    _parts.cache_clear()


def is_built_in(item: Kind) -> bool:
    """Whether the kind is one of BUILT_IN (its class defined there), not an organisation's or a test's."""
    return type(item).__module__ in _BUILT_IN_MODULES


def registered() -> tuple[Kind, ...]:
    return tuple(_KINDS.values())


def kind(name: str) -> Kind:
    return _KINDS[name]


def authored() -> tuple[Kind, ...]:
    """The kinds a rule's `then` may hold, in the order the docs list them."""
    return tuple(k for k in _KINDS.values() if k.authored)


def parts() -> tuple[Kind, ...]:
    """The kinds with a part of the assessment, in report (and JSON) order."""
    return _parts()


@functools.cache  # asked for several times per service; cleared when a kind is registered or removed
def _parts() -> tuple[Kind, ...]:
    return tuple(sorted((k for k in _KINDS.values() if k.part), key=lambda k: k.order))


def summarised() -> tuple[Kind, ...]:
    """The kinds with a part, in the order their tables stand in a portfolio summary."""
    return tuple(sorted(parts(), key=lambda k: k.order if k.summary_order is None else k.summary_order))


def finding_counts() -> tuple[tuple[Kind, FindingCount], ...]:
    """The kinds whose findings are counts in the workbench's lists, with their column, in summary order."""
    return tuple((k, k.finding_count) for k in summarised() if k.finding_count is not None)


def columns() -> tuple[tuple[Kind, BatchColumn], ...]:
    """The batch report's kind columns, in column order."""
    return tuple(sorted(((k, c) for k in parts() for c in k.columns), key=lambda pair: pair[1].order))


for _module in BUILT_IN:
    register(importlib.import_module(f".{_module}", __name__).KIND)
