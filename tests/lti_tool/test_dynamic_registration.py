"""LTI Dynamic Registration: a one-time URL from ``lti-tool register-url`` registers the
tool with the platform that opens it, and nothing else can."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from lti_tool import db
from lti_tool.models import Platform as PlatformRow
from tests.lti_platform import launch
from tests.lti_platform.claims import TOOL_CONFIGURATION


@pytest.fixture
def register_url(runner, live_tool) -> str:
    result = runner.invoke(["register-url"], LTI_TOOL_URL=live_tool.url)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_register_url_prints_a_url_under_lti_register_with_a_secret_token(register_url, live_tool):
    parts = urlsplit(register_url)

    assert register_url.startswith(live_tool.url + "/lti/register?")
    assert len(parse_qs(parts.query)["token"][0]) >= 40


def test_the_platform_opening_the_url_is_registered_and_can_launch(app, lti_platform, register_url):
    response = requests.get(lti_platform.dynamic_registration_url(register_url))

    assert response.status_code == 200
    assert "Registration complete" in response.text
    assert "registered.js" in response.text  # posts org.imsglobal.lti.close to the platform
    (recorded,) = lti_platform.recorded.registrations
    request = recorded["request"]
    assert request["initiate_login_uri"].endswith("/lti/login")
    assert request["jwks_uri"].endswith("/lti/jwks.json")
    assert request[TOOL_CONFIGURATION]["target_link_uri"].endswith("/lti/launch")
    with app.app_context():
        stored = db.get_session().scalar(select(PlatformRow))
        assert stored.issuer == lti_platform.issuer
        assert stored.client_id == recorded["client_id"]
        assert [d.deployment_id for d in stored.deployments] == [lti_platform.tool().deployment_id]

    assert launch(lti_platform).status_code == 200


def test_the_url_works_only_once(lti_platform, register_url):
    assert requests.get(lti_platform.dynamic_registration_url(register_url)).status_code == 200

    again = requests.get(lti_platform.dynamic_registration_url(register_url))

    assert again.status_code == 403
    assert "already used" in again.text
    assert len(lti_platform.recorded.registrations) == 1


def test_registration_without_our_token_is_refused(lti_platform, live_tool):
    response = requests.get(lti_platform.dynamic_registration_url(live_tool.url + "/lti/register"))

    assert response.status_code == 403
    assert lti_platform.recorded.registrations == []


def test_registration_with_a_made_up_token_is_refused(lti_platform, live_tool):
    url = live_tool.url + "/lti/register?token=made-up"

    response = requests.get(lti_platform.dynamic_registration_url(url))

    assert response.status_code == 403


def test_an_expired_url_is_refused(runner, lti_platform, live_tool):
    expired = runner.invoke(["register-url", "--hours", "0"], LTI_TOOL_URL=live_tool.url)

    response = requests.get(lti_platform.dynamic_registration_url(expired.output.strip()))

    assert response.status_code == 403


def test_a_configuration_whose_issuer_is_another_site_is_refused(
    app, lti_platform, register_url, monkeypatch
):
    original = lti_platform.openid_configuration
    monkeypatch.setattr(
        lti_platform,
        "openid_configuration",
        lambda: {**original(), "issuer": "https://evil.example"},
    )

    response = requests.get(lti_platform.dynamic_registration_url(register_url))

    assert response.status_code == 400
    assert "issuer does not match" in response.text
    with app.app_context():
        assert db.get_session().scalar(select(PlatformRow)) is None


def test_a_registration_the_platform_refuses_leaves_the_url_usable(
    app, lti_platform, register_url, monkeypatch
):
    original = lti_platform.openid_configuration
    monkeypatch.setattr(
        lti_platform,
        "openid_configuration",
        lambda: {**original(), "issuer": "https://evil.example"},
    )
    assert requests.get(lti_platform.dynamic_registration_url(register_url)).status_code == 400
    monkeypatch.setattr(lti_platform, "openid_configuration", original)

    retried = requests.get(lti_platform.dynamic_registration_url(register_url))

    assert retried.status_code == 200
    assert "Registration complete" in retried.text
    assert requests.get(lti_platform.dynamic_registration_url(register_url)).status_code == 403


def test_opening_the_register_path_without_a_platform_explains_itself(client):
    response = client.get("/lti/register?token=x")

    assert response.status_code == 400
    assert "tool registration page" in response.text
