"""Fixtures of the workbench tests: a workspace folder of scenario files, and a client of its server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from opsadvisor.web.app import create_app

from .web_helpers import HR, LEDGER, MIXED, SCENARIOS


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    folder.mkdir()
    for name in (MIXED, HR, "payroll-it-operated.json", LEDGER):
        shutil.copy(SCENARIOS / name, folder / name)
    return folder


@pytest.fixture
def client(workspace: Path) -> TestClient:
    return TestClient(create_app(workspace), base_url="http://127.0.0.1")
