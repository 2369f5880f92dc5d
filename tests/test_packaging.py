"""Packaging: what a non-editable `pip install .` ships must include every part of the package."""

from __future__ import annotations

import configparser

from conftest import ROOT


def test_every_subpackage_is_listed_in_setup_cfg() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    on_disk = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "opsadvisor").rglob("__init__.py")}
    assert on_disk <= listed, f"add to setup.cfg [options] packages: {sorted(on_disk - listed)}"
    assert "opsadvisor.rules" in listed and config["options"]["package_dir"].split() == [
        "opsadvisor.rules",
        "=",
        "rules",
    ]
