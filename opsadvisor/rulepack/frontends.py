"""The registry of rule-file front ends, by file suffix. A new syntax is one module plus one line here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import table_front, yaml_front
from .document import Document
from .ir import Problems

FrontEnd = Callable[[str, bytes, Problems], Document | None]

FRONT_ENDS: dict[str, FrontEnd] = {suffix: yaml_front.read for suffix in yaml_front.SUFFIXES}
FRONT_ENDS.update({suffix: table_front.read for suffix in table_front.SUFFIXES})


def front_end_for(name: str) -> FrontEnd:
    """The front end for a file name; a file named explicitly with another suffix is read as YAML."""
    return FRONT_ENDS.get(Path(name).suffix, yaml_front.read)
