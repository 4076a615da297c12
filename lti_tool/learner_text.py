"""Text that learners write (discussion posts; assignments later): the ONE way it becomes HTML.

Learners write plain text with a small Markdown subset: *emphasis*, **strong**, bulleted and
numbered lists, > quotes and [links](https://…) to http(s) addresses. Nothing else is
Markdown here: no images, headings, code blocks, tables or raw HTML (``<b>`` stays text).

Two steps, both always: markdown-it-py renders the subset with ``html`` off, then nh3 (the
maintained Ammonia sanitiser) keeps only the tags and attributes the subset can produce,
only http(s) links, and gives every link ``rel="nofollow noopener noreferrer"``. The
result is marked safe for Jinja only here.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

#: The tags the subset produces; anything else is dropped by the sanitiser (its text kept).
TAGS = {"p", "br", "em", "strong", "ul", "ol", "li", "blockquote", "a"}
ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https"}
LINK_REL = "nofollow noopener noreferrer"

_markdown = (
    MarkdownIt("zero", {"html": False, "linkify": False, "typographer": False, "breaks": True})
    .enable(["emphasis", "list", "blockquote", "link", "newline", "escape"])
    .disable(["image"], ignoreInvalid=True)
)


class LearnerTextError(ValueError):
    """The text cannot be accepted (empty or too long); the message says why."""


def clean(text: str, *, max_length: int) -> str:
    """The text as stored: newlines normalised, control characters removed, trimmed; checked."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()
    if not text:
        raise LearnerTextError("Write something first.")
    if len(text) > max_length:
        raise LearnerTextError(f"This is {len(text)} characters long; the limit is {max_length}.")
    return text


@lru_cache(maxsize=4096)
def render(text: str) -> Markup:
    """Safe HTML for ``text``: the Markdown subset, sanitised.

    Cached by text (the result is immutable): a discussion page renders every post on each
    read, and the same texts come back until someone edits them.
    """
    html = _markdown.render(text)
    return Markup(
        nh3.clean(
            html,
            tags=TAGS,
            attributes=ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel=LINK_REL,
            strip_comments=True,
        )
    )
