"""Fixtures of the workbench tests: a workspace folder of scenario files, and a client of its server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from opsadvisor.web.app import create_app

SCENARIOS = Path(__file__).resolve().parent.parent.parent / "scenarios"
MIXED = "field-service-mixed.json"  # its it_controls cell is an open decision; business there raises a risk
HR = "hr-portal-it-operated-decided-otherwise.json"  # five pending risks


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    folder.mkdir()
    for name in (MIXED, HR, "payroll-it-operated.json"):
        shutil.copy(SCENARIOS / name, folder / name)
    return folder


@pytest.fixture
def client(workspace: Path) -> TestClient:
    return TestClient(create_app(workspace), base_url="http://127.0.0.1")


def token(client: TestClient) -> str:
    return client.app.state.bench.token  # type: ignore[attr-defined,no-any-return]


def version(client: TestClient, name: str) -> str:
    from opsadvisor.web.workspace import version_of

    return version_of(client.app.state.bench.workspace.root / name)  # type: ignore[attr-defined]
