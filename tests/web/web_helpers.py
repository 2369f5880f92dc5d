"""Helpers of the workbench tests: the bundled scenarios a workspace holds, the session token, a file's version."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.testclient import TestClient

from opsadvisor.web.workspace import version_of

SCENARIOS = Path(__file__).resolve().parent.parent.parent / "scenarios"
MIXED = "field-service-mixed.json"  # its it_controls cell is an open decision; business there raises a risk
HR = "hr-portal-it-operated-decided-otherwise.json"  # five pending risks
LEDGER = "ledger-mixed-critical-regulated.json"  # its problem cell is open; the business there raises a risk


def token(client: TestClient) -> str:
    return _app(client).state.bench.token


def version(client: TestClient, name: str) -> str:
    return version_of(_app(client).state.bench.workspace.root / name)


def _app(client: TestClient) -> Starlette:
    """The workbench application the client drives (the client types it as any ASGI app)."""
    assert isinstance(client.app, Starlette)
    return client.app
