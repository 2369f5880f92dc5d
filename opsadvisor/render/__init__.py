"""Renderers: one module per output format, all reading the shared Assessment."""

from __future__ import annotations

from collections.abc import Callable

from ..assessment import Assessment

FORMATS = ("table", "json", "markdown")


def renderer(name: str) -> Callable[[Assessment, bool], str]:
    """The render function for a format name; imported lazily so unused formats cost nothing."""
    if name == "json":
        from .json import render
    elif name == "markdown":
        from .markdown import render
    else:
        from .table import render
    return render
