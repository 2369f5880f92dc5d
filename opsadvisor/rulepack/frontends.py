"""The registry of rule-file front ends, by file suffix. A new syntax is one module plus one line here.

Each front end's module is imported when a file of its suffix is read, not before: a pack loaded from
its snapshot (rulepack.snapshot) reads no rule file, and `opsadvisor assess` then imports no front end.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .document import Document
    from .ir import Problems

FrontEnd = Callable[[str, bytes, "Problems"], "Document | None"]


def read_yaml_file(name: str, raw: bytes, problems: Problems) -> Document | None:
    from .yaml_front import read

    return read(name, raw, problems)


def read_table_file(name: str, raw: bytes, problems: Problems) -> Document | None:
    from .table_front import read

    return read(name, raw, problems)


FRONT_ENDS: dict[str, FrontEnd] = {
    ".yaml": read_yaml_file,
    ".yml": read_yaml_file,
    ".csv": read_table_file,
    ".xlsx": read_table_file,
}


def front_end_for(name: str) -> FrontEnd:
    """The front end for a file name; a file named explicitly with another suffix is read as YAML."""
    return FRONT_ENDS.get(Path(name).suffix, read_yaml_file)
