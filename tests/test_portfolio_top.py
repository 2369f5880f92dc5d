"""The HTML portfolio report's "Services with the most findings": with more than ten services that have
findings, the ten with the most, most first (docs/batch.md: findings are conflicts, risks nobody has
accepted and open decisions)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from .batch_helpers import SCENARIOS, read_jsonl, run_cli

TOP = 10
LISTED = re.compile(r"<li><strong>(?P<name>[^<]*)</strong> \((?P<id>[^)]*)\): (?P<findings>\d+) findings")


def findings(line: dict[str, Any]) -> int:
    pending = sum(not risk["accepted"] for risk in line["risks"])
    return len(line["conflicts"]) + pending + len(line["open_decisions"])


def listed(page: str) -> list[tuple[str, str, int]]:
    """(name, id, findings) of each service in the page's top list, in its order."""
    section = page.split("<section id=top>", 1)[1].split("</section>", 1)[0]
    return [
        (html.unescape(match["name"]), html.unescape(match["id"]), int(match["findings"]))
        for match in LISTED.finditer(section)
    ]


def test_the_html_lists_the_ten_services_with_the_most_findings_most_first(tmp_path: Path) -> None:
    report, lines = tmp_path / "portfolio.html", tmp_path / "portfolio.jsonl"
    result = run_cli("batch", SCENARIOS, "--jobs", "1", "-q", "--out", report, "--out", lines)
    assert result.exit_code == 0, result.output
    counted = {(line["service"]["name"], line["service"]["id"]): findings(line) for line in read_jsonl(lines)}
    with_findings = sorted((count for count in counted.values() if count), reverse=True)
    assert len(with_findings) > TOP  # the bundled scenarios: more services with findings than the list holds

    top = listed(report.read_text(encoding="utf-8"))
    assert [count for _, _, count in top] == with_findings[:TOP]  # the largest counts, most first
    assert all(counted[(name, sid)] == count for name, sid, count in top)  # each service's own count
    assert len({(name, sid) for name, sid, _ in top}) == TOP
