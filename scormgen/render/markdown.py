"""Course Markdown to HTML: CommonMark with raw HTML disabled.

Author text never becomes markup of its own: markdown-it's ``commonmark``
preset with ``html`` off escapes any ``<tag>`` an author types, so the only
markup on a page is what the renderer and our templates produce. The result is
wrapped in ``markupsafe.Markup`` here, explicitly, and nowhere else, so the
jinja2 templates (autoescape on) escape everything else.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # commonmark preset, raw HTML off; links keep markdown-it's own URL validation
    # (javascript:, vbscript:, file: and most data: URLs are refused).
    return MarkdownIt("commonmark", {"html": False, "typographer": False})


def render_block(text: str) -> Markup:
    """Block Markdown (paragraphs, lists, headings) as safe HTML."""
    return Markup(_parser().render(text or ""))


def render_inline(text: str) -> Markup:
    """Inline Markdown (emphasis, code) for places that only take phrasing content."""
    return Markup(_parser().renderInline(" ".join((text or "").split())))
