"""Benchmark `opsadvisor batch` on a seeded synthetic portfolio, against the raw durable_rules floor.

    python benchmarks/portfolio.py [--sizes 1000,10000,100000] [--jobs 1,2] [--seed 7] [--repeat 1]

For each size it writes a JSON Lines portfolio (seeded, so every run assesses the same services),
runs `opsadvisor batch PORTFOLIO --jobs N --out results.jsonl --quiet` as a subprocess, and prints
services per second and the peak resident memory of the whole process tree (the batch process and
its workers, summed; sampled from /proc every 20 ms). With `--repeat R` the job counts take turns R
times (so a slower minute of a shared machine hits each alike) and each line is the median run, with
the range of the R runs and the speed-up over the first job count's median. Then, on the largest portfolio and in this
process: the batch runner's loop with and without the outcome memo (batch.memo; and its hit rate), the
durable_rules floor (the same compiled rules and facts, no decoding, validation or report building;
through durable's own Python API and through opsadvisor's native driver) and the I/O floor (each line
decoded, encoded and written by plain Python, no assessment).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from durable.engine import Host, MessageNotHandledException, MessageObservedException

from opsadvisor import api
from opsadvisor.contract import CAPABILITIES, CLASSIFICATIONS, HOSTING, INTEGRATION_TYPES, LIFECYCLES, REGULATIONS
from opsadvisor.durable_backend import _Network, _plan, compile_rule, encode_derived, encode_service
from opsadvisor.errors import ScenarioError
from opsadvisor.facts import build_facts
from opsadvisor.rulepack import RulePack

SYSTEMS = ("ERP", "CRM", "HR core", "Data warehouse", "Identity provider", "Payments", "Asset register", "Mail")
AREAS = ("Finance", "Sales", "HR", "Operations", "Marketing", "R&D", "Legal", "Procurement")


def synthetic_service(rng: random.Random, number: int) -> dict[str, Any]:
    """One plausible service: ambitions, contracts, data and integrations in realistic proportions."""
    area = rng.choice(AREAS)
    ambition = rng.choices(["it_operated", "business_operated", "mixed", "undecided", None], [30, 40, 10, 10, 10])[0]
    document: dict[str, Any] = {
        "service": {
            "id": f"svc-{number:06d}",
            "name": f"{area} application {number}",
            "business_owner": f"{area} director",
        }
    }
    if ambition:
        document["ambition"] = ambition
    business_led = ambition in ("business_operated", "mixed")
    document["hosting"] = rng.choices(HOSTING, [45, 15, 15, 20, 5])[0]
    document["vendor_run"] = document["hosting"] in ("saas", "vendor_hosted") or rng.random() < 0.1
    document["contract_owner"] = rng.choices(
        ["it", "business", "none"], [20, 70, 10] if business_led else [70, 20, 10]
    )[0]
    document["integrations"] = [
        {"system": system, "type": rng.choice(INTEGRATION_TYPES), "system_of_record": rng.random() < 0.4}
        for system in rng.sample(SYSTEMS, rng.choice([0, 0, 1, 1, 2, 2, 3, 4]))
    ]
    document["criticality"] = rng.choices(["low", "medium", "high", "critical"], [30, 40, 20, 10])[0]
    document["data"] = {"classification": rng.choice(CLASSIFICATIONS), "personal_data": rng.random() < 0.5}
    document["regulations"] = rng.sample(REGULATIONS, rng.choice([0, 0, 1, 1, 2]))
    document["users"] = rng.choice([10, 50, 200, 1000, 5000, 20000])
    document["lifecycle"] = rng.choice(LIFECYCLES)
    if business_led:
        document["business_capabilities"] = rng.sample(CAPABILITIES, rng.randint(0, len(CAPABILITIES)))
        document["expected_benefits"] = ["Faster service", "Lower cost"][: rng.randint(0, 2)]
    if rng.random() < 0.2:
        document["accepted_risks"] = [
            {"risk": "personal-data-outside-it", "accepted_by": "Data protection officer", "date": "2024-03-01"}
        ]
    if ambition == "mixed":
        document["decisions"] = {"incident": {"application": "business", "interface": "it_ops"}}
    for key in rng.sample(sorted(document.keys() - {"service"}), rng.choice([0, 0, 0, 1, 2])):
        del document[key]  # some facts are not known yet
    if rng.random() < 0.005:
        document["criticality"] = "hihg"  # a typo: the entry is invalid
    return document


REPEATED = 0.3  # share of services that reuse a common profile under their own id, name and owner
COMMON = 200  # how many profiles are common (the first ones generated)


def write_portfolio(path: Path, size: int, seed: int) -> None:
    """A seeded portfolio: mostly distinct services, and a share (REPEATED) that repeat one of the COMMON
    profiles (the same SaaS product or template in another department), as real portfolios do."""
    rng = random.Random(seed)
    profiles: list[dict[str, Any]] = []
    with path.open("w", encoding="utf-8") as stream:
        for number in range(size):
            if profiles and rng.random() < REPEATED:
                document = json.loads(json.dumps(rng.choice(profiles)))
                area = rng.choice(AREAS)
                document["service"] = {
                    "id": f"svc-{number:06d}",
                    "name": f"{area} application {number}",
                    "business_owner": f"{area} lead {number % 97}",
                }
            else:
                document = synthetic_service(rng, number)
                if len(profiles) < COMMON:
                    profiles.append(document)
            stream.write(json.dumps(document) + "\n")


def _tree_rss(root: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        with contextlib.suppress(OSError, ValueError):
            with open(f"/proc/{pid}/statm") as statm:
                total += int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    pending += [int(child) for child in children.read().split()]
    return total


def run_batch(portfolio: Path, jobs: int, out: Path) -> tuple[float, int]:
    """(seconds, peak tree RSS in bytes) of one `opsadvisor batch` run."""
    command = [
        sys.executable,
        "-c",
        "from opsadvisor.cli import main; main()",
        "batch",
        str(portfolio),
        "--jobs",
        str(jobs),
    ]
    command += ["--out", str(out), "--quiet"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL)  # the invalid entries it reports
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    code = process.wait()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if code not in (0, 3):
        raise SystemExit(f"opsadvisor batch failed with exit code {code}")
    return elapsed, peak


def floor_services(portfolio: Path, limit: int) -> tuple[RulePack, list[dict[str, Any]]]:
    """The default pack and up to `limit` encoded service facts from the portfolio (valid entries only)."""
    pack = api.rule_pack()
    assessor = api.Assessor(pack)
    services = []
    with portfolio.open(encoding="utf-8") as stream:
        for line in stream:
            with contextlib.suppress(ScenarioError, ValueError):
                services.append(encode_service(build_facts(assessor.parse(json.loads(line), "x")).values))
            if len(services) == limit:
                break
    return pack, services


class _QuietHost(Host):
    """durable_rules' own host, without its background timer threads."""

    def _run(self) -> None:
        return None


