"""An example portfolio of any size (`opsadvisor batch --example N`), to try the reports and measure a
batch at the scale the docs quote without a real export.

Each service takes the shape of one of the bundled scenarios (opsadvisor/scenarios, `scenarios/` in a
checkout): its ambition, hosting, contract, integrations, recorded decisions and acceptances. It gets
its own id, name and owner, and about half the services also differ in the facts that vary most
across a real portfolio (criticality, users, lifecycle, data classification, service hours), so the
portfolio holds repeated profiles (one SaaS product in several departments) as well as distinct ones.
Every service is valid. A seeded generator draws the choices: the same count and seed give the same
services in the same order, on any machine.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from ..contract import CLASSIFICATIONS, CRITICALITIES, LIFECYCLES, SUPPORT_HOURS

AREAS = ("Finance", "Sales", "HR", "Operations", "Marketing", "R&D", "Legal", "Procurement", "Logistics", "Risk")
USERS = (15, 40, 120, 300, 800, 2500, 12000)
VARIED = 0.5  # the share of services whose facts differ from their shape's


def scenarios_dir() -> Path:
    """The bundled scenarios: inside the installed package, or `scenarios/` beside it in a checkout."""
    package = Path(__file__).parent.parent
    installed = package / "scenarios"
    return installed if installed.is_dir() else package.parent / "scenarios"


@cache
def shapes() -> tuple[dict[str, Any], ...]:
    """The bundled scenarios, in file name order."""
    return tuple(json.loads(path.read_text(encoding="utf-8")) for path in sorted(scenarios_dir().glob("*.json")))


def example_portfolio(count: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    """`count` scenarios (JSON documents) made from the bundled scenarios' shapes, the same for the same
    seed; ids are `SHAPE-N` (N from 1, zero-padded to the width of `count`), so each is unique."""
    if count < 0:
        raise ValueError(f"an example portfolio holds 0 or more services; found {count}")
    rng = random.Random(seed)
    width = len(str(count))
    for number in range(1, count + 1):
        document = copy.deepcopy(rng.choice(shapes()))
        area = rng.choice(AREAS)
        service = document["service"]
        service["id"] = f"{service['id']}-{number:0{width}d}"
        service["name"] = f"{service['name']} ({area} {number})"
        service["business_owner"] = f"{area} lead {rng.randint(1, 40)}"
        if rng.random() < VARIED:
            _vary(document, rng)
        yield document


def _vary(document: dict[str, Any], rng: random.Random) -> None:
    """Draw the facts that differ most between otherwise alike services, where the shape states them."""
    choices: dict[str, tuple[Any, ...]] = {
        "criticality": CRITICALITIES,
        "users": USERS,
        "lifecycle": LIFECYCLES,
        "service_hours": SUPPORT_HOURS,
    }
    for key, values in choices.items():
        if key in document:
            document[key] = rng.choice(values)
    data = document.get("data")
    if isinstance(data, dict) and "classification" in data:
        data["classification"] = rng.choice(CLASSIFICATIONS)
