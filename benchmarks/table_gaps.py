"""How long `rules check` takes on a decision table, by its columns, rows and hit policy.

    python benchmarks/table_gaps.py [--columns 15,20,25,30] [--rows 145,1000] [--policies unique,first,any]
                                    [--seed 7] [--timeout 300]

For each combination it writes one CSV table (seeded, so every run writes the same tables) and times
`rules check` on it in a fresh child process killed after --timeout seconds, printing the seconds,
the errors and warnings, and whether the gap analysis was cut short. The tables:
- unique: the rows split the input space as a decision tree does (pick a region, split it on one
  column, until there are as many regions as rows), so no two rows overlap; every 50th row is left
  out, so there are gaps to find. A valid table, as an architect would write it.
- any: the same rows, each concluding the same, with a quarter of their cells widened to `-` (rows
  overlap and agree; some become redundant).
- first: rows of random cells (each column tested in about 40% of the rows): rows overlap in every
  way, many can never match, and the uncovered space is scattered, the gap analysis's worst case.

The inputs are scenario facts of every kind: flags, ordered and choice vocabularies, numbers.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from child import run_child  # benchmarks/child.py: a script's own folder is on sys.path

ORDERED = {
    "criticality": ["low", "medium", "high", "critical"],
    "data.classification": ["public", "internal", "confidential", "restricted"],
    "lifecycle": ["pilot", "scaling", "mature", "retiring"],
    "service_hours": ["business_hours", "extended_hours", "24x7"],
    "vendor_support_hours": ["business_hours", "extended_hours", "24x7"],
    "low_code.tier": ["personal", "team", "business_important", "mission_critical"],
}
CHOICE = {
    "ambition": ["it_operated", "business_operated", "mixed", "undecided"],
    "current.operated_by": ["it_ops", "business", "vendor", "mixed", "new"],
    "hosting": ["saas", "vendor_hosted", "on_premise", "cloud", "low_code_platform"],
    "contract_owner": ["it", "business", "none", "not_applicable"],
    "contract.it_elements_owner": ["it", "business", "none"],
    "current.contract_owner": ["it", "business", "none", "not_applicable"],
}
CUTS = [0, 10, 100, 500, 1000, 5000]  # a number's parts are runs of the intervals between these
NUMBER = ["users", "integrations", "expected_benefits", "system_of_record_integrations"]
FLAG = [
    "vendor_run",
    "data.personal_data",
    *(f"dora.{name}" for name in ("critical_function", "register_entry", "exit_strategy", "contract_clauses")),
    *(f"sox.{name}" for name in ("soc1_report", "key_controls_owner", "cuecs_owned")),
    *(f"gdpr.{name}" for name in ("dpa", "processing_record", "high_risk", "dpia", "transfers_outside_eea")),
    *(f"security.{name}" for name in ("sso_mfa", "central_logging", "vulnerability_management")),
    *(f"exit.{name}" for name in ("data_portability", "escrow", "termination_assistance")),
]
POLICIES = ("unique", "first", "any")

# A column's part: the indices of the values (flag, choice, ordered) or of the intervals (number) a cell accepts.
Part = tuple[int, ...]


def facts(count: int) -> list[str]:
    """`count` input facts, the kinds interleaved so that every table has each kind."""
    kinds = [list(ORDERED), list(CHOICE), list(NUMBER), FLAG[:9], list(FLAG[9:])]
    chosen: list[str] = []
    while len(chosen) < count:
        for pool in kinds:
            if pool and len(chosen) < count:
                chosen.append(pool.pop(0))
    return chosen


def domain(fact: str) -> int:
    """How many values (or intervals) a column's parts are made of."""
    if fact in ORDERED:
        return len(ORDERED[fact])
    if fact in CHOICE:
        return len(CHOICE[fact])
    if fact in NUMBER:
        return len(CUTS)
    return 2


def cell(fact: str, part: Part) -> str:
    """A part as a table cell: `-` when it accepts everything."""
    size = domain(fact)
    if len(part) == size:
        return "-"
    if fact in FLAG:
        return "true" if part == (0,) else "false"
    if fact in CHOICE:
        return ", ".join(CHOICE[fact][index] for index in part)
    if fact in ORDERED:
        values = ORDERED[fact]
        low, high = values[part[0]], values[part[-1]]
        if len(part) == 1:
            return low
        return f"<= {high}" if part[0] == 0 else f">= {low}" if part[-1] == size - 1 else f"[{low}..{high}]"
    low = CUTS[part[0]]
    high = CUTS[part[-1] + 1] if part[-1] + 1 < size else None
    if high is None:
        return f">= {low}"
    return f"< {high}" if low == 0 else f"[{low}..{high})"


