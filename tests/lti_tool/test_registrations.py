"""Registrations in the database: several platforms and deployments, one-time tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lti_tool import db
from lti_tool.registrations import (
    RegistrationError,
    consume_registration_token,
    create_registration_token,
    find_deployment,
    find_platform,
    platform_origins,
    register_platform,
    release_registration_token,
)

MOODLE = {
    "issuer": "https://moodle.example.edu",
    "client_id": "abc",
    "auth_login_url": "https://moodle.example.edu/mod/lti/auth.php",
    "auth_token_url": "https://moodle.example.edu/mod/lti/token.php",
    "key_set_url": "https://moodle.example.edu/mod/lti/certs.php",
}


@pytest.fixture
def session(app):
    with app.app_context():
        yield db.get_session()


def test_registering_again_updates_endpoints_and_adds_deployments(session):
    register_platform(session, **MOODLE, deployment_ids=["1"])
    register_platform(
        session, **{**MOODLE, "key_set_url": "https://moodle.example.edu/new"}, deployment_ids=["2"]
    )
    session.commit()

    platform = find_platform(session, MOODLE["issuer"], "abc")
    assert platform.key_set_url == "https://moodle.example.edu/new"
    assert [d.deployment_id for d in platform.deployments] == ["1", "2"]


def test_one_issuer_may_have_several_client_ids(session):
    register_platform(session, **MOODLE, deployment_ids=["1"])
    register_platform(session, **{**MOODLE, "client_id": "def"}, deployment_ids=["1"])
    session.commit()

    assert find_platform(session, MOODLE["issuer"], "def").client_id == "def"
    assert find_platform(session, MOODLE["issuer"], None) is None  # ambiguous without client id
    assert find_deployment(session, MOODLE["issuer"], "def", "1") is not None
    assert find_deployment(session, MOODLE["issuer"], "def", "2") is None


@pytest.mark.parametrize("field", ["issuer", "client_id", "auth_login_url", "key_set_url"])
def test_an_incomplete_registration_is_refused(session, field):
    with pytest.raises(RegistrationError, match=field):
        register_platform(session, **{**MOODLE, field: ""})


def test_a_non_http_url_is_refused(session):
    with pytest.raises(RegistrationError, match="auth_login_url"):
        register_platform(session, **{**MOODLE, "auth_login_url": "javascript:alert(1)"})


def test_a_platforms_framing_origins_are_its_issuer_login_and_extra_origins(session):
    platform = register_platform(
        session,
        **{**MOODLE, "issuer": "https://canvas.instructure.com"},
        frame_origins=["https://school.instructure.com"],
    )
    session.commit()

    assert platform_origins(platform) == [
        "https://canvas.instructure.com",
        "https://moodle.example.edu",
        "https://school.instructure.com",
    ]


def test_production_registrations_refuse_plain_http_endpoints(session):
    with pytest.raises(RegistrationError, match="key_set_url must use https"):
        register_platform(
            session,
            **{**MOODLE, "key_set_url": "http://moodle.example.edu/certs.php"},
            require_https=True,
        )


def test_a_registration_token_allows_three_attempts_in_all(session):
    token = create_registration_token(session, timedelta(hours=1))
    session.commit()

    for _attempt in range(3):
        assert consume_registration_token(session, token) is True
        release_registration_token(session, token)

    assert consume_registration_token(session, token) is False


def test_a_registration_token_is_good_once(session):
    token = create_registration_token(session, timedelta(hours=1))
    session.commit()

    assert consume_registration_token(session, token) is True
    assert consume_registration_token(session, token) is False


def test_an_expired_or_unknown_registration_token_is_refused(session):
    expired = create_registration_token(session, timedelta(seconds=-1))
    session.commit()

    assert consume_registration_token(session, expired) is False
    assert consume_registration_token(session, "unknown") is False
    assert consume_registration_token(session, None) is False
