"""The tool's LTI Advantage services (``lti_tool.lti.services``) against the test platform:
access tokens (signed assertion, shared cache, one retry after a 401), NRPS rosters across
pages; and the test platform's AGS rules, which follow Canvas'."""

from __future__ import annotations

import json
import time

import jwt
import pytest
import requests
from sqlalchemy import select

from lti_tool import db
from lti_tool.keys import KeyStore
from lti_tool.lti.services import (
    Member,
    PlatformServices,
    ServiceError,
    is_canvas,
    retry_after_seconds,
    roster,
)
from lti_tool.models import Context, Platform
from tests.lti_platform import INSTRUCTOR, LEARNER, jwks, launch, session_key
from tests.lti_platform.claims import ROLE_LEARNER, SCOPE_NRPS, SCOPE_SCORE, encode

SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"


@pytest.fixture
def course(connected):
    """Course c1, launched once so that the tool knows its service URLs."""
    launch(connected.platform, user=INSTRUCTOR, course_id="c1", resource_link_id="a1")
    return connected


def platform_row(session) -> Platform:
    return session.scalar(select(Platform))


def token_requests(course, scope: str) -> list[dict]:
    return [r for r in course.platform.recorded.token_requests if scope in r.get("scope", "")]


# ----------------------------------------------------------------------------- tokens


def test_the_client_assertion_is_signed_by_the_tools_key_for_the_token_url(course):
    with course.app.app_context():
        session = db.get_session()
        roster(session, session.scalar(select(Context)))
        kid = KeyStore(session).signing_key().kid

    (request,) = token_requests(course, SCOPE_NRPS)
    assertion = request["client_assertion"]
    claims = jwt.decode(assertion, options={"verify_signature": False})
    assert claims["aud"] == course.platform.auth_token_url
    assert claims["iss"] == claims["sub"] == course.client_id
    assert jwt.get_unverified_header(assertion)["kid"] == kid
    assert request["status"] == 200


def test_the_client_assertion_names_the_registered_auth_audience_when_there_is_one(course):
    audience = course.platform.openid_configuration()["authorization_server"]
    with course.app.app_context():
        session = db.get_session()
        platform_row(session).auth_audience = audience
        session.commit()
        roster(session, session.scalar(select(Context)))

    (request,) = token_requests(course, SCOPE_NRPS)
    claims = jwt.decode(request["client_assertion"], options={"verify_signature": False})
    assert claims["aud"] == audience


@pytest.mark.parametrize(
    "lifetime, token_requests_made",
    [(3600, 1), (30, 2)],
    ids=["valid: reused from the shared cache", "about to expire: not cached"],
)
def test_a_token_is_reused_only_while_it_stays_valid_for_the_margin(
    course, lifetime, token_requests_made
):
    course.platform.token_lifetime = lifetime  # the tool's safety margin is 60 s
    with course.app.app_context():
        session = db.get_session()
        context = session.scalar(select(Context))
        roster(session, context)
        roster(session, context)

    assert len(token_requests(course, SCOPE_NRPS)) == token_requests_made


def test_access_tokens_are_kept_under_the_platform_not_a_row_id(course):
    """Two installations (or schemas) sharing one Redis number their platform rows alike:
    a token kept under a row id would be sent, by one, to the other's platform."""
    from lti_tool.lti.services import ToolServiceConnector

    with course.app.app_context():
        session = db.get_session()
        key, cache = KeyStore(session).signing_key(), course.app.extensions["lti_tool.cache"]

        def cache_key(pk: int, issuer: str, client_id: str) -> str:
            row = Platform(id=pk, issuer=issuer, client_id=client_id, auth_token_url="https://t")
            return ToolServiceConnector(row, key, cache, requests.Session())._scope_key(
                [SCOPE_SCORE]
            )

        ours = cache_key(1, "https://lms.example", "tool-a")
        assert cache_key(1, "https://other.example", "tool-b") != ours
        assert cache_key(1, "https://lms.example", "tool-b") != ours
        assert cache_key(7, "https://lms.example", "tool-a") == ours


