"""Benchmark the HTML portfolio page: its size per service, and how fast headless Chromium makes it usable.

    python benchmarks/html_report.py [--sizes 10000,100000] [--seed 7] [--runs 3]

For each size it writes the seeded synthetic portfolio of benchmarks/portfolio.py, runs
`opsadvisor batch PORTFOLIO --out report.html --quiet`, and loads the page in headless Chromium
(`--dump-dom`). "Usable" is the moment the page's script has parsed the data and drawn the filtered,
sorted service list: it writes that time (performance.now(), from navigation start) into
`body[data-ready-ms]`, which the dumped DOM carries. The wall time of the Chromium process is printed
too, with the time Chromium takes for an empty page subtracted (its start-up).

Goals (issue 11): at most 300 bytes per service; usable in under 1 s at 10,000 services and in at
most 3 s at 100,000.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from portfolio import write_portfolio

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
OPSADVISOR = str(Path(sys.executable).with_name("opsadvisor"))


def load(page: Path, profile: Path) -> tuple[float, int | None]:
    """(wall seconds of a headless Chromium --dump-dom run, the page's data-ready-ms or None)."""
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--dump-dom",
        page.as_uri(),
    ]
    started = time.perf_counter()
    dom = subprocess.run(command, capture_output=True, text=True, timeout=600, check=True).stdout
    wall = time.perf_counter() - started
    ready = re.search(r'data-ready-ms="(\d+)"', dom)
    return wall, int(ready.group(1)) if ready else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", default="2")
    args = parser.parse_args()
    if CHROMIUM is None:
        sys.exit("headless Chromium is needed (Debian package: chromium)")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        empty = work / "empty.html"
        empty.write_text("<!DOCTYPE html><title>empty</title>", encoding="utf-8")
        baseline = statistics.median(load(empty, work / "profile")[0] for _ in range(args.runs))
        print(f"Chromium start-up (empty page): {baseline:.2f} s")
        print("| services | HTML bytes | bytes per service | usable (data-ready-ms, median) | wall - start-up |")
        print("|---:|---:|---:|---:|---:|")
        for size in (int(text) for text in args.sizes.split(",")):
            portfolio, page = work / f"p{size}.jsonl", work / f"p{size}.html"
            write_portfolio(portfolio, size, args.seed)
            command = [OPSADVISOR, "batch", str(portfolio), "--out", str(page), "-q", "--jobs", args.jobs]
            subprocess.run(
                command, check=False, stderr=subprocess.DEVNULL
            )  # exit 3: the portfolio holds a few invalid entries on purpose
            runs = [load(page, work / "profile") for _ in range(args.runs)]
            ready = statistics.median(run[1] or 0 for run in runs)
            wall = statistics.median(run[0] for run in runs) - baseline
            bytes_ = page.stat().st_size
            print(f"| {size:,} | {bytes_:,} | {bytes_ / size:.0f} | {ready / 1000:.2f} s | {wall:.2f} s |")


if __name__ == "__main__":
    main()
