"""The workshop pack as one self-contained HTML page (inline style, no scripts); all text escaped."""

from __future__ import annotations

from html import escape

from .layout import Block, Bullets, Cell, Command, Heading, Mark, Paragraph, workshop_blocks
from .workshop import WorkshopPack

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #bbb; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #eee; }
.mark { background: #fff3c4; font-weight: bold; }
.note { font-style: italic; color: #555; }
pre { background: #f4f4f4; padding: 0.5rem; overflow-x: auto; }
@media print { pre { white-space: pre-wrap; } }
""".strip()


def _cell(cell: Cell, tag: str = "td") -> str:
    if isinstance(cell, Mark):
        return f'<{tag} class="mark">{escape(cell.text)}</{tag}>'
    return f"<{tag}>{escape(cell)}</{tag}>"


def _block(block: Block) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{escape(block.text)}</h{block.level}>"
    if isinstance(block, Paragraph):
        return f'<p class="note">{escape(block.text)}</p>' if block.note else f"<p>{escape(block.text)}</p>"
    if isinstance(block, Bullets):
        tag = "ol" if block.numbered else "ul"
        items = "".join(f"<li>{escape(item)}</li>" for item in block.items)
        return f"<{tag}>{items}</{tag}>"
    if isinstance(block, Command):
        return f"<pre><code>{escape(block.text)}</code></pre>"
    head = "".join(_cell(header, "th") for header in block.headers)
    body = "\n".join("<tr>" + "".join(_cell(cell) for cell in row) + "</tr>" for row in block.rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def render(pack: WorkshopPack) -> str:
    a = pack.assessment
    title = escape(f"Support Model Design Workshop: {a.service_name}")
    body = "\n".join(_block(block) for block in workshop_blocks(pack))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
