"""Dynamic Registration cannot take over a platform or probe the tool's network (issue 15,
findings 1 and 2), and the key sets a launch fetches are read as carefully."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import requests
from flask import Flask, jsonify, redirect
from sqlalchemy import select

from lti_tool import db
from lti_tool.models import Platform as PlatformRow
from lti_tool.registrations import create_registration_token, register_platform
from tests.lti_platform import start_launch

from .conftest import tool_settings

INTERNAL = "INTERNAL-SECRET-PAGE-CONTENT"


class FakePlatform:
    """An 'LMS origin' on which someone placed an openid-configuration of their choosing."""

    def __init__(self, serve_wsgi, host_name: str = "127.0.0.1") -> None:
        self.configuration: dict = {}
        self.registration_answer: dict = {}
        app = Flask("fake-platform")

        @app.get("/.well-known/openid-configuration")
        def configuration():
            return jsonify(self.configuration)

        @app.post("/register")
        def register():
            return jsonify(self.registration_answer)

        @app.get("/internal")
        def internal():
            return INTERNAL

        @app.get("/moved")
        def moved():
            return redirect("/internal")

        self.server = serve_wsgi(app, host_name=host_name)
        self.url = self.server.url

    def config_url(self) -> str:
        return self.url + "/.well-known/openid-configuration"

    def honest_configuration(self, base: str | None = None) -> dict:
        base = base or self.url
        return {
            "issuer": self.url,
            "authorization_endpoint": base + "/auth",
            "token_endpoint": base + "/token",
            "jwks_uri": base + "/jwks",
            "registration_endpoint": base + "/register",
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "fake"
            },
        }


@pytest.fixture
def fake(serve_wsgi) -> FakePlatform:
    return FakePlatform(serve_wsgi)


@pytest.fixture
def register_url(runner, live_tool):
    def make() -> str:
        result = runner.invoke(["register-url"], LTI_TOOL_URL=live_tool.url)
        assert result.exit_code == 0, result.output
        return result.output.strip()

    return make


def register(url: str, fake: FakePlatform) -> requests.Response:
    return requests.get(url, params={"openid_configuration": fake.config_url()}, timeout=10)


def stored(app, issuer: str) -> list[PlatformRow]:
    with app.app_context():
        return list(
            db.get_session().scalars(select(PlatformRow).where(PlatformRow.issuer == issuer))
        )


def test_a_registration_repeating_an_existing_client_id_changes_nothing(app, fake, register_url):
    with app.app_context():
        session = db.get_session()
        register_platform(
            session,
            issuer=fake.url,
            client_id="existing",
            auth_login_url=fake.url + "/auth",
            auth_token_url=fake.url + "/token",
            key_set_url=fake.url + "/jwks",
            deployment_ids=["1"],
        )
        session.commit()
    fake.configuration = fake.honest_configuration()
    fake.configuration["jwks_uri"] = fake.url + "/attackers-keys"
    fake.registration_answer = {
        "client_id": "existing",
        "https://purl.imsglobal.org/spec/lti-tool-configuration": {"deployment_id": "1"},
    }

    response = register(register_url(), fake)

    assert response.status_code == 409
    assert "already registered" in response.text
    (platform,) = stored(app, fake.url)
    assert platform.key_set_url == fake.url + "/jwks"


@pytest.mark.parametrize(
    "field", ["authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint"]
)
def test_endpoints_off_the_issuers_origin_are_refused(app, fake, serve_wsgi, register_url, field):
    elsewhere = FakePlatform(serve_wsgi, host_name="localhost")
    fake.configuration = fake.honest_configuration()
    fake.configuration[field] = elsewhere.url + "/" + field

    response = register(register_url(), fake)

    assert response.status_code == 400
    assert f"{field} is not on the issuer" in response.text
    assert stored(app, fake.url) == []


def test_an_administrator_can_trust_an_endpoint_origin_such_as_canvas_sso(
    app, fake, serve_wsgi, register_url
):
    sso = FakePlatform(serve_wsgi, host_name="localhost")
    app.config["LTI_TRUSTED_PLATFORM_ORIGINS"] = [sso.url]
    fake.configuration = fake.honest_configuration(base=sso.url)
    fake.configuration["registration_endpoint"] = fake.url + "/register"
    fake.registration_answer = {
        "client_id": "new-client",
        "https://purl.imsglobal.org/spec/lti-tool-configuration": {"deployment_id": "1"},
    }

    response = register(register_url(), fake)

    assert response.status_code == 200, response.text
    (platform,) = stored(app, fake.url)
    assert platform.key_set_url == sso.url + "/jwks"


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({}, "lacks a valid client_id"),
        ({"client_id": ["a", "b"]}, "lacks a valid client_id"),
        ({"client_id": "x" * 300}, "lacks a valid client_id"),
        (
            {"client_id": "ok", "https://purl.imsglobal.org/spec/lti-tool-configuration": []},
            "lacks",
        ),
    ],
)
def test_a_malformed_registration_answer_is_refused_and_leaves_the_link_usable(
    app, fake, register_url, answer, reason
):
    fake.configuration = fake.honest_configuration()
    fake.registration_answer = {
        "https://purl.imsglobal.org/spec/lti-tool-configuration": {},
        **answer,
    }
    url = register_url()

    response = register(url, fake)

    assert response.status_code == 400
    assert reason in response.text
    fake.registration_answer = {
        "client_id": "fine",
        "https://purl.imsglobal.org/spec/lti-tool-configuration": {"deployment_id": "1"},
    }
    assert register(url, fake).status_code == 200


@pytest.mark.parametrize(
    "configuration", [["not", "an", "object"], {"issuer": ["a", "list"]}, {"issuer": 42}]
)
def test_a_configuration_that_is_not_an_object_or_has_no_string_issuer_is_refused(
    fake, register_url, configuration
):
    fake.configuration = configuration

    response = register(register_url(), fake)

    assert response.status_code == 400
    assert "Traceback" not in response.text


def test_a_registration_link_allows_three_attempts_then_no_more(fake, register_url):
    fake.configuration = {**fake.honest_configuration(), "issuer": "https://elsewhere.example"}
    url = register_url()

    statuses = [register(url, fake).status_code for _ in range(4)]

    assert statuses == [400, 400, 400, 403]


@pytest.fixture
def guarded_app(database):
    """The tool with outbound requests guarded as in production (no private network)."""
    from lti_tool import create_app

    app = create_app(tool_settings(database, LTI_OUTBOUND_ALLOWED_NETWORKS=""))
    with app.app_context():
        db.upgrade(db.engine())
    yield app
    app.extensions["lti_tool.engine"].dispose()


def test_registration_refuses_to_fetch_from_a_private_address_and_says_little(
    guarded_app, serve_wsgi, fake, caplog
):
    tool = serve_wsgi(guarded_app, host_name="localhost")
    with guarded_app.app_context():
        session = db.get_session()
        token = create_registration_token(session, timedelta(hours=1))
        session.commit()
    fake.configuration = fake.honest_configuration()
    caplog.set_level(logging.WARNING)

    response = register(f"{tool.url}/lti/register?token={token}", fake)

    assert response.status_code == 400
    assert "could not be reached or understood" in response.text
    assert "127.0.0.1" not in response.text
    assert "not a public address" in caplog.text


def test_a_key_set_redirecting_to_an_internal_page_is_not_followed_or_echoed(connected, fake):
    with connected.app.app_context():
        session = db.get_session()
        platform = session.scalar(select(PlatformRow))
        platform.key_set_url = fake.url + "/moved"
        session.commit()
    attempt = start_launch(connected.platform)

    response = attempt.post()

    assert response.status_code == 401
    assert "public keys could not be read" in response.text
    assert INTERNAL not in response.text


def test_a_key_set_that_is_not_json_is_not_echoed(connected, fake):
    with connected.app.app_context():
        session = db.get_session()
        platform = session.scalar(select(PlatformRow))
        platform.key_set_url = fake.url + "/internal"
        session.commit()
    attempt = start_launch(connected.platform)

    response = attempt.post()

    assert response.status_code == 401
    assert INTERNAL not in response.text
