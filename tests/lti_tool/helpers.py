"""Small helpers shared by the tool's tests."""

from __future__ import annotations

import re

TOKEN = re.compile(r'name="lti_token" value="([^"]+)"|lti_token=([A-Za-z0-9_.\-]+)')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def launch_token(page: str) -> str:
    """The launch token a page carries (in a form or in its links)."""
    match = TOKEN.search(page)
    assert match, "the page carries no launch token"
    return match.group(1) or match.group(2)


def csrf_token(page: str) -> str:
    match = CSRF.search(page)
    assert match, "the page carries no CSRF token"
    return match.group(1)
