"""`opsadvisor batch` per service against GoRules ZEN on the same 37-rule logic: the ratios of issue 27.

    python benchmarks/versus_zen.py [--services 5000] [--repeat 3] [--peers ../shared/bench/peers]
                                    [--baseline OTHER_VENV] [--only full,summary,...]

ZEN (`zen-engine`, the `bench` extra: pip install -e '.[bench]') runs the peers' decision graph
(shared/bench/peers: zen_impl.py, its pack-v1 in opsadvisor's rule format and gen_portfolio.py, which
check.py shows agree with opsadvisor on every service). Each repetition runs every command once, in a
rotating order, each as its own process (start-up, imports, rules, read, assess, write); a
single-process command is pinned to one CPU. Per service = (CPU of the run - CPU of the same command on
one service) / N, CPU being user + system time of the process tree (rusage); each ratio is paired within
a repetition (a slower minute of a shared machine hits both sides alike): median and range.

The rows, and the goal each is held to (issue 27):
  full         batch --jobs 1 --out X.jsonl, the full JSON contract per line (pack-v1)   <= 1.5x zen
  summary      batch --jobs 1 --out X.summary.jsonl (pack-v1)                           <= 1.0x zen
  summary-j2   batch --jobs 2 --out X.summary.jsonl: wall speed-up over summary         >= 1.75x
               (and the parent process's own CPU per service)
  full-j2      batch --jobs 2 --out X.jsonl: the parent process's own CPU per service   <= 10 us
               (and the wall speed-up over full)
  default      batch --jobs 1 --out X.jsonl on the bundled pack (context: no peer has its logic)
  zen          zen_impl.py: the graph evaluated per service, JSON in and out
--baseline VENV adds `base-full` and `base-default`: the same commands with another installation's
opsadvisor (e.g. main before a change), for a before/after from the same run.
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
# (CPU of the process tree, wall, the batch parent's own CPU per service after its first chunk) in seconds
Sample = tuple[float, float, float]
AS_OF = "2026-12-01"
GOALS = {"full": ("x zen", 1.5), "summary": ("x zen", 1.0)}
# The batch in this process's child, which prints its own CPU (not its workers') from the first chunk's
# arrival to its exit, and the services after that chunk: full-j2's parent in the steady state, without
# its start-up (imports, the pack, forking), whose run-to-run noise would swamp a few µs a service.
PARENT_CPU = (
    "import atexit, resource, sys\n"
    "import opsadvisor.batch as batch\n"
    "def cpu():\n"
    "    usage = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    return usage.ru_utime + usage.ru_stime\n"
    "seen = []  # CPU at the first chunk, then the services of every later chunk\n"
    "assess_chunks = batch.assess_chunks\n"
    "def counted(*args, **kwargs):\n"
    "    for chunk in assess_chunks(*args, **kwargs):\n"
    "        seen.append(chunk.summary.read if seen else cpu())\n"
    "        yield chunk\n"
    "batch.assess_chunks = counted\n"
    "def report():\n"
    "    if len(seen) > 1:\n"
    "        sys.stderr.write(f'parent-cpu {cpu() - seen[0]} {sum(seen[1:])}\\n')\n"
    "atexit.register(report)\n"
    "from opsadvisor.cli import main\n"
    "sys.argv = ['opsadvisor', *sys.argv[1:]]\n"
    "main()\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peers", type=Path, default=ROOT.parent / "shared" / "bench" / "peers")
    parser.add_argument("--baseline", type=Path, help="another venv with opsadvisor installed (before a change)")
    parser.add_argument("--only", default="", help="comma-separated rows to run (default: all)")
    args = parser.parse_args()
    peers = args.peers.resolve()
    pack = peers / "pack-v1"
    if not (peers / "zen_impl.py").is_file() or not pack.is_dir():
        raise SystemExit(f"no peers in {peers} (give --peers: shared/bench/peers)")
    bin_dir = Path(sys.executable).parent
    pin = ["taskset", "-c", str(max(os.sched_getaffinity(0)))] if shutil.which("taskset") else []
    rules = ["--no-default-rules", "--rules", str(pack), "--as-of", AS_OF]

    def batch(python: Path, out: str, jobs: int) -> list[str]:
        return [str(python), "-c", PARENT_CPU, "batch", "{in}", "--out", "{dir}/" + out, "--jobs", str(jobs), "-q"]

    commands: dict[str, tuple[list[str], bool]] = {  # name -> (command, pinned)
        "zen": ([sys.executable, str(peers / "zen_impl.py"), "{in}", "{dir}/zen.jsonl", "--as-of", AS_OF], True),
        "full": ([*batch(bin_dir / "python", "full.jsonl", 1), *rules], True),
        "summary": ([*batch(bin_dir / "python", "s.summary.jsonl", 1), *rules], True),
        "summary-j2": ([*batch(bin_dir / "python", "s2.summary.jsonl", 2), *rules], False),
        "full-j2": ([*batch(bin_dir / "python", "full2.jsonl", 2), *rules], False),
        "default": ([*batch(bin_dir / "python", "default.jsonl", 1), "--as-of", AS_OF], True),
    }
    if args.baseline:
        base = args.baseline / "bin" / "python"
        commands["base-full"] = ([*batch(base, "base-full.jsonl", 1), *rules], True)
        commands["base-default"] = ([*batch(base, "base-default.jsonl", 1), "--as-of", AS_OF], True)
    if args.only:
        wanted = {"zen", *args.only.split(",")}
        commands = {name: value for name, value in commands.items() if name in wanted}

    folder = Path(tempfile.mkdtemp(prefix="versus-zen-"))
    try:
        portfolio = folder / "portfolio.jsonl"
        with portfolio.open("w") as stream:
            generator = peers.parent / "tools" / "gen_portfolio.py"
            subprocess.run([sys.executable, str(generator), str(args.services), "7"], stdout=stream, check=True)
        one = folder / "one.jsonl"
        one.write_text(portfolio.read_text().splitlines(keepends=True)[0])
        print(
            f"versus_zen: {args.services} services (gen_portfolio.py {args.services} 7), {args.repeat} repetitions, "
            f"pinned to CPU {pin[-1] if pin else '(no taskset)'}; load average {_load()}",
            flush=True,
        )
        for command, pinned in commands.values():  # warm-up: page cache, bytecode, the rule cache
            _run(command, one, folder, pin if pinned else [])
        samples: dict[str, list[Sample]] = {name: [] for name in commands}
        starts: dict[str, list[Sample]] = {name: [] for name in commands}
        names = list(commands)
        for rep in range(args.repeat):
            for name in names[rep % len(names) :] + names[: rep % len(names)]:
                command, pinned = commands[name]
                starts[name].append(_run(command, one, folder, pin if pinned else []))
                samples[name].append(_run(command, portfolio, folder, pin if pinned else []))
                cpu, wall, _ = samples[name][-1]
                print(f"  rep {rep + 1} {name:<13} {wall:7.2f} s ({cpu:.2f} s CPU)", flush=True)
        _report(samples, starts, args.services)
        print(f"load average at end {_load()}")
    finally:
        shutil.rmtree(folder)


def _run(command: list[str], portfolio: Path, folder: Path, pin: list[str]) -> tuple[float, float, float]:
    """(CPU seconds of the process tree, wall seconds, the batch parent's own CPU seconds per service after its
    first chunk, or 0) of one run."""
    argv = [part.replace("{in}", str(portfolio)).replace("{dir}", str(folder)) for part in command]
    before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(pin + argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr[-2000:]}")
    parent = [line.split()[1:] for line in done.stderr.splitlines() if line.startswith("parent-cpu ")]
    return _children_cpu() - before, wall, float(parent[-1][0]) / int(parent[-1][1]) if parent else 0.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _report(samples: dict[str, list[Sample]], starts: dict[str, list[Sample]], n: int) -> None:
    start = {name: statistics.median(cpu for cpu, _, _ in values) for name, values in starts.items()}
    per = {name: [(cpu - start[name]) / n * 1e6 for cpu, _, _ in runs] for name, runs in samples.items()}
    print(f"\n{'CPU us/service':<14} | {'median':>7} | {'range':>11} | {'x zen (paired, range)':>22} | goal")
    for name, values in per.items():
        ratios = sorted(a / b for a, b in zip(values, per["zen"], strict=True))
        goal = GOALS.get(name)
        verdict = ""
        if goal:
            verdict = f"<= {goal[1]}x zen: {'met' if statistics.median(ratios) <= goal[1] else 'NOT met'}"
        print(
            f"{name:<14} | {statistics.median(values):>7.1f} | {f'{min(values):.0f}-{max(values):.0f}':>11} | "
            f"{f'{statistics.median(ratios):.2f} ({ratios[0]:.2f}-{ratios[-1]:.2f})':>22} | {verdict}"
        )
    pairs = (("summary", "summary-j2", "summary", 1.75), ("full", "full-j2", "full JSON Lines", 0))
    for one, two, label, goal in pairs:
        if one in samples and two in samples:
            speedups = sorted(a[1] / b[1] for a, b in zip(samples[one], samples[two], strict=True))
            met = statistics.median(speedups) >= goal
            verdict = f"; goal >= {goal}x: {'met' if met else 'NOT met'}" if goal else ""
            print(
                f"--jobs 2 {label}, wall speed-up over --jobs 1 (paired): {statistics.median(speedups):.2f} "
                f"({speedups[0]:.2f}-{speedups[-1]:.2f}){verdict}"
            )
    for name, label, goal in (("summary-j2", "summary lines", 0), ("full-j2", "full JSON Lines", 10)):
        if name in samples:
            parent = sorted(cpu * 1e6 for _, _, cpu in samples[name])
            met = statistics.median(parent) <= goal
            verdict = f"; goal <= {goal} us: {'met' if met else 'NOT met'}" if goal else ""
            print(
                f"--jobs 2 {label}, the parent's CPU per service: {statistics.median(parent):.1f} us "
                f"({parent[0]:.1f}-{parent[-1]:.1f}){verdict}"
            )


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    main()
