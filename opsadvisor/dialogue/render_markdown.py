"""The workshop pack as GitHub-flavoured Markdown."""

from __future__ import annotations

from tabulate import tabulate

from ..text import escape_markdown, escape_markdown_cell
from .layout import Block, Bullets, Cell, Command, Heading, Highlight, Paragraph, workshop_blocks
from .workshop import WorkshopPack


def _cell(cell: Cell) -> str:
    return f"**{escape_markdown_cell(cell.text)}**" if isinstance(cell, Highlight) else escape_markdown_cell(cell)


def _block(block: Block) -> list[str]:
    if isinstance(block, Heading):
        return ["#" * block.level + " " + escape_markdown(block.text)]
    if isinstance(block, Paragraph):
        return [f"_{escape_markdown(block.text)}_" if block.note else escape_markdown(block.text)]
    if isinstance(block, Bullets):
        return [
            f"{f'{n}.' if block.numbered else '-'} {escape_markdown(item)}" for n, item in enumerate(block.items, 1)
        ]
    if isinstance(block, Command):
        return ["```", " ".join(block.text.split()), "```"]
    rows = [[_cell(cell) for cell in row] for row in block.rows]
    return [tabulate(rows, headers=block.headers, tablefmt="github", disable_numparse=True)]


def render(pack: WorkshopPack) -> str:
    out: list[str] = []
    for block in workshop_blocks(pack):
        out += [*_block(block), ""]
    return "\n".join(out)
