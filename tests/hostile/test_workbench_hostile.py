"""The workbench (`opsadvisor serve`) under hostile conditions: nothing lost, nothing injected, no hang.

Saving the Edit form unchanged writes the same facts; every write takes the file's lock, so a form save,
a `decide` on the command line and a second workbench never write over each other's change unseen; a
symbolic link loop, a file broken behind an open page, a NUL byte or an over-long name never crash a
page; a client that sends half a request is dropped in time; and what the workbench will not do, or
cleans up, it says.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from opsadvisor import api
from opsadvisor.files import atomic_write, locked
from opsadvisor.web import app as app_module
from opsadvisor.web.app import create_app
from opsadvisor.web.workspace import version_of

from .hostile_helpers import MIXED, NEUTRAL, SCENARIOS, cli, command, crashed

NOTHING_SAVED = "nothing was saved"
NAME = "svc.json"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    path.mkdir()
    shutil.copy(MIXED, path / NAME)
    return path


@pytest.fixture
def client(folder: Path) -> TestClient:
    return TestClient(create_app(folder), base_url="http://127.0.0.1")


def token(client: TestClient) -> str:
    return str(client.app.state.bench.token)  # type: ignore[attr-defined]


def form_of(page: str) -> dict[str, str]:
    """The fields a browser would post from the page's interview form, as they are shown."""
    form = page.split('id="interview"')[1].split("</form>")[0]
    fields = {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(r'<input (?:type="hidden" )?name="([^"]+)"[^>]*?value="([^"]*)"', form)
    }
    fields.update(
        (html.unescape(name), html.unescape(value))
        for name, value in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S)
    )
    return fields


def on_disk(path: Path) -> dict[str, object]:
    return json.loads(path.read_text(encoding="utf-8"))


