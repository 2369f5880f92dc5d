"""Running one measurement in a fresh child process, for the benchmarks that time something which may hang."""

from __future__ import annotations

import json
import subprocess
from typing import Any


def run_child(command: list[str], timeout: float, env: dict[str, str] | None = None) -> dict[str, Any] | str:
    """The JSON object the child prints on its last line, or what went wrong, as a line for the table."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, env=env)
    except subprocess.TimeoutExpired:
        return f"> {timeout:.0f} s (killed)"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return f"exit {done.returncode}: {last[:70]}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
