"""The portfolio reports a person reads: the HTML page (in headless Chromium), Markdown, and diff."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from batch_helpers import SCENARIOS, bundled, read_jsonl, run_cli, write_jsonl

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE = '<script>alert("x")</script> & "quotes"'


def portfolio(tmp_path: Path) -> Path:
    documents = bundled()
    documents[0] = {**documents[0], "service": {"id": "evil", "name": HOSTILE}}
    return write_jsonl(tmp_path / "in.jsonl", [*documents, '{"not": "closed"'])


class _Elements(HTMLParser):
    """Collects tags with their attributes and text, enough to check the page's structure."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.tags


def expected_counts(lines: list[dict]) -> dict[str, int]:
    valid = [line for line in lines if "status" not in line]
    return {
        "read": len(lines),
        "assessed": len(valid),
        "invalid": len(lines) - len(valid),
        "with-conflicts": sum(bool(line["conflicts"]) for line in valid),
        "pending-risks": sum(not risk["accepted"] for line in valid for risk in line["risks"]),
        "open-decisions": sum(len(line["open_decisions"]) for line in valid),
    }


def check_page(html: str, lines: list[dict]) -> None:
    tags = elements(html)
    counts = {
        attrs["id"]: int(attrs["data-count"] or 0) for _, attrs in tags if (attrs.get("id") or "").startswith("count-")
    }
    assert counts == {f"count-{key}": value for key, value in expected_counts(lines).items()}
    models = {attrs["data-model"]: int(attrs["data-count"] or 0) for tag, attrs in tags if tag == "g"}
    valid = [line for line in lines if "status" not in line]
    per_model: dict[str, int] = {}
    for line in valid:
        model = line["recommendation"]["model"] or "none"
        per_model[model] = per_model.get(model, 0) + 1
    assert models == per_model
    rows = [attrs for tag, attrs in tags if tag == "tr" and "service" in (attrs.get("class") or "").split()]
    assert len(rows) == len(lines)
    assert (
        sum("conflict" in (row.get("class") or "").split() for row in rows) == expected_counts(lines)["with-conflicts"]
    )
    open_cells = sum("p-tbd" in (attrs.get("class") or "") for tag, attrs in tags if tag == "span")
    legend = 1
    assert open_cells - legend == expected_counts(lines)["open-decisions"]


def test_html_is_self_contained_escaped_and_counts_match(tmp_path: Path) -> None:
    result = run_cli(
        "batch", portfolio(tmp_path), "--jobs", "1", "--out", tmp_path / "p.html", "--out", tmp_path / "p.jsonl"
    )
    assert result.exit_code == 3
    html = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;" in html
    assert "<script" not in html
    assert not re.search(r"""(src|href)\s*=|@import|url\(""", html), "the page must load nothing"
    check_page(html, read_jsonl(tmp_path / "p.jsonl"))


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (Debian package: chromium)")
def test_html_renders_in_headless_chromium(tmp_path: Path) -> None:
    run_cli("batch", portfolio(tmp_path), "--jobs", "1", "--out", tmp_path / "p.html", "--out", tmp_path / "p.jsonl")
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--dump-dom",
        (tmp_path / "p.html").as_uri(),
    ]
    rendered = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout
    assert "<h1>Operating model portfolio</h1>" in rendered
    assert "<script>alert" not in rendered  # the hostile name stayed text
    check_page(rendered, read_jsonl(tmp_path / "p.jsonl"))


def test_markdown_report_lists_every_entry_after_the_summary(tmp_path: Path) -> None:
    run_cli("batch", portfolio(tmp_path), "--jobs", "1", "--out", tmp_path / "p.md")
    markdown = (tmp_path / "p.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Operating model portfolio report\n")
    services = markdown[markdown.index("## Services") :]
    numbered = re.findall(r"^\| (\d+) \|", services, flags=re.MULTILINE)
    assert numbered == [str(n) for n in range(1, len(bundled()) + 2)]
    assert "&lt;script&gt;" in services and "<script>" not in markdown


def layer(tmp_path: Path) -> Path:
    """A rule layer that drops the contract-ownership conflict rule."""
    folder = tmp_path / "layer"
    folder.mkdir()
    (folder / "90-change.yaml").write_text("disable: [contract.accountable-without-contract]\n", encoding="utf-8")
    return folder


def test_diff_with_the_same_rules_changes_nothing(tmp_path: Path) -> None:
    result = run_cli("diff", SCENARIOS, "--base-rules", SCENARIOS.parent / "rules", "--jobs", "1")
    assert result.exit_code == 0
    assert result.output.startswith(f"0 of {len(bundled())} services change.")


def test_diff_reports_what_a_rule_change_changes(tmp_path: Path) -> None:
    rules = SCENARIOS.parent / "rules"
    result = run_cli(
        "diff", SCENARIOS, "--base-rules", rules, "--rules", layer(tmp_path), "--format", "json", "--jobs", "2"
    )
    assert result.exit_code == 1
    report = json.loads(result.output)
    baseline = [
        line
        for line in (
            json.loads(run_cli("assess", p, "--format", "json").output) for p in sorted(SCENARIOS.glob("*.json"))
        )
    ]
    losing = [
        line["service"]["id"]
        for line in baseline
        if any(c["rule"] == "contract.accountable-without-contract" for c in line["conflicts"])
    ]
    assert [service["id"] for service in report["services"]] == losing
    assert report["changes_by_kind"]["conflicts"] == len(losing)
    assert report["services"][0]["changes"][0]["kind"] == "conflicts"
    markdown = run_cli("diff", SCENARIOS, "--base-rules", rules, "--rules", tmp_path / "layer", "--format", "markdown")
    assert "## Changes by kind" in markdown.output


def test_diff_reports_a_governance_area_a_rule_change_removes(tmp_path: Path) -> None:
    folder = tmp_path / "layer"
    folder.mkdir()
    (folder / "90-change.yaml").write_text("disable: [governance.continuity]\n", encoding="utf-8")
    crm = SCENARIOS / "sales-crm-business-operated.json"
    rules = SCENARIOS.parent / "rules"
    result = run_cli("diff", crm, "--base-rules", rules, "--rules", folder, "--format", "json", "--jobs", "1")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["changes_by_kind"]["governance"] == 1
    (service,) = report["services"]
    (change,) = service["changes"]
    assert change["kind"] == "governance"
    assert "continuity" in change["before"].split(", ")
    assert change["after"].split(", ") == [area for area in change["before"].split(", ") if area != "continuity"]
