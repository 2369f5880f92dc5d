"""HTML from Jinja2 templates (opsadvisor/templates/*.html.j2), with autoescaping on.

Every `{{ value }}` is escaped unless it is already markup (a macro's output, a spooled row):
with `html.escape`'s entities (`&quot;`, `&#x27;`), so the pages are the same bytes as before
templates. Jinja2 is imported only when an HTML report is rendered.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from ..text import escape_html

if TYPE_CHECKING:
    import jinja2


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2
    from markupsafe import Markup

    def escaped(value: Any) -> Markup:
        return value if isinstance(value, Markup) else Markup(escape_html(value))

    return jinja2.Environment(
        loader=jinja2.PackageLoader("opsadvisor", "templates"),
        autoescape=True,
        finalize=escaped,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


def template(name: str) -> jinja2.Template:
    """A template of opsadvisor/templates, loaded once per process."""
    return _environment().get_template(name)


def markup(text: str) -> Any:
    """Text that is already HTML (rendered by a template): inserted as is, not escaped again."""
    from markupsafe import Markup

    return Markup(text)
