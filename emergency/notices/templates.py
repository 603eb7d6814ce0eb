"""The two template environments of the package.

Every HTML template (``*.html.j2``) is rendered by :func:`html` — autoescape on, always
(``select_autoescape(["html"])`` would look at the last suffix, ``.j2``, and leave it
off): a firm named ``<script>…</script>``, ``"`` or ``&`` prints as text. Plain-text
templates (``*.txt.j2``) are rendered by :func:`text` without escaping; where a text is
shown inside HTML it is passed to an HTML template as a value, so it is escaped there.
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from emergency.notices.names import href


def _env(autoescape: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("emergency.notices", "templates"),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["href"] = href
    return env


@lru_cache(maxsize=1)
def html() -> Environment:
    """For ``*.html.j2``: autoescaped."""
    return _env(True)


@lru_cache(maxsize=1)
def text() -> Environment:
    """For ``*.txt.j2``: plain text, never embedded in HTML unescaped."""
    return _env(False)


def render_html(name: str, **context) -> str:
    if not name.endswith(".html.j2"):
        raise ValueError(f"{name} is not an HTML template")
    return html().get_template(name).render(**context)


def render_text(name: str, **context) -> str:
    if not name.endswith(".txt.j2"):
        raise ValueError(f"{name} is not a text template")
    return text().get_template(name).render(**context)
