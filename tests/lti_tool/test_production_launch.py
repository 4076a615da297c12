"""Launches against the tool in its production configuration, over HTTPS.

Every other launch test runs the tool as ``testing`` over plain HTTP, where each state
cookie gets a development-only twin without ``Secure`` that Python's cookie jar sends
back. Here the tool and the platforms are served over HTTPS (a self-signed certificate
the HTTP clients trust), so the only state cookie is the production one: ``Secure;
SameSite=None; Partitioned``. The launch tests of ``test_launch``, ``test_refusals`` and
``test_launch_checks`` run again below with these fixtures, on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from http.cookiejar import Cookie

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from requests.cookies import create_cookie

from lti_tool import create_app, db
from tests.lti_platform import RunningServer, start_launch, start_server
from tests.lti_platform.tls import Certificate
from tests.lti_tool import test_launch, test_launch_checks, test_refusals
from tests.lti_tool.conftest import tool_settings
from tests.lti_tool.test_refusals import assert_refused

# A production secret is at least 32 bytes long.
PRODUCTION_SECRET = "production-test-secret-0123456789abcdefghij"
LEGACY_SUFFIX = "-legacy"  # the development twin's name suffix (ToolCookieService)

# The launch tests of the plain-HTTP suite, collected again in this module so that they
# run with its fixtures: the production tool and HTTPS platforms.
globals().update(
    {
        name: test
        for module in (test_launch, test_refusals, test_launch_checks)
        for name, test in vars(module).items()
        if name.startswith("test_") and callable(test)
    }
)


@pytest.fixture
def database(tmp_path) -> dict[str, str]:
    """SQLite only: the database backends are covered by the plain-HTTP runs."""
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'tool.sqlite'}"}


@pytest.fixture(autouse=True)
def trusted_certificate(tls_certificate: Certificate, monkeypatch) -> Certificate:
    """Every ``requests`` session (the tests' user agent, the tool's JWKS fetch) trusts it."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_certificate.cert_path))
    return tls_certificate


@pytest.fixture
def platform_ssl_context(tls_certificate: Certificate):
    return tls_certificate.server_context()


class LateApp:
    """A WSGI app set once the server runs: the tool's settings need its URL, port included."""

    app: Flask | None = None

    def __call__(self, environ, start_response):
        assert self.app is not None, "the tool is not ready"
        return self.app(environ, start_response)


@pytest.fixture
def https_tool(tls_certificate: Certificate) -> Iterator[tuple[LateApp, RunningServer]]:
    late = LateApp()
    server = start_server(late, host_name="localhost", ssl_context=tls_certificate.server_context())
    yield late, server
    server.stop()


def production_settings(database: dict[str, str], tool_url: str) -> dict[str, object]:
    return tool_settings(
        database,
        LTI_TOOL_ENV="production",
        SECRET_KEY=PRODUCTION_SECRET,
        LTI_TOOL_URL=tool_url,
        LTI_KEY_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        # The test platforms are on loopback, which production refuses to fetch from.
        LTI_OUTBOUND_ALLOWED_NETWORKS="127.0.0.0/8 ::1/128",
    )


@pytest.fixture
def app(database, https_tool) -> Iterator[Flask]:
    """The tool in production configuration, at its HTTPS URL, on a migrated database."""
    late, server = https_tool
    app = create_app(production_settings(database, server.url))
    assert app.config["LTI_TOOL_ENV"] == "production"
    with app.app_context():
        db.upgrade(db.engine())
    late.app = app
    yield app
    app.extensions["lti_tool.engine"].dispose()


@pytest.fixture
def live_tool(app: Flask, https_tool) -> RunningServer:
    return https_tool[1]


def state_cookie_headers(response, state: str) -> list[str]:
    return [
        header
        for header in response.raw.headers.getlist("Set-Cookie")
        if header.startswith(f"lti1p3-{state}")
    ]


def test_the_production_tool_and_platform_are_served_over_https(connected):
    assert connected.tool.url.startswith("https://localhost:")
    assert connected.platform.issuer.startswith("https://127.0.0.1:")
    attempt = start_launch(connected.platform)

    response = attempt.post()

    assert response.status_code == 200
    assert response.url.startswith("https://")
    assert response.headers["Strict-Transport-Security"]


def test_in_production_the_login_sets_only_the_secure_state_cookie(connected):
    attempt = start_launch(connected.platform)

    (header,) = state_cookie_headers(attempt.login_response, attempt.state)
    assert header.startswith(f"lti1p3-{attempt.state}={attempt.state};")
    for attribute in ("Secure", "SameSite=None", "Partitioned", "HttpOnly"):
        assert attribute in header
    assert [c.name for c in attempt.session.cookies] == [f"lti1p3-{attempt.state}"]


def test_in_production_plain_http_gets_no_development_cookie_either(connected, client):
    """Behind a proxy that does not say it terminated HTTPS, the request looks plain."""
    params = connected.platform.login_initiation_params()

    response = client.get("/lti/login", query_string=params)

    cookies = response.headers.getlist("Set-Cookie")
    names = [cookie.split("=", 1)[0] for cookie in cookies]
    assert names, "the login sets its state cookie"
    assert not [name for name in names if name.endswith(LEGACY_SUFFIX)]
    assert all("Secure" in cookie for cookie in cookies)


def test_in_production_the_development_state_cookie_is_not_accepted(connected):
    attempt = start_launch(connected.platform)
    jar = attempt.session.cookies
    (secure,) = list(jar)
    jar.clear()
    jar.set_cookie(development_twin(secure))

    response = attempt.post()

    assert_refused(response, "state cookie is missing", 403)


def development_twin(cookie: Cookie) -> Cookie:
    """The plain cookie the tool sets beside the secure one outside production."""
    return create_cookie(
        cookie.name + LEGACY_SUFFIX, cookie.value, domain=cookie.domain, path=cookie.path
    )
