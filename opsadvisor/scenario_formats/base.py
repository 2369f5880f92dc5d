"""What a scenario file format is: how its bytes decode, and whether (and how) its text can be written.

A format is one module defining a `ScenarioFormat`. `decode` turns a file's bytes into the scenario
document, not yet validated (the contract's validator reads every format's documents alike), or raises
ScenarioError naming the file, and for a syntax error its line (`file:line:column`). A format whose
text opsadvisor may write names its editor: a module with the three functions of `Editor`, imported only
by the commands that write (`assess` never loads it).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol, cast

Key = str | int  # one step of a path into a document: an object's key or an array's index


class Editor(Protocol):
    """Writes a format's text: one value changed in place, every other byte kept (`decide`, `accept`),
    or a whole new document (the interview, the workbench's form)."""

    def set_value(self, text: str, path: tuple[Key, ...], value: Any) -> str:
        """`text` with the value at `path` replaced, or inserted with any missing parent objects."""
        ...

    def append_item(self, text: str, path: tuple[Key, ...], item: Any) -> str:
        """`text` with `item` appended to the array at `path` (made, with its parents, if missing)."""
        ...

    def pretty(self, value: Any) -> str:
        """A new document's text, in the format's usual style."""
        ...


class ScenarioFormat(NamedTuple):  # a NamedTuple, not a dataclass: cheaper to define at start-up
    name: str  # as messages name it: "JSON"
    suffixes: tuple[str, ...]  # lower case, with the dot, the usual one first: (".json",)
    decode: Callable[[bytes, str], Any]  # (bytes, the file's name in messages) -> document, or ScenarioError
    editor: str | None = None  # the module that writes the format (see Editor); None: read-only

    @property
    def editable(self) -> bool:
        return self.editor is not None

    def edits(self) -> Editor:
        """The editor module, imported now; only for an editable format."""
        if self.editor is None:
            raise ValueError(f"the {self.name} scenario format cannot be written")
        return cast(Editor, importlib.import_module(self.editor))

    def described(self) -> str:
        """The format and its suffixes, for messages: 'JSON (*.json)'."""
        return f"{self.name} ({', '.join(f'*{suffix}' for suffix in self.suffixes)})"
