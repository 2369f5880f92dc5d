"""JSON Lines read in blocks of lines (batch/inputs.py): a batch's parent sends a block of lines to a worker,
which splits it. The entries are those a text file's lines give (universal newlines, a BOM dropped, blank
lines skipped, each line numbered as an editor numbers it), whatever the block and piece sizes; a file that
is not UTF-8 is reported at its bad byte, its lines before that one assessed."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from opsadvisor import api
from opsadvisor.batch import inputs, runner
from opsadvisor.batch.inputs import BLOCK, INVALID, TEXT, Entry, each_entry, iter_entries

from .batch_helpers import bundled

_PIECES = st.sampled_from(
    [b"{}", b"ab", b" ", b"\t", b"\n", b"\r", b"\r\n", b"\xc2\xa0", b"\xe2\x80\xa8", b"\x0c", b"\xef\xbb\xbf", b"\xc3"]
)


def _reference(path: Path) -> list[tuple[str, str, str]]:
    """The entries as a text file's lines give them (how the reader read before blocks)."""
    found = []
    with path.open(encoding="utf-8-sig", newline="") as lines:
        for number, line in enumerate(lines, 1):
            if not line.isspace():
                found.append((f"{path}:line {number}", TEXT, line.rstrip("\r\n")))
    return found


def _plain(entries: Iterable[Entry]) -> list[tuple[str, str, str]]:
    """The entries as (location, kind, text), an invalid one's text its error's."""
    return [(entry.location, entry.kind, str(entry.payload)) for entry in entries]


def _entries(path: Path) -> list[tuple[str, str, str]]:
    return _plain(iter_entries([path]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.lists(_PIECES, max_size=40).map(b"".join), lines=st.integers(1, 4), piece=st.integers(1, 6))
@example(content=b"\xef\xbb\xbf{}\r\n\r\nab\r", lines=1, piece=1)
@example(content=b"ab\r\r\n \n", lines=2, piece=3)
def test_blocks_give_the_lines_a_text_file_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, lines: int, piece: int
) -> None:
    monkeypatch.setattr(inputs, "BLOCK_LINES", lines)
    monkeypatch.setattr(inputs, "FIRST_READ", piece)
    monkeypatch.setattr(inputs, "MIN_READ", 1)
    monkeypatch.setattr(inputs, "MAX_READ", 2 * piece)
    path = tmp_path / "p.jsonl"
    path.write_bytes(content)
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as error:
        found = _entries(path)
        bad = error.start
        *before, invalid = found
        line = content[:bad].count(b"\n") + content[:bad].count(b"\r") - content[:bad].count(b"\r\n") + 1
        assert invalid[1] == INVALID and f"byte {bad} (line {line}) is not UTF-8 text" in str(invalid[2])
        whole = content[: max(content.rfind(b"\n", 0, bad), content.rfind(b"\r", 0, bad)) + 1]
        (tmp_path / "before.jsonl").write_bytes(whole)
        named = str(tmp_path / "before.jsonl")
        assert before == [
            (location.replace(named, str(path)), kind, text)
            for location, kind, text in _reference(tmp_path / "before.jsonl")
        ]
        return
    expected = _reference(path)
    if expected:
        assert _entries(path) == expected
    else:
        ((location, kind, error),) = _entries(path)
        assert location == str(path) and kind == INVALID and "no entries" in str(error)
    blocks = list(iter_entries([path], blocks=True))
    assert _plain(each_entry(blocks)) == _entries(path)
    assert all(entry.kind in (BLOCK, INVALID) for entry in blocks)


def test_a_file_of_blank_lines_or_a_bom_alone_has_no_entries(tmp_path: Path) -> None:
    for content in (b"", b"\xef\xbb\xbf", b"\n \r\n\t\r"):
        path = tmp_path / "blank.jsonl"
        path.write_bytes(content)
        for blocks in (False, True):
            (entry,) = iter_entries([path], blocks=blocks)
            assert entry.kind == INVALID and "no entries" in str(entry.payload)


def test_a_long_run_of_lone_carriage_returns_is_read_in_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inputs, "FIRST_READ", 64)
    monkeypatch.setattr(inputs, "MAX_READ", 64)
    path = tmp_path / "mac.jsonl"
    path.write_bytes(b"\r".join(b'{"n": %d}' % number for number in range(100)))
    blocks = list(iter_entries([path], blocks=True))
    assert len(blocks) > 10 and max(len(entry.payload[1]) for entry in blocks) < 2 * 64
    assert [entry.location for entry in each_entry(blocks)] == [f"{path}:line {n}" for n in range(1, 101)]


