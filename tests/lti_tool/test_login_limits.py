"""Nobody can grow the tool's storage from ``/lti/login`` (issue 15, finding 3): each
parameter is capped, only what the launch needs is kept, and login initiation is rate
limited per client address and per issuer, in Redis when the tool uses Redis."""

from __future__ import annotations

import secrets

import pytest
import requests
from sqlalchemy import func, select

from lti_tool import create_app, db
from lti_tool.models import CacheEntry
from tests.lti_platform import start_launch

from .conftest import connect, tool_settings


def cache_rows(app) -> int:
    with app.app_context():
        return db.get_session().scalar(select(func.count()).select_from(CacheEntry))


def login_params(connected, **changes: str) -> dict[str, str]:
    params = connected.platform.login_initiation_params()
    return {**params, **changes}


@pytest.mark.parametrize(
    ("name", "size"),
    [("lti_message_hint", 5000), ("login_hint", 3000), ("target_link_uri", 3000), ("iss", 300)],
)
def test_an_oversized_login_parameter_is_refused_and_nothing_is_stored(connected, name, size):
    before = cache_rows(connected.app)

    response = requests.post(
        connected.tool.url + "/lti/login",
        data=login_params(connected, **{name: "x" * size}),
        allow_redirects=False,
    )

    assert response.status_code == 400
    assert f"The parameter {name} is too long" in response.text
    assert cache_rows(connected.app) == before


def test_a_login_stores_at_most_a_few_kilobytes(connected):
    params = login_params(connected, lti_message_hint="h" * 4096, login_hint="l" * 2048)

    response = requests.post(connected.tool.url + "/lti/login", data=params, allow_redirects=False)

    assert response.is_redirect
    with connected.app.app_context():
        sizes = db.get_session().scalars(select(func.length(CacheEntry.value))).all()
    assert max(sizes) < 8 * 1024


def test_unknown_login_parameters_are_not_stored(connected):
    params = login_params(connected, padding="p" * 500_000)

    response = requests.post(connected.tool.url + "/lti/login", data=params, allow_redirects=False)

    assert response.is_redirect
    with connected.app.app_context():
        values = db.get_session().scalars(select(CacheEntry.value)).all()
    assert all("ppppp" not in value for value in values)


@pytest.fixture
def limited(database, lti_platform, serve_wsgi):
    def make(**limits: str):
        app = create_app(tool_settings(database, **limits))
        with app.app_context():
            db.upgrade(db.engine())
        return connect(app, lti_platform, serve_wsgi(app, host_name="localhost"))

    return make


def test_login_initiation_is_limited_per_client_address(limited):
    connected = limited(
        LTI_LOGIN_RATE_LIMIT_PER_ADDRESS="3 per minute", LTI_LOGIN_RATE_LIMIT_PER_ISSUER="off"
    )
    for _ in range(3):
        start_launch(connected.platform)

    response = requests.get(
        connected.tool.url + "/lti/login", params=login_params(connected), allow_redirects=False
    )

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"
    assert "Too many sign-ins" in response.text


def test_login_initiation_is_limited_per_issuer(limited):
    connected = limited(
        LTI_LOGIN_RATE_LIMIT_PER_ADDRESS="off", LTI_LOGIN_RATE_LIMIT_PER_ISSUER="2 per minute"
    )
    for _ in range(2):
        start_launch(connected.platform)

    refused = requests.get(
        connected.tool.url + "/lti/login", params=login_params(connected), allow_redirects=False
    )
    other_issuer = requests.get(
        connected.tool.url + "/lti/login",
        params=login_params(connected, iss="https://other.example"),
        allow_redirects=False,
    )

    assert refused.status_code == 429
    assert other_issuer.status_code == 400  # not limited: merely unknown


def test_with_redis_the_limit_is_shared_by_every_process(
    database, redis_url, lti_platform, serve_wsgi
):
    issuer_limit = {
        "LTI_LOGIN_RATE_LIMIT_PER_ADDRESS": "off",
        "LTI_LOGIN_RATE_LIMIT_PER_ISSUER": "2 per minute",
        "REDIS_URL": redis_url,
    }
    first = create_app(tool_settings(database, **issuer_limit))
    second = create_app(tool_settings(database, **issuer_limit))
    with first.app_context():
        db.upgrade(db.engine())
    one = serve_wsgi(first, host_name="localhost")
    two = serve_wsgi(second, host_name="localhost")
    connected = connect(first, lti_platform, one)
    # A fresh issuer name, so that earlier runs' counters in Redis do not count.
    params = login_params(connected, iss=f"https://lms-{secrets.token_hex(6)}.example")

    answers = [
        requests.get(url + "/lti/login", params=params, allow_redirects=False).status_code
        for url in (one.url, two.url, one.url, two.url)
    ]

    assert answers[:2] == [400, 400]  # counted (the issuer is not registered: refused)
    assert answers[2:] == [429, 429]
