"""Fixtures shared by the tests; helpers the tests import live in tests/helpers.py."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from .helpers import write_json

# No per-example deadline: on a loaded machine (CI, two cores shared) one slow example is not a bug.
settings.register_profile("opsadvisor", deadline=None)
settings.load_profile("opsadvisor")


@pytest.fixture(autouse=True, scope="session")
def plain_output() -> None:
    """Reports as written to a file, whatever the developer's shell exports (terminal.py reads COLUMNS)."""
    os.environ.pop("COLUMNS", None)


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory: pytest.TempPathFactory):
    """Keep the rule-file cache of the test run out of the user's cache folder."""
    previous = os.environ.get("OPSADVISOR_CACHE_DIR")
    os.environ["OPSADVISOR_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if previous is None:
        del os.environ["OPSADVISOR_CACHE_DIR"]
    else:
        os.environ["OPSADVISOR_CACHE_DIR"] = previous


@pytest.fixture
def scenario_file(tmp_path: Path):
    """Write a scenario document to a temporary file and return its path."""

    def make(document: Any, name: str = "scenario.json") -> Path:
        return write_json(tmp_path / name, document)

    return make
