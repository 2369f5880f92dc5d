"""Helpers of the workbench tests: the bundled scenarios a workspace holds, the session token, a file's version."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from opsadvisor.web.workspace import version_of

SCENARIOS = Path(__file__).resolve().parent.parent.parent / "scenarios"
MIXED = "field-service-mixed.json"  # its it_controls cell is an open decision; business there raises a risk
HR = "hr-portal-it-operated-decided-otherwise.json"  # five pending risks


def token(client: TestClient) -> str:
    return client.app.state.bench.token  # type: ignore[attr-defined,no-any-return]


def version(client: TestClient, name: str) -> str:
    return version_of(client.app.state.bench.workspace.root / name)  # type: ignore[attr-defined]
