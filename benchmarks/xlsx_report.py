"""Benchmark what the XLSX report adds to a batch: JSON Lines alone against JSON Lines and XLSX.

    python benchmarks/xlsx_report.py [--services 10000] [--jobs 2] [--repeat 3] [--seed 1] [--portfolio FILE]

It writes the example portfolio (`opsadvisor batch --example N`), then times, in fresh processes and
taking turns (so a slower minute of a shared machine hits both alike), `opsadvisor batch PORTFOLIO
--out results.jsonl --quiet` and the same with `--out report.xlsx` added. It prints the median and the
range of each, the CPU time of the batch process and its workers, the XLSX report's size, and the
ratios of the medians.

Goal (issue 26): the XLSX report adds at most 30% to the JSON Lines run at 10,000 services.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMAND = [sys.executable, "-c", "from opsadvisor.cli import main; main()"]
GOAL = 1.3


def write_example(path: Path, services: int, seed: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        subprocess.run(
            [*COMMAND, "batch", "--example", str(services), "--example-seed", str(seed)], stdout=out, check=True
        )


def timed_batch(portfolio: Path, outputs: list[Path], jobs: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its workers) of one `opsadvisor batch` run writing
    `outputs`. The CPU time varies less than the wall time on a machine others use too."""
    command = [*COMMAND, "batch", str(portfolio), "--jobs", str(jobs), "--quiet"]
    for output in outputs:
        command += ["--out", str(output)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--portfolio", type=Path, help="Measure this JSON Lines portfolio instead of the example.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        portfolio = args.portfolio or work / "portfolio.jsonl"
        if args.portfolio is None:
            write_example(portfolio, args.services, args.seed)
        else:
            with portfolio.open(encoding="utf-8") as lines:
                args.services = sum(1 for _ in lines)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.services:,} services, --jobs {args.jobs}")
        jsonl, xlsx = work / "results.jsonl", work / "report.xlsx"
        runs: dict[str, list[tuple[float, float]]] = {"jsonl": [], "jsonl+xlsx": []}
        for _ in range(args.repeat):
            runs["jsonl"].append(timed_batch(portfolio, [jsonl], args.jobs))
            runs["jsonl+xlsx"].append(timed_batch(portfolio, [jsonl, xlsx], args.jobs))
        size = xlsx.stat().st_size
    wall = {name: statistics.median(run[0] for run in times) for name, times in runs.items()}
    cpu = {name: statistics.median(run[1] for run in times) for name, times in runs.items()}
    for name, times in runs.items():
        walls = [run[0] for run in times]
        print(
            f"  {name:<11} {wall[name]:7.2f} s median ({min(walls):.2f}-{max(walls):.2f}),"
            f" {wall[name] / args.services * 1e6:.0f} us per service; CPU {cpu[name]:.2f} s"
        )
    ratio = wall["jsonl+xlsx"] / wall["jsonl"]
    print(f"  XLSX report: {size / 2**20:.1f} MB, {size / args.services:.0f} bytes per service")
    print(f"  CPU ratio: {cpu['jsonl+xlsx'] / cpu['jsonl']:.2f}x")
    print(f"  ratio: {ratio:.2f}x (goal: at most {GOAL:.1f}x) {'met' if ratio <= GOAL else 'NOT met'}")


if __name__ == "__main__":
    main()
