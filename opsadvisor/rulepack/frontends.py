"""The registry of rule-file front ends, by file suffix. A new syntax is one module plus one line here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .document import Document
from .ir import Problems
from .table_front import SUFFIXES as TABLE_SUFFIXES
from .table_front import read as read_table_file
from .yaml_front import SUFFIXES as YAML_SUFFIXES
from .yaml_front import read as read_yaml_file

FrontEnd = Callable[[str, bytes, Problems], Document | None]

FRONT_ENDS: dict[str, FrontEnd] = {suffix: read_yaml_file for suffix in YAML_SUFFIXES}
FRONT_ENDS.update({suffix: read_table_file for suffix in TABLE_SUFFIXES})


def front_end_for(name: str) -> FrontEnd:
    """The front end for a file name; a file named explicitly with another suffix is read as YAML."""
    return FRONT_ENDS.get(Path(name).suffix, read_yaml_file)
