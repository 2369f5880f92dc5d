"""The workshop pack as one self-contained HTML page (inline style, no scripts); all text escaped.

The page is the template opsadvisor/templates/workshop.html.j2, rendered with autoescaping.
"""

from __future__ import annotations

from ..render.templating import template
from .layout import workshop_blocks
from .workshop import WorkshopPack


def _kind(value: object) -> str:
    """A block's or a cell's type as the template tells them apart: "heading", "tableblock", "highlight", "str"."""
    return type(value).__name__.lower()


def render(pack: WorkshopPack) -> str:
    blocks = workshop_blocks(pack)
    return template("workshop.html.j2").render(service_name=pack.assessment.service_name, blocks=blocks, kind=_kind)
