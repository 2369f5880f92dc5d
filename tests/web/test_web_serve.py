"""`opsadvisor serve`: starts, prints its URL, answers; and `assess` never loads the web stack."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import webbrowser
from pathlib import Path

import pytest
from click.testing import CliRunner

from opsadvisor.cli import main
from opsadvisor.web.server import open_in_browser

from .web_helpers import SCENARIOS


def test_assess_does_not_import_the_web_stack() -> None:
    code = (
        "import sys\n"
        "from opsadvisor.cli import main\n"
        f"main(['assess', {str(SCENARIOS / 'payroll-it-operated.json')!r}], standalone_mode=False)\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith(('starlette', 'uvicorn', 'opsadvisor.web')))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == ""


def test_serve_without_the_web_extra_is_a_usage_error_naming_the_extra(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for loaded in [name for name in sys.modules if name.startswith("opsadvisor.web.")]:
        monkeypatch.delitem(sys.modules, loaded)
    for name in ["starlette", *(name for name in sys.modules if name.startswith("starlette."))]:
        monkeypatch.setitem(sys.modules, name, None)  # what an install without the extra looks like
    result = CliRunner().invoke(main, ["serve", "--check", str(workspace)])
    assert result.exit_code == 2
    assert "pip install 'opsadvisor[web]'" in result.output
    assert "Traceback" not in result.output


def test_serve_is_listed_for_business_analysts() -> None:
    help_text = CliRunner().invoke(main, ["--help"]).output
    analysts = help_text.split("Business analysts")[1].split("IT architects")[0]
    assert "serve" in analysts


@pytest.mark.no_faketime
def test_serve_prints_its_url_and_answers(workspace: Path) -> None:
    code = "from opsadvisor.cli import main; main()"
    server = subprocess.Popen(
        [sys.executable, "-c", code, "serve", str(workspace), "--port", "0", "--host", "127.0.0.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        started = time.monotonic()
        line = server.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("opsadvisor workbench on http://127.0.0.2:"), line
        url = line.split(" on ")[1].split(" ")[0]
        with urllib.request.urlopen(url, timeout=5) as answer:
            assert answer.status == 200 and b"Scenarios" in answer.read()
        assert time.monotonic() - started < 10  # generous: the goal (under a second) is in benchmarks
    finally:
        server.send_signal(signal.SIGINT)
        _, errors = server.communicate(timeout=10)
    assert "warning: listening on 127.0.0.2" in errors


def test_serve_check_builds_the_workbench_and_exits(workspace: Path) -> None:
    (workspace / "broken.json").write_text("{", encoding="utf-8")
    result = CliRunner().invoke(main, ["serve", str(workspace), "--check", "--port", "9000"])
    assert result.exit_code == 0
    assert result.output.startswith("ready to serve 5 scenario files (1 invalid) of ")
    assert "on http://127.0.0.1:9000/" in result.output


@pytest.mark.parametrize("failure", ["no browser", "a broken BROWSER"])
def test_open_without_a_browser_says_so(failure: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_browser(url: str) -> bool:
        if failure == "a broken BROWSER":
            raise webbrowser.Error("could not locate runnable browser")
        return False

    monkeypatch.setattr(webbrowser, "open", no_browser)
    said: list[str] = []
    open_in_browser("http://127.0.0.1:8765/", said.append)
    assert said == ["no web browser could be opened here: open http://127.0.0.1:8765/ in a browser yourself"]


@pytest.mark.no_faketime
def test_serve_open_on_a_machine_without_a_browser_serves_and_says_so(workspace: Path, tmp_path: Path) -> None:
    code = "from opsadvisor.cli import main; main()"
    bare = {name: value for name, value in os.environ.items() if name not in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY")}
    server = subprocess.Popen(
        [sys.executable, "-c", code, "serve", str(workspace), "--port", "0", "--open"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**bare, "PATH": str(tmp_path), "PYTHONUNBUFFERED": "1"},  # no browser anywhere on the PATH
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in server.stdout], daemon=True).start()  # type: ignore[union-attr]
    try:
        url = lines.get(timeout=10).split(" on ")[1].split(" ")[0]
        said = lines.get(timeout=10)  # raises queue.Empty when nothing is said
        assert said == f"no web browser could be opened here: open {url} in a browser yourself\n"
        with urllib.request.urlopen(url, timeout=5) as answer:
            assert answer.status == 200  # still serving
    finally:
        server.send_signal(signal.SIGINT)
        _, errors = server.communicate(timeout=10)
    assert "Traceback" not in errors
