"""Every launch the tool must refuse: a clear 4xx page, never a 500, never the tool's content.

Each test runs the real flow over HTTP (login initiation, the platform's authorization,
the form post) and changes one thing an attacker or a broken platform could change.
"""

from __future__ import annotations

import logging
import time

import pytest

from tests.lti_platform import OMIT, session_key, start_launch, tamper
from tests.lti_platform.claims import (
    CLAIM_CONTEXT,
    CLAIM_DEPLOYMENT_ID,
    CLAIM_MESSAGE_TYPE,
    CLAIM_RESOURCE_LINK,
    CLAIM_ROLES,
    CLAIM_TARGET_LINK_URI,
    CLAIM_VERSION,
)

CONTENT_MARKERS = ('id="launch-user"', "lti_token=", "Add an activity")


def assert_refused(response, reason: str, status: int | None = None) -> None:
    assert 400 <= response.status_code < 500, response.status_code
    if status is not None:
        assert response.status_code == status
    assert "Launch refused" in response.text
    assert reason in response.text
    for marker in CONTENT_MARKERS:
        assert marker not in response.text
    assert "Traceback" not in response.text


def forged(attempt, platform, **kwargs):
    """A new id_token for this attempt's login (its nonce), changed as ``kwargs`` say."""
    return platform.make_id_token(nonce=attempt.nonce, **kwargs)


def test_the_genuine_launch_is_accepted(connected):
    attempt = start_launch(connected.platform)

    assert attempt.post().status_code == 200


def test_an_id_token_signed_by_an_unknown_key_is_refused(connected):
    attempt = start_launch(connected.platform)
    token = forged(attempt, connected.platform, key=session_key("attacker"))

    assert_refused(attempt.post(id_token=token), "Unable to find public key", 401)


def test_an_id_token_signed_by_another_key_under_the_platforms_kid_is_refused(connected):
    attempt = start_launch(connected.platform)
    platform_kid = connected.platform.signing_key.kid
    token = forged(attempt, connected.platform, key=session_key("attacker"), kid=platform_kid)

    assert_refused(attempt.post(id_token=token), "Signature verification failed", 401)


def test_a_tampered_id_token_is_refused(connected):
    attempt = start_launch(connected.platform)
    token = tamper(attempt.id_token, {"sub": "instructor-1"})

    assert_refused(attempt.post(id_token=token), "Signature verification failed", 401)


def test_an_unsigned_id_token_with_alg_none_is_refused(connected):
    attempt = start_launch(connected.platform)
    token = forged(attempt, connected.platform, alg="none")

    assert_refused(attempt.post(id_token=token), "Unable to find public key", 401)


def test_an_hmac_id_token_keyed_with_the_public_key_is_refused(connected):
    attempt = start_launch(connected.platform)
    token = forged(attempt, connected.platform, alg="HS256")

    assert_refused(attempt.post(id_token=token), "Unable to find public key", 401)


def test_an_id_token_for_another_audience_is_refused(connected):
    attempt = start_launch(connected.platform)
    token = forged(attempt, connected.platform, claims={"aud": "another-tool", "azp": OMIT})

    assert_refused(attempt.post(id_token=token), "Registration not found", 401)


def test_an_id_token_whose_audience_list_adds_another_tool_without_azp_is_refused(connected):
    attempt = start_launch(connected.platform)
    audience = [connected.client_id, "another-tool"]
    token = forged(attempt, connected.platform, claims={"aud": audience, "azp": OMIT})

    assert_refused(attempt.post(id_token=token), "authorized party", 401)


def test_an_id_token_with_a_wrong_azp_is_refused(connected):
    attempt = start_launch(connected.platform)
    token = forged(attempt, connected.platform, claims={"azp": "another-tool"})

    assert_refused(attempt.post(id_token=token), "Registration not found", 401)


def test_an_id_token_from_another_issuer_is_refused(connected):
    attempt = start_launch(connected.platform)
    token = forged(attempt, connected.platform, claims={"iss": "https://evil.example"})

    assert_refused(attempt.post(id_token=token), "Registration not found", 401)


def test_an_expired_id_token_is_refused(connected):
    attempt = start_launch(connected.platform)
    long_ago = int(time.time()) - 3600
    token = forged(attempt, connected.platform, iat=long_ago - 60, exp=long_ago)

    assert_refused(attempt.post(id_token=token), "expired", 401)


def test_an_id_token_issued_in_the_future_is_refused(connected):
    attempt = start_launch(connected.platform)
    later = int(time.time()) + 3600
    token = forged(attempt, connected.platform, iat=later, exp=later + 300)

    assert_refused(attempt.post(id_token=token), "not yet valid", 401)


def test_an_id_token_replaying_the_nonce_of_an_earlier_launch_is_refused(connected):
    first = start_launch(connected.platform)
    assert first.post().status_code == 200
    second = start_launch(connected.platform, session=first.session)
    token = connected.platform.make_id_token(nonce=first.nonce)

    assert_refused(second.post(id_token=token), "nonce does not belong to this login", 403)


