"""Hostile inputs and faults that must never lose data: outputs onto inputs, overwritten templates,
symlinked scenarios, concurrent edits, a full disk, Ctrl-C and SIGTERM."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from opsadvisor import api

from .hostile_helpers import (
    MIXED,
    NEUTRAL,
    PAYROLL,
    cli,
    command,
    crashed,
    document,
    leftovers,
    opsadvisor,
    write_jsonl,
)

# --- an output that is an input --------------------------------------------------------------------


def _same_file(tmp: Path) -> tuple[list[str], Path]:
    portfolio = write_jsonl(tmp / "in.jsonl", [document()])
    return [str(portfolio), "--out", str(portfolio)], portfolio


def _symlink_to_input(tmp: Path) -> tuple[list[str], Path]:
    portfolio = write_jsonl(tmp / "in.jsonl", [document()])
    (tmp / "link.jsonl").symlink_to(portfolio)
    return [str(portfolio), "--out", str(tmp / "link.jsonl")], portfolio


def _json_report_in_input_folder(tmp: Path) -> tuple[list[str], Path]:
    folder = tmp / "portfolio"
    folder.mkdir()
    scenario = folder / "a.json"
    shutil.copy(PAYROLL, scenario)
    return [str(folder), "--out", str(scenario)], scenario


def _link_to_a_scenario_in_the_input_folder(tmp: Path) -> tuple[list[str], Path]:
    folder = tmp / "portfolio"
    folder.mkdir()
    scenario = folder / "a.json"
    shutil.copy(PAYROLL, scenario)
    (tmp / "r.jsonl").symlink_to(scenario)
    return [str(folder), "--out", str(tmp / "r.jsonl")], scenario


@pytest.mark.parametrize(
    "make",
    [_same_file, _symlink_to_input, _json_report_in_input_folder, _link_to_a_scenario_in_the_input_folder],
    ids=lambda make: make.__name__[1:],
)
def test_batch_refuses_an_output_that_is_an_input(tmp_path: Path, make: Any) -> None:
    args, input_file = make(tmp_path)
    before = input_file.read_bytes()
    result = cli("batch", *args, "--jobs", "1")
    assert result.exit_code == 2, result.output
    assert "is an input of this command" in result.output
    assert input_file.read_bytes() == before


@pytest.mark.parametrize("through_a_link", [False, True], ids=["same-file", "link-to-it"])
def test_workshop_refuses_an_output_that_is_its_scenario(tmp_path: Path, through_a_link: bool) -> None:
    scenario = tmp_path / "s.json"
    shutil.copy(PAYROLL, scenario)
    target = scenario
    if through_a_link:
        target = tmp_path / "pack.md"
        target.symlink_to(scenario)
    before = scenario.read_bytes()
    result = cli("workshop", scenario, "-o", target)
    assert result.exit_code == 2, result.output
    assert "is an input of this command" in result.output
    assert scenario.read_bytes() == before


def test_a_report_next_to_the_scenarios_of_an_input_folder_is_still_written(tmp_path: Path) -> None:
    folder = tmp_path / "portfolio"
    folder.mkdir()
    shutil.copy(PAYROLL, folder / "a.json")
    result = cli("batch", folder, "--out", folder / "report.jsonl", "--jobs", "1", "-q")
    assert result.exit_code == 0, result.output
    assert (folder / "report.jsonl").read_text(encoding="utf-8").count("\n") == 1


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_batch_template_refuses_an_existing_file_unless_forced(tmp_path: Path, suffix: str) -> None:
    filled = tmp_path / f"portfolio{suffix}"
    filled.write_bytes(b"filled in by hand")
    result = cli("batch", "--template", filled)
    assert result.exit_code == 2, result.output
    assert "already exists; use --force" in result.output
    assert filled.read_bytes() == b"filled in by hand"
    assert cli("batch", "--template", filled, "--force").exit_code == 0
    assert filled.read_bytes() != b"filled in by hand"


# --- symbolic links, owner and mode ------------------------------------------------------------------


def _linked_scenario(tmp_path: Path) -> tuple[Path, Path]:
    real = tmp_path / "real" / "scenario.json"
    real.parent.mkdir()
    shutil.copy(MIXED, real)
    os.chmod(real, 0o640)
    if os.geteuid() == 0:
        os.chown(real, 65534, 65534)
    link = tmp_path / "scenario.json"
    link.symlink_to(real)
    return link, real


@pytest.mark.parametrize(
    "edit",
    [
        ("decide", "{link}", "incident", "--application", "it_ops"),
        (
            "accept",
            "{link}",
            "restricted-data-outside-it",
            "--role",
            "business_owner",
            "--name",
            "Jo",
            "--date",
            "2026-01-02",
        ),
    ],
    ids=["decide", "accept"],
)
def test_an_edit_through_a_symlink_changes_the_target_and_keeps_link_owner_and_mode(
    tmp_path: Path, edit: tuple[str, ...]
) -> None:
    link, real = _linked_scenario(tmp_path)
    owner = (real.stat().st_uid, real.stat().st_gid)
    before = real.read_text()
    result = cli(*(part.format(link=link) for part in edit))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == real
    assert real.read_text() != before
    assert (real.stat().st_mode & 0o777, real.stat().st_uid, real.stat().st_gid) == (0o640, *owner)


def test_batch_out_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "reports" / "report.csv"
    real.parent.mkdir()
    real.write_text("old report\n")
    os.chmod(real, 0o604)
    link = tmp_path / "report.csv"
    link.symlink_to(real)
    result = cli("batch", PAYROLL, "--out", link, "--jobs", "1", "-q")
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8").startswith("\ufefflocation,id,name")
    assert real.stat().st_mode & 0o777 == 0o604


# --- two decides at once -----------------------------------------------------------------------------

PAIRS = 20  # benchmarks/concurrent_decide.py runs 200 pairs of real processes


def _decide_when_both_ready(barrier: Any, path: str, process: str, pack: Any) -> None:
    barrier.wait()
    api.decide(path, process, "business", rules=pack)


def test_two_decides_at_once_on_one_file_lose_no_decision(tmp_path: Path) -> None:
    pack = api.rule_pack()  # built before the fork; each process makes its own engine host
    context = multiprocessing.get_context("fork")
    lost = 0
    for attempt in range(PAIRS):
        path = tmp_path / f"scenario-{attempt}.json"
        shutil.copy(MIXED, path)
        barrier = context.Barrier(2)
        workers = [
            context.Process(target=_decide_when_both_ready, args=(barrier, str(path), process, pack))
            for process in ("incident", "problem")
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
            assert worker.exitcode == 0
        decided = json.loads(path.read_text())["decisions"]
        lost += sum(decided.get(process, {}).get("application") != "business" for process in ("incident", "problem"))
    assert lost == 0


# --- a full disk ------------------------------------------------------------------------------------

OUTPUTS = ("report.csv", "report.jsonl", "report.json", "report.md", "report.xlsx", "report.html")


def test_a_full_disk_while_streaming_reports_keeps_every_old_report(tmp_path: Path) -> None:
    portfolio = write_jsonl(
        tmp_path / "portfolio.jsonl", [document(f"Service {n}", f"svc-{n}", ambition="mixed") for n in range(400)]
    )
    out = tmp_path / "out"
    spool = tmp_path / "spool"
    out.mkdir()
    spool.mkdir()
    for name in OUTPUTS:
        (out / name).write_text("old report\n")
    targets = [arg for name in OUTPUTS for arg in ("--out", out / name)]
    result = opsadvisor(
        "batch", portfolio, *targets, "--jobs", "1", "-q", file_size_limit=32_000, env={"TMPDIR": str(spool)}
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "cannot write the file: File too large" in result.stderr
    assert all((out / name).read_text() == "old report\n" for name in OUTPUTS)
    assert leftovers(out) == [] and list(spool.iterdir()) == []


def test_a_full_disk_during_decide_removes_the_temporary_file_and_keeps_the_scenario(tmp_path: Path) -> None:
    path = tmp_path / "scenario.json"
    shutil.copy(MIXED, path)
    before = path.read_bytes()
    result = opsadvisor("decide", path, "incident", "--application", "it_ops", file_size_limit=512)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"error: {path}: cannot write the file")
    assert "Traceback" not in result.stderr
    assert path.read_bytes() == before
    assert leftovers(tmp_path) == []


# --- Ctrl-C and SIGTERM -----------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 60  # a guard against a hang, not a measurement
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads worker processes from /proc")
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_batch_leaves_no_temporary_file_no_worker_and_no_traceback(
    tmp_path: Path, signum: int, code: int
) -> None:
    line = json.dumps(document(ambition="mixed", criticality="high")) + "\n"
    portfolio = tmp_path / "portfolio.jsonl"
    portfolio.write_text(line * 60_000)
    out, spool = tmp_path / "out", tmp_path / "spool"
    out.mkdir()
    spool.mkdir()
    targets = [arg for name in OUTPUTS for arg in ("--out", out / name)]
    process = subprocess.Popen(
        command("batch", portfolio, *targets, "--jobs", "2", "-q"),
        env={**os.environ, "OPSADVISOR_CACHE_DIR": "", "TMPDIR": str(spool)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        cwd=NEUTRAL,
    )
    _wait_for(lambda: len(_children(process.pid)) >= 2 and leftovers(out), "the workers and the reports")
    workers = _children(process.pid)
    if signum == signal.SIGINT:
        os.killpg(process.pid, signum)  # a terminal's Ctrl-C reaches the whole process group
    else:
        process.send_signal(signum)
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # leave no hung process behind the failure
        raise
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr
    assert leftovers(out) == [] and list(spool.iterdir()) == []
    assert sorted(path.name for path in out.iterdir()) == []
    _wait_for(lambda: not any(_alive(pid) for pid in workers), "the workers to end")


def test_ctrl_c_while_assessing_in_process_exits_130_without_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "assess", interrupted)
    result = cli("assess", PAYROLL)
    assert result.exit_code == 130 and not crashed(result)
