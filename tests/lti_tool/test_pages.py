"""Every page: language, title, one <main>, one h1, labelled controls, narrow-frame ready.

(The browser tests run axe-core on the same pages in Chromium.)"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from lti_tool.activities import Activity
from tests.lti_platform import ADMINISTRATOR, INSTRUCTOR, launch
from tests.lti_platform.claims import DEEP_LINKING_REQUEST

from .helpers import launch_token, post_with_token


class Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]


def assert_accessible_structure(html: str) -> None:
    page = Structure()
    page.feed(html)
    (root,) = page.all("html")
    assert root.get("lang") == "en"
    assert len(page.all("main")) == 1
    assert len(page.all("h1")) == 1
    assert page.all("title")
    assert any("width=device-width" in m.get("content", "") for m in page.all("meta"))
    labelled = {label.get("for") for label in page.all("label")}
    for control in page.all("input"):
        if control.get("type") not in ("hidden", "submit"):
            assert control.get("id") in labelled, control
    assert not any("style" in attrs for _tag, attrs in page.tags)  # CSP: no inline styles


def test_the_public_pages_are_well_formed(client):
    for path in ("/", "/lti/config", "/no/such/page", "/instructor/"):
        assert_accessible_structure(client.get(path).text)


@pytest.mark.parametrize("path", ["/discussions/", "/assignments/", "/instructor/", "/admin/"])
def test_the_pages_after_a_launch_are_well_formed(connected, client, path):
    token = launch_token(launch(connected.platform, user=ADMINISTRATOR).text)

    assert_accessible_structure(post_with_token(client, path, token).text)


def test_the_landing_and_deep_linking_pages_are_well_formed(connected):
    assert_accessible_structure(launch(connected.platform).text)
    connected.app.extensions["lti_tool.activities"] = [Activity("scenario:a", "Scenario", "A")]
    deep = launch(connected.platform, user=INSTRUCTOR, message_type=DEEP_LINKING_REQUEST)
    assert_accessible_structure(deep.text)


def test_the_moodle_configuration_page_lists_the_tool_urls(client):
    page = client.get("/lti/config").text

    for path in ("/lti/login", "/lti/launch", "/lti/jwks.json", "/lti/canvas.json"):
        assert "http://localhost" + path in page


def test_the_canvas_developer_key_configuration_names_the_tool_urls(client):
    config = client.get("/lti/canvas.json").json

    assert config["oidc_initiation_url"] == "http://localhost/lti/login"
    assert config["target_link_uri"] == "http://localhost/lti/launch"
    assert config["public_jwk_url"] == "http://localhost/lti/jwks.json"
    (extension,) = config["extensions"]
    placements = extension["settings"]["placements"]
    assert {p["message_type"] for p in placements} == {DEEP_LINKING_REQUEST}
