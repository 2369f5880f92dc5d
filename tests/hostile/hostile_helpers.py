"""Helpers for the hostile-input suite: run the CLI in process or as a real process, write inputs."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from opsadvisor.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent
SCENARIOS = ROOT / "scenarios"
PAYROLL = SCENARIOS / "payroll-it-operated.json"
MIXED = SCENARIOS / "field-service-mixed.json"
NEUTRAL = tempfile.gettempdir()  # the child's working folder: not the checkout, so PYTHONPATH picks the code
CONTROL_CHARACTERS = ("\x1b", "\x07", "\x00", "\x0d", "\x7f", "\x9b", "\x85")


def cli(*args: str | Path, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Result:
    """The command in this process; an exception that escapes it is kept in result.exception."""
    return CliRunner().invoke(main, [str(arg) for arg in args], input=input, env=env, catch_exceptions=True)


def crashed(result: Result) -> bool:
    """Whether the command ended in a traceback rather than an exit code."""
    return result.exception is not None and not isinstance(result.exception, SystemExit)


def _file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def opsadvisor(
    *args: str | Path,
    env: dict[str, str] | None = None,
    file_size_limit: int | None = None,
    timeout: float = 60,
    **options: Any,
) -> subprocess.CompletedProcess[str]:
    """The command as a real process (signals, resource limits, closed descriptors), no rule cache.

    The timeout only guards a hang of the code under test; nothing is timed."""
    environment = {**os.environ, "OPSADVISOR_CACHE_DIR": "", **(env or {})}
    return subprocess.run(
        command(*args),
        env=environment,
        capture_output=True,
        encoding="utf-8",
        errors="backslashreplace",
        timeout=timeout,
        cwd=NEUTRAL,
        preexec_fn=_file_size_limit(file_size_limit) if file_size_limit else options.pop("preexec_fn", None),
        **options,
    )


def command(*args: str | Path) -> list[str]:
    return [sys.executable, "-c", "from opsadvisor.cli import main; main()", *(str(arg) for arg in args)]


def document(name: str = "Test service", service_id: str = "svc-1", **facts: Any) -> dict[str, Any]:
    return {"service": {"id": service_id, "name": name}, **facts}


def write_jsonl(path: Path, documents: Iterable[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in documents), encoding="utf-8")
    return path


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def leftovers(folder: Path) -> list[str]:
    """Temporary files an interrupted write could leave behind."""
    return sorted(path.name for path in folder.rglob("*") if path.name.endswith(".tmp") or "openpyxl" in path.name)


SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def sheet_xml(rows: list[list[str]], dimension: str = "", after: str = "") -> bytes:
    """A sheet of text cells (columns A to Z), claiming `dimension`, with the raw XML rows `after` below."""
    body = "".join(
        f'<row r="{number}">'
        + "".join(
            f'<c r="{chr(64 + column)}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
            for column, value in enumerate(row, 1)
            if value
        )
        + "</row>"
        for number, row in enumerate(rows, 1)
    )
    return f"{SHEET_HEAD}{dimension}<sheetData>{body}{after}</sheetData></worksheet>".encode()
