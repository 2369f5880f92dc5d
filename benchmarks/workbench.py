"""How fast the workbench answers (goals of issue 15; figures, not timed tests).

    python benchmarks/workbench.py [--files 10000] [--repeat 20]

Through the server itself (Starlette's test client: routing, middleware, templates, no network):
- service page: GET /s/<scenario> for a bundled scenario (goal: at most 100 ms);
- decision click: POST /s/<scenario>/decide as the page's script sends it, answered with the updated board
  (api.decide writes the file; goal: at most 150 ms);
- server start: create the application (rule pack compiled) until it answers GET / (goal: under 1 s);
- portfolio: GET /portfolio over --files scenario files, cold (every file assessed) and warm (the
  assessments kept by file stamp; goal: at most 2 s), and warm again after one file changed.
Prints the median and the slowest of --repeat runs for the per-request figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from opsadvisor import api
from opsadvisor.web.app import create_app
from opsadvisor.web.workspace import version_of

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SERVICE = "hr-portal-it-operated-decided-otherwise.json"
DECIDED = "field-service-mixed.json"


def timed(action, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median and slowest wall time of `repeat` runs, in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def pages(folder: Path, repeat: int) -> None:
    started = time.perf_counter()
    client = TestClient(create_app(folder), base_url="http://127.0.0.1")
    assert client.get("/").status_code == 200
    print(f"server start to the first page: {(time.perf_counter() - started) * 1000:.0f} ms (pack compiled in it)")
    client.get(f"/s/{SERVICE}")  # the first request compiles nothing more, but warms the templates
    median, worst = timed(lambda: client.get(f"/s/{SERVICE}"), repeat)
    print(f"service page ({SERVICE}): median {median:.1f} ms, slowest {worst:.1f} ms (goal 100 ms)")
    token = client.app.state.bench.token  # type: ignore[attr-defined]
    parties = iter(["business", "it_ops"] * repeat)

    def click() -> None:
        data = {
            "csrf": token,
            "version": version_of(folder / DECIDED),
            "process": "it_controls",
            "application": next(parties),
        }
        answer = client.post(f"/s/{DECIDED}/decide", data=data, headers={"X-Partial": "true"})
        assert answer.status_code == 200, answer.text

    median, worst = timed(click, repeat)
    print(f"decision click to updated board: median {median:.1f} ms, slowest {worst:.1f} ms (goal 150 ms)")


def portfolio(folder: Path, files: int) -> None:
    templates = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(SCENARIOS.glob("*.json"))]
    for number in range(files):
        document = templates[number % len(templates)]
        document["service"]["id"] = f"svc-{number:05d}"
        (folder / f"svc-{number:05d}.json").write_text(json.dumps(document), encoding="utf-8")
    client = TestClient(create_app(folder), base_url="http://127.0.0.1")
    for label in ("cold (every file assessed)", "warm (cached by file stamp)"):
        started = time.perf_counter()
        assert client.get("/portfolio").status_code == 200
        print(f"portfolio of {files} files, {label}: {time.perf_counter() - started:.2f} s")
    api.decide(folder / "svc-00003.json", "licence", "business")
    started = time.perf_counter()
    assert client.get("/portfolio").status_code == 200
    print(f"portfolio of {files} files, one file changed: {time.perf_counter() - started:.2f} s (goal 2 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workspace:
        folder = Path(workspace)
        for name in (SERVICE, DECIDED):
            shutil.copy(SCENARIOS / name, folder / name)
        pages(folder, args.repeat)
    with tempfile.TemporaryDirectory() as workspace:
        portfolio(Path(workspace), args.files)


if __name__ == "__main__":
    main()
