"""Learners' text becomes HTML through one sanitising path (``lti_tool.learner_text``)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from lti_tool.learner_text import LearnerTextError, clean, render

#: The usual payloads: script and event handlers, dangerous URL schemes (plain, mixed case,
#: entity-encoded, in Markdown links, images and autolinks), attribute break-outs, nesting.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<details open ontoggle=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<<script>script>alert(1)<</script>/script>",
    '"><script>alert(1)</script>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '[x](https://example.org" onmouseover="alert(1))',
    "![x](https://example.org/x.png)",
    "![x](javascript:alert(1))",
    "<javascript:alert(1)>",
    "[x]: javascript:alert(1)\n\n[x]",
    "<style>body{display:none}</style>",
    "<form action=https://evil.example><button>go</button></form>",
    "`<script>alert(1)</script>`",
    "*<b onclick=alert(1)>bold</b>*",
]

ALLOWED_TAGS = {"p", "br", "em", "strong", "ul", "ol", "li", "blockquote", "a"}


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {name: value or "" for name, value in attrs}))


def parsed(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = Tags()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_payload_yields_a_script_a_handler_or_a_dangerous_link(payload):
    for tag, attrs in parsed(render(payload)):
        assert tag in ALLOWED_TAGS, tag
        assert not any(name.startswith("on") for name in attrs), attrs
        assert set(attrs) <= {"href", "rel", "title", "start"}, attrs
        if tag == "a":
            assert attrs["href"].startswith(("http://", "https://")), attrs
            assert attrs["rel"] == "nofollow noopener noreferrer"


def test_the_markdown_subset_renders():
    html = render(
        "*em* **strong**\n\n- one\n- two\n\n1. first\n\n> quoted\n\n[site](https://x.org)"
    )

    assert "<em>em</em>" in html and "<strong>strong</strong>" in html
    assert "<ul>" in html and "<ol>" in html and "<blockquote>" in html
    assert '<a href="https://x.org" rel="nofollow noopener noreferrer">site</a>' in html


def test_what_is_not_in_the_subset_stays_text():
    html = render("# Not a heading\n\n    not code\n\n<b>not bold</b>")

    assert "<h1>" not in html and "<pre>" not in html and "<b>" not in html
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html


def test_line_breaks_are_kept():
    assert "<br>" in render("first line\nsecond line")


def test_clean_trims_normalises_and_enforces_the_limit():
    assert clean("  a\r\nb\x00\x07 ", max_length=10) == "a\nb"
    with pytest.raises(LearnerTextError, match="Write something"):
        clean(" \n\t", max_length=10)
    with pytest.raises(LearnerTextError, match="limit is 3"):
        clean("four", max_length=3)
