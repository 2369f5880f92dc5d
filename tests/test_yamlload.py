"""Rule files are parsed safely, with line numbers, and the parse cache changes nothing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from opsadvisor import yamlload
from opsadvisor.rulepack import default_rules_dir, load_pack
from opsadvisor.yamlload import LineDict, LineList, YamlProblem, _decode, _encode, load_yaml, load_yaml_bytes

# Control and line-separator characters are left out: PyYAML itself folds some of them (e.g. NEL); so are
# the bidirectional controls, which a rule file may not hold (yamlload refuses them, text.BIDI).
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters=BIDI_CONTROLS),
    max_size=15,
)
scalars = st.none() | st.booleans() | st.integers() | text
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=25,
)


def shape(value: Any) -> Any:
    """The value with its line numbers, for exact comparison."""
    if isinstance(value, LineDict):
        return ("map", value.line, [(key, value.line_of(key), shape(item)) for key, item in value.items()])
    if isinstance(value, LineList):
        return ("seq", value.line, [(value.line_of(i), shape(item)) for i, item in enumerate(value)])
    return value


@settings(max_examples=200)
@given(documents)
def test_yaml_round_trip_keeps_values_and_the_cache_keeps_lines(document: Any) -> None:
    text = yaml.safe_dump(document, allow_unicode=True)
    loaded = load_yaml(text)
    assert loaded == document
    assert shape(_decode(_encode(loaded))) == shape(loaded)


def test_lines_are_one_based() -> None:
    loaded = load_yaml("a: 1\nb:\n  - x\n  - y\n")
    assert (loaded.line_of("a"), loaded.line_of("b"), loaded["b"].line_of(1)) == (1, 2, 4)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\na: 2\n", 'line 2: the key "a" appears twice'),
        ("1: x\n", "line 1: a key must be text"),
        ("a: !!python/name:os.system\n", "invalid YAML"),
        ("a: [1,\n", "invalid YAML"),
    ],
)
def test_bad_yaml_is_a_problem_with_a_line(text: str, message: str) -> None:
    with pytest.raises(YamlProblem, match=message):
        load_yaml(text)


def test_cached_pack_equals_uncached_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSADVISOR_CACHE_DIR", "")
    uncached = load_pack()
    monkeypatch.setenv("OPSADVISOR_CACHE_DIR", str(tmp_path))
    first = load_pack()
    assert len(list(tmp_path.glob("*.json"))) == len(list(default_rules_dir().glob("*.yaml")))
    second = load_pack()
    assert uncached.rules == first.rules == second.rules
    assert uncached.version == second.version
    assert [str(rule.location) for rule in uncached.rules] == [str(rule.location) for rule in second.rules]


def test_a_corrupt_cache_entry_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSADVISOR_CACHE_DIR", str(tmp_path))
    raw = b"rules: []\n"
    load_yaml_bytes(raw)
    (entry,) = tmp_path.glob("*.json")
    entry.write_text('{"m": 1, "k": [["rules"')
    assert load_yaml_bytes(raw) == {"rules": []}


def test_the_cache_keeps_the_newest_parsed_files_and_nothing_of_anybody_elses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every edit of a rule file parses it again: the folder keeps the KEPT entries written last, and a file
    of the user's own in a folder they chose (OPSADVISOR_CACHE_DIR), whatever its name, stays."""
    monkeypatch.setenv("OPSADVISOR_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(yamlload, "KEPT", 3)
    mine = tmp_path / ("0" * 64 + ".json")
    mine.write_text('{"the user": "their own"}')
    os.utime(mine, ns=(0, 0))  # the oldest of all
    written = []
    for number in range(5):
        raw = f"edit: {number}\n".encode()
        assert load_yaml_bytes(raw) == {"edit": number}
        written.append(tmp_path / f"{yamlload._digest(yamlload.CACHE_FORMAT.encode() + raw)}.json")
        os.utime(written[-1], ns=((number + 1) * 10**9,) * 2)  # written in this order, a second apart
    assert set(tmp_path.glob("*.json")) == {mine, *written[2:]}
    assert mine.read_text() == '{"the user": "their own"}'
