"""Safe YAML loading that remembers line numbers, so rule errors can say file:line.

Only YAML's safe subset is parsed (no tags that build objects): loading a rule file executes nothing.
Texts holding a control character (an escape such as "\\e" or "\\x1b" in a quoted string) are refused:
a shared rule pack must not be able to set the title, clear the screen or write the clipboard of whoever
prints its texts. Aliases (`*name`) are refused: rules are short, and an alias bomb (each level repeating the one
before) would otherwise expand to billions of nodes in every stage that walks the document.

Parsed files are cached as JSON, keyed by a hash of their bytes, so that `opsadvisor assess` need not
import and run the YAML parser on every start (benchmarks/startup.py). The cache holds plain data,
never code, and a changed file has a new key: it cannot go stale. Each entry starts with a header
line naming the hash of the source it was parsed from and the hash of the entry itself: an entry
that was edited, truncated or belongs to other bytes is ignored and the file is parsed again, so
the rules that run are always those of the file (and of `rules_version`, its hash).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from .files import OutputError, atomic_write, keep_newest
from .text import unprintable_character

KEPT = 512  # parsed rule files kept in the cache folder, the newest written (a pack has a few dozen)
CACHE_FORMAT = "3"  # 3: texts with control characters are refused (entries parsed before may hold them)


class LineDict(dict[str, Any]):
    """A mapping that knows the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence that knows the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class YamlProblem(Exception):
    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")


@functools.cache
def _loader() -> Any:
    """A safe loader class whose mappings and sequences record their lines (built on first use)."""
    import yaml

    # the C loader where PyYAML has libyaml, else the Python one: a base class mypy cannot see statically
    class LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    def construct_mapping(loader: Any, node: Any) -> LineDict:
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            refuse_alias(loader, key_node)
            refuse_alias(loader, value_node)
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise YamlProblem(line, f"a key must be text; found {key!r} (quote it)")
            if key in result:
                raise YamlProblem(line, f'the key "{key}" appears twice in one mapping')
            result[key] = loader.construct_object(value_node, deep=True)
            result.key_lines[key] = line
        return result

    def construct_sequence(loader: Any, node: Any) -> LineList:
        for child in node.value:
            refuse_alias(loader, child)
        result = LineList(loader.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result

    def refuse_alias(loader: Any, node: Any) -> None:
        """A node met a second time is an alias of an anchored one (the composer shares the node)."""
        if node in loader.constructed_objects or node in loader.recursive_objects:
            raise YamlProblem(
                node.start_mark.line + 1,
                "the value anchored here (&name) is reused through an alias (*name): aliases are not allowed; "
                "write the value out",
            )

    def construct_text(loader: Any, node: Any) -> str:
        text = loader.construct_scalar(node)
        refused = unprintable_character(text)
        if refused:
            raise YamlProblem(node.start_mark.line + 1, refused)
        return str(text)

    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG, construct_text)
    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, construct_sequence)
    return LineLoader


def load_yaml(text: str) -> Any:
    """Parse one YAML document; raise YamlProblem with a line number on any error."""
    import yaml

    try:
        return yaml.load(text, Loader=_loader())
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        raise YamlProblem(line, f"invalid YAML: {error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise YamlProblem(0, f"invalid YAML: {error}") from None


# --- the cache --------------------------------------------------------------------------------


def cache_dir() -> Path | None:
    """OPSADVISOR_CACHE_DIR (empty disables the cache), else the user's cache folder."""
    configured = os.environ.get("OPSADVISOR_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "opsadvisor"


def load_yaml_bytes(raw: bytes) -> Any:
    """Like load_yaml on UTF-8 bytes (UnicodeDecodeError if not), served from the cache if possible."""
    folder = cache_dir()
    if folder is None:
        return load_yaml(raw.decode("utf-8"))
    source = _digest(CACHE_FORMAT.encode() + raw)
    path = folder / f"{source}.json"
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError, IndexError, RecursionError):
        header, _, entry = path.read_bytes().partition(b"\n")
        if header == _header(source, entry):
            return _decode(json.loads(entry))
    document = load_yaml(raw.decode("utf-8"))
    _store(path, source, document)
    return document


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _header(source: str, entry: bytes) -> bytes:
    """The first line of a cache entry: what it was parsed from and what it holds, both as hashes."""
    return f"opsadvisor-cache {CACHE_FORMAT} source={source} entry={_digest(entry)}".encode()


def _store(path: Path, source: str, document: Any) -> None:
    """Write the cache entry atomically; any failure just means no cache. Every edit of a rule file writes
    another: the KEPT written last stay (one removed while its file is still read is parsed again)."""
    with contextlib.suppress(OSError, OutputError, TypeError, ValueError):
        entry = json.dumps(_encode(document)).encode()
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, _header(source, entry) + b"\n" + entry)
        keep_newest(path.parent, "*.json", b"opsadvisor-cache ", KEPT)


def _encode(value: Any) -> Any:
    if isinstance(value, LineDict):
        return {"m": value.line, "k": [[key, value.key_lines[key], _encode(item)] for key, item in value.items()]}
    if isinstance(value, LineList):
        return {
            "s": value.line,
            "i": [[line, _encode(item)] for line, item in zip(value.item_lines, value, strict=True)],
        }
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _decode(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if "m" in value:
        mapping = LineDict()
        mapping.line = value["m"]
        mapping.key_lines = {}
        for key, line, item in value["k"]:
            mapping[key] = _decode(item)
            mapping.key_lines[key] = line
        return mapping
    sequence = LineList(_decode(item) for _, item in value["i"])
    sequence.line = value["s"]
    sequence.item_lines = [line for line, _ in value["i"]]
    return sequence