def test_an_expired_token_is_dropped_and_the_request_tried_once_more(course):
    with course.app.app_context():
        session = db.get_session()
        context = session.scalar(select(Context))
        roster(session, context)
        course.platform.expire_access_tokens()

        members = roster(session, context)

    assert members
    nrps = [r for r in course.platform.recorded.service_requests if r["path"].startswith("/nrps/")]
    assert [r["status"] for r in nrps] == [200, 401, 200]
    assert len(token_requests(course, SCOPE_NRPS)) == 2


def test_a_service_that_refuses_every_token_fails_after_one_retry(course):
    course.platform.token_lifetime = 0  # every token is expired when it is used
    with course.app.app_context():
        session = db.get_session()
        with pytest.raises(ServiceError) as refused:
            roster(session, session.scalar(select(Context)))

    assert refused.value.status == 401
    assert refused.value.transient
    assert str(refused.value) == "roster: HTTP 401 (invalid_token)"
    assert len(token_requests(course, SCOPE_NRPS)) == 2


def test_a_refused_token_request_is_a_short_error_without_the_assertion(course):
    course.platform.tools.clear()  # the platform no longer knows the tool
    with course.app.app_context():
        session = db.get_session()
        with pytest.raises(ServiceError) as refused:
            roster(session, session.scalar(select(Context)))

    assert str(refused.value) == "token request: HTTP 401 (invalid_client)"


# ----------------------------------------------------------------------------- NRPS


def test_the_roster_lists_every_member_across_pages(course):
    with course.app.app_context():
        session = db.get_session()
        context = session.scalar(select(Context))
        context.nrps_url += "?limit=4"
        session.commit()
        members = roster(session, context)

    expected = set(course.platform.course("c1").members)
    assert {member.user_id for member in members} == expected
    assert len(expected) > 4
    pages = [r for r in course.platform.recorded.service_requests if r["path"].startswith("/nrps/")]
    assert len(pages) == 2
    assert pages[0]["accept"] == "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
    lee = next(member for member in members if member.user_id == LEARNER.id)
    assert lee == Member(
        user_id=LEARNER.id, name="Lee Learner", roles=(ROLE_LEARNER,), status="Active"
    )


def test_a_course_without_a_membership_service_has_no_roster(course):
    with course.app.app_context():
        session = db.get_session()
        context = session.scalar(select(Context))
        context.nrps_url = None

        with pytest.raises(ServiceError, match="no membership service"):
            roster(session, context)


# ----------------------------------------------------------------------------- small rules


@pytest.mark.parametrize(
    "issuer, name, canvas",
    [
        ("https://canvas.instructure.com", "", True),
        ("https://lms.example", "Canvas", True),
        ("https://moodle.example", "moodle", False),
    ],
)
def test_canvas_is_recognised_by_its_issuer_or_registered_name(issuer, name, canvas):
    assert is_canvas(Platform(issuer=issuer, name=name)) is canvas


def test_retry_after_is_read_as_seconds_or_as_an_http_date():
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None


def test_services_need_the_app_for_key_and_cache(course):
    with course.app.app_context():
        session = db.get_session()
        services = PlatformServices.of(session, platform_row(session))

    assert services.platform.issuer == course.platform.issuer


# ----------------------------------------------------------------------------- the platform


def post_score(platform, line_item: str, token: str, **score) -> requests.Response:
    body = {
        "userId": LEARNER.id,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": "2026-11-30T10:00:00.000+00:00",
        **score,
    }
    return requests.post(
        line_item + "/scores",
        data=json.dumps(body),
        headers={"Authorization": f"Bearer {token}", "Content-Type": SCORE_MEDIA_TYPE},
        timeout=5,
    )


@pytest.fixture
def graded(lti_platform):
    lti_platform.register_tool(login_url="http://tool/login", redirect_uris="http://tool/launch")
    client_id = lti_platform.tool().client_id
    token = lti_platform.issue_access_token(client_id, [SCOPE_SCORE])["access_token"]
    line_item = lti_platform.resource_link("c1", "a1").line_item_id
    return lti_platform, line_item, token