def test_re_posting_the_same_id_token_and_state_is_refused(connected):
    attempt = start_launch(connected.platform)
    assert attempt.post().status_code == 200

    assert_refused(attempt.post(), "already been used", 403)


def test_an_id_token_naming_an_unknown_deployment_is_refused(connected):
    attempt = start_launch(connected.platform)
    token = forged(attempt, connected.platform, claims={CLAIM_DEPLOYMENT_ID: "deployment-x"})

    assert_refused(attempt.post(id_token=token), "deployment-x", 403)


def test_a_launch_without_the_state_cookie_is_refused_with_a_way_out(connected):
    attempt = start_launch(connected.platform)
    attempt.session.cookies.clear()

    response = attempt.post()

    assert_refused(response, "state cookie is missing", 403)
    assert "Open the activity in a new window" in response.text


def test_a_launch_carrying_another_logins_state_is_refused(connected):
    mine = start_launch(connected.platform)
    theirs = start_launch(connected.platform)  # another browser's login

    response = mine.post(id_token=theirs.id_token, state=theirs.state)

    assert_refused(response, "state cookie is missing", 403)


def test_a_launch_with_an_unknown_state_is_refused(connected):
    attempt = start_launch(connected.platform)

    assert_refused(attempt.post(state="state-made-up"), "expired or has already been used", 403)


def test_a_launch_without_id_token_is_refused(connected):
    attempt = start_launch(connected.platform)

    response = attempt.post(fields={"state": attempt.state})

    assert_refused(response, "id_token", 401)


def test_a_launch_with_a_malformed_id_token_is_refused(connected):
    attempt = start_launch(connected.platform)

    assert_refused(attempt.post(id_token="not.a.jwt"), "be decoded", 400)


@pytest.mark.parametrize(
    ("claim", "reason"),
    [
        (CLAIM_TARGET_LINK_URI, "target_link_uri"),
        (CLAIM_MESSAGE_TYPE, "message type"),
        (CLAIM_VERSION, "Incorrect version"),
        (CLAIM_ROLES, "Missing Roles Claim"),
        (CLAIM_RESOURCE_LINK, "Missing Resource Link Id"),
        (CLAIM_DEPLOYMENT_ID, "deployment_id"),
        ("sub", "sub must be a non-empty string"),
        ("nonce", "nonce"),
        ("exp", "exp"),
        ("iat", "iat"),
    ],
)
def test_an_id_token_missing_a_required_claim_is_refused(connected, claim, reason):
    attempt = start_launch(connected.platform)
    token = forged(attempt, connected.platform, claims={claim: OMIT})

    assert_refused(attempt.post(id_token=token), reason)


@pytest.mark.parametrize("context", [{"id": ""}, {"title": "No id"}, "course-1"])
def test_an_id_token_whose_context_has_no_id_is_refused(connected, context):
    """Two courses without ids would share every record of the tool (LTI 1.3 core 5.4.1)."""
    attempt = start_launch(connected.platform)
    token = forged(attempt, connected.platform, claims={CLAIM_CONTEXT: context})

    assert_refused(attempt.post(id_token=token), "context claim has no id", 400)


def test_an_id_token_whose_target_link_uri_is_another_site_is_refused(connected):
    attempt = start_launch(connected.platform)
    token = forged(
        attempt, connected.platform, claims={CLAIM_TARGET_LINK_URI: "https://evil.example/lti"}
    )

    assert_refused(attempt.post(id_token=token), "target_link_uri is not this tool", 400)


@pytest.mark.parametrize("message_type", ["LtiSubmissionReviewRequest", "SomethingElse"])
def test_an_id_token_of_an_unknown_message_type_is_refused(connected, message_type):
    attempt = start_launch(connected.platform)
    token = forged(attempt, connected.platform, claims={CLAIM_MESSAGE_TYPE: message_type})

    assert_refused(attempt.post(id_token=token), "is not supported", 400)


def test_a_login_from_an_unregistered_platform_is_refused(connected, client):
    response = client.get(
        "/lti/login", query_string={"iss": "https://unknown.example", "login_hint": "x"}
    )

    assert response.status_code == 400
    assert "Could not find registration details" in response.text


def test_a_launch_by_get_is_answered_with_405_not_content(client):
    response = client.get("/lti/launch")

    assert response.status_code == 405
    assert "lti_token" not in response.text


def test_the_tool_logs_neither_id_tokens_nor_personal_data(connected, caplog):
    caplog.set_level(logging.DEBUG)
    refused = start_launch(connected.platform)
    refused.post(id_token=tamper(refused.id_token, {"sub": "x"}))
    accepted = start_launch(connected.platform)
    accepted.post()

    tool_log = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith(("lti_tool", "pylti1p3"))
    )
    assert "launch refused" in tool_log
    for secret in (refused.id_token, accepted.id_token, "Lee Learner", "lee@example.edu"):
        assert secret not in tool_log
