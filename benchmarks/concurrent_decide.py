"""Two `opsadvisor decide` processes on one scenario file at the same time: how many decisions are lost?

Each pair starts two real processes that record different processes in a copy of a bundled mixed
scenario; a decision is lost when the file afterwards lacks it although both processes exited 0.
Goal (issue 12): 0 lost in 200 pairs (the file is locked from read to rename, see files.locked).

    python benchmarks/concurrent_decide.py [--pairs 200]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "field-service-mixed.json"
PROCESSES = ("incident", "problem")
MAIN = "from opsadvisor.cli import main; main()"


def pair(folder: Path, number: int) -> int:
    """Run one pair; the number of decisions lost."""
    path = folder / f"scenario-{number}.json"
    shutil.copy(SCENARIO, path)
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", MAIN, "decide", str(path), process, "--application", "business"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for process in PROCESSES
    ]
    for run in runs:
        _, error = run.communicate()
        if run.returncode != 0:
            raise SystemExit(f"decide failed ({run.returncode}): {error.decode()}")
    decided = json.loads(path.read_text())["decisions"]
    return sum(decided.get(process, {}).get("application") != "business" for process in PROCESSES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    pairs = parser.parse_args().pairs
    with tempfile.TemporaryDirectory() as folder:
        lost = sum(pair(Path(folder), number) for number in range(pairs))
    print(f"{pairs} pairs of concurrent decides: {lost} decisions lost ({2 * pairs} recorded)")


if __name__ == "__main__":
    main()