def split(fact: str, part: Part, rng: random.Random) -> tuple[Part, Part]:
    """A part in two: at a point for ordered values and numbers (a range stays a range), else any way."""
    if fact in ORDERED or fact in NUMBER:
        at = rng.randint(1, len(part) - 1)
        return part[:at], part[at:]
    shuffled = rng.sample(part, len(part))
    at = rng.randint(1, len(part) - 1)
    return tuple(sorted(shuffled[:at])), tuple(sorted(shuffled[at:]))


def partition(inputs: Sequence[str], rows: int, rng: random.Random) -> list[list[Part]]:
    """`rows` disjoint regions that cover the input space: a decision tree's leaves."""
    leaves = [[tuple(range(domain(fact))) for fact in inputs]]
    while len(leaves) < rows:
        splittable = [number for number, leaf in enumerate(leaves) if any(len(part) > 1 for part in leaf)]
        leaf = leaves.pop(rng.choice(splittable))
        index = rng.choice([i for i, part in enumerate(leaf) if len(part) > 1])
        first, second = split(inputs[index], leaf[index], rng)
        leaves += [[*leaf[:index], first, *leaf[index + 1 :]], [*leaf[:index], second, *leaf[index + 1 :]]]
    return leaves


def random_part(fact: str, rng: random.Random) -> Part:
    size = domain(fact)
    if fact in ORDERED or fact in NUMBER:
        low = rng.randrange(size)
        high = rng.randrange(low, size) if low else rng.randrange(size - 1)
        return tuple(range(low, high + 1))
    return tuple(sorted(rng.sample(range(size), rng.randint(1, size - 1))))


def table_rows(policy: str, inputs: Sequence[str], count: int, rng: random.Random) -> list[list[str]]:
    """The cells of the table's rows, inputs then the output."""
    if policy == "first":
        return [
            [*(cell(f, random_part(f, rng)) if rng.random() < 0.4 else "-" for f in inputs), f"Step {n}"]
            for n in range(count)
        ]
    leaves = partition(inputs, count, rng)
    kept = [leaf for number, leaf in enumerate(leaves) if number % 50 != 7]
    if policy == "unique":
        return [
            [*(cell(f, part) for f, part in zip(inputs, leaf, strict=True)), f"Step {n}"] for n, leaf in enumerate(kept)
        ]
    return [
        [*(cell(f, part) if rng.random() >= 0.25 else "-" for f, part in zip(inputs, leaf, strict=True)), "Review"]
        for leaf in kept
    ]


def write_table(path: Path, policy: str, columns: int, rows: int, seed: int) -> Path:
    """A CSV decision table of `columns` inputs and about `rows` rows."""
    rng = random.Random(f"{seed}-{policy}-{columns}-{rows}")
    inputs = facts(columns)
    head = [
        ["table", f"bench.{policy}-{columns}x{rows}"],
        ["title", "A generated table"],
        ["rationale", "How long rules check takes"],
        ["source", "practice, benchmarks/table_gaps.py"],
        ["hit_policy", policy],
        ["input"] * columns + ["output"],
        [*inputs, "next_step"],
    ]
    with path.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream, lineterminator="\n").writerows([*head, *table_rows(policy, inputs, rows, rng)])
    return path


def child(folder: str) -> None:
    """Run `rules check` on the folder in this (child) process and print its seconds as JSON."""
    from opsadvisor.authoring.check import check_rules

    started = time.perf_counter()
    report = check_rules([folder])
    cut_short = any("gap analysis incomplete" in finding.message for finding in report.findings)
    result = {"seconds": time.perf_counter() - started, "errors": report.errors, "warnings": report.warnings}
    print(json.dumps({**result, "incomplete": cut_short}))


def measure(folder: Path, timeout: float) -> str:
    result = run_child([sys.executable, __file__, "--child", str(folder)], timeout)
    if isinstance(result, str):
        return result
    shape = f"{result['errors']} errors, {result['warnings']} warnings"
    return f"{result['seconds']:7.2f} s ({shape}{', gap analysis incomplete' if result['incomplete'] else ''})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", default="15,20,25,30")
    parser.add_argument("--rows", default="145,1000")
    parser.add_argument("--policies", default=",".join(POLICIES))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--child", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    print(f"python {sys.version.split()[0]}, seed {args.seed}")
    with tempfile.TemporaryDirectory() as temporary:
        for policy in args.policies.split(","):
            for rows in (int(rows) for rows in args.rows.split(",")):
                for columns in (int(columns) for columns in args.columns.split(",")):
                    folder = Path(temporary) / f"{policy}-{columns}-{rows}"
                    folder.mkdir()
                    write_table(folder / "table.csv", policy, columns, rows, args.seed)
                    label = f"{policy:<7} {columns:>3} columns {rows:>5} rows"
                    print(f"{label}  rules check {measure(folder, args.timeout)}", flush=True)


if __name__ == "__main__":
    main()
