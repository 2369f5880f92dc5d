"""What would a rule change change? Assess a portfolio under two rule packs and compare, service by service.

Both packs assess the same entries in lockstep (each in its own workers), so memory holds only the
services that change. Compared per service: validity (a pack may add process or risk ids), model,
mode, conflict kinds, risks (pending or accepted) and governance areas.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .. import kinds
from ..errors import UsageError
from ..formats import DIFF
from ..rulepack import RulePack
from .inputs import check_inputs, iter_entries
from .runner import OK, Outcome, assess_entries_with, default_jobs


def compared() -> tuple[str, ...]:
    """What `diff` compares: validity, then each conclusion kind's aspects, in their order."""
    aspects = sorted((aspect for kind in kinds.parts() for aspect in kind.aspects), key=lambda aspect: aspect[1])
    return ("validity", *(name for name, _ in aspects))


NOTHING = "none"


@dataclass(frozen=True)
class Change:
    """One aspect of a service that changed: its text before and after, and the items added and removed
    (for a one-value aspect such as the model: the new value added, the old one removed)."""

    kind: str
    before: str
    after: str

    @property
    def added(self) -> tuple[str, ...]:
        old = _items(self.before)
        return tuple(item for item in _items(self.after) if item not in old)

    @property
    def removed(self) -> tuple[str, ...]:
        new = _items(self.after)
        return tuple(item for item in _items(self.before) if item not in new)


def _items(text: str) -> tuple[str, ...]:
    """An aspect's text as items: diff_aspects join a list with ', ' and say 'none' for an empty one."""
    return () if text == NOTHING else tuple(text.split(", "))


@dataclass(frozen=True)
class ServiceChange:
    location: str
    service_id: str | None
    service_name: str | None
    changes: tuple[Change, ...]


@dataclass
class DiffReport:
    entries: int = 0
    services: list[ServiceChange] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)  # kind -> services changed that way
    invalid: list[str] = field(default_factory=list)  # errors of entries neither pack can assess

    @property
    def changed(self) -> bool:
        return bool(self.services)

    def to_dict(self) -> dict[str, object]:
        return {
            "entries": self.entries,
            "changed": len(self.services),
            "changes_by_kind": {kind: self.counts[kind] for kind in compared()},
            "services": [
                {
                    "location": service.location,
                    "id": service.service_id,
                    "name": service.service_name,
                    "changes": [
                        {
                            "kind": change.kind,
                            "before": change.before,
                            "after": change.after,
                            "added": list(change.added),
                            "removed": list(change.removed),
                        }
                        for change in service.changes
                    ],
                }
                for service in self.services
            ],
        }


def _aspects(outcome: Outcome) -> dict[str, str]:
    """Each compared aspect of an outcome, as readable text."""
    if outcome.status != OK:
        return {"validity": "invalid"}
    aspects = {"validity": "valid"}
    for kind in kinds.parts():
        aspects.update(kind.diff_aspects(outcome.outline(kind)))
    return aspects


def compare(before: Outcome, after: Outcome) -> tuple[Change, ...]:
    old, new = _aspects(before), _aspects(after)
    if old["validity"] != new["validity"]:
        return (Change("validity", old["validity"], new["validity"]),)
    return tuple(Change(kind, old[kind], new[kind]) for kind in compared() if old.get(kind) != new.get(kind))


def diff_portfolio(
    inputs: Iterable[str | Path],
    base: RulePack,
    pack: RulePack,
    jobs: int | None = None,
    on_entry: Callable[[], None] | None = None,
) -> DiffReport:
    """The services whose assessment differs between the base pack and the new pack; `on_entry` is called
    after each entry (the CLI's progress bar). UsageError (exit 2) first for an input that cannot be read."""
    sources = list(inputs)
    problems = check_inputs(sources)
    if problems:
        raise UsageError("", problems)
    jobs = jobs or default_jobs()
    report = DiffReport()
    for before, after in assess_entries_with(iter_entries(sources), (base, pack), jobs, with_json=False):
        if on_entry is not None:
            on_entry()
        report.entries += 1
        if before.status != OK and after.status != OK:
            report.invalid.append(after.error or after.location)  # a missing file must not read "no change"
        changes = compare(before, after)
        if changes:
            name = after.service_name or before.service_name
            report.services.append(ServiceChange(after.location, after.service_id or before.service_id, name, changes))
            report.counts.update(change.kind for change in changes)
    return report


def render_diff(report: DiffReport, output_format: str = DIFF.default) -> str:
    """The report in a format of formats.DIFF (table, json, markdown)."""
    return DIFF.render(output_format, report)