def _lines_of_widths(widths: list[int]) -> bytes:
    return b"".join(b'{"n": "%s"}\n' % (b"x" * (width + number % 7)) for number, width in enumerate(widths))


@pytest.mark.parametrize(
    "widths",
    [[40] * 3000, [600] * 3000, [5000] * 3000, [20_000] * 300 + [0] * 50_000],
    ids=["short", "medium", "long", "long-then-short"],
)
def test_a_block_holds_about_a_chunk_of_lines_whatever_their_length(tmp_path: Path, widths: list[int]) -> None:
    path = tmp_path / "p.jsonl"
    path.write_bytes(_lines_of_widths(widths))
    blocks = list(iter_entries([path], blocks=True))
    sizes = [count for _, _, count in (entry.payload for entry in blocks)]
    assert sum(sizes) == len(widths) == len(list(each_entry(blocks)))
    assert max(sizes) <= 2 * inputs.BLOCK_LINES  # a worker's task stays about a chunk
    assert sum(size >= inputs.BLOCK_LINES // 2 for size in sizes) >= 0.8 * len(sizes)  # not many small ones


def test_the_lines_of_many_small_files_share_a_task(tmp_path: Path) -> None:
    files = []
    for number in range(600):
        files.append(tmp_path / f"{number}.jsonl")
        files[-1].write_bytes(_lines_of_widths([10] * (number % 3)))  # a third of them are empty
    tasks = list(runner.chunked(iter_entries(files, blocks=True)))
    lines = [sum(entry.payload[2] if entry.kind == BLOCK else 1 for entry in task) for task in tasks]
    # 600 lines, and an invalid entry for each of the 200 empty files: 800 entries in chunks of 256
    assert sum(lines) == 800 and len(tasks) == 4


def _mixed(path: Path) -> Path:
    """Bundled services with every kind of line end, blank lines, a bad line, and bad UTF-8 near the end."""
    lines = [json.dumps(document).encode() for document in bundled() * 4]
    ends = [b"\n", b"\r\n", b"\r"]
    body = b"".join(
        line + ends[number % 3] + (b"  \n" if number % 5 == 0 else b"") for number, line in enumerate(lines)
    )
    path.write_bytes(b"\xef\xbb\xbf" + body + b'{"broken"\n' + b'{"service": "\xff"}\n')
    return path


def _lines_of(folder: Path, portfolio: Path, jobs: int) -> tuple[bytes, list[str]]:
    folder.mkdir()
    errors: list[str] = []
    api.run_batch(
        [portfolio],
        outputs=[folder / "out.jsonl"],
        jobs=jobs,
        as_of="2026-12-01",
        on_progress=lambda done, invalid: errors.extend(outcome.error for outcome in invalid),
    )
    return (folder / "out.jsonl").read_bytes(), errors


def test_a_batch_reads_the_lines_the_same_in_blocks_whatever_the_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inputs, "BLOCK_LINES", 5)
    monkeypatch.setattr(inputs, "FIRST_READ", 4096)
    portfolio = _mixed(tmp_path / "in.jsonl")
    sent: list[str] = []
    each = inputs.each_entry

    def counted(entries: Iterator[Entry]) -> Iterator[Entry]:
        for entry in entries:
            sent.append(entry.kind)
            yield from each([entry])

    monkeypatch.setattr("opsadvisor.batch.chunks.each_entry", counted)
    one, one_errors = _lines_of(tmp_path / "one", portfolio, 1)
    two, two_errors = _lines_of(tmp_path / "two", portfolio, 2)
    assert one == two and one_errors == two_errors
    assert sent.count(BLOCK) > 5 and set(sent) <= {BLOCK, INVALID}  # split where they were assessed
    count = len(bundled()) * 4
    assert len(one.splitlines()) == count + 2  # every service, the bad line, the file's bad byte
    lines = count + len(range(0, count, 5)) + 2  # the services' lines, a blank one after every fifth, the broken one
    assert one_errors[-1].endswith(
        f"byte {len(portfolio.read_bytes()) - 4} (line {lines}) is not UTF-8 text; expected a JSON Lines file"
    )
    assert f"{portfolio}:line " in one_errors[0] and "invalid JSON" in one_errors[0]
