"""The compiled-pack snapshot: a pack that loaded cleanly, kept as plain data so that the next process
with the same rules takes it as it is, without the front ends (YAML, decision tables), the table
compiler or the cross-checks (benchmarks/startup.py).

Keyed by everything a load depends on: the bytes of every rule file (hashed: a file's time and size
can lie) with its name and layer, the front ends and conclusion kinds registered, opsadvisor's modules
(path, size and time: a new version, or a checkout edited in place), and Python's version (marshal's
format is Python's). A snapshot is marshal data holding only strings, numbers, booleans, None, tuples,
lists and dicts; the pack's own dataclasses (rulepack.ir and the built-in kinds' only) are tuples
naming their class, filled in field by field. Reading one executes nothing (no pickle, no code
object accepted). Its first line names its key and the hash of the rest, checked before marshal reads
it: a truncated, edited, foreign or stale snapshot, or one that does not decode to a pack, is ignored
and the pack built again; a snapshot is written atomically (a temporary file, then
os.replace), so processes starting together each read a whole one or none. The folder is the rule-file
cache's (yamlload.cache_dir: OPSADVISOR_CACHE_DIR, set it empty to disable both); one that cannot be
read or written just means no snapshot.

The same store keeps what the engine makes of a pack's rules: the durable_rules network's plan
(durable_backend._Plan, keyed by `content_key` of the rules' compiled definitions), another kind of
snapshot (`read_kept`, `write_kept`), checked and written the same way. Of each kind, the KEPT written
last stay in the folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import importlib
import marshal
import math
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .ir import RulePack

SNAPSHOT_FORMAT = "1"
KEPT = 16  # snapshots of a kind kept in the folder, the newest written: an edit of the rules writes another
_PACKAGE = Path(__file__).resolve().parent.parent
_PLAIN = frozenset((str, int, float, bool, type(None)))
_LINE_LIST, _LINE_DICT = b"yl", b"yd"  # a YAML list or mapping with its lines (a decision table's cell holds one)


def key(layers: Iterable[tuple[str, Iterable[tuple[str, bytes]]]], registered: Iterable[str]) -> str:
    """The snapshot key of a pack read from these layers ((label, [(file name, bytes)])), with these front
    ends and kinds registered (`registered`: their names, modules and suffixes)."""
    digest = hashlib.sha256()
    for part in (SNAPSHOT_FORMAT, sys.version, _code_stamp(), *registered):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    for label, files in layers:
        digest.update(b"layer\0" + label.encode("utf-8", "surrogatepass") + b"\0")
        for name, raw in files:
            digest.update(name.encode("utf-8", "surrogatepass") + b"\0" + hashlib.sha256(raw).digest())
    return digest.hexdigest()


@functools.cache
def _code_stamp() -> str:
    """opsadvisor's modules as the file system has them (path, size, modification time): another version
    (`__init__.py` holds it), an edited module (a checkout, a patched install) gives its packs new keys."""
    stamp = []
    for folder, _, names in sorted(os.walk(_PACKAGE)):
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                found = os.stat(path)
                stamp.append(f"{os.path.relpath(path, _PACKAGE)}:{found.st_size}:{found.st_mtime_ns}")
    return "\n".join(stamp)


def content_key(kind: str, content: bytes) -> str:
    """The key of what this opsadvisor (its modules) makes of `content` on this Python (marshal's format
    is its own): durable_backend's network plan is keyed by the rules' compiled definitions."""
    digest = hashlib.sha256()
    for part in (SNAPSHOT_FORMAT, sys.version, _code_stamp(), kind):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(content)
    return digest.hexdigest()


def read(folder: Path | None, snapshot_key: str) -> RulePack | None:
    """The pack kept under this key, or None when there is none that is whole, ours and decodes."""
    pack = read_kept(folder, "pack", snapshot_key)
    return pack if isinstance(pack, RulePack) else None


def write(folder: Path | None, snapshot_key: str, pack: RulePack) -> None:
    """Keep the pack under this key; any failure (a pack holding what the snapshot cannot, a folder that
    cannot be written) just means no snapshot."""
    write_kept(folder, "pack", snapshot_key, pack)


def read_kept(folder: Path | None, kind: str, snapshot_key: str) -> Any:
    """What is kept of a kind ("pack", "network") under this key, decoded; None when there is none that is
    whole, ours and decodes."""
    if folder is None:
        return None
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError):
        header, _, entry = (folder / _name(kind, snapshot_key)).read_bytes().partition(b"\n")
        if header == _header(kind, snapshot_key, entry):
            return decode(marshal.loads(entry))
    return None


def write_kept(folder: Path | None, kind: str, snapshot_key: str, value: Any) -> None:
    """Keep a value of a kind under this key; any failure (a value holding what a snapshot cannot, a folder
    that cannot be written) just means no snapshot."""
    if folder is None:
        return
    from ..files import OutputError, atomic_write, keep_newest

    with contextlib.suppress(OSError, OutputError, TypeError, ValueError):
        entry = marshal.dumps(encode(value))
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / _name(kind, snapshot_key), _header(kind, snapshot_key, entry) + b"\n" + entry)
        # A pack's snapshot is about 400 KB, and every edit of its rules, every new opsadvisor, writes one:
        # the KEPT written last stay (one removed while still in use is made again).
        keep_newest(folder, f"{kind}-*.snapshot", f"opsadvisor-{kind} ".encode(), KEPT)


def _name(kind: str, snapshot_key: str) -> str:
    return f"{kind}-{snapshot_key[:32]}.snapshot"


def _header(kind: str, snapshot_key: str, entry: bytes) -> bytes:
    digest = hashlib.sha256(entry).hexdigest()
    return f"opsadvisor-{kind} {SNAPSHOT_FORMAT} key={snapshot_key} entry={digest}".encode()


# --- plain data --------------------------------------------------------------------------------------
#
# A snapshot is marshal's serialisation of plain values only: str, int, float, bool, None, and tuples, lists
# and dicts of them. A dataclass instance is a tuple whose first item is its class's name as bytes (the pack
# holds no bytes), then its fields in order; a YAML list or mapping with its lines likewise (b"yl", b"yd").
# Decoding refuses every other type (marshal could hold a code object: it is never run, and refused here).


@dataclasses.dataclass(frozen=True)
class _Shape:
    """How to build a class's instance from its fields: without its constructor (a snapshot holds what a
    constructor made, so no check is left to run), the fields it does not take at their defaults."""

    made: type
    fields: tuple[str, ...]
    defaults: tuple[dataclasses.Field[Any], ...]


@functools.cache
def _shapes() -> dict[bytes, _Shape]:
    """The dataclasses a snapshot may hold, by `module:class`: the IR's and the built-in kinds' (no other
    class is ever built from a snapshot), those whose instances are plain: a __dict__, no __post_init__."""
    from ..kinds import BUILT_IN

    modules = [importlib.import_module(".ir", __package__)]
    modules += [importlib.import_module(f"..kinds.{name}", __package__) for name in BUILT_IN]
    return {
        f"{module.__name__}:{value.__qualname__}".encode(): _Shape(
            value,
            tuple(field.name for field in dataclasses.fields(value) if field.init),
            tuple(field for field in dataclasses.fields(value) if not field.init),
        )
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type)
        and dataclasses.is_dataclass(value)
        and value.__module__ == module.__name__
        and not hasattr(value, "__post_init__")
        and not hasattr(value, "__slots__")
    }


def encode(value: Any) -> Any:
    """A value as plain data; TypeError for anything a snapshot does not hold (then none is written)."""
    kind = type(value)
    if kind in _PLAIN:
        if kind is float and not math.isfinite(value):
            raise TypeError("a snapshot holds finite numbers only")
        return value
    if kind is tuple:
        return tuple(encode(item) for item in value)
    if kind is list:
        return [encode(item) for item in value]
    if kind is dict:
        return {encode(name): encode(item) for name, item in value.items()}
    from ..yamlload import LineDict, LineList

    if kind is LineList:
        return (_LINE_LIST, value.line, tuple(value.item_lines), tuple(encode(item) for item in value))
    if kind is LineDict:
        entries = tuple((name, value.key_lines[name], encode(item)) for name, item in value.items())
        return (_LINE_DICT, value.line, entries)
    name = f"{kind.__module__}:{kind.__qualname__}".encode()
    shape = _shapes().get(name)
    if shape is None or shape.made is not kind:
        raise TypeError(f"a snapshot does not hold a {name.decode()}")
    return (name, *(encode(getattr(value, field)) for field in shape.fields))


def decode(data: Any) -> Any:
    """What `encode` made of a value, built again; ValueError (or KeyError, TypeError) for anything else."""
    kind = type(data)
    if kind in _PLAIN:
        return data
    if kind is tuple:
        if data and type(data[0]) is bytes:
            return _decode_lines(data) if data[0] in (_LINE_LIST, _LINE_DICT) else _decode_object(data)
        return tuple([item if type(item) in _PLAIN else decode(item) for item in data])
    if kind is list:
        return [item if type(item) in _PLAIN else decode(item) for item in data]
    if kind is dict:
        return {decode(name): decode(item) for name, item in data.items()}
    raise ValueError(f"a snapshot holds no {kind.__name__}")


def _decode_object(data: tuple[Any, ...]) -> Any:
    shape = _shapes()[data[0]]
    made: Any = object.__new__(shape.made)
    values = [item if type(item) in _PLAIN else decode(item) for item in data[1:]]
    made.__dict__.update(zip(shape.fields, values, strict=True))
    for field in shape.defaults:
        factory = field.default_factory
        made.__dict__[field.name] = field.default if factory is dataclasses.MISSING else factory()
    return made


def _decode_lines(data: tuple[Any, ...]) -> Any:
    from ..yamlload import LineDict, LineList

    if data[0] == _LINE_LIST:
        _, line, item_lines, items = data
        sequence = LineList(decode(item) for item in items)
        sequence.line, sequence.item_lines = _number(line), [_number(number) for number in item_lines]
        return sequence
    _, line, entries = data
    mapping = LineDict()
    mapping.line, mapping.key_lines = _number(line), {}
    for name, key_line, item in entries:
        if type(name) is not str:
            raise ValueError("a YAML key is text")
        mapping[name] = decode(item)
        mapping.key_lines[name] = _number(key_line)
    return mapping


def _number(value: Any) -> int:
    if type(value) is not int:
        raise ValueError("a line is a number")
    return value