def host_floor(pack: RulePack, services: list[dict[str, Any]]) -> float:
    """Seconds per service for durable_rules through its own Python API: the same compiled rules and
    facts, actions that only assert the derived facts, nothing else."""
    host = _QuietHost()

    def action(rule: Any) -> Any:
        derived = list(rule.derives)

        def run(closure: Any) -> None:
            for name, value in derived:
                with contextlib.suppress(MessageNotHandledException, MessageObservedException):
                    closure.assert_fact(encode_derived(name, value))

        return run

    host.set_rulesets({"floor": {rule.id: {**compile_rule(rule), "run": action(rule)} for rule in pack.rules}})
    started = time.perf_counter()
    for number, service in enumerate(services, 1):
        sid = str(number)
        with contextlib.suppress(MessageNotHandledException):
            host.assert_fact("floor", {**service, "sid": sid})
        host.get_state("floor", sid)
        host.delete_state("floor", sid)
    return (time.perf_counter() - started) / len(services)


def native_floor(pack: RulePack, services: list[dict[str, Any]]) -> float:
    """The same, through opsadvisor's own driver of durable_rules' native core (durable_backend._Network)."""

    def action(rule: Any) -> Any:
        derived = [encode_derived(name, value) for name, value in rule.derives]

        def run(matched: dict[str, Any], emit: Any) -> None:
            for fact in derived:
                emit(fact)

        return run

    network = _Network(
        _plan({rule.id: compile_rule(rule) for rule in pack.rules}), {rule.id: action(rule) for rule in pack.rules}
    )
    started = time.perf_counter()
    for service in services:
        network.run([service])
    return (time.perf_counter() - started) / len(services)


