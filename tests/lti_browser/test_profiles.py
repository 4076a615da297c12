"""The Chromium profiles put a framed site's cookies in the situations their names promise.

These check the premise of the other browser tests with a bare cookie-setting page, so that a
change in Chromium's defaults shows up here first, not as a puzzling launch failure."""

from __future__ import annotations

import json

import pytest
from flask import Flask, make_response, request

from .profiles import ALLOWED, BLOCKED, FRAMED_BLOCKED

pytestmark = pytest.mark.browser


@pytest.fixture
def cookie_sites(serve_wsgi):
    """``localhost`` sets a partitioned and an unpartitioned cookie; ``127.0.0.1`` frames it."""
    framed = Flask("framed")

    @framed.get("/set")
    def set_cookies():
        response = make_response('<p>set</p><script>location.replace("/read")</script>')
        response.set_cookie("partitioned", "1", secure=True, samesite="None", partitioned=True)
        response.set_cookie("unpartitioned", "1", secure=True, samesite="None")
        return response

    @framed.get("/read")
    def read_cookies():
        return f'<p id="cookies">{json.dumps(sorted(request.cookies))}</p>'

    framed_server = serve_wsgi(framed, host_name="localhost")
    embedding = Flask("embedding")

    @embedding.get("/")
    def frame_page():
        return f'<iframe name="framed" title="framed" src="{framed_server.url}/set"></iframe>'

    return serve_wsgi(embedding, host_name="127.0.0.1").url, framed_server.url


def cookies_seen(page, embedding_url: str) -> list[str]:
    page.goto(embedding_url)
    cookies = page.frame_locator("iframe[name=framed]").locator("#cookies")
    cookies.wait_for()
    return json.loads(cookies.inner_text())


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (ALLOWED, ["partitioned", "unpartitioned"]),
        (BLOCKED, ["partitioned"]),
        (FRAMED_BLOCKED, []),
    ],
)
def test_a_framed_site_keeps_the_cookies_its_profile_allows(
    open_page, cookie_sites, mode, expected
):
    embedding_url, _ = cookie_sites

    assert cookies_seen(open_page(mode), embedding_url) == expected


def test_with_framed_cookies_blocked_the_same_site_keeps_its_cookies_in_a_window_of_its_own(
    open_page, cookie_sites
):
    _, framed_url = cookie_sites
    page = open_page(FRAMED_BLOCKED)

    page.goto(framed_url + "/set")
    page.locator("#cookies").wait_for()

    assert json.loads(page.locator("#cookies").inner_text()) == ["partitioned", "unpartitioned"]
