"""The shared helpers: how values, counts and parties read, escaping, dotted paths, and the HTML templates."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsadvisor.render.templating import _environment
from opsadvisor.scenario import get_path, set_path
from opsadvisor.text import (
    PARTIES,
    count,
    escape_html,
    escape_markdown,
    markdown_table,
    party,
    party_letter,
    say_value,
    show_value,
)
from opsadvisor.yamlload import load_yaml_bytes


def test_counts_say_singular_and_plural() -> None:
    assert [count(n, "file") for n in (0, 1, 2)] == ["0 files", "1 file", "2 files"]
    assert count(2, "risk to accept", "risks to accept") == "2 risks to accept"


@pytest.mark.parametrize(
    ("value", "shown", "said"),
    [(True, "true", "yes"), (False, "false", "no"), (["a", "b"], "[a, b]", "a, b"), ((), "[]", "none"), (3, "3", "3")],
)
def test_values_read_the_same_everywhere(value: Any, shown: str, said: str) -> None:
    assert show_value(value) == shown and say_value(value) == said


def test_parties_have_one_table() -> None:
    assert party("it_ops") == "IT OPS" and party("vendor") == "vendor"
    assert party_letter("business") == "B" and party_letter("vendor") == "V" and party_letter("") == "?"
    assert PARTIES["tbd"].legend == "t.b.d. (open decision)" and PARTIES["n/a"].legend == "n/a"


def test_markdown_cells_cannot_break_the_table() -> None:
    assert escape_markdown("a|b\n<i>c</i> \\") == "a\\|b &lt;i>c&lt;/i> \\\\"
    table = markdown_table(("x", "y"), [("1|2", "007")])
    assert table.splitlines()[-1] == "| 1\\|2 | 007 |"


@given(st.text())
def test_html_escaping_is_the_standard_librarys(text: str) -> None:
    assert escape_html(text) == html.escape(text)


def test_templates_escape_every_value_as_html_escape_does() -> None:
    page = _environment().from_string("<p title='{{ value }}'>{{ value }}</p>{{ number }}")
    hostile = """<script>"it's" & more</script>"""
    assert page.render(value=hostile, number=3) == f"<p title='{html.escape(hostile)}'>{html.escape(hostile)}</p>3"


keys = st.text(alphabet="abc", min_size=1, max_size=3)


@given(st.lists(keys, min_size=1, max_size=4), st.integers())
def test_a_dotted_path_sets_a_nested_key(parts: list[str], value: int) -> None:
    document: dict[str, Any] = {"other": 1}
    set_path(document, ".".join(parts), value)
    node: Any = document
    for part in parts:
        node = node[part]
    assert node == value and document["other"] == 1
    assert get_path(document, ".".join(parts)) == value


def test_a_dotted_path_through_a_value_sets_nothing() -> None:
    document: dict[str, Any] = {"data": "restricted"}
    set_path(document, "data.classification", "x")
    assert document == {"data": "restricted"}
    assert get_path(document, "data.classification", "missing") == "missing"


def test_the_rule_file_cache_is_written_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    assert load_yaml_bytes(b"a: [1, 2]\n") == {"a": [1, 2]}
    assert [path.suffix for path in (tmp_path / "cache").iterdir()] == [".json"]  # no temporary file left
    assert load_yaml_bytes(b"a: [1, 2]\n").line_of("a") == 1  # served from the cache, lines kept


def test_an_unwritable_cache_just_means_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("OPSADVISOR_CACHE_DIR", str(tmp_path / "file" / "cache"))
    assert load_yaml_bytes(b"a: 1\n") == {"a": 1}
