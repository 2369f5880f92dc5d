"""The batch's memo of rendered outcomes: a repeated service profile is assessed once, and each service
with that profile gets the kept JSON line with its own id, name and owner put in.

Portfolios repeat profiles: the same SaaS product or template in several departments, under other
ids, names and owners. What the rules conclude does not depend on that free text (facts.run_key),
and the built-in kinds use it only verbatim: interpolated into texts (assessment._Interpolator), in a
risk's acceptor label (kinds.risk.role_label) and as the service's id and name. So an outcome is
built once per key from a *template* scenario whose free text is a stand-in character each (a Unicode
noncharacter, reserved for such internal use), and a service's JSON line is the template's with each
stand-in replaced, in one pass, by the service's own text, JSON-escaped: JSON escapes text character by
character, so that is the line a build with the real text encodes. A template is made only when no
other text it holds can hold a stand-in: neither the rule pack's nor the scenario's other texts.

Only texts that sort and deduplicate alike whatever replaces the stand-ins may come from a template
(`_order_kept`, for each kind whose build compares its texts: Kind.compares_texts); a key whose texts
do not or whose other texts hold a stand-in, a rule pack holding one, a kind that is not built in, or
an empty free text, is built the plain way every time. A key gets its template the second time it is
seen: most services are unique, and a template costs more than a plain build (docs/batch.md,
Performance). tests/test_outcome_memo.py compares memo and no memo over a varied portfolio.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

from .. import kinds
from ..api import Assessor
from ..assessment import AsOf, Assessment
from ..contract import FIELDS, ListOf, MapOf, Record, Spec, Text
from ..facts import FREE_TEXT, run_key
from ..rulepack import RulePack
from ..scenario import Scenario
from .fragments import report_bytes

# The stand-in of each free text attribute (facts.FREE_TEXT): one noncharacter (U+FDD0...) each.
STAND_INS = {attr: chr(0xFDD0 + index) for index, attr in enumerate(FREE_TEXT)}
_STAND_IN_SET = frozenset(STAND_INS.values())
_STAND_IN = re.compile("[" + "".join(STAND_INS.values()) + "]")
# Each stand-in in UTF-8, by its attribute's position in FREE_TEXT: a template's line is split at them
# as bytes (UTF-8 is self-synchronising: a character's bytes never match inside another's).
_NEEDLES = tuple(enumerate(stand_in.encode() for stand_in in STAND_INS.values()))
_FREE_TEXT_VALUES = tuple((attr, STAND_INS[attr]) for attr in FREE_TEXT)


def _holds_text(spec: Spec) -> bool:
    """Whether values of a contract spec can hold free text (the other specs take closed vocabularies,
    flags, counts and dates)."""
    if isinstance(spec, Text):
        return True
    if isinstance(spec, ListOf):
        return _holds_text(spec.item)
    if isinstance(spec, Record):
        return any(_holds_text(child) for child in spec.fields.values())
    return isinstance(spec, MapOf) and _holds_text(spec.value)


# The Scenario attributes besides FREE_TEXT that can hold free text (acceptances, benefits, ...).
_OTHER_TEXTS = tuple(item.attr for item in FIELDS if item.attr not in FREE_TEXT and _holds_text(item.node()))

# (outlines by part, the JSON line in UTF-8 split at its stand-ins (see _split), or None) of one key;
# None: build it the plain way.
Template = tuple[dict[str, Any], list[bytes | int] | None] | None
# What a key keeps: its template, or True when it was seen once (built the plain way: most services are
# unique, and a template costs more than a plain build; a profile that comes back gets one).
Kept = Template | bool
Encode = Callable[[Any], bytes]  # a value to JSON in UTF-8


class OutcomeMemo:
    """An Assessor's outcomes kept by key (the `assessor.memo_size` keys used last), as templates."""

    def __init__(self, assessor: Assessor) -> None:
        self.assessor = assessor
        self._size = assessor.memo_size if _holds_no_stand_in(assessor.pack) else 0
        self._kept: dict[Hashable, Kept] = {}
        self._outlined = outlined()  # what an outcome without its JSON line builds
        self.hits = 0
        self.misses = 0

    def outcome(
        self, scenario: Scenario, as_of: str, with_json: bool, encode: Encode
    ) -> tuple[dict[str, Any], str | None]:
        """(outlines by part, the JSON line when `with_json`) of a valid scenario; the line is
        `encode(Assessment.to_dict())` (made from fragments: fragments.report_bytes), and `encode` escapes
        a service's own texts into a kept line."""
        texts = [getattr(scenario, attr) for attr in FREE_TEXT]
        if self._size <= 0 or "" in texts:
            return self._plain(scenario, as_of, with_json, encode)
        key = (run_key(scenario), as_of, with_json)
        kept = self._kept.pop(key, False)
        if kept is False:
            self.misses += 1
            kept = True
            if len(self._kept) >= self._size:
                del self._kept[next(iter(self._kept))]  # the one used least recently
        elif kept is True:
            self.misses += 1
            kept = self._template(scenario, as_of, with_json, encode)
        else:
            self.hits += 1
        self._kept[key] = kept  # now the most recent
        if not isinstance(kept, tuple):  # True: seen once (likely unique: the engine keeps nothing), or no template
            return self._plain(scenario, as_of, with_json, encode, memo=kept is None)
        outlines, line = kept
        return outlines, None if line is None else _filled(line, texts, encode)

    def _plain(
        self, scenario: Scenario, as_of: str, with_json: bool, encode: Encode, memo: bool = True
    ) -> tuple[dict[str, Any], str | None]:
        """The outcome built from the scenario itself; `memo`: through the engine's memo (Assessor.run)."""
        when = AsOf.of(as_of)
        facts, result = self.assessor.run(scenario, when, memo)
        assessment = self.assessor.build(scenario, facts, result, when, only=None if with_json else self._outlined)
        return outlines_of(assessment), _text(report_bytes(assessment)) if with_json else None

    def _template(self, scenario: Scenario, as_of: str, with_json: bool, encode: Encode) -> Template:
        """The key's outcome built from the scenario with stand-ins for its free text; None when the
        kinds are not all built in, or its texts might sort or deduplicate otherwise with real text."""
        if not all(kinds.is_built_in(kind) for kind in kinds.registered()):
            return None
        if any(_STAND_IN.search(text) for attr in _OTHER_TEXTS for text in _strings(getattr(scenario, attr))):
            return None
        # the attributes are named at run time (FREE_TEXT, each `str | None`), so they are not checked by name
        stand_ins: dict[str, Any] = {
            attr: stand_in for attr, stand_in in _FREE_TEXT_VALUES if getattr(scenario, attr) is not None
        }
        template = dataclasses.replace(scenario, **stand_ins)
        when = AsOf.of(as_of)
        facts, result = self.assessor.run(template, when, memo=False)  # what this memo keeps is the outcome
        texts: dict[str, list[str]] = {}
        assessment = self.assessor.build(template, facts, result, when, texts, None if with_json else self._outlined)
        compared = (texts.get(kind.part, []) for kind in kinds.parts() if kind.compares_texts)
        if not all(_order_kept(group) for group in compared):
            return None
        return outlines_of(assessment), _split(report_bytes(assessment)) if with_json else None


