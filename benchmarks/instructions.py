"""The batch runner's loop over N services of the peers' portfolio, for an instruction count (issue 27).

    export PYTHONHASHSEED=0 OPSADVISOR_CACHE_DIR=
    valgrind --tool=callgrind python benchmarks/instructions.py 250 [--summary] [--default-pack]
    valgrind --tool=callgrind python benchmarks/instructions.py 50  [--summary] [--default-pack]

Instructions per service = (the count of 250 - the count of 50) / 200 ("Collected" in valgrind's output): the
start-up, the rule pack's compilation and a warm-up on 20 services cancel out. Each run assesses the same
services of `gen_portfolio.py 5000 7` (shared/bench/tools) through `runner.outcome_of` with a fresh outcome
memo, on pack-v1 (the peers' 37 rules) or the bundled pack, as `batch --jobs 1` does: the full JSON line, or
with --summary none (the summary lines). Deterministic where CPU time on a shared machine is not
(docs/batch.md, Against a compiled decision engine), given the two variables: without the cache the first
run cannot write the compiled-pack snapshot the second reads (the difference took the pack's compilation:
3.01 M a service instead of 2.10 M), and a fixed hash seed narrows the spread; counts of one commit still
differ by up to 0.03 M a service (addresses differ from run to run), so count a small step more than once.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from opsadvisor.api import assessor_for, rule_pack
from opsadvisor.batch.inputs import TEXT, Entry
from opsadvisor.batch.memo import OutcomeMemo
from opsadvisor.batch.runner import outcome_of

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-12-01"
WARM_UP = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("services", type=int)
    parser.add_argument("--summary", action="store_true", help="no JSON line (the summary lines' work)")
    parser.add_argument("--default-pack", action="store_true", help="the bundled pack instead of pack-v1")
    parser.add_argument("--peers", type=Path, default=ROOT.parent / "shared" / "bench" / "peers")
    args = parser.parse_args()
    pack = rule_pack(None) if args.default_pack else rule_pack([args.peers / "pack-v1"], include_default=False)
    generator = args.peers.parent / "tools" / "gen_portfolio.py"
    lines = subprocess.run(
        [sys.executable, str(generator), "5000", "7"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    entries = [Entry(f"portfolio:line {number}", TEXT, line) for number, line in enumerate(lines, 1)]
    with_json = not args.summary
    memo = OutcomeMemo(assessor_for(pack))
    for entry in entries[:WARM_UP]:
        outcome_of(entry, memo, with_json, AS_OF)
    memo = OutcomeMemo(assessor_for(pack))
    for entry in entries[WARM_UP : WARM_UP + args.services]:
        outcome_of(entry, memo, with_json, AS_OF)


if __name__ == "__main__":
    main()
