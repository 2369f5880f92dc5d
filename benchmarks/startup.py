"""End-to-end time of `opsadvisor assess` against the floor of importing its libraries.

Runs both commands alternately in fresh processes (so caches and machine load hit both alike) and
prints the medians and their ratio, in wall time and in CPU time (user + system of the process: what
a machine busy with other work disturbs least). Goal (issue #14, tightening issue #2's 1.6x): assess
at most 1.2x the floor; issue #27 measures it again on CPU time, against a goal of 1.4x.

    python benchmarks/startup.py [--runs 40] [--scenario scenarios/sales-crm-business-operated.json]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 1.2
GOAL_CPU = 1.4  # issue #27


def timed(command: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of the command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "sales-crm-business-operated.json"))
    args = parser.parse_args()
    executable = shutil.which("opsadvisor", path=str(Path(sys.executable).parent)) or "opsadvisor"
    commands = {
        "floor: python -c 'import click, tabulate, durable.lang'": [
            sys.executable,
            "-c",
            "import click, tabulate, durable.lang",
        ],
        "opsadvisor assess (table)": [executable, "assess", args.scenario],
        "opsadvisor assess --format json": [executable, "assess", args.scenario, "--format", "json"],
    }
    # Measure what an installed package does: pip compiles its modules to bytecode at install, but a
    # checkout run with PYTHONDONTWRITEBYTECODE (or read-only) would compile every module on every start.
    # The bytecode goes to a temporary folder, not into the checkout.
    with tempfile.TemporaryDirectory() as bytecode:
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = bytecode
        medians = _medians(commands, args.runs)
    floor, floor_cpu = next(iter(medians.values()))
    print(f"{'command':<58} {'median ms':>10} {'x floor':>8} {'CPU ms':>8} {'x floor':>8}")
    for name, (median, cpu) in medians.items():
        print(f"{name:<58} {median * 1000:>10.1f} {median / floor:>8.2f} {cpu * 1000:>8.1f} {cpu / floor_cpu:>8.2f}")
    worst = max(median for median, _ in medians.values()) / floor
    worst_cpu = max(cpu for _, cpu in medians.values()) / floor_cpu
    print(f"goal: at most {GOAL}x the floor -> {'met' if worst <= GOAL else 'NOT met'} ({worst:.2f}x)")
    print(f"CPU: at most {GOAL_CPU}x the floor -> {'met' if worst_cpu <= GOAL_CPU else 'NOT met'} ({worst_cpu:.2f}x)")


def _medians(commands: dict[str, list[str]], runs: int) -> dict[str, tuple[float, float]]:
    for command in commands.values():  # warm the file cache and write the bytecode
        timed(command)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(timed(command))
    return {
        name: (statistics.median(wall for wall, _ in values), statistics.median(cpu for _, cpu in values))
        for name, values in samples.items()
    }


if __name__ == "__main__":
    main()