def _split(line: bytes) -> list[bytes | int]:
    """A template's line as its pieces of text and, where a stand-in stood, its attribute's position."""
    pieces: list[bytes | int] = [line]
    for position, needle in _NEEDLES:
        if needle in line:
            pieces = [
                item
                for piece in pieces
                for item in (_between(piece.split(needle), position) if isinstance(piece, bytes) else (piece,))
            ]
    return pieces


def _between(pieces: list[bytes], position: int) -> list[bytes | int]:
    """The pieces with `position` between each two."""
    spaced: list[bytes | int] = [position] * (2 * len(pieces) - 1)
    spaced[::2] = pieces
    return spaced


def _filled(line: list[bytes | int], texts: list[str | None], encode: Encode) -> str:
    """A template's line (split at its stand-ins) with each stand-in replaced by its text, JSON-escaped."""
    escaped = [encode(text)[1:-1] if text else b"" for text in texts]
    return _text(b"".join(escaped[piece] if isinstance(piece, int) else piece for piece in line))


def _text(line: bytes) -> str:
    """A JSON line from its UTF-8 (lone surrogates pass: json writes them, orjson refuses them)."""
    return line.decode("utf-8", "surrogatepass")


def outlines_of(assessment: Assessment) -> dict[str, Any]:
    """What a batch outcome keeps of each part (kinds.Kind.outline), by part key; None for a part not built
    (`outlined`: a kind that keeps no outline)."""
    parts = assessment.parts
    return {kind.part: kind.outline(parts[kind.part]) if kind.part in parts else None for kind in kinds.parts()}


def outlined() -> frozenset[str] | None:
    """The parts an outcome without its JSON line needs built: those whose kind keeps an outline (the preview
    and the next steps keep none); None (every part) while a kind is not built in (its outline may read any)."""
    if not all(kinds.is_built_in(kind) for kind in kinds.registered()):
        return None
    return frozenset(kind.part for kind in kinds.parts() if type(kind).outline is not kinds.Kind.outline)


def _order_kept(texts: Iterable[str]) -> bool:
    """Whether the texts compare (and so sort and deduplicate) the same whatever non-empty text
    replaces each stand-in. Sorted, each text must differ from the next at a character that is no
    stand-in (or be a prefix of it, followed by no stand-in): then replacing keeps every neighbour
    strictly in order, and so the whole order, and no two texts become equal."""
    return all(_apart(first, second) for first, second in itertools.pairwise(sorted(set(texts))))


def _apart(first: str, second: str) -> bool:
    """Whether two different texts differ first at a character that is no stand-in, in either."""
    same = _common_prefix(first, second)
    return all(len(text) == same or text[same] not in _STAND_IN_SET for text in (first, second))


def _common_prefix(first: str, second: str) -> int:
    """The length of the longest common prefix (bisected: each comparison is one slice compare in C)."""
    low, high = 0, min(len(first), len(second))
    while low < high:
        middle = (low + high + 1) // 2
        if first[:middle] == second[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _holds_no_stand_in(pack: RulePack) -> bool:
    """Whether no text of a rule pack holds a stand-in (nor then its vocabularies' ids)."""
    return not any(_STAND_IN.search(text) for text in _strings(pack))


def _strings(value: Any) -> Iterable[str]:
    """Every string in dataclasses, mappings and sequences (not what is compiled from a rule pack)."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            if item.name != "compiled":
                yield from _strings(getattr(value, item.name))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _strings(item)
