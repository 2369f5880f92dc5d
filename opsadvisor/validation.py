"""Check a decoded JSON document against the contract, collecting every problem.

A hand-rolled walker rather than the jsonschema library: it names the JSON path, what was expected
and what was found, adds a did-you-mean for misspelt keys and values, and keeps `opsadvisor assess`
start-up cheap (importing jsonschema costs more than the whole assessment). The tests check that it
agrees with jsonschema on the schema `json_schema()` prints.
"""

from __future__ import annotations

import datetime
import functools
import json
import re
from collections.abc import Callable, Collection
from typing import Any

from .contract import (
    Choice,
    Count,
    Date,
    Flag,
    ListOf,
    MapOf,
    Record,
    Spec,
    Text,
)
from .errors import did_you_mean
from .text import BIDI, CONTROL, SURROGATE, printable

MAX_ERRORS = 20
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SIMPLE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# text.CONTROL and text.BIDI, as a JSON Schema pattern
NO_CONTROL = "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"


def describe(value: Any) -> str:
    """How a found value reads in an error message: its JSON type and a short excerpt."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {json.dumps(value)}"
    if isinstance(value, (int, float)):
        return f"number {json.dumps(value)}"
    if isinstance(value, str):
        text = printable(json.dumps(value, ensure_ascii=False))
        if len(text) > 60:
            text = text[:56] + '..."'
        return f"string {text}"
    if isinstance(value, list):
        return f"an array of {len(value)} item{'s' if len(value) != 1 else ''}"
    return "an object"


@functools.lru_cache(maxsize=4096)  # the same paths recur in every scenario of a batch
def child_path(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if _SIMPLE_KEY.match(key) else f"{path}[{json.dumps(key)}]"


def validate(value: Any, spec: Spec, path: str = "$") -> list[str]:
    """Every way `value` breaks `spec`, as 'path: expected ...; found ...' lines."""
    problems: list[str] = []
    _check(value, spec, path, problems)
    return problems[:MAX_ERRORS]


def _check(value: Any, spec: Spec, path: str, problems: list[str]) -> None:
    if len(problems) >= MAX_ERRORS:
        return
    checker = _CHECKERS[type(spec)]
    checker(value, spec, path, problems)


def _expect(problems: list[str], path: str, expected: str, value: Any, hint: str = "") -> None:
    problems.append(f"{path}: expected {expected}; found {describe(value)}{hint}")


def _check_text(value: Any, spec: Text, path: str, problems: list[str]) -> None:
    if not isinstance(value, str):
        _expect(problems, path, "a string", value)
    elif spec.non_empty and not value.strip():
        _expect(problems, path, "a non-empty string", value)
    elif len(value) > spec.max_length:
        _expect(problems, path, f"a string of at most {spec.max_length} characters", value)
    else:
        _check_characters(value, path, problems)


# Characters text may not hold: what a report would pass to a terminal, spreadsheet or wiki.
_REFUSED = (
    (CONTROL, "text without control characters", ""),  # screen clears, title changes, clipboard writes
    # text that reads as it is stored: an override shows "evil" as "live", an isolate hides what follows
    (BIDI, "text without bidirectional controls", "a bidirectional control "),
    (SURROGATE, "valid Unicode text", "a lone surrogate "),  # not Unicode: it cannot be printed
)


def _check_characters(value: str, path: str, problems: list[str]) -> None:
    """Refuse control characters, bidirectional controls and lone surrogates, naming the first one and where
    it is."""
    for pattern, expected, what in _REFUSED:
        found = pattern.search(value)
        if found:
            where = f" ({what}U+{ord(found.group()):04X} at character {found.start() + 1})"
            _expect(problems, path, expected, value, where)
            return


def _check_choice(value: Any, spec: Choice, path: str, problems: list[str]) -> None:
    if isinstance(value, str) and value in spec.values:
        return
    hint = did_you_mean(value, spec.values) if isinstance(value, str) else ""
    _expect(problems, path, f"one of {', '.join(spec.values)}", value, hint)


def _check_flag(value: Any, spec: Flag, path: str, problems: list[str]) -> None:
    if not isinstance(value, bool):
        _expect(problems, path, "true or false", value)


def _check_count(value: Any, spec: Count, path: str, problems: list[str]) -> None:
    is_integer = isinstance(value, int) and not isinstance(value, bool)
    if not is_integer or not spec.minimum <= value <= spec.maximum:
        _expect(problems, path, f"a whole number from {spec.minimum} to {spec.maximum}", value)


def _check_date(value: Any, spec: Date, path: str, problems: list[str]) -> None:
    if isinstance(value, str) and _DATE.match(value):
        try:
            datetime.date.fromisoformat(value)
            return
        except ValueError:
            pass
    _expect(problems, path, "a date YYYY-MM-DD", value)


def _check_list(value: Any, spec: ListOf, path: str, problems: list[str]) -> None:
    if not isinstance(value, list):
        _expect(problems, path, "an array", value)
        return
    seen: set[str] = set()
    for index, item in enumerate(value):
        _check(item, spec.item, child_path(path, index), problems)
        if spec.unique and isinstance(item, str):
            if item in seen:
                problems.append(f"{child_path(path, index)}: {json.dumps(item)} is listed twice")
            seen.add(item)


def _check_keys(value: dict[str, Any], allowed: Collection[str], path: str, problems: list[str]) -> None:
    for key in value:
        if key not in allowed:
            problems.append(
                f"{child_path(path, key)}: unknown key; expected one of {', '.join(allowed)}"
                f"{did_you_mean(key, allowed)}"
            )


def _check_record(value: Any, spec: Record, path: str, problems: list[str]) -> None:
    if not isinstance(value, dict):
        _expect(problems, path, "an object", value)
        return
    _check_keys(value, spec.fields, path, problems)
    for key in spec.required:
        if key not in value:
            problems.append(f"{child_path(path, key)}: required, but missing")
    for key, child in spec.fields.items():
        if key in value:
            _check(value[key], child, child_path(path, key), problems)


def _check_map(value: Any, spec: MapOf, path: str, problems: list[str]) -> None:
    if not isinstance(value, dict):
        _expect(problems, path, "an object", value)
        return
    _check_keys(value, spec.keys, path, problems)
    for key, child in value.items():
        if key in spec.keys:
            _check(child, spec.value, child_path(path, key), problems)


_CHECKERS: dict[type, Any] = {
    Text: _check_text,
    Choice: _check_choice,
    Flag: _check_flag,
    Count: _check_count,
    Date: _check_date,
    ListOf: _check_list,
    Record: _check_record,
    MapOf: _check_map,
}


# --- the compiled check --------------------------------------------------------------------------

Check = Callable[[Any], bool]


def compile_check(spec: Spec) -> Check:
    """Whether a value is valid as it is: `validate` would find no problem (a value it refuses, this
    refuses too; tests/test_properties.py checks they agree). Compiled once per contract into one
    function per node, it walks a document without building paths or messages, so the common case, a
    valid document, costs one walk; the caller runs `validate` for the messages when this says no."""
    if isinstance(spec, Text):
        return functools.partial(_text_ok, spec.non_empty, spec.max_length)
    if isinstance(spec, Choice):
        return functools.partial(_choice_ok, frozenset(spec.values))
    if isinstance(spec, Flag):
        return _flag_ok
    if isinstance(spec, Count):
        return functools.partial(_count_ok, spec.minimum, spec.maximum)
    if isinstance(spec, Date):
        return _date_ok
    if isinstance(spec, ListOf):
        return functools.partial(_list_ok, compile_check(spec.item), spec.unique)
    if isinstance(spec, Record):
        fields = {key: compile_check(child) for key, child in spec.fields.items()}
        return functools.partial(_record_ok, fields, spec.required)
    return functools.partial(_map_ok, compile_check(spec.value), frozenset(spec.keys))


def _text_ok(non_empty: bool, max_length: int, value: Any) -> bool:
    return (
        isinstance(value, str)
        and (not non_empty or bool(value.strip()))
        and len(value) <= max_length
        and not CONTROL.search(value)
        and not SURROGATE.search(value)
    )


def _choice_ok(values: frozenset[str], value: Any) -> bool:
    return isinstance(value, str) and value in values


def _flag_ok(value: Any) -> bool:
    return isinstance(value, bool)


def _count_ok(minimum: int, maximum: int, value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= maximum


def _date_ok(value: Any) -> bool:
    if not isinstance(value, str) or not _DATE.match(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _list_ok(item: Check, unique: bool, value: Any) -> bool:
    if not isinstance(value, list) or not all(map(item, value)):
        return False
    if unique:
        texts = [entry for entry in value if isinstance(entry, str)]
        return len(set(texts)) == len(texts)
    return True


def _record_ok(fields: dict[str, Check], required: tuple[str, ...], value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    for key, child in value.items():
        check = fields.get(key)
        if check is None or not check(child):
            return False
    return all(key in value for key in required)


def _map_ok(item: Check, keys: frozenset[str], value: Any) -> bool:
    return isinstance(value, dict) and all(key in keys and item(child) for key, child in value.items())


def json_schema(spec: Spec) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) equivalent of a contract spec."""
    if isinstance(spec, Text):
        schema: dict[str, Any] = {"type": "string", "maxLength": spec.max_length, "pattern": NO_CONTROL}
        if spec.non_empty:
            schema["allOf"] = [{"pattern": r"\S"}]
        return schema
    if isinstance(spec, Choice):
        return {"enum": list(spec.values)}
    if isinstance(spec, Flag):
        return {"type": "boolean"}
    if isinstance(spec, Count):
        return {"type": "integer", "minimum": spec.minimum, "maximum": spec.maximum}
    if isinstance(spec, Date):
        return {"type": "string", "pattern": _DATE.pattern, "format": "date"}
    if isinstance(spec, ListOf):
        schema = {"type": "array", "items": json_schema(spec.item)}
        if spec.unique:
            schema["uniqueItems"] = True
        return schema
    if isinstance(spec, Record):
        properties = {key: json_schema(child) for key, child in spec.fields.items()}
        for key, default in spec.defaults.items():
            properties[key]["default"] = default
        schema = {"type": "object", "properties": properties, "additionalProperties": False}
        if spec.required:
            schema["required"] = list(spec.required)
        return schema
    return {
        "type": "object",
        "properties": {key: json_schema(spec.value) for key in spec.keys},
        "additionalProperties": False,
    }
