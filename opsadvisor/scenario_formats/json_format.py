"""JSON scenario files: the default format, and the one opsadvisor writes.

Decoding is strict so that a file means one thing: a key given twice in one object, NaN or Infinity and
a number too large for a float are errors, and a syntax error names the file's line and column. A file
is edited in place by dialogue/jsonedit.py, which keeps every byte it does not change.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

from ..errors import ScenarioError
from .base import ScenarioFormat


class _DuplicateKey(ValueError):
    pass


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):  # rare: find the first key given twice
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is too large for a number")
    return number


def decode_json(raw: bytes, source: str) -> Any:
    """Bytes to a JSON value, or a ScenarioError that says where and why."""
    if not raw.strip():
        raise ScenarioError(source, ["the file is empty; expected a JSON object"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ScenarioError(
            source, [f"byte {error.start} is not UTF-8 text; expected a JSON file, found binary data"]
        ) from None
    if "\x00" in text:
        raise ScenarioError(source, ["found a NUL character; expected a JSON text file"])
    return decode_json_text(text, source)


# The strict decoding without its duplicate-key hook (a Python call per object: a third of the decoding's
# time): the same values, floats and constants checked alike, a key given twice kept once (see _at_once).
_DECODE_PLAIN = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float).decode


def _at_once(text: str) -> Any:
    """The text's value when no key is given twice in one object, decoded without the hook; else None (the
    strict way decides, and words any error). Every colon outside a string separates a key from its value
    and, with no escape in the text (none can write a colon), a string's colons are the text's: so the
    value orjson encodes again has as many colons as the text only if no member was lost to a later one."""
    if "\\" in text:
        return None
    try:
        value = _DECODE_PLAIN(text)
        encoded = orjson.dumps(value)  # an integer past 64 bits (which orjson refuses) goes the strict way
    except (ValueError, TypeError, RecursionError):
        return None
    return value if encoded.count(b":") == text.count(":") else None


def decode_json_text(text: str, source: str) -> Any:
    value = _at_once(text)
    if value is not None:
        return value
    try:
        return json.loads(
            text,
            object_pairs_hook=_reject_duplicates,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
        )
    except json.JSONDecodeError as error:
        raise ScenarioError(f"{source}:{error.lineno}:{error.colno}", [f"invalid JSON: {error.msg}"]) from None
    except _DuplicateKey as error:
        raise ScenarioError(
            source, [f'the key "{error}" appears twice in one object; each fact must be given once']
        ) from None
    except ValueError as error:
        raise ScenarioError(source, [f"invalid JSON: {error}"]) from None
    except RecursionError:
        raise ScenarioError(source, ["the JSON is nested too deeply; a scenario is at most 4 levels deep"]) from None


FORMAT = ScenarioFormat("JSON", (".json",), decode_json, editor="opsadvisor.dialogue.jsonedit")
