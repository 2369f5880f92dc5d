"""How an organisation pack's size affects building, assessing, checking and explaining.

    python benchmarks/pack_limits.py [--sizes 50,240,1000,5000] [--shape mixed] [--seed 7] [--timeout 120]

For each size N it writes the default pack's layer plus N extra rules (seeded, so every run builds
the same pack) and times, each step in a fresh child process killed after --timeout seconds (a
durable_rules limit can make a native call loop forever):
- build: load the pack and compile the assessment engine;
- assess: build, then assess every bundled scenario (the time shown is the assessments alone);
- check: `rules check` on the layer (loading included);
- explain: build, then explain one bundled scenario (its matcher compiled on first use: included).
Each child starts with an empty cache (OPSADVISOR_CACHE_DIR): the figures are those of the first process
after the rules change; the next ones take the compiled pack and its network plan from the cache.

Shapes of the extra rules (--shape):
- mixed: what an organisation writes: 1 to 4 conditions drawn from the whole vocabulary (lists of
  values, `at_least`, `any` groups, counts, sets), a quarter of them deriving a fact that others test;
- similar: every rule `criticality: {at_least: high}` plus a threshold on users (a generated
  family of near-identical rules);
- thresholds: every rule a different `users: {gt: n}` only;
- any-thresholds: every rule `any: [{users: {gt: 1000 + n}}, {integrations: {gt: n}}]` (two new
  tests right after the service fact's type per rule);
- any14: one rule with 14 `any` groups of two alternatives (N is ignored);
- long-text: rules deriving text values that differ only after 70,000 characters (N pairs).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from child import run_child  # benchmarks/child.py: a script's own folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.json"))
STEPS = ("build", "assess", "check", "explain")

CHOICES = {
    "ambition": ["it_operated", "business_operated", "mixed", "undecided"],
    "hosting": ["saas", "vendor_hosted", "on_premise", "cloud"],
    "contract_owner": ["it", "business", "none"],
    "lifecycle": ["pilot", "scaling", "mature", "retiring"],
}
ORDERED = {
    "criticality": ["low", "medium", "high", "critical"],
    "data.classification": ["public", "internal", "confidential", "restricted"],
}
SETS = {
    "regulations": ["gdpr", "sox", "dora", "nis2", "hipaa", "pci_dss"],
    "business_capabilities": ["support_desk", "vendor_management", "change_control", "access_management"],
}


def _rule(rule_id: str, when: dict[str, Any], then: list[dict[str, Any]], priority: int) -> dict[str, Any]:
    return {"id": rule_id, "title": rule_id, "rationale": "generated", "priority": priority, "when": when, "then": then}


def _condition(rng: random.Random) -> tuple[str, Any]:
    kind = rng.choice(["choice", "choice", "ordered", "ordered", "number", "set", "flag", "any"])
    if kind == "choice":
        fact = rng.choice(sorted(CHOICES))
        values = CHOICES[fact]
        return (fact, rng.choice(values) if rng.random() < 0.5 else rng.sample(values, 2))
    if kind == "ordered":
        fact = rng.choice(sorted(ORDERED))
        return (fact, {rng.choice(["at_least", "at_most"]): rng.choice(ORDERED[fact][1:3])})
    if kind == "number":
        return (
            "users",
            {rng.choice(["gt", "lt", "gte"]): rng.choice([10, 50, 100, 500, 1000, 5000]) + rng.randint(0, 20)},
        )
    if kind == "set":
        fact = rng.choice(sorted(SETS))
        test = rng.choice(["contains", "lacks", "contains_any", "empty"])
        if test == "contains_any":
            return (fact, {test: rng.sample(SETS[fact], 2)})
        if test == "empty":
            return (fact, {test: rng.random() < 0.5})
        return (fact, {test: rng.choice(SETS[fact])})
    if kind == "flag":
        return (rng.choice(["vendor_run", "data.personal_data"]), rng.random() < 0.5)
    return ("any", [{"criticality": "critical"}, {"regulations": {"contains": rng.choice(SETS["regulations"])}}])


def mixed(size: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rules = []
    for number in range(size):
        when = dict(_condition(rng) for _ in range(rng.randint(1, 4)))
        then: list[dict[str, Any]] = [{"next_step": f"Organisation step {number}"}]
        if number % 4 == 0:
            then.append({"derive": {f"org_signal_{number % 40}": rng.choice(["raised", "noted"])}})
        elif number % 4 == 1 and number > 4:
            when[f"org_signal_{(number - 1) % 40}"] = "raised"
        rules.append(_rule(f"org.rule-{number:05d}", when, then, rng.choice([100, 200, 300, 500])))
    return rules


def similar(size: int, seed: int) -> list[dict[str, Any]]:
    return [
        _rule(
            f"org.similar-{n:05d}",
            {"criticality": {"at_least": "high"}, "users": {"gt": n}},
            [{"next_step": f"step {n}"}],
            200,
        )
        for n in range(size)
    ]


def thresholds(size: int, seed: int) -> list[dict[str, Any]]:
    return [_rule(f"org.users-{n:05d}", {"users": {"gt": n}}, [{"next_step": f"step {n}"}], 200) for n in range(size)]


def any_thresholds(size: int, seed: int) -> list[dict[str, Any]]:
    return [
        _rule(f"org.big-{n:05d}", {"any": [{"users": {"gt": 1000 + n}}, {"integrations": {"gt": n}}]}, [], 200)
        | {"then": [{"next_step": f"step {n}"}]}
        for n in range(size)
    ]


def any14(size: int, seed: int) -> list[dict[str, Any]]:
    groups = [{"any": [{"criticality": "critical"}, {"regulations": {"contains": "sox"}}]} for _ in range(14)]
    when = {"all": groups}
    return [_rule("org.fourteen-any", when, [{"next_step": "fourteen groups held"}], 200)]


def long_text(size: int, seed: int) -> list[dict[str, Any]]:
    common = "x" * 70_000
    rules = []
    for n in range(size):
        rules.append(_rule(f"org.says-{n:05d}", {"users": {"gte": 0}}, [{"derive": {f"said_{n}": common + "a"}}], 100))
        rules.append(_rule(f"org.hears-{n:05d}", {f"said_{n}": common + "b"}, [{"next_step": "heard b"}], 200))
    return rules


SHAPES = {
    "mixed": mixed,
    "similar": similar,
    "thresholds": thresholds,
    "any-thresholds": any_thresholds,
    "any14": any14,
    "long-text": long_text,
}


def write_layer(folder: Path, shape: str, size: int, seed: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rules = SHAPES[shape](size, seed)
    (folder / "90-organisation.yaml").write_text(yaml.safe_dump({"rules": rules}, sort_keys=False), encoding="utf-8")


def child(step: str, folder: str) -> None:
    """Run one step in this (child) process and print its seconds as JSON."""
    from opsadvisor import api
    from opsadvisor.authoring.check import check_rules
    from opsadvisor.authoring.explain import explain

    started = time.perf_counter()
    if step == "check":
        report = check_rules([folder])
        result = {"seconds": time.perf_counter() - started, "errors": report.errors, "rules": report.rules}
        print(json.dumps(result))
        return
    pack = api.rule_pack([folder])
    assessor = api.assessor_for(pack)
    built = time.perf_counter()
    if step == "assess":
        documents = [json.loads(path.read_text(encoding="utf-8")) for path in SCENARIOS]
        fired = sum(len(assessor.assess_document(document).trace) for document in documents)
        result = {"seconds": time.perf_counter() - built, "fired": fired}
    elif step == "explain":
        explain(str(SCENARIOS[0]), rules=pack)
        result = {"seconds": time.perf_counter() - built}
    else:
        result = {"seconds": built - started, "rules": len(pack.rules)}
    print(json.dumps(result))


def measure(step: str, folder: Path, timeout: float) -> str:
    """One step in a child process with a cache of its own, empty: as the first process after the rules
    changed (no compiled-pack snapshot, no network plan, nothing left in the user's cache)."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "OPSADVISOR_CACHE_DIR": cache}
        result = run_child([sys.executable, __file__, "--child", step, str(folder)], timeout, env)
    if isinstance(result, str):
        return result
    extra = ", ".join(f"{key} {value}" for key, value in result.items() if key != "seconds")
    return f"{result['seconds']:.2f} s" + (f" ({extra})" if extra else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,240,1000,5000")
    parser.add_argument("--shape", default="mixed", choices=sorted(SHAPES))
    parser.add_argument("--steps", default=",".join(STEPS))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--child", nargs=2, metavar=("STEP", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    print(f"python {sys.version.split()[0]}, shape {args.shape}, seed {args.seed}")
    with tempfile.TemporaryDirectory() as temporary:
        for size in (int(size) for size in args.sizes.split(",")):
            folder = Path(temporary) / f"pack-{size}"
            write_layer(folder, args.shape, size, args.seed)
            for step in args.steps.split(","):
                print(f"{size:>6} extra rules  {step:<8} {measure(step, folder, args.timeout)}", flush=True)


if __name__ == "__main__":
    main()