def test_the_platform_refuses_a_score_older_than_the_result_it_keeps(graded):
    platform, line_item, token = graded
    assert post_score(platform, line_item, token, scoreGiven=7, scoreMaximum=10).ok

    older = post_score(
        platform, line_item, token, scoreGiven=3, scoreMaximum=10, timestamp="2026-11-30T09:00Z"
    )
    same = post_score(platform, line_item, token, scoreGiven=7, scoreMaximum=10)

    assert older.status_code == 400
    assert "before last updated timestamp" in older.json()["error_description"]
    assert same.status_code == 204
    assert platform.result(line_item, LEARNER.id)["scoreGiven"] == 7


@pytest.mark.parametrize(
    "score",
    [
        {"timestamp": "2026-11-30T10:00:00"},
        {"timestamp": "yesterday"},
        {"scoreGiven": 5},
        {"userId": ""},
        {"gradingProgress": "Graded"},
    ],
    ids=["no offset", "not a date", "no scoreMaximum", "no userId", "unknown progress"],
)
def test_the_platform_refuses_an_incomplete_score(graded, score):
    platform, line_item, token = graded

    assert post_score(platform, line_item, token, **score).status_code == 400
    assert platform.result(line_item, LEARNER.id) is None


@pytest.mark.parametrize(
    "score",
    [{"gradingProgress": "Pending", "scoreGiven": 9, "scoreMaximum": 10}, {}],
    ids=["not fully graded", "no scoreGiven"],
)
def test_a_score_that_is_not_a_grade_clears_the_learners_grade(graded, score):
    platform, line_item, token = graded
    post_score(
        platform, line_item, token, scoreGiven=7, scoreMaximum=10, timestamp="2026-11-30T09:00Z"
    )

    assert post_score(platform, line_item, token, **score).status_code == 204
    assert platform.result(line_item, LEARNER.id)["scoreGiven"] is None


def test_each_score_is_a_new_submission_attempt_unless_it_says_otherwise(graded):
    platform, line_item, token = graded
    post_score(platform, line_item, token, timestamp="2026-11-30T09:00Z")
    post_score(platform, line_item, token, timestamp="2026-11-30T09:01Z")
    post_score(
        platform,
        line_item,
        token,
        scoreGiven=9,
        scoreMaximum=10,
        timestamp="2026-11-30T09:02Z",
        **{CANVAS_SUBMISSION: {"new_submission": False}},
    )

    assert platform.result(line_item, LEARNER.id)["submission_attempts"] == 2


def test_scripted_faults_answer_the_next_score_posts_in_order(graded):
    platform, line_item, token = graded
    platform.fail_next_scores(1, status=500)
    platform.fail_next_scores(1, status=429, retry_after=7)
    platform.drop_next_score_connections(1)

    first = post_score(platform, line_item, token)
    second = post_score(platform, line_item, token)
    with pytest.raises(requests.ConnectionError):
        post_score(platform, line_item, token)
    fourth = post_score(platform, line_item, token)

    assert first.status_code == 500
    assert (second.status_code, second.headers["Retry-After"]) == (429, "7")
    assert fourth.status_code == 204
    assert len(platform.scores_for(line_item)) == 1


def test_the_token_endpoint_wants_the_token_url_as_audience_not_the_issuer(lti_platform):
    lti_platform.register_tool(
        login_url="http://tool/login",
        redirect_uris="http://tool/launch",
        client_id="tool-client",
        jwks=jwks(session_key("tool")),
    )
    now = int(time.time())
    claims = {"iss": "tool-client", "sub": "tool-client", "iat": now, "exp": now + 60}
    answers = {}
    audiences = {"issuer": lti_platform.issuer, "token": lti_platform.auth_token_url}
    for name, audience in audiences.items():
        assertion = encode({**claims, "aud": audience, "jti": name}, session_key("tool"))
        answers[name] = requests.post(
            lti_platform.auth_token_url,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion,
                "scope": SCOPE_SCORE,
            },
            timeout=5,
        ).status_code

    assert answers == {"issuer": 401, "token": 200}