# --- data loss: the Edit form ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scenario",
    ["event-app-pilot.json", "lab-analytics-no-contract.json", "payroll-it-operated.json"],
    ids=["integrations-none", "benefits-none", "keys-missing"],
)
def test_saving_the_edit_form_unchanged_writes_the_same_facts(tmp_path: Path, scenario: str) -> None:
    shutil.copy(SCENARIOS / scenario, tmp_path / scenario)
    client = TestClient(create_app(tmp_path), base_url="http://127.0.0.1")
    before = on_disk(tmp_path / scenario)
    report_before = api.assess(tmp_path / scenario)
    answer = client.post(
        f"/edit/{scenario}", data=form_of(client.get(f"/edit/{scenario}").text), follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    assert on_disk(tmp_path / scenario) == before
    report_after = api.assess(tmp_path / scenario)
    assert [c.kind for c in report_after.conflicts] == [c.kind for c in report_before.conflicts]
    assert report_after.accountability == report_before.accountability


def test_none_and_an_empty_field_stay_distinct_in_the_form(tmp_path: Path) -> None:
    """`[]` is shown as "none" and written back as `[]`; an emptied field is don't know: the key goes."""
    shutil.copy(SCENARIOS / "event-app-pilot.json", tmp_path / "evt.json")
    client = TestClient(create_app(tmp_path), base_url="http://127.0.0.1")
    fields = form_of(client.get("/edit/evt.json").text)
    assert fields["integrations"] == "none"
    client.post("/edit/evt.json", data={**fields, "integrations": ""})
    assert "integrations" not in on_disk(tmp_path / "evt.json")
    fields = form_of(client.get("/edit/evt.json").text)
    assert fields["integrations"] == ""
    client.post("/edit/evt.json", data={**fields, "integrations": "None"})
    assert on_disk(tmp_path / "evt.json")["integrations"] == []


# --- data loss: every write path takes the file's lock ------------------------------------------------


def _edit_save(client: TestClient) -> tuple[str, dict[str, str]]:
    return f"/edit/{NAME}", {**form_of(client.get(f"/edit/{NAME}").text), "users": "4321"}


def _decide(client: TestClient) -> tuple[str, dict[str, str]]:
    version = client.get(f"/s/{NAME}/workshop").headers["etag"].strip('"')
    fields = {"csrf": token(client), "version": version, "process": "incident", "application": "it_ops"}
    return f"/s/{NAME}/decide", fields


@pytest.mark.parametrize("action", [_edit_save, _decide], ids=["edit-save", "decide"])
def test_a_write_waits_for_the_lock_and_then_refuses_its_stale_version(
    folder: Path, client: TestClient, action: Callable[[TestClient], tuple[str, dict[str, str]]]
) -> None:
    """While `opsadvisor decide` (here: the test) holds the file's lock and changes the file, the workbench's
    write waits; then it sees the file is no longer its page's version and refuses, saying so."""
    url, fields = action(client)
    answers: list[Any] = []
    with locked(folder / NAME):
        writing = threading.Thread(target=lambda: answers.append(client.post(url, data=fields)))
        writing.start()
        time.sleep(0.5)  # the write is waiting for the lock (without it, it would have written by now)
        decided = on_disk(folder / NAME)
        decided["decisions"]["it_controls"] = {"application": "business"}  # type: ignore[index]
        atomic_write(folder / NAME, json.dumps(decided).encode())  # as `decide` does, holding the lock
    writing.join(30)
    assert answers[0].status_code == 409 and NOTHING_SAVED in answers[0].text
    document = on_disk(folder / NAME)
    assert document["decisions"]["it_controls"]["application"] == "business"  # type: ignore[index]
    assert document["users"] != 4321 and document["decisions"]["incident"]["application"] != "it_ops"  # type: ignore[index]


def test_two_workbenches_creating_the_same_file_never_replace_each_others(
    folder: Path, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = json.dumps({"service": {"id": "theirs", "name": "Made by the other workbench"}})
    finished = app_module.forms.finished

    def the_other_workbench_saves_first(*args: object) -> object:
        (folder / "new.json").write_text(theirs, encoding="utf-8")
        return finished(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(app_module.forms, "finished", the_other_workbench_saves_first)
    answer = client.post(
        "/new", data={"csrf": token(client), "file": "new", "service.id": "mine", "service.name": "Mine"}
    )
    assert answer.status_code == 422 and "new.json: already exists; nothing was written" in answer.text
    assert (folder / "new.json").read_text(encoding="utf-8") == theirs


@dataclass
class Actor:
    """One writer of the interleaving test: what it last wrote, and what it was told."""

    name: str
    key: tuple[str, ...]  # where its change lands in the file (no other actor writes there)
    last: object = None
    written: int = 0
    refused: int = 0
    problems: list[str] = field(default_factory=list)

    def check(self, document: dict[str, object]) -> None:
        """Its last successful change must still be in the file: nobody wrote over it unseen."""
        value: object = document
        for part in self.key:
            value = value.get(part) if isinstance(value, dict) else None
        if self.last is not None and value != self.last:
            self.problems.append(f"{self.name}: lost update: {self.key} is {value!r}, last written {self.last!r}")


class Served:
    """`opsadvisor serve FOLDER --port 0` on 127.0.0.1, as a real process, and the lines it printed."""

    def __init__(self, folder: Path) -> None:
        self.process = subprocess.Popen(
            [*command("serve", folder, "--port", "0")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=NEUTRAL,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "OPSADVISOR_CACHE_DIR": ""},
        )
        self.printed: list[str] = []
        self.errors: list[str] = []
        self.readers = [
            threading.Thread(target=self.printed.extend, args=(self.process.stdout,), daemon=True),
            threading.Thread(target=self.errors.extend, args=(self.process.stderr,), daemon=True),
        ]
        for reader in self.readers:
            reader.start()
        first = next(iter(self.wait_for_lines(1)), "")
        assert first.startswith("opsadvisor workbench on http://127.0.0.1:"), first + self.stop()
        self.url = first.split(" on ")[1].split(" ")[0].rstrip("/")
        self.port = int(self.url.rsplit(":", 1)[1])
        self.token = ""

    def wait_for_lines(self, count: int, within: float = 60) -> list[str]:
        """What it printed, once that is `count` lines (or it ended, or `within` seconds passed)."""
        started = time.monotonic()
        while len(self.printed) < count and self.process.poll() is None and time.monotonic() - started < within:
            time.sleep(0.05)
        return list(self.printed)

    def get(self, path: str) -> tuple[int, str, dict[str, str]]:
        return self._open(urllib.request.Request(self.url + path))

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        data = urllib.parse.urlencode(fields).encode()
        return self._open(urllib.request.Request(self.url + path, data=data, method="POST"))

    def _open(self, request: urllib.request.Request) -> tuple[int, str, dict[str, str]]:
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=60) as answer:
                return answer.status, answer.read().decode(), dict(answer.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def stop(self) -> str:
        """Stop it as Ctrl-C does; what it wrote on stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=20)
        for reader in self.readers:
            reader.join(10)
        return "".join(self.errors)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a 303 is the answer to look at


def _form_saves(server: Served, actor: Actor, tries: int, path: Path) -> None:
    for number in range(tries):
        actor.check(on_disk(path))
        status, page, _ = server.get(f"/edit/{NAME}")
        fields = {**form_of(page), "users": str(1000 + number)}
        status, page, _ = server.post(f"/edit/{NAME}", fields)
        if status == 303:
            actor.last, actor.written = 1000 + number, actor.written + 1
        elif status == 409 and NOTHING_SAVED in page:
            actor.refused += 1
        else:
            actor.problems.append(f"form save answered {status} without saying why: {page[-300:]}")


def _web_decides(server: Served, actor: Actor, tries: int, path: Path) -> None:
    for number in range(tries):
        actor.check(on_disk(path))
        status, page, headers = server.get(f"/s/{NAME}/workshop")
        version = headers.get("etag", headers.get("ETag", "")).strip('"')
        party = ("business", "it_ops")[number % 2]
        fields = {"csrf": server.token, "version": version, "process": "incident", "application": party}
        status, page, _ = server.post(f"/s/{NAME}/decide", fields)
        if status == 303:
            actor.last, actor.written = party, actor.written + 1
        elif status == 409 and NOTHING_SAVED in page:
            actor.refused += 1
        else:
            actor.problems.append(f"decide answered {status} without saying why: {page[-300:]}")


CLI_DECIDES = """
import json, sys
from opsadvisor.cli import main
last = None
for number in range(int(sys.argv[2])):
    now = json.load(open(sys.argv[1], encoding="utf-8"))["decisions"]["change"]["application"]
    if last is not None and now != last:
        print("lost", last, now, flush=True)
    last = ("business", "it_ops")[number % 2]
    main(["decide", sys.argv[1], "change", "--application", last], standalone_mode=False)
    print("written", last, flush=True)
"""


@pytest.mark.slow
@pytest.mark.no_faketime
def test_form_saves_cli_decides_and_a_second_workbench_interleaved_lose_no_update(folder: Path) -> None:
    """200 tries: form saves on one workbench, decisions on another, `opsadvisor decide` in a third process.
    Each writes its own fact, so every successful write must still be in the file until its writer's next."""
    path = folder / NAME
    first, second = Served(folder), Served(folder)
    try:
        for server in (first, second):
            server.token = re.findall(r'name="csrf" value="([^"]+)"', server.get("/new")[1])[0]
        form = Actor("form save", ("users",))
        web = Actor("workbench decide", ("decisions", "incident", "application"))
        terminal = Actor("opsadvisor decide", ("decisions", "change", "application"))
        decides = subprocess.Popen(
            [*command()[:2], CLI_DECIDES, str(path), "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        threads = [
            threading.Thread(target=_form_saves, args=(first, form, 70, path)),
            threading.Thread(target=_web_decides, args=(second, web, 70, path)),
        ]
        for thread in threads:
            thread.start()
        out, err = decides.communicate(timeout=600)
        for thread in threads:
            thread.join(600)
    finally:
        first.stop()
        second.stop()
    assert decides.returncode == 0, err
    said = [line.split() for line in out.splitlines() if line.startswith(("written", "lost"))]
    terminal.problems = [" ".join(words) for words in said if words[0] == "lost"]
    terminal.last, terminal.written = said[-1][1], len(said) - len(terminal.problems)
    final = on_disk(path)
    for actor in (form, web, terminal):
        actor.check(final)
        assert not actor.problems, actor.problems
    assert form.written + form.refused == 70 and web.written + web.refused == 70 and terminal.written == 60
    assert form.written and web.written  # each got through at least once


# --- no crash on valid input ---------------------------------------------------------------------------


def test_a_symlink_loop_anywhere_in_the_folder_is_skipped(folder: Path) -> None:
    venv = folder / ".venv" / "lib"
    venv.mkdir(parents=True)
    (venv / "a.json").symlink_to("b.json")
    (venv / "b.json").symlink_to("a.json")
    (folder / "loop.json").symlink_to("loop.json")
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to("..")
    client = TestClient(create_app(folder), base_url="http://127.0.0.1")
    for page in ("/", "/portfolio"):
        answer = client.get(page)
        assert answer.status_code == 200 and NAME in answer.text and "loop.json" not in answer.text
    assert client.get("/s/loop.json").status_code == 404
    result = cli("serve", folder, "--check")
    assert result.exit_code == 0 and not crashed(result), result.output
    assert "ready to serve 1 scenario files (0 invalid)" in result.output


def _break(path: Path, how: str) -> None:
    if how == "deleted":
        path.unlink()
    else:
        path.write_text('{"service": ', encoding="utf-8")


@pytest.mark.parametrize("how", ["broken", "deleted"])
def test_a_click_on_a_board_whose_file_broke_on_disk_answers_409_with_the_problem(
    folder: Path, client: TestClient, how: str
) -> None:
    version = version_of(folder / NAME)
    _break(folder / NAME, how)
    problem = "invalid JSON" if how == "broken" else "No such file"
    script = {"X-Partial": "true"}
    posted = {"csrf": token(client), "version": version}
    clicks = {
        "cell": client.get(f"/s/{NAME}/cell", params={"process": "incident"}, headers=script),
        "explain": client.get(f"/s/{NAME}/explain", params={"rule": "ambition.business-operated"}, headers=script),
        "decide": client.post(f"/s/{NAME}/decide", data={**posted, "process": "incident"}, headers=script),
        "accept": client.post(f"/s/{NAME}/accept", data={**posted, "risk": "x", "role": "cio"}, headers=script),
        "decide without JavaScript": client.post(f"/s/{NAME}/decide", data={**posted, "process": "incident"}),
        "edit save": client.post(f"/edit/{NAME}", data={**posted, "service.id": "x", "service.name": "Typed"}),
    }
    for click, answer in clicks.items():
        assert answer.status_code == 409, (click, answer.status_code, answer.text[-500:])
        assert "cannot be used now" in answer.text and problem in answer.text, (click, answer.text[-500:])
    assert 'value="Typed"' in clicks["edit save"].text  # what was typed is still in the form
    if how == "broken":
        assert (folder / NAME).read_text(encoding="utf-8") == '{"service": '


def test_a_fault_of_the_workbench_is_said_where_the_click_looks(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even a bug answers with words the page swaps in (the page's script swaps 5xx answers too), not a blank 500."""
    client = TestClient(create_app(folder), base_url="http://127.0.0.1", raise_server_exceptions=False)

    def fails(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(app_module.api, "explain", fails)
    answer = client.get(f"/s/{NAME}/explain", params={"rule": "x"}, headers={"X-Partial": "true"})
    assert answer.status_code == 500 and 'class="problem"' in answer.text and "its log says why" in answer.text


@pytest.mark.parametrize(
    "url",
    ["/s/a%00b.json", "/s/a%00.json/workshop", "/edit/a%00.json", f"/s/{'a' * 300}.json", f"/edit/{'é' * 150}.json"],
    ids=["nul", "nul-workshop", "nul-edit", "300-bytes", "300-bytes-edit"],
)
def test_a_nul_byte_or_an_overlong_name_in_a_url_is_no_scenario(client: TestClient, url: str) -> None:
    answer = client.get(url)
    assert answer.status_code == 404 and "no scenario" in answer.text


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("a\x00b", "cannot hold control characters"),
        ("a" * 300, "at most 255 bytes between slashes"),
        (".draft", "the scenario list would not show it"),
        ("drafts/.x.json", "the scenario list would not show it"),
        ("../outside", "inside the workspace"),
        ("nowhere/x", "has no folder nowhere"),
    ],
    ids=["nul", "300-bytes", "hidden", "hidden-in-folder", "outside", "no-folder"],
)
def test_a_new_file_name_that_cannot_be_written_or_would_be_hidden_is_refused_with_words(
    folder: Path, client: TestClient, name: str, said: str
) -> None:
    (folder / "drafts").mkdir()
    before = sorted(path.name for path in folder.rglob("*"))
    answer = client.post("/new", data={"csrf": token(client), "file": name, "service.id": "x", "service.name": "X"})
    assert answer.status_code == 422 and said in html.unescape(answer.text), answer.text[-800:]
    assert sorted(path.name for path in folder.rglob("*")) == before


# --- no hang, and saying what is done: a real `opsadvisor serve` ------------------------------------------------

STALLS = {
    "nothing": b"",
    "half a request line": b"GET /port",
    "half the headers": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/h",
    "half the body": b"POST /preview HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded"
    b"\r\nContent-Length: 200\r\n\r\nservice.id=half",
}
CLOSED_WITHIN = 30  # seconds


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Path]]:
    """A workbench started over a folder where an earlier, killed one left temporary files."""
    folder = tmp_path_factory.mktemp("served")
    shutil.copy(MIXED, folder / NAME)
    for left in (f".{NAME}.k1l2e3d4.tmp", "deep/.other.json.a1b2c3d4.tmp"):
        (folder / left).parent.mkdir(exist_ok=True)
        (folder / left).write_text("{", encoding="utf-8")
        os.utime(folder / left, (time.time() - 120, time.time() - 120))
    (folder / f".{NAME}.fresh123.tmp").write_text("{", encoding="utf-8")  # a save writing it now
    (folder / "notes.tmp").write_text("mine", encoding="utf-8")  # not a workbench's
    os.utime(folder / "notes.tmp", (time.time() - 120, time.time() - 120))
    served = Served(folder)
    yield served, folder
    served.stop()


def _wait_closed(connections: dict[str, socket.socket], within: float) -> dict[str, tuple[float, bytes]]:
    """Read each connection until the server closes it, for at most `within` seconds in all."""
    started = time.monotonic()
    closed: dict[str, tuple[float, bytes]] = {}
    received = dict.fromkeys(connections, b"")
    while len(closed) < len(connections) and time.monotonic() - started < within:
        for what, connection in connections.items():
            if what in closed:
                continue
            try:
                data = connection.recv(4096)
            except TimeoutError:
                continue
            except ConnectionResetError:
                data = b""
            received[what] += data
            if not data:
                closed[what] = (time.monotonic() - started, received[what])
    return closed


@pytest.mark.slow
@pytest.mark.no_faketime
def test_clients_that_send_half_a_request_are_closed_in_time_and_each_logged_in_one_line(
    server: tuple[Served, Path],
) -> None:
    served, _ = server
    connections = {}
    for what, sent in STALLS.items():
        connection = socket.create_connection(("127.0.0.1", served.port), timeout=5)
        connection.sendall(sent)
        connection.settimeout(0.2)
        connections[what] = connection
    gone = socket.create_connection(("127.0.0.1", served.port), timeout=5)  # sends half a body, then goes
    gone.sendall(STALLS["half the body"])
    time.sleep(0.3)
    gone.close()
    try:
        assert served.get("/")[0] == 200  # meanwhile, the workbench answers
        closed = _wait_closed(connections, CLOSED_WITHIN)
    finally:
        for connection in connections.values():
            connection.close()
    assert sorted(closed) == sorted(STALLS), f"still open after {CLOSED_WITHIN} s: {set(STALLS) - set(closed)}"
    for what in ("half a request line", "half the headers"):
        assert closed[what][1].startswith(b"HTTP/1.1 408 Request Timeout"), closed[what]
    errors = served.stop()
    assert "Traceback" not in errors, errors
    lines = errors.splitlines()
    assert len([line for line in lines if "POST /preview not handled" in line]) == 2, errors  # stalled, and gone
    assert len([line for line in lines if "sent no whole request" in line]) == 3, errors


@pytest.mark.slow
@pytest.mark.no_faketime
def test_temporary_files_of_interrupted_saves_are_removed_at_start_and_named(server: tuple[Served, Path]) -> None:
    served, folder = server
    leftovers = sorted(str(path.relative_to(folder)) for path in folder.rglob("*.tmp"))
    assert leftovers == [f".{NAME}.fresh123.tmp", "notes.tmp"]
    printed = "".join(served.wait_for_lines(3))
    for name in (f".{NAME}.k1l2e3d4.tmp", "deep/.other.json.a1b2c3d4.tmp"):
        assert f"removed {name}, left by a save that was interrupted" in printed
