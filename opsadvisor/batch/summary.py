"""The portfolio summary: counts gathered entry by entry (memory does not grow with the portfolio)."""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field

from .runner import INVALID, Outcome

TOP = 10
NO_MODEL = "none"


@dataclass
class Summary:
    """Counts over the whole portfolio, plus the services with the most findings."""

    read: int = 0
    assessed: int = 0
    invalid: int = 0
    models: Counter[tuple[str, str]] = field(default_factory=Counter)  # (model, mode) -> services
    conflicts: Counter[str] = field(default_factory=Counter)  # kind -> conflicts
    services_with_conflicts: int = 0
    risks: dict[str, list[int]] = field(default_factory=dict)  # risk id -> [pending, accepted]
    governance: Counter[str] = field(default_factory=Counter)  # process id -> services
    _top: list[tuple[int, int, str, str, str]] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.read += 1
        if outcome.status == INVALID:
            self.invalid += 1
            return
        self.assessed += 1
        mode = "-" if outcome.mode is None else str(outcome.mode)
        self.models[(outcome.model or NO_MODEL, mode)] += 1
        self.conflicts.update(outcome.conflicts)
        self.services_with_conflicts += bool(outcome.conflicts)
        for risk_id, accepted in outcome.risks:
            self.risks.setdefault(risk_id, [0, 0])[accepted] += 1
        self.governance.update(outcome.governance)
        # the earliest entry wins a tie: its key (-index) is the larger one
        key = (outcome.findings, -self.read, outcome.location, outcome.service_id or "", outcome.service_name or "")
        if len(self._top) < TOP:
            heapq.heappush(self._top, key)
        elif key > self._top[0]:
            heapq.heapreplace(self._top, key)

    def per_model(self) -> dict[str, int]:
        """Services per recommended model ("none" when no model is recommended), in model order."""
        counts: Counter[str] = Counter()
        for (model, _), count in self.models.items():
            counts[model] += count
        return dict(sorted(counts.items(), key=lambda item: (item[0] == NO_MODEL, item[0])))

    @property
    def pending_risks(self) -> int:
        return sum(pending for pending, _ in self.risks.values())

    @property
    def accepted_risks(self) -> int:
        return sum(accepted for _, accepted in self.risks.values())

    def top_services(self) -> list[tuple[str, str, str, int]]:
        """(location, id, name, findings) of the services with the most findings, most first."""
        ranked = sorted(self._top, reverse=True)
        return [(location, sid, name, findings) for findings, _, location, sid, name in ranked if findings]

    def tables(self, process_names: dict[str, str]) -> list[tuple[str, list[str], list[tuple[object, ...]]]]:
        """The summary as (title, headers, rows) tables, shared by the terminal, Markdown and HTML."""
        return [
            ("Entries", ["read", "assessed", "invalid"], [(self.read, self.assessed, self.invalid)]),
            (
                "Services per model and mode",
                ["model", "mode", "services"],
                [(model, mode, count) for (model, mode), count in sorted(self.models.items())],
            ),
            ("Conflicts by kind", ["kind", "conflicts"], sorted(self.conflicts.items())),
            (
                "Risks",
                ["risk", "pending", "accepted"],
                [(risk, pending, accepted) for risk, (pending, accepted) in sorted(self.risks.items())]
                + [("total", self.pending_risks, self.accepted_risks)],
            ),
            (
                "Governance areas (where IT can add value)",
                ["process", "services"],
                [
                    (process_names.get(process, process), count)
                    for process, count in sorted(self.governance.items(), key=lambda item: (-item[1], item[0]))
                ],
            ),
            (
                f"Services with the most findings (top {TOP})",
                ["service", "name", "location", "findings"],
                [(sid, name, location, findings) for location, sid, name, findings in self.top_services()],
            ),
        ]


def render_summary(summary: Summary, process_names: dict[str, str]) -> str:
    """The terminal summary (tabulate)."""
    from tabulate import tabulate  # imported here: it is slow to import and only reports need it

    out: list[str] = ["opsadvisor batch summary", "========================"]
    for title, headers, rows in summary.tables(process_names):
        out += ["", title, "-" * len(title)]
        out.append(tabulate(rows, headers=headers, disable_numparse=True) if rows else "None.")
    out.append("")
    return "\n".join(out)
