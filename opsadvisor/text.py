"""Small helpers shared by every stage: how values, counts and parties read, escaping, dotted paths.

One place for each, so a report, an error message and the interview say a thing the same way. Kept
cheap to import (no `html`, no `tabulate` at import time): `opsadvisor assess` loads it at start-up.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

# --- counts and values ---------------------------------------------------------------------------


def count(number: int, noun: str, plural: str | None = None) -> str:
    """'1 file', '2 files'; `plural` for nouns that do not just take an s ('risks to accept')."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def id_words(identifier: str) -> str:
    """An id as words for people: 'ambition_risk' -> 'ambition risk', 'no-sso-mfa' -> 'no sso mfa'."""
    return identifier.replace("_", " ").replace("-", " ")


def show_value(value: Any) -> str:
    """A fact value as a trace or a rule author reads it: true/false, [a, b], or the text."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return str(value)


def say_value(value: Any) -> str:
    """A fact value inside a sentence or as an answer a person types: yes/no, 'a, b', none."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value) if value else "none"
    return str(value)


def json_text(document: Any) -> str:
    """A JSON report: indented, non-ASCII kept as is, one final newline (stable run to run)."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# --- parties of the accountability matrix --------------------------------------------------------


class Party(NamedTuple):  # a NamedTuple, not a dataclass: cheaper to define at start-up
    label: str
    letter: str  # a heat-map cell's one-letter mark
    note: str = ""  # what a legend adds to the label

    @property
    def legend(self) -> str:
        return f"{self.label} ({self.note})" if self.note else self.label


PARTIES = {
    "it_ops": Party("IT OPS", "O"),
    "it_delivery": Party("IT Delivery", "D"),
    "business": Party("Business", "B"),
    "tbd": Party("t.b.d.", "?", "open decision"),
    "n/a": Party("n/a", "-"),
}


def party(value: str) -> str:
    """The label of an accountability cell value ('it_ops' -> 'IT OPS'); an unknown value as is."""
    known = PARTIES.get(value)
    return known.label if known else value


def performer(value: str | None) -> str:
    """Who performs a process's daily work ('vendor' -> 'Vendor', else as party()); '' when not recorded
    (None, or `none`: the effective model's performed_by fact when no decision records one)."""
    return "" if value in (None, "none") else "Vendor" if value == "vendor" else party(value or "")


def party_letter(value: str) -> str:
    known = PARTIES.get(value)
    return known.letter if known else value[:1].upper() or "?"


# --- escaping ------------------------------------------------------------------------------------


# C0 controls except tab and newline, DEL and C1: what can move a terminal's cursor, clear its screen,
# set its title or write its clipboard (OSC 52), and what XML (XLSX) cannot hold.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SURROGATE = re.compile("[\ud800-\udfff]")  # a lone surrogate: not Unicode, cannot be encoded
# Bidirectional controls (embeddings, overrides, isolates, the LRM/RLM/ALM marks): they reorder how the
# text around them reads, so a name holding U+202E shows "evil" as "live" (Trojan Source, CVE-2021-42574).
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_UNPRINTABLE = re.compile(f"{CONTROL.pattern}|{SURROGATE.pattern}|{BIDI.pattern}")
# What Markdown (CommonMark, GFM) would interpret inside a line of text: a table's pipe, a link's or an
# image's brackets, a code span, emphasis and strikethrough (`_` only where it can open or close them: not
# between two letters or digits, as in contract.escalation_path), a backslash escaping the character after
# it, and an entity reference. `(`, `)` and `!` mean nothing once `[` and `]` are escaped.
_MARKDOWN_INLINE = re.compile(r"[|\[\]`*~]|(?<![^\W_])_|_(?![^\W_])|\\(?=[!-/:-@\[-`{-~]|$)")
_MARKDOWN_ENTITY = re.compile(r"&(?=#?\w+;)")
# What opens a block at the start of a line: a heading, a quote, a list item, a thematic break.
_MARKDOWN_LINE_START = re.compile(r"^(?:#{1,6}(?=\s|$)|>|[-+](?=\s|$)|-(?=(?:\s*-){2,}\s*$)|\d{1,9}(?=[.)](?:\s|$)))")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula (OWASP)


def _escape_code(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value: Any) -> str:
    """Text with control characters, bidirectional controls and lone surrogates written as escapes
    (ESC -> \\x1b, RIGHT-TO-LEFT OVERRIDE -> \\u202e).

    For text that did not pass the contract (an invalid entry's name, an error message) on its way
    to a terminal, a report or a workbook.
    """
    return _UNPRINTABLE.sub(_escape_code, str(value))


def unprintable_character(text: str) -> str | None:
    """What is wrong with a text that holds a control character (C0 but tab and newline, DEL, C1), a
    bidirectional control or a lone surrogate, naming the first one and its position; None for a printable
    text."""
    found = _UNPRINTABLE.search(text)
    if found is None:
        return None
    if BIDI.match(found.group()):
        return (
            f"a text holds the bidirectional control {_escape_code(found)} at position {found.start() + 1}: it "
            'reorders how the text around it reads ("evil" shows as "live"); remove it'
        )
    return (
        f"a text holds the control character {_escape_code(found)} at position {found.start() + 1}: it could "
        "rewrite the terminal of whoever reads it; remove it"
    )


def one_line(value: Any) -> str:
    """`printable` text that also keeps to one line (a line break or tab written as an escape), for a
    name quoted inside a message: a header cell holding a newline must not break the message."""
    return printable(value).replace("\n", "\\n").replace("\t", "\\t")


def escape_markdown(value: Any) -> str:
    """Text safe inside a Markdown table cell or line, and read as written: one line, no raw HTML or
    autolink (`<` as `&lt;`), no entity reference, and what Markdown would interpret (a pipe, a link's
    brackets, a code span, emphasis, a backslash escape, a heading, quote or list at the start)
    backslash-escaped; the rest, parentheses included, as it is."""
    return _MARKDOWN_LINE_START.sub(_escape_line_start, escape_markdown_cell(value))


def escape_markdown_cell(value: Any) -> str:
    """escape_markdown for a table cell, which holds no block: a leading `-`, `#` or `>` means nothing there."""
    text = " ".join(printable(value).split())
    text = _MARKDOWN_ENTITY.sub("&amp;", text).replace("<", "&lt;")
    return _MARKDOWN_INLINE.sub(lambda found: "\\" + found.group(), text)


def _escape_line_start(found: re.Match[str]) -> str:
    """A block marker at the start of a line, escaped: `\\#`, `\\>`, `\\-`, and `1\\.` for a numbered item."""
    marker = found.group()
    return marker + "\\" if marker[0].isdigit() else "\\" + marker


def csv_cell(value: Any) -> Any:
    """A CSV cell: text printable and, when a spreadsheet would read it as a formula, prefixed with '."""
    if not isinstance(value, str):
        return value
    text = printable(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class CsvRows:
    """The one CSV writer of every CSV output: comma, minimal quoting, "\\n" rows, every cell a csv_cell.

    A line break inside a value is quoted (the row stays one row); a CR is escaped by printable, as
    the csv module does not quote a lone CR when rows end in "\\n".
    """

    def __init__(self, stream: Any) -> None:
        import csv  # only CSV outputs need it

        self._writer = csv.writer(stream, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)

    def write(self, values: Iterable[Any]) -> None:
        self._writer.writerow([csv_cell(value) for value in values])


def markdown_table(headers: Sequence[str], rows: Iterable[Iterable[Any]]) -> str:
    """A GitHub-flavoured Markdown table with every cell escaped, numbers left as written."""
    from tabulate import tabulate  # slow to import, and only reports need it

    cells = [[escape_markdown_cell(cell) for cell in row] for row in rows]
    return tabulate(cells, headers=headers, tablefmt="github", disable_numparse=True)


def escape_html(value: Any) -> str:
    """Text safe in HTML content and quoted attributes (&, <, >, " and ' escaped, as html.escape)."""
    from html import escape  # only HTML reports need it: keep it off the start-up path

    return escape(str(value))
