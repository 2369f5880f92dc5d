"""HTML portfolio page: one self-contained file that opens fast at 100,000 services.

The overview is rendered here (autoescaped Jinja, opsadvisor/templates/portfolio.html.j2): count
tiles, a chart and table of models x modes, conflicts and risks by kind in words, governance areas,
an aggregated process x party heat map, and the services with the most findings with their texts.
The service list is compact JSON data (one short array per service, ids as indexes into tables)
rendered by a small inline script (portfolio.js): search, sort, filters (model, conflict kind,
risk, process party) and a foldable detail per service, a page at a time.

Nothing is loaded from elsewhere, and a Content-Security-Policy allows only that script (by its
hash) and the inline style. The data sits in a `<script type="application/json">` with `<`, `>` and
`&` written as JSON escapes, so no service text can close it; the script puts text in the page
with textContent only. Counts carry `data-count` attributes so that tests can read them back.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ...files import Spool, text_file
from ...render.templating import markup, template
from ...rulepack import version_parts
from ...text import PARTIES, party_letter
from ..runner import INVALID, Outcome
from ..summary import Summary
from . import ReportContext
from .drift_heat import drift_heat
from .xlsx import findings_of, without_trace

BAR_WIDTH = 56
CHART_HEIGHT = 160
TOP = 10
HEAT_PARTIES = ("it_ops", "it_delivery", "business", "tbd", "n/a")
_JSON_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def script_json(value: Any) -> str:
    """Compact JSON safe inside a <script> element: no `<`, `>` or `&` (written as JSON escapes)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_JSON_ESCAPES)


@dataclass(frozen=True)
class PartyBadge:
    """How an accountability cell value shows: its letter, label and CSS class."""

    letter: str
    label: str
    css: str


def _mark(value: str) -> PartyBadge:
    known = PARTIES.get(value)
    css = "p-na" if value == "n/a" else f"p-{value}" if known else "p-other"
    return PartyBadge(party_letter(value), known.legend if known else value, css)


def _chart(per_model: dict[str, int]) -> dict[str, Any]:
    """An inline SVG bar chart: one bar per model, its count written above it, its model under it (a
    suggested model's "(suggested)" on a second line)."""
    top = max(per_model.values(), default=0) or 1
    width = max(len(per_model), 1) * (BAR_WIDTH + 24) + 24
    bars: list[dict[str, Any]] = []
    for index, (model, count) in enumerate(per_model.items()):
        x = 24 + index * (BAR_WIDTH + 24)
        height = round(CHART_HEIGHT * count / top)
        y = 20 + CHART_HEIGHT - height
        bars.append(
            {
                "model": model,
                "lines": model.split(" ", 1),
                "count": count,
                "x": x,
                "y": y,
                "height": height,
                "middle": x + BAR_WIDTH // 2,
            }
        )
    second_line = any(len(bar["lines"]) > 1 for bar in bars)
    return {
        "width": width,
        "height": CHART_HEIGHT + (62 if second_line else 48),
        "bar_width": BAR_WIDTH,
        "label_y": CHART_HEIGHT + 38,
        "bars": bars,
    }


class _Index(dict[Any, int]):
    """Strings (or tuples of them) to small numbers, in order of first use: the data's tables."""

    def of(self, key: Any) -> int:
        return self.setdefault(key, len(self))


def _split_location(location: str) -> tuple[str, str]:
    """'dir/in.csv:row 7' -> ('dir/in.csv', ':row 7'): the file is stored once, in a table."""
    for mark in (":line ", ":row ", "["):
        at = location.rfind(mark)
        if at > 0:
            return location[:at], location[at:]
    return location, ""


