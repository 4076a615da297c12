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


def post_with_token(client, path: str, token: str, **data: str):
    """POST to a page after a launch, as the tool's own forms do: token and CSRF in the body."""
    from lti_tool.security import csrf_token as csrf_for

    with client.application.test_request_context():
        csrf = csrf_for(token)
    return client.post(path, data={"lti_token": token, "csrf_token": csrf, **data})
