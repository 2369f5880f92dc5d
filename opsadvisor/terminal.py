"""How the terminal a report is printed on looks: its width, and whether it shows colour.

Only a terminal gets a fitted layout and colour. Output to a file or a pipe keeps the full-width
layout and stays plain (so it is the same bytes everywhere), unless COLUMNS asks for a width.
NO_COLOR (https://no-color.org) turns colour off.
"""

from __future__ import annotations

import os
import sys
from typing import IO, TypedDict

import click


def width(stream: IO[str] | None = None) -> int | None:
    """The columns to fit: COLUMNS when set, else the terminal's width; None when not a terminal."""
    stream = stream or sys.stdout
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if not stream.isatty():
        return None
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError):
        return None


def colour(stream: IO[str] | None = None) -> bool:
    """True when the stream is a terminal and NO_COLOR is not set (to anything but empty)."""
    return (stream or sys.stdout).isatty() and not os.environ.get("NO_COLOR")


class Style(TypedDict, total=False):
    """The click.style keywords a cell's colour uses."""

    fg: str
    bold: bool


STYLES: dict[tuple[str, str], Style] = {  # (column header, cell) -> click.style keywords
    ("severity", "high"): {"fg": "red", "bold": True},
    ("severity", "medium"): {"fg": "yellow"},
    ("priority", "high"): {"fg": "red", "bold": True},
    ("status", "PENDING"): {"fg": "yellow", "bold": True},
}


def styled(header: str, cell: object) -> object:
    """The cell in its colour, when its column and value have one."""
    style = STYLES.get((header, str(cell)))
    return click.style(str(cell), **style) if style else cell