def io_floor(portfolio: Path, out: Path) -> float:
    """Seconds per service for plain Python with no assessment: each line decoded, encoded and written."""
    started = time.perf_counter()
    count = 0
    with portfolio.open(encoding="utf-8") as stream, out.open("w", encoding="utf-8") as sink:
        for line in stream:
            sink.write(json.dumps(json.loads(line), ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
    return (time.perf_counter() - started) / count


def in_process(portfolio: Path) -> tuple[float, float, float]:
    """(seconds per service, seconds per service with no memo, hit rate) of the batch runner's own loop,
    in this process: no start-up, the JSON written nowhere."""
    from opsadvisor.batch.inputs import iter_entries
    from opsadvisor.batch.memo import OutcomeMemo
    from opsadvisor.batch.runner import assess_entries

    pack = api.rule_pack()
    figures = []
    for size in (api.MEMO_SIZE, 0):
        memo = OutcomeMemo(api.Assessor(pack, memo_size=size))
        pack.compiled["outcomes"] = memo  # the one assess_entries takes (engine.once_per_pack)
        started = time.perf_counter()
        count = sum(1 for _ in assess_entries(iter_entries([portfolio]), pack, jobs=1))
        figures.append((time.perf_counter() - started) / count)
        figures.append(memo.hits / max(1, memo.hits + memo.misses))
    del pack.compiled["outcomes"]
    return figures[0], figures[2], figures[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--jobs", default="1,2")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    sizes = [int(size) for size in args.sizes.split(",")]
    jobs_list = [int(jobs) for jobs in args.jobs.split(",")]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(
        f"{'services':>9} {'jobs':>4} {'seconds':>8} {'services/s':>10} {'peak RSS MB':>11} {'us/service':>10}"
        f" {'range us':>9} {'speed-up':>8}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            portfolio = Path(folder) / f"portfolio-{size}.jsonl"
            write_portfolio(portfolio, size, args.seed)
            runs: dict[int, list[tuple[float, int]]] = {jobs: [] for jobs in jobs_list}
            for _ in range(args.repeat):
                for jobs in jobs_list:
                    runs[jobs].append(run_batch(portfolio, jobs, Path(folder) / "results.jsonl"))
            first = statistics.median(seconds for seconds, _ in runs[jobs_list[0]])
            for jobs in jobs_list:
                seconds = statistics.median(elapsed for elapsed, _ in runs[jobs])
                peak = max(peak for _, peak in runs[jobs])
                low, high = (min(e for e, _ in runs[jobs]) / size * 1e6, max(e for e, _ in runs[jobs]) / size * 1e6)
                print(
                    f"{size:>9} {jobs:>4} {seconds:>8.2f} {size / seconds:>10.0f} {peak / 2**20:>11.1f}"
                    f" {seconds / size * 1e6:>10.0f} {f'{low:.0f}-{high:.0f}':>9} {first / seconds:>7.2f}x",
                    flush=True,
                )
        largest = Path(folder) / f"portfolio-{sizes[-1]}.jsonl"
        floor_io = io_floor(largest, Path(folder) / "floor.jsonl")
        memo, no_memo, hit_rate = in_process(largest)
        pack, services = floor_services(largest, 20000)
    print(f"in-process, {sizes[-1]} services, one process, no start-up:")
    for label, floor in (
        ("batch runner loop (parse, validate, assess, JSON), memo on", memo),
        ("batch runner loop, memo off (every service assessed and encoded)", no_memo),
        ("durable_rules floor (its own Python API, same rules and facts)", host_floor(pack, services)),
        ("durable_rules floor through opsadvisor's native driver", native_floor(pack, services)),
        ("I/O floor (plain Python: JSON line decoded, encoded, written)", floor_io),
    ):
        print(f"  {label}: {floor * 1e6:.0f} us/service")
    print(f"  memo hit rate (one process): {hit_rate:.0%}")


if __name__ == "__main__":
    main()
