"""The registry of scenario file formats, by file suffix: every command that reads or writes a scenario
file asks it instead of assuming JSON.

`for_path` picks a file's format: the one registered for its suffix, else the default (the first
registered, JSON), which also reads stdin. So `assess`, `explain`, `workshop`, `decide`/`accept`,
`interview --from`, a rule test's scenario file, a batch folder and the workbench's list all read
every registered format, and the registry's suffixes say which files of a folder are scenarios.
`writable` is asked before a scenario file is written: it refuses (exit 2, naming the file and the
format) a format that cannot be edited in place, and otherwise the file keeps its format.

A format is one module of this package named `NAME_format.py` defining `FORMAT` (a base.ScenarioFormat):
`discover` registers each one when the package is imported, JSON first (the default), so adding a format
is adding its module. Another module (an organisation's, or a test's) adds one with `register(FORMAT)`.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from ..errors import UsageError
from .base import Editor, Key, ScenarioFormat

__all__ = [
    "Editor",
    "Key",
    "ScenarioFormat",
    "default",
    "discover",
    "for_path",
    "patterns",
    "register",
    "registered",
    "suffixes",
    "unregister",
    "writable",
]

_FORMATS: dict[str, ScenarioFormat] = {}


def register(new: ScenarioFormat) -> ScenarioFormat:
    """Add a format: its name and its suffixes must be new. Returns it, for `FORMAT = register(...)`."""
    taken = set(suffixes())
    if not new.name or new.name in _FORMATS or not new.suffixes or taken & set(new.suffixes):
        raise ValueError(f"a scenario format needs a new name and new suffixes; {new.name!r} {new.suffixes} clash")
    _FORMATS[new.name] = new
    return new


def unregister(name: str) -> None:
    """Remove a format added with register (a test that adds a format cleans up with it)."""
    _FORMATS.pop(name, None)


def registered() -> tuple[ScenarioFormat, ...]:
    return tuple(_FORMATS.values())


def default() -> ScenarioFormat:
    """The format of stdin and of a file whose suffix no format claims: the first registered."""
    return next(iter(_FORMATS.values()))


def suffixes() -> tuple[str, ...]:
    """Every registered suffix: the files of a folder that are scenarios."""
    return tuple(suffix for found in _FORMATS.values() for suffix in found.suffixes)


def patterns() -> str:
    """The scenario files, for messages: '*.json' (or '*.json, *.yaml')."""
    return ", ".join(f"*{suffix}" for suffix in suffixes())


def for_path(path: str | Path) -> ScenarioFormat:
    """The format a scenario file is read and written in: by its suffix, else (stdin too) the default."""
    suffix = Path(path).suffix.lower()
    return next((found for found in _FORMATS.values() if suffix in found.suffixes), default())


def writable(path: str | Path) -> tuple[ScenarioFormat, Editor]:
    """The format of a scenario file about to be written, and its editor; a UsageError (exit 2) naming
    the file and its format when the format cannot be edited in place."""
    found = for_path(path)
    if not found.editable:
        can = " or ".join(other.described() for other in _FORMATS.values() if other.editable)
        raise UsageError(
            str(path), [f"{found.name} scenario files cannot be edited in place; opsadvisor writes {can} files"]
        )
    return found, found.edits()


DEFAULT_MODULE = "json_format"  # its format reads stdin and the files whose suffix no format claims
MODULE_SUFFIX = "_format"


def discover() -> None:
    """Register the FORMAT of every `*_format` module of this package not registered yet, the default first."""
    names = sorted(
        (found.name for found in pkgutil.iter_modules(__path__) if found.name.endswith(MODULE_SUFFIX)),
        key=lambda name: (name != DEFAULT_MODULE, name),
    )
    known = set(registered())
    for name in names:
        module_format = importlib.import_module(f"{__name__}.{name}").FORMAT
        if module_format not in known:
            register(module_format)


discover()
