"""Output never depends on Python's string hash seed (set and dict-of-set order): the same commands run
in two processes with different PYTHONHASHSEED values write the same bytes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .helpers import ROOT, SCENARIOS

SCENARIO = str(SCENARIOS / "sales-crm-business-operated.json")  # risks, governance areas and a conflict
UNDECIDED = str(SCENARIOS / "survey-tool-undecided.json")  # a recommendation with two reasons
BATCH_REPORTS = ("p.jsonl", "p.csv", "p.md")
# (file the output goes to, command); batch reports are written by --out into the same folder
COMMANDS = [
    ("assess.json", ["assess", SCENARIO, "--format", "json", "--explain"]),
    ("assess.txt", ["assess", SCENARIO, "--format", "table", "--explain"]),
    ("assess.md", ["assess", SCENARIO, "--format", "markdown", "--explain"]),
    ("undecided.txt", ["assess", UNDECIDED, "--format", "table"]),
    ("explain.json", ["explain", SCENARIO, "--format", "json"]),
    ("batch.txt", ["batch", str(SCENARIOS), "--jobs", "1", *(f"--out={{out}}/{name}" for name in BATCH_REPORTS)]),
    ("docs.md", ["rules", "docs"]),
    ("reference.md", ["rules", "docs", "--reference"]),
]
# one process runs every command, so that the comparison costs two interpreter start-ups
SCRIPT = """
import json, sys
from pathlib import Path
from click.testing import CliRunner
from opsadvisor.cli import main
out = Path(sys.argv[1])
for name, args in json.loads(sys.argv[2]):
    result = CliRunner().invoke(main, [arg.replace("{out}", str(out)) for arg in args])
    (out / name).write_bytes(result.stdout_bytes + f"exit {result.exit_code}".encode())
"""


def start(folder: Path, seed: str) -> subprocess.Popen[bytes]:
    folder.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "OPSADVISOR_RULES"}
    env.update(PYTHONHASHSEED=seed, OPSADVISOR_CACHE_DIR=str(folder.parent / f"cache-{seed}"))
    command = [sys.executable, "-c", SCRIPT, str(folder), json.dumps(COMMANDS)]
    return subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.PIPE)


def test_outputs_are_the_same_bytes_whatever_the_hash_seed(tmp_path: Path) -> None:
    folders = [tmp_path / "seed-1", tmp_path / "seed-2"]
    processes = [start(folder, seed) for folder, seed in zip(folders, ("1", "2"), strict=True)]
    for process in processes:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr.decode()
    first, second = folders
    for name, _ in COMMANDS:
        assert (first / name).read_bytes().endswith(b"exit 0"), (first / name).read_text(encoding="utf-8")
    names = sorted(path.name for path in first.iterdir())
    assert names == sorted([name for name, _ in COMMANDS] + list(BATCH_REPORTS))
    assert [name for name in names if (first / name).read_bytes() != (second / name).read_bytes()] == []