class HtmlWriter:
    needs_json = True  # the texts of the services with the most findings
    lines = None  # it takes each Outcome

    def __init__(self, path: Path, context: ReportContext) -> None:
        self.path = path
        self.context = context
        self.spool = Spool(path)
        self.count = 0
        self.open_decisions = 0
        self.kinds, self.risks, self.files, self.conflicts = _Index(), _Index(), _Index(), _Index()
        self.process_index = {process: index for index, (process, _) in enumerate(context.processes)}
        self.heat: Counter[tuple[int, int, str]] = Counter()
        self.top: list[tuple[int, int, str]] = []

    def add(self, outcome: Outcome) -> None:
        self.count += 1
        self.spool.write(script_json(self._row(outcome)) + "\n")
        if outcome.status == INVALID:
            return
        self.open_decisions += outcome.open_decisions
        for process, cell in enumerate(outcome.cells):
            for column, value in enumerate(cell):
                self.heat[(process, column, value)] += 1
        key = (outcome.findings, -self.count, outcome.json or "")
        if key[0] and (len(self.top) < TOP or key > self.top[0]):
            (heapq.heappush if len(self.top) < TOP else heapq.heapreplace)(self.top, key)

    def _row(self, outcome: Outcome) -> list[Any]:
        """[id, name, model, mode, suggested, conflicts, pending risks, governance, open decisions, matrix
        letters, file, place, error] (portfolio.js reads it)."""
        file, place = _split_location(outcome.location)
        base = [outcome.service_id or "", outcome.service_name or ""]
        if outcome.status == INVALID:
            return [*base, "", 0, 0, [], [], [], 0, "", self.files.of(file), place, outcome.error or ""]
        model, mode, suggested, _ = outcome.outlines["recommendation"]
        risks = [self.risks.of(risk) for risk, accepted in outcome.outlines.get("risks", ()) if not accepted]
        governance = [self.process_index.get(process, -1) for process in outcome.outlines.get("governance_areas", ())]
        matrix = "".join(party_letter(value) for cell in outcome.cells for value in cell)
        return [
            *base,
            model or "none",
            mode or 0,
            int(suggested),
            self._conflicts(outcome),
            risks,
            governance,
            outcome.open_decisions,
            matrix,
            self.files.of(file),
            place,
        ]

    def _conflicts(self, outcome: Outcome) -> list[int]:
        """One entry of the conflicts table per conflict, in the report's order (so a count is of findings):
        its kind and its message, split where the service's name is (joined again with the row's name),
        so that services whose messages differ only by their names share an entry."""
        if not outcome.conflicts:
            return []
        name = outcome.service_name or ""
        conflicts = without_trace(outcome.json or "{}").get("conflicts", [])
        return [
            self.conflicts.of(
                (self.kinds.of(item["kind"]), *(item["message"].split(name) if name else [item["message"]]))
            )
            for item in conflicts
        ]

    def _rows(self) -> Iterator[str]:
        separator = ""
        for line in self.spool.lines():
            yield separator + line.rstrip("\n")
            separator = ",\n"

    def _tables(self) -> str:
        """The data's tables, as the opening of its JSON object (the rows follow)."""
        tables = {
            "processes": [name for _, name in self.context.processes],
            "kinds": [[kind, self.context.kind_label(kind)] for kind in self.kinds],
            "conflicts": [list(conflict) for conflict in self.conflicts],  # [kind, message parts...]
            "risks": [[risk, self.context.risk_label(risk)] for risk in self.risks],
            "files": list(self.files),
            "parties": {mark.letter: mark.label for mark in map(_mark, PARTIES)},
        }
        return script_json(tables)[:-1] + ',"rows":[\n'

    def _heat_map(self) -> list[dict[str, Any]]:
        """Per process: how many services have each party accountable for the application and the interface."""
        rows = []
        for index, (_, name) in enumerate(self.context.processes):
            cells: list[dict[str, Any]] = [
                {"count": self.heat[(index, column, value)], "css": _mark(value).css, "party": value}
                for column in (0, 1)
                for value in HEAT_PARTIES
            ]
            top = max((cell["count"] for cell in cells), default=0) or 1
            for cell in cells:
                cell["level"] = round(4 * cell["count"] / top)
            rows.append({"name": name, "cells": cells})
        return rows

    def _top_services(self) -> list[dict[str, Any]]:
        """The services with the most findings, most first, each with its findings in words."""
        services = []
        for findings, _, encoded in sorted(self.top, reverse=True):
            document = json.loads(encoded)
            services.append(
                {
                    "id": document["service"]["id"],
                    "name": document["service"]["name"],
                    "findings": findings,
                    "findings_list": findings_of(document, self.context),
                }
            )
        return services

    def finish(self, summary: Summary) -> None:
        rules_version, rules_note = version_parts(self.context.rules_version)
        code, style = (_asset(name) for name in ("portfolio.js", "portfolio.css"))
        page = template("portfolio.html.j2")
        conflicts = summary.conflicts
        risks = summary.tallies["risks"]
        figures = [
            ("read", "entries read", summary.read),
            ("assessed", "assessed", summary.assessed),
            ("invalid", "invalid", summary.invalid),
            ("with-conflicts", "services with conflicts", summary.services_with_conflicts),
            ("pending-risks", "risks pending", summary.pending_risks),
            ("open-decisions", "open decisions", self.open_decisions),
        ]
        names = self.context.process_names
        parts = page.generate(
            figures=figures,
            csp=f"default-src 'none'; script-src '{_hash(code)}'; style-src '{_hash(style)}'",
            style=markup(style),
            code=markup(code),
            chart=_chart(summary.per_model()),
            modes=sorted(summary.tallies["recommendation"].items()),
            conflicts=[
                (self.context.kind_label(kind), self.context.conflict_kinds.get(kind, ""), count)
                for kind, count in sorted(conflicts.items(), key=lambda item: (-item[1], item[0]))
            ],
            risks=[
                (self.context.risk_label(risk), risk, pending, accepted)
                for risk, (pending, accepted) in sorted(risks.items(), key=lambda item: (-item[1][0], item[0]))
            ],
            governance=[
                (names.get(process, process), count)
                for process, count in sorted(
                    summary.tallies["governance_areas"].items(), key=lambda item: (-item[1], item[0])
                )
            ],
            heat=self._heat_map(),
            heat_parties=[_mark(value) for value in HEAT_PARTIES],
            drift=drift_heat(summary, names),
            top=self._top_services(),
            data_head=markup(self._tables()),
            rows=(markup(row) for row in self._rows()),
            rules_version=rules_version,
            rules_note=rules_note,
        )
        with text_file(self.path) as out:
            out.writelines(parts)
        self.spool.close()

    def abort(self) -> None:
        self.spool.close()


def _asset(name: str) -> str:
    """The inline script or style of the page (opsadvisor/templates), without its final newline."""
    return resources.files("opsadvisor").joinpath("templates", name).read_text(encoding="utf-8").rstrip("\n")


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
