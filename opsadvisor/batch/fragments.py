"""A batch's JSON line from pre-encoded fragments: the bytes `encode_utf8(assessment.to_dict())` writes,
without building the dictionary first.

Most of a line repeats from service to service: the trace entry of a rule (all but the facts it matched),
the key of each part, the pack's provenance, and the accountability matrix (a model's reference matrix for
most services, a decided one repeated across a portfolio). Those fragments are encoded once and kept
(bounded); the rest is encoded part by part with orjson, which writes compact JSON (no spaces) the same for
a value alone as inside a larger one, so joining the pieces with the same punctuation gives the same bytes.
tests/test_fast_paths.py compares the two over every bundled scenario and a generated portfolio.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from typing import Any

import orjson

from .. import kinds
from ..assessment import Assessment, TraceEntry

MAX_KEPT = 4096  # fragments of each sort kept (a pack's rules, its parts' keys); when full, forgotten and made again
# Parts kept by the object (_SAME): each entry keeps its object alive, and most objects are one service's own, never
# asked for again (a decided matrix or open decisions the kinds no longer keep), so a few hundred hold what is shared
# (a model's reference matrix; what the kinds keep for the services sharing a matrix). With 4096 entries, a full
# JSON Lines batch of the bundled pack grew in one process from 64 MB at 1,000 services to 113 MB at 30,000 (80 MB
# with 256), to find 2.7% more of these parts kept (0.8% on pack-v1): docs/batch.md, Memory.
MAX_SAME = 256
_KEYS: dict[str, bytes] = {}  # a part's key, quoted, with its colon and the comma before it
_TRACE: dict[str, tuple[Any, bytes, bytes]] = {}  # a rule's entry, around `matched`, by its id (with the rule)
_PARTS: dict[tuple[str, Hashable], bytes] = {}  # encoded parts worth keeping (ENCODED_ONCE), by value
_SAME: dict[tuple[str, int], tuple[Any, bytes]] = {}  # parts encoded, by the object (kept, so its id is its own)
_PROVENANCE: dict[int, tuple[Any, bytes]] = {}  # a pack's provenance, by the object (kept, so its id is its own)


def encode(value: Any) -> str:
    """Compact JSON, non-ASCII as it is: `json.dumps(value, ensure_ascii=False, separators=(",", ":"))`."""
    return encode_utf8(value).decode("utf-8", "surrogatepass")


def encode_utf8(value: Any) -> bytes:
    """encode's JSON in UTF-8 (lone surrogates pass). orjson writes exactly that, faster (docs/batch.md), for
    what a batch encodes (tests/test_outcome_memo.py checks every character): str keys, ints within 64
    bits, no float, no lone surrogate. What it refuses is left to json."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")


# The parts whose values repeat across services: kept encoded by value (the matrix: it hashes cheaply) or by
# the object (open decisions: the kind builds them once for the services sharing a matrix and reasons).
ENCODED_ONCE = frozenset({"accountability", "open_decisions"})
_BY_VALUE = frozenset({"accountability"})


def report_bytes(assessment: Assessment) -> bytes:
    """The assessment's JSON line in UTF-8: exactly what encode_utf8(assessment.to_dict()) gives."""
    try:
        return _encoded(assessment)
    except (orjson.JSONEncodeError, TypeError):  # a lone surrogate (orjson refuses it): json writes it
        return encode_utf8(assessment.to_dict())


def _encoded(assessment: Assessment) -> bytes:
    dumps = orjson.dumps
    pieces = [b'{"service":', dumps({"id": assessment.service_id, "name": assessment.service_name})]
    for kind in kinds.parts():
        part = kind.part
        value = assessment.parts[part]
        pieces.append(_KEYS.get(part) or _key(part))
        pieces.append(_part(kind, value) if part in ENCODED_ONCE else dumps(kind.to_json(value)))
    pieces.append(b',"trace":[')
    pieces.append(b",".join([_trace(entry) for entry in assessment.trace]))
    pieces.append(b'],"provenance":')
    pieces.append(_provenance(assessment.provenance))
    pieces.append(b',"as_of":')
    pieces.append(dumps(assessment.as_of.date))
    pieces.append(b',"rules_version":')
    pieces.append(dumps(assessment.rules_version))
    pieces.append(b"}")
    return b"".join(pieces)


def _provenance(provenance: Any) -> bytes:
    """The pack's provenance (one object per pack: assessment.policy_provenance), encoded once."""
    kept = _PROVENANCE.get(id(provenance))
    if kept is None or kept[0] is not provenance:
        if len(_PROVENANCE) >= MAX_KEPT:
            _PROVENANCE.clear()
        encoded = orjson.dumps(
            {part: {key: dict(item) for key, item in items.items()} for part, items in provenance.items()}
        )
        kept = _PROVENANCE[id(provenance)] = (provenance, encoded)
    return kept[1]


def _key(part: str) -> bytes:
    key = _KEYS[part] = b"," + orjson.dumps(part) + b":"
    return key


def _part(kind: Any, value: Any) -> bytes:
    """A part encoded once per object and, for a part kept by value, once per value: most services share
    the objects (a model's reference matrix), whose value is dearer to hash than their id is to look up."""
    key = (kind.part, id(value))
    kept = _SAME.get(key)
    if kept is None or kept[0] is not value:
        if len(_SAME) >= MAX_SAME:
            _SAME.clear()
        kept = _SAME[key] = (
            value,
            _by_value(kind, value) if kind.part in _BY_VALUE else orjson.dumps(kind.to_json(value)),
        )
    return kept[1]


def _by_value(kind: Any, value: Any) -> bytes:
    key = (kind.part, value)
    encoded = _PARTS.get(key)
    if encoded is None:
        if len(_PARTS) >= MAX_KEPT:
            _PARTS.clear()
        encoded = _PARTS[key] = orjson.dumps(kind.to_json(value))
    return encoded


def _trace(entry: TraceEntry) -> bytes:
    """An entry: its rule's part kept by the rule object (a rule is frozen: its id, title, priority and
    conclusions are the entry's), the matched facts encoded for each."""
    rule = entry.source
    kept = _TRACE.get(rule.id)
    if kept is None or kept[0] is not rule:
        if len(_TRACE) >= MAX_KEPT:
            _TRACE.clear()
        dumps = orjson.dumps
        kept = _TRACE[rule.id] = (
            rule,
            b'{"rule":%b,"title":%b,"priority":%b,"matched":'
            % (dumps(entry.rule), dumps(entry.title), dumps(entry.priority)),
            b',"concluded":%b}' % dumps(list(entry.concluded)),
        )
    return kept[1] + orjson.dumps(entry.matched) + kept[2]
