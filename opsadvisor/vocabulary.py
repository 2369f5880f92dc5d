"""One forgiving vocabulary: the words a person may use for a contract value, wherever they type it.

The interview, CSV and XLSX cells, mapped exports and the choice fields of JSON documents all read
values through here. A vocabulary value is accepted as its id (`pci_dss`), its label (`PCI DSS`) or
a declared synonym (`pci`, contract.SYNONYMS), ignoring case, spaces, `-`, `_`, `.` and `/`; a flag
as yes/no/y/n/true/false/1/0 (contract.FLAG_WORDS). Anything else is left as written, so that the
validator reports it with its did-you-mean. Column names are matched the same way: a field's path
(`data.classification`) or its label (`data classification`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

from .contract import COLUMN_FIELDS, FIELDS, FLAG_WORDS, SYNONYMS, Choice, Field, ListOf, get_parts, get_path
from .text import PARTIES

_SEPARATORS = re.compile(r"[\s._/-]+")


@lru_cache(maxsize=65_536)  # records name the same groups and services a million times over
def key(text: str) -> str:
    """The form two names are compared in: 'PCI-DSS', 'pci_dss' and ' Pci dss ' are all 'pci dss'."""
    return _SEPARATORS.sub(" ", text.strip().lower()).strip()


def label(value: str) -> str:
    """How a report names a vocabulary value to a person: 'business operated', 'IT OPS'."""
    known = PARTIES.get(value)
    return known.label if known else value.replace("_", " ")


@cache
def _table(values: tuple[str, ...]) -> dict[str, str]:
    """Every accepted name's key -> its value id. Ids win over labels, labels over synonyms; a synonym
    that would name two values of the vocabulary names neither."""
    table: dict[str, str] = {}
    ambiguous: set[str] = set()
    for names in (lambda value: (value,), lambda value: (label(value),), lambda value: SYNONYMS.get(value, ())):
        layer: dict[str, str] = {}
        for value in values:
            for name in names(value):
                found = key(name)
                if found in table:
                    continue
                if layer.get(found, value) != value:
                    ambiguous.add(found)
                layer[found] = value
        table.update({name: value for name, value in layer.items() if name not in ambiguous})
    return table


def choice(text: str, values: Sequence[str]) -> str | None:
    """The value id `text` names in the vocabulary `values`, or None."""
    return _table(tuple(values)).get(key(text))


_FLAGS = {word: value for value, words in FLAG_WORDS.items() for word in words}


def flag(text: str) -> bool | None:
    """True or False for yes/no/y/n/true/false/1/0 (any case), else None."""
    return _FLAGS.get(text.strip().lower())


def choice_or_text(text: str, values: Sequence[str]) -> str:
    """The value id, or the text as written (the validator then says what is wrong and what was meant)."""
    return choice(text, values) or text


# --- JSON documents ------------------------------------------------------------------------------

_IN_JSON: tuple[Field, ...] = tuple(item for item in FIELDS if item.normalised_in_json)


def _values(item: Field) -> tuple[str, ...]:
    node = item.node()
    if isinstance(node, ListOf):
        node = node.item
    assert isinstance(node, Choice), item.path  # a field normalised in JSON is a choice or a list of choices
    return node.values


# Per field normalised in JSON: its path, split too, and its choice's values (computed once: the hot path).
_IN_JSON_LAYOUT = tuple((item.path, tuple(item.path.split(".")), _values(item)) for item in _IN_JSON)


def normalise_document(document: Any) -> Any:
    """A scenario document with its choice fields' labels and synonyms replaced by their ids.

    Only the fields the contract lets JSON name forgivingly (Field.normalised_in_json); a value that
    is already an id, or that names nothing, is left as it is. The document is returned as it is when
    nothing changes, else a copy is changed (the caller's document is never modified)."""
    if not isinstance(document, dict):
        return document
    changes = [
        (path, value)
        for path, parts, values in _IN_JSON_LAYOUT
        if (value := _normalised(document, parts, values)) is not None
    ]
    if not changes:
        return document
    import copy

    changed = copy.deepcopy(document)
    for path, value in changes:
        *parents, last = path.split(".")
        (get_path(changed, ".".join(parents)) if parents else changed)[last] = value
    return changed


def _normalised(document: dict[str, Any], parts: tuple[str, ...], values: tuple[str, ...]) -> Any:
    """The value at the path (split in parts) with ids for labels and synonyms among `values`, or None
    when it is missing or needs no change."""
    value = get_parts(document, parts)
    if isinstance(value, str) and value not in values:
        found = choice(value, values)
        return found
    if isinstance(value, list) and any(isinstance(entry, str) and entry not in values for entry in value):
        items = [choice_or_text(entry, values) if isinstance(entry, str) else entry for entry in value]
        return items if items != value else None
    return None


# --- the JSON Schema of what JSON documents may say -----------------------------------------------

# A JSON Schema pattern cannot ignore case: each letter is a class of the characters that lower to it,
# and a separator (what `key` folds) a class of its own, so the pattern matches a string exactly when
# `choice` reads it. Characters are written as \uXXXX escapes, which Python's `re` and ECMA-262 share.
# Built only when a schema is asked for: `assess` never pays for it.


def _class(characters: str) -> str:
    """A pattern's character class of `characters`, three or more consecutive ones as a range."""
    runs: list[list[int]] = []
    for code in sorted(set(map(ord, characters))):
        if runs and code == runs[-1][-1] + 1:
            runs[-1].append(code)
        else:
            runs.append([code])
    parts = [
        _escaped(run[0]) + (f"-{_escaped(run[-1])}" if len(run) > 2 else "".join(map(_escaped, run[1:])))
        for run in runs
    ]
    return "[" + "".join(parts) + "]"


def _escaped(code: int) -> str:
    char = chr(code)
    return char if char.isascii() and char.isalnum() else f"\\u{code:04x}"


@cache
def _separator() -> str:
    """What `key` folds to one space: white space (as str.strip and the `re` class of white space see it,
    all of it below U+3001) and . _ / -."""
    return _class("".join(chr(code) for code in range(0x3001) if chr(code).isspace()) + "._/-")


@cache
def _cases() -> dict[str, str]:
    """Each character -> every character that lowers to it alone (the Basic Multilingual Plane)."""
    found: dict[str, str] = {}
    for code in range(0x10000):
        lowered = chr(code).lower()
        if len(lowered) == 1 and not 0xD800 <= code <= 0xDFFF:
            found[lowered] = found.get(lowered, "") + chr(code)
    return found


def _name_pattern(name: str) -> str:
    """The pattern of one accepted name's key ('pci dss'): its words in any case, separators between."""
    words = ("".join(_class(_cases().get(char, char)) for char in word) for word in name.split(" "))
    return f"{_separator()}+".join(words)


def names_schema(values: tuple[str, ...]) -> dict[str, Any]:
    """The JSON Schema of a choice a JSON document may name forgivingly: its id, or a string that names
    it as `choice` reads one (its label or a synonym, in any case, with spaces, '-', '_', '.' or '/')."""
    names = "|".join(_name_pattern(name) for name in sorted(_table(tuple(values))))
    return {
        "anyOf": [
            {"enum": list(values)},
            {"type": "string", "pattern": f"^{_separator()}*(?:{names}){_separator()}*$"},
        ],
        "description": "One of the ids, or a label or synonym of one, in any case, with spaces, '-', '_', '.' "
        "or '/' between its words (e.g. " + ", ".join(_examples(values)) + "): it is read as that id.",
    }


def _examples(values: tuple[str, ...]) -> list[str]:
    """Two other names of the first value that has any, as examples for the schema's description."""
    for value in values:
        others = [name for name in (label(value).capitalize(), *SYNONYMS.get(value, ())) if name != value]
        if others:
            return [json.dumps(name) for name in others[:2]]
    return [json.dumps(values[0].upper())]


def forgiving_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A scenario's JSON Schema (validation.json_schema) with every field normalised in JSON
    (Field.normalised_in_json) accepting the names `normalise_document` reads, not only the ids."""
    for item in _IN_JSON:
        *parents, last = item.path.split(".")
        node = schema
        for part in parents:
            node = node["properties"][part]
        field_schema = node["properties"][last]
        if field_schema.get("type") == "array":
            field_schema["items"] = names_schema(_values(item))
        else:
            node["properties"][last] = names_schema(_values(item))
    return schema


# --- column names --------------------------------------------------------------------------------


@cache
def _columns() -> dict[str, str]:
    names: dict[str, str] = {}
    for item in COLUMN_FIELDS:
        names.setdefault(key(item.path), item.path)
    for item in COLUMN_FIELDS:
        names.setdefault(key(item.words), item.path)
    return names


def column(name: str) -> str | None:
    """The field path a column header names: its path or its label, forgivingly ('Service ID')."""
    return _columns().get(key(name))


def column_names() -> tuple[str, ...]:
    """Every field path, for a header's did-you-mean."""
    return tuple(item.path for item in COLUMN_FIELDS)
