"""How long reading a million tickets takes, and how much memory: `batch --records` streams them.

    python benchmarks/records.py [--sizes 100000,1000000] [--seed 28] [--jobs 1] [--timeout 1800]

Writes the example records for the bundled scenarios (`opsadvisor records example`), then, for each
size, a ServiceNow-style export of that many tickets made from the example's own (services, classes,
groups and approvals as generated, opened on a random day of the 180 days before 2026-11-30), and
times in a fresh child process:
- `read`: reading and aggregating the records alone (`opsadvisor.api.read_records`: every ticket,
  the contract register and the access reviews; opsadvisor imported before the clock starts), its
  peak RSS, and the tickets per second it reads;
- `batch`: `opsadvisor batch scenarios --records ... -q` end to end (the records read, then the 20
  services assessed with their evidence), its peak RSS.
Peak RSS is the child's (ru_maxrss); a flat figure across the sizes is what streaming promises.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import random
import sys
import tempfile
from pathlib import Path

from child import run_child  # benchmarks/child.py: a script's own folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
AS_OF = datetime.date(2026, 11, 30)
CHILD = """
import json, resource, sys, time
kind, manifest, root = sys.argv[1:4]
from opsadvisor import api
started = time.perf_counter()  # after the import: `read` times the records alone
if kind == "read":
    book = api.read_records(manifest, "2026-11-30")
    assert book.problems.count == 0, book.problems.lines()
    counted = book.files[0].used  # the tickets (the register and the reviews are read after them)
else:
    from opsadvisor.cli import main
    try:
        args = [root + "/scenarios", "--records", manifest, "--as-of", "2026-11-30", "-q", "--jobs", sys.argv[4]]
        main(["batch", *args])
    except SystemExit as done:
        assert done.code in (0, 1), done.code
    counted = 0
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": max(peak, children), "rows": counted}))
"""


def write_tickets(example: Path, target: Path, count: int, seed: int) -> int:
    """A ServiceNow-style export of `count` tickets drawn from the example's own; its size in bytes."""
    rng = random.Random(seed)
    with (example / "servicenow-tasks.csv").open(encoding="utf-8", newline="") as stream:
        header, *rows = list(csv.reader(stream))
    first = AS_OF - datetime.timedelta(days=180)
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        for number in range(count):
            row = list(rng.choice(rows))
            opened = first + datetime.timedelta(days=rng.randrange(180))
            row[0] = f"TSK{number + 1:08d}"
            row[4] = f"{opened.isoformat()} {rng.randrange(7, 19):02d}:{rng.randrange(60):02d}:00"
            writer.writerow(row)
    return target.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="ticket counts, comma-separated")
    parser.add_argument("--seed", type=int, default=28)
    parser.add_argument("--jobs", default="1", help="batch --jobs")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from opsadvisor import api

    print(f"{'tickets':>10}  {'CSV MB':>7}  {'read s':>7}  {'read MB':>8}  {'batch s':>8}  {'batch MB':>9}  tickets/s")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        api.write_records_example(work / "example", AS_OF, seed=args.seed)
        for size in (int(item) for item in args.sizes.split(",")):
            big = work / f"tickets-{size}.csv"
            written = write_tickets(work / "example", big, size, args.seed)
            manifest = work / "example" / f"records-{size}.yaml"
            manifest.write_text(
                (work / "example" / "records.yaml")
                .read_text(encoding="utf-8")
                .replace("{file: servicenow-tasks.csv,", f"{{file: {big},")
                .replace("  - {file: jsm-issues.jsonl, map: jsm-issues-map.yaml}\n", ""),
                encoding="utf-8",
            )
            read = run_child([sys.executable, "-c", CHILD, "read", str(manifest), str(ROOT)], args.timeout)
            batch = run_child([sys.executable, "-c", CHILD, "batch", str(manifest), str(ROOT), args.jobs], args.timeout)
            if isinstance(read, str) or isinstance(batch, str):
                print(f"{size:>10,}  {read if isinstance(read, str) else batch}")
                continue
            assert read["rows"] == size, read
            rate = size / read["seconds"]
            print(
                f"{size:>10,}  {written / 1e6:>7.1f}  {read['seconds']:>7.1f}  {read['peak_mb']:>8.0f}  "
                f"{batch['seconds']:>8.1f}  {batch['peak_mb']:>9.0f}  {rate:>9,.0f}"
            )
            big.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
