"""Edit a JSON text in place: change or add one value and leave every other byte as it was.

A small tokenizer records where each value, object member and array item sits in the text, so a
recorded decision replaces one value's span or inserts one member after the last one. The rest of
the file keeps its key order, indentation, line endings and spacing. New values copy the style of
their neighbours: one line per member when the object already has one line per member.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]  # json's own string scanner; not in typeshed
from typing import Any

_WHITESPACE = " \t\n\r"
_SCALARS = json.JSONDecoder()
Key = str | int


@dataclass
class Node:
    """Where one JSON value sits: [start, end) in the text; members or items for containers."""

    start: int
    end: int
    kind: str  # "object", "array" or "scalar"
    members: dict[str, tuple[int, Node]] = field(default_factory=dict)  # key -> (key start, value)
    items: list[Node] = field(default_factory=list)

    def child(self, key: Key) -> Node | None:
        if self.kind == "object" and isinstance(key, str) and key in self.members:
            return self.members[key][1]
        if self.kind == "array" and isinstance(key, int) and 0 <= key < len(self.items):
            return self.items[key]
        return None

    def entry_starts(self) -> list[int]:
        """Where each member (its key) or item begins, in text order."""
        if self.kind == "object":
            return [start for start, _ in self.members.values()]
        return [item.start for item in self.items]

    def entry_ends(self) -> list[int]:
        if self.kind == "object":
            return [value.end for _, value in self.members.values()]
        return [item.end for item in self.items]


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def _expect(text: str, pos: int, char: str) -> int:
    if pos >= len(text) or text[pos] != char:
        raise ValueError(f"expected {char!r} at character {pos}")
    return pos + 1


def parse(text: str, pos: int = 0) -> Node:
    """The span tree of the JSON value at `pos` (the text must be valid JSON)."""
    pos = _skip(text, pos)
    char = text[pos] if pos < len(text) else ""
    if char == "{":
        return _object(text, pos)
    if char == "[":
        return _array(text, pos)
    if char == '"':
        return Node(pos, scanstring(text, pos + 1)[1], "scalar")
    return Node(pos, _SCALARS.raw_decode(text, pos)[1], "scalar")


def _object(text: str, start: int) -> Node:
    node = Node(start, start, "object")
    pos = _skip(text, start + 1)
    while text[pos] != "}":
        key, after = scanstring(text, pos + 1)
        value = parse(text, _expect(text, _skip(text, after), ":"))
        node.members[key] = (pos, value)
        pos = _skip(text, value.end)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
    node.end = pos + 1
    return node


def _array(text: str, start: int) -> Node:
    node = Node(start, start, "array")
    pos = _skip(text, start + 1)
    while text[pos] != "]":
        item = parse(text, pos)
        node.items.append(item)
        pos = _skip(text, item.end)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
    node.end = pos + 1
    return node


# --- style --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    newline: str
    unit: str  # one level of indentation


def _style(text: str, root: Node) -> _Style:
    newline = "\r\n" if "\r\n" in text else "\n"
    starts = root.entry_starts()
    gap = text[root.start + 1 : starts[0]] if starts else ""
    unit = gap.rsplit("\n", 1)[1] if "\n" in gap else ""
    return _Style(newline, unit or "  ")


def _line_indent(text: str, pos: int) -> str:
    line_start = text.rfind("\n", 0, pos) + 1
    end = line_start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[line_start:end]


def _is_flat(value: Any) -> bool:
    """A value written on one line: a scalar, or a container of scalars."""
    if isinstance(value, dict):
        return not any(isinstance(item, (dict, list)) for item in value.values())
    if isinstance(value, list):
        return not any(isinstance(item, (dict, list)) for item in value)
    return True


def dump(value: Any, indent: str, style: _Style | None, multiline: bool) -> str:
    """A new value as text; containers of containers go one entry a line when `multiline`."""
    if _is_flat(value) or not multiline or style is None:
        return json.dumps(value, ensure_ascii=False)
    inner = indent + style.unit
    if isinstance(value, dict):
        entries = [
            f"{json.dumps(key, ensure_ascii=False)}: {dump(item, inner, style, True)}" for key, item in value.items()
        ]
        brackets = "{}"
    else:
        entries = [dump(item, inner, style, True) for item in value]
        brackets = "[]"
    separator = "," + style.newline + inner
    return brackets[0] + style.newline + inner + separator.join(entries) + style.newline + indent + brackets[1]


def pretty(value: Any) -> str:
    """A new JSON document in the bundled scenarios' style: one entry a line, flat containers inline."""
    return dump(value, "", _Style("\n", "  "), True) + "\n"


# --- edits --------------------------------------------------------------------------------------


def _entry_text(container: Node, key: Key, value: Any, indent: str, style: _Style, multiline: bool) -> str:
    body = dump(value, indent, style, multiline)
    return f"{json.dumps(key, ensure_ascii=False)}: {body}" if container.kind == "object" else body


def _insert(text: str, container: Node, key: Key, value: Any, style: _Style) -> str:
    """Add a member (object) or an item (array) after the container's last entry."""
    starts, ends = container.entry_starts(), container.entry_ends()
    if starts:
        previous_end = ends[-2] if len(starts) > 1 else container.start + 1
        gap = text[previous_end : starts[-1]].split(",")[-1]
        multiline = "\n" in gap
        indent = gap.rsplit("\n", 1)[1] if multiline else ""
        separator = gap if multiline else " "
        entry = _entry_text(container, key, value, indent, style, multiline)
        return text[: ends[-1]] + "," + separator + entry + text[ends[-1] :]
    outer = _line_indent(text, container.start)
    inner = outer + style.unit
    entry = _entry_text(container, key, value, inner, style, True)
    if _is_flat(value) and container.kind == "array":
        body = entry
    else:
        body = style.newline + inner + entry + style.newline + outer
    return text[: container.start + 1] + body + text[container.end - 1 :]


def _nest(path: tuple[Key, ...], value: Any) -> Any:
    for key in reversed(path):
        value = {key: value} if isinstance(key, str) else [value]
    return value


def set_value(text: str, path: tuple[Key, ...], value: Any) -> str:
    """`text` with the value at `path` replaced, or inserted (with any missing parent objects)."""
    root = parse(text)
    style = _style(text, root)
    node = root
    for depth, key in enumerate(path):
        child = node.child(key)
        if child is None:
            if node.kind != "object" or not isinstance(key, str):
                raise ValueError(f"cannot add {key!r} to a JSON {node.kind}")
            return _insert(text, node, key, _nest(path[depth + 1 :], value), style)
        node = child
    indent = _line_indent(text, node.start)
    return text[: node.start] + dump(value, indent, style, "\n" in text[node.start : node.end]) + text[node.end :]


def append_item(text: str, path: tuple[Key, ...], item: Any) -> str:
    """`text` with `item` appended to the array at `path` (made, with its parents, if missing)."""
    root = parse(text)
    node = root
    for depth, key in enumerate(path):
        child = node.child(key)
        if child is None:
            return set_value(text, path[: depth + 1], _nest(path[depth + 1 :], [item]))
        node = child
    if node.kind != "array":
        raise ValueError(f"expected an array at {'.'.join(map(str, path))}")
    return _insert(text, node, len(node.items), item, _style(text, root))
