"""The portfolio reports a person reads: the HTML page (in headless Chromium), Markdown, and diff."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .batch_helpers import SCENARIOS, bundled, read_jsonl, run_cli, write_jsonl

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


def page_data(html: str) -> dict:
    """The JSON data the page's script renders the service list from."""
    found = re.search(r'<script type="application/json" id="?data"?>(.*?)</script>', html, re.S)
    assert found, "the page carries its data"
    return json.loads(found.group(1))


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
        model += " (suggested)" if line["recommendation"]["suggestion"] else ""  # apart, as in every table
        per_model[model] = per_model.get(model, 0) + 1
    assert models == per_model
    rows = page_data(html)["rows"]
    assert [row[0] for row in rows] == [(line.get("service") or {}).get("id") or "" for line in lines]
    assert sum(bool(row[5]) for row in rows) == expected_counts(lines)["with-conflicts"]
    assert sum(row[8] for row in rows) == expected_counts(lines)["open-decisions"]
    assert sum(len(row[6]) for row in rows) == expected_counts(lines)["pending-risks"]


def test_html_is_self_contained_escaped_and_counts_match(tmp_path: Path) -> None:
    result = run_cli(
        "batch", portfolio(tmp_path), "--jobs", "1", "--out", tmp_path / "p.html", "--out", tmp_path / "p.jsonl"
    )
    assert result.exit_code == 3
    html = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert HOSTILE not in html and "<script>alert" not in html
    assert "\\u003cscript\\u003ealert" in html  # the data: no text can close its <script>
    scripts = [attrs for tag, attrs in elements(html) if tag == "script"]
    assert scripts == [{"type": "application/json", "id": "data"}, {}]
    assert not re.search(r"""(src|href)\s*=|@import|url\(""", html), "the page must load nothing"
    code = re.search(r"<script>(.*?)</script>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
    policy = next(
        attrs["content"] for tag, attrs in elements(html) if attrs.get("http-equiv") == "Content-Security-Policy"
    )
    assert f"script-src 'sha256-{digest}'" in policy and "default-src 'none'" in policy
    check_page(html, read_jsonl(tmp_path / "p.jsonl"))


def chromium_dom(page: Path, state: str, profile: Path) -> str:
    """The page's DOM after its script ran, in headless Chromium, with a state in the address (#...)."""
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--dump-dom",
        page.as_uri() + state,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    assert "Content Security Policy" not in done.stderr, "the page's own script and style are allowed"
    return done.stdout


def shown_rows(dom: str) -> list[str]:
    """The ids of the service rows the list shows."""
    return re.findall(r'<tr class="svc[^"]*" data-index="\d+"><td>([^<]*)</td>', dom)


@pytest.mark.no_faketime
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (Debian package: chromium)")
def test_html_list_filters_and_detail_match_the_data_in_chromium(tmp_path: Path) -> None:
    run_cli("batch", portfolio(tmp_path), "--jobs", "1", "--out", tmp_path / "p.html", "--out", tmp_path / "p.jsonl")
    lines = read_jsonl(tmp_path / "p.jsonl")
    with_conflicts = [index for index, line in enumerate(lines) if line.get("conflicts")]
    # the payments hub: DORA obligations, several conflicts of one kind, each with its own message
    first = next(index for index in with_conflicts if lines[index]["service"]["id"] == "payments-hub")
    dom = chromium_dom(tmp_path / "p.html", f"#f-kind=*&open={first}", tmp_path / "profile")
    assert "<h1>Operating model portfolio</h1>" in dom and "<script>alert" not in dom
    assert '<td>&lt;script&gt;alert("x")&lt;/script&gt; &amp; "quotes"</td>' in chromium_dom(
        tmp_path / "p.html", "#q=evil", tmp_path / "profile"
    )  # the hostile name is text
    check_page(dom, lines)
    assert int(re.search(r'id="shown" data-count="(\d+)"', dom).group(1)) == len(with_conflicts)
    assert sorted(shown_rows(dom)) == sorted(lines[index]["service"]["id"] for index in with_conflicts)
    detail = re.search(r'<tr class="detail">(.*?)</tr></tbody>', dom, re.S).group(1)
    conflicts = lines[first]["conflicts"]
    assert [conflict["kind"] for conflict in conflicts].count("obligation") >= 2
    shown = re.findall(r"<li>([^<]*)</li>", detail.split("Conflicts (", 1)[1].split("</ul>", 1)[0])
    assert shown == [f"{c['kind'].replace('_', ' ')}: {escape(c['message'], quote=False)}" for c in conflicts]
    assert f"Conflicts ({len(conflicts)})" in detail  # findings, as every other output counts them
    dom = chromium_dom(tmp_path / "p.html", "#f-model=B&f-process=0&f-party=B", tmp_path / "profile")
    wanted = [
        line["service"]["id"]
        for line in lines
        if "status" not in line
        and line["recommendation"]["model"] == "B"
        and "business" in (line["accountability"][0]["application"], line["accountability"][0]["interface"])
    ]
    assert sorted(shown_rows(dom)) == sorted(wanted) and wanted


def test_markdown_report_lists_every_entry_after_the_summary(tmp_path: Path) -> None:
    run_cli("batch", portfolio(tmp_path), "--jobs", "1", "--out", tmp_path / "p.md")
    markdown = (tmp_path / "p.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Operating model portfolio report\n")
    services = markdown[markdown.index("## Services") :]
    numbered = re.findall(r"^\| (\d+) \|", services, flags=re.MULTILINE)
    assert numbered == [str(n) for n in range(1, len(bundled()) + 2)]
    assert "&lt;script>" in services and "<script>" not in markdown


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
