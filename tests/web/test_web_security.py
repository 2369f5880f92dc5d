"""Safe by default: CSRF, the workspace's bounds, CSP without inline script, escaping, size and host limits."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from opsadvisor.web.app import create_app
from opsadvisor.web.workspace import OutsideWorkspace, Workspace

from .web_helpers import HR, MIXED, token, version

POSTS = ("/new", "/preview", f"/edit/{MIXED}", f"/s/{MIXED}/decide", f"/s/{MIXED}/accept")


@pytest.mark.parametrize("url", POSTS)
def test_every_state_changing_request_needs_the_csrf_token(workspace: Path, client: TestClient, url: str) -> None:
    before = {path.name: path.read_bytes() for path in workspace.iterdir()}
    data = {
        "version": version(client, MIXED),
        "process": "licence",
        "application": "business",
        "service.id": "x",
        "service.name": "x",
        "file": "x",
        "risk": "personal-data-outside-it",
        "role": "business_owner",
        "name": "Jo",
    }
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        assert client.post(url, data=data, headers=headers).status_code == 403
    assert client.post(url, data={**data, "csrf": "forged"}).status_code == 403
    assert {path.name: path.read_bytes() for path in workspace.iterdir()} == before


def test_no_path_outside_the_workspace_is_reachable(workspace: Path, client: TestClient, tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"service": {"id": "secret", "name": "Top secret"}}), encoding="utf-8")
    (workspace / "link-out.json").symlink_to(secret)
    (workspace / "dir-out").symlink_to(tmp_path)
    for url in (
        "/s/..%2Fsecret.json",
        "/s/%2E%2E/secret.json",
        "/s//etc/passwd",
        f"/s/{secret}",
        "/s/link-out.json",
        "/s/dir-out/secret.json",
        "/edit/link-out.json",
        "/s/link-out.json/workshop",
        "/s/..%5Csecret.json",
    ):
        answer = client.get(url)
        assert answer.status_code == 404 and "Top secret" not in answer.text, url
    assert "Top secret" not in client.get("/").text and "Top secret" not in client.get("/portfolio").text


@pytest.mark.parametrize(
    "name", ["../secret.json", "/etc/passwd.json", "a/../../b.json", "", "a\\..\\b.json", "notes.txt"]
)
def test_the_workspace_resolves_only_json_files_inside_it(workspace: Path, name: str) -> None:
    with pytest.raises(OutsideWorkspace):
        Workspace(workspace, None).resolve(name)  # type: ignore[arg-type]


def test_pages_run_no_inline_script_under_a_strict_csp(client: TestClient) -> None:
    for url in ("/", "/portfolio", "/rules", "/new", f"/s/{HR}", f"/s/{HR}/workshop", f"/edit/{HR}", "/nowhere"):
        answer = client.get(url)
        csp = answer.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert answer.headers["x-content-type-options"] == "nosniff"
        scripts = re.findall(r"<script[^>]*>", answer.text)
        assert all('src="/static/' in tag for tag in scripts), url
        assert not re.search(r"\son[a-z]+=|\sstyle=|javascript:", answer.text), url


HOSTILE = '<script>alert("x")</script>"\'&'


def test_hostile_names_are_escaped_everywhere(workspace: Path, client: TestClient) -> None:
    document = {
        "service": {"id": "evil", "name": HOSTILE, "business_owner": HOSTILE},
        "ambition": "business_operated",
        "criticality": "critical",
        "integrations": [{"system": HOSTILE, "type": "api"}],
    }
    (workspace / "evil.json").write_text(json.dumps(document), encoding="utf-8")
    for url in ("/", "/portfolio", "/s/evil.json", "/s/evil.json/workshop", "/edit/evil.json"):
        text = client.get(url).text
        assert "<script>alert" not in text and "&lt;script&gt;alert" in text, url
    answer = client.post(
        "/preview",
        data={"service.id": "x", "service.name": HOSTILE, "users": HOSTILE},
        headers={"X-CSRF-Token": token(client)},
    )
    assert "<script>alert" not in answer.text


def test_a_request_too_large_is_refused(client: TestClient) -> None:
    big = {"csrf": token(client), "service.name": "x" * 300_000}
    assert client.post("/preview", data=big).status_code == 413


def test_another_host_name_is_refused(workspace: Path) -> None:
    rebinding = TestClient(create_app(workspace), base_url="http://evil.example")
    assert rebinding.get("/").status_code == 400


def test_a_control_character_in_a_scenario_is_refused_not_shown(workspace: Path, client: TestClient) -> None:
    """Terminal escapes never reach a page: the contract refuses them, and the list shows the error instead."""
    document = {"service": {"id": "esc", "name": "Title\x1b]0;pwned\x07"}, "ambition": "mixed"}
    (workspace / "esc.json").write_text(json.dumps(document), encoding="utf-8")
    page = client.get("/").text
    assert "\x1b" not in page and "\x07" not in page
    assert "expected text without control characters" in page
