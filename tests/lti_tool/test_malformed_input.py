"""Nothing from outside produces a 5xx (issue 15, finding 4): malformed tokens, claims,
cookies and parameters are refused with a 4xx page, on SQLite and PostgreSQL.

The last tests are property-based: hypothesis throws malformed values at ``/lti/login``,
``/lti/launch`` (raw, and as id_tokens the platform really signs, so that the claim checks
behind the signature are reached too), ``/lti/register``, the token renewal and the pages
that read the launch and CSRF tokens.
"""

from __future__ import annotations

import base64
import json
import secrets

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lti_tool import db
from lti_tool.lti.pylti_glue import state_key
from lti_tool.models import User
from tests.lti_platform import LEARNER, OMIT, launch, start_launch
from tests.lti_platform.claims import CLAIM_CONTEXT, CLAIM_RESOURCE_LINK

from .helpers import launch_token, post_with_token


def b64(value: object) -> str:
    raw = json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def assert_refused(response, status: int, reason: str) -> None:
    assert response.status_code == status, response.text[:400]
    assert reason in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    ("header", "body", "reason"),
    [
        ([1, 2], {"iss": "x"}, "must be JSON objects"),
        ({"alg": "RS256"}, "a string", "must be JSON objects"),
        ({"alg": "RS256"}, {"iss": ["a", "list"], "aud": "c"}, "iss must be"),
        ({"alg": "RS256"}, {"iss": "https://x", "aud": {"an": "object"}}, "aud must be"),
    ],
)
def test_an_id_token_whose_parts_are_not_what_a_jwt_holds_is_refused(
    connected, header, body, reason
):
    attempt = start_launch(connected.platform)

    response = attempt.post(id_token=f"{b64(header)}.{b64(body)}.c2ln")

    assert_refused(response, 400, reason)


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"sub": "s" * 256}, "sub must be at most 255"),
        ({CLAIM_CONTEXT: {"id": "c" * 256}}, "context id must be at most 255"),
        ({CLAIM_RESOURCE_LINK: {"id": "r" * 256}}, "resource_link id must be at most 255"),
        ({CLAIM_RESOURCE_LINK: "not an object"}, "resource_link must be a JSON object"),
        ({"sub": "with\x00nul"}, "sub must be at most 255 printable ASCII"),
        ({"name": ["not", "text"]}, "name must be a string"),
    ],
)
def test_signed_claims_of_the_wrong_type_or_length_are_refused(connected, claims, reason):
    attempt = start_launch(connected.platform, claims=claims)

    assert_refused(attempt.post(), 400, reason)


def test_an_over_long_id_is_refused_every_time_not_accepted_once_then_failing(connected):
    responses = [
        start_launch(connected.platform, claims={"sub": "s" * 300}).post() for _ in range(2)
    ]

    assert [response.status_code for response in responses] == [400, 400]


def test_a_nul_in_a_display_name_is_dropped_and_the_launch_works(connected):
    response = launch(connected.platform, claims={"name": "Lee\x00 Learner"})

    assert response.status_code == 200
    with connected.app.app_context():
        assert db.get_session().scalar(select(User.name)) == "Lee Learner"


@pytest.mark.parametrize(
    ("field", "value"),
    [("state", "st\x00ate"), ("state", "stäte"), ("lti_storage_value", "wert-ä")],
)
def test_launch_parameters_with_nul_or_non_ascii_are_refused(connected, field, value):
    attempt = start_launch(connected.platform)

    response = attempt.post(fields={**attempt.answer.fields, field: value})

    assert_refused(response, 400, f"The parameter {field} has characters")


@pytest.mark.parametrize("name", ["iss", "client_id", "lti_deployment_id"])
def test_login_parameters_with_a_nul_are_refused(connected, client, name):
    params = {**connected.platform.login_initiation_params(), name: "a\x00b"}

    assert_refused(client.post("/lti/login", data=params), 400, f"parameter {name}")


def test_a_non_ascii_state_cookie_is_refused_not_a_crash(connected, client):
    attempt = start_launch(connected.platform)
    state = attempt.state
    client.set_cookie(f"lti1p3-{state}", "wert-äöü", domain="localhost", path="/lti/")

    response = client.post("/lti/launch", data={"id_token": attempt.id_token, "state": state})

    assert 400 <= response.status_code < 500


def test_a_non_ascii_csrf_token_is_refused(connected, client):
    token = launch_token(launch(connected.platform, user=LEARNER).text)

    response = client.post(
        "/discussions/", data={"lti_token": token, "csrf_token": "jeton-ünïcode"}
    )

    assert response.status_code == 403


def test_a_launch_without_a_sub_is_refused(connected):
    attempt = start_launch(connected.platform, claims={"sub": OMIT})

    assert_refused(attempt.post(), 400, "sub must be a non-empty string")


# ---------------------------------------------------------------------------
# Property-based: no 5xx whatever arrives.

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
nasty_text = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300
) | st.sampled_from(["", "\x00", "ä", "a" * 5000, "[1]", "{}", "null", "../../etc/passwd"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | nasty_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(nasty_text, inner, max_size=3),
    max_leaves=8,
)
LOGIN_NAMES = [
    "iss",
    "login_hint",
    "target_link_uri",
    "lti_message_hint",
    "client_id",
    "lti_deployment_id",
    "lti_storage_target",
    "lti1p3_new_window",
]


def no_server_error(response) -> None:
    assert response.status_code < 500, response.text[:400]
    assert "Traceback" not in response.text


@FUZZ
@given(params=st.dictionaries(st.sampled_from(LOGIN_NAMES), nasty_text, max_size=6))
def test_fuzzed_login_initiation_never_fails_with_a_server_error(connected, client, params):
    base = connected.platform.login_initiation_params()
    no_server_error(client.post("/lti/login", data={**base, **params}))
    no_server_error(client.get("/lti/login", query_string=params))


@FUZZ
@given(
    id_token=nasty_text,
    state=nasty_text,
    storage=st.none() | nasty_text,
    cookie=st.none()
    | st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=200),
)
def test_fuzzed_launch_posts_never_fail_with_a_server_error(
    connected, client, id_token, state, storage, cookie
):
    cookie_name_ok = 0 < len(state) < 200 and all(c.isprintable() and c not in ";, " for c in state)
    if cookie is not None and cookie_name_ok:
        client.set_cookie(f"lti1p3-{state}", cookie, domain="localhost", path="/lti/")
    form = {"id_token": id_token, "state": state}
    if storage is not None:
        form["lti_storage_value"] = storage
    no_server_error(client.post("/lti/launch", data=form))


@FUZZ
@given(
    header=st.dictionaries(nasty_text, json_values, max_size=3) | json_values,
    body=st.dictionaries(nasty_text, json_values, max_size=4) | json_values,
)
def test_fuzzed_unsigned_id_token_parts_never_fail_with_a_server_error(
    connected, client, header, body
):
    no_server_error(
        client.post(
            "/lti/launch", data={"id_token": f"{b64(header)}.{b64(body)}.c2ln", "state": "s"}
        )
    )


CLAIM_NAMES = [
    "sub",
    "name",
    "given_name",
    CLAIM_CONTEXT,
    CLAIM_RESOURCE_LINK,
    "https://purl.imsglobal.org/spec/lti/claim/roles",
    "https://purl.imsglobal.org/spec/lti/claim/custom",
    "https://purl.imsglobal.org/spec/lti/claim/deployment_id",
    "https://purl.imsglobal.org/spec/lti/claim/message_type",
    "https://purl.imsglobal.org/spec/lti/claim/target_link_uri",
    "https://purl.imsglobal.org/spec/lti/claim/launch_presentation",
    "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint",
    "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice",
    "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings",
]


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(CLAIM_NAMES), json_values, min_size=1, max_size=3))
def test_fuzzed_signed_claims_never_fail_with_a_server_error(connected, client, changes):
    """Genuinely signed id_tokens with malformed claims, for a state this client holds."""
    nonce = secrets.token_hex(8)
    state = "state-" + secrets.token_hex(8)
    with connected.app.app_context():
        connected.app.extensions["lti_tool.cache"].set(
            state_key(state),
            {"nonce": nonce, "iss": connected.platform.issuer, "client_id": connected.client_id},
            600,
        )
    client.set_cookie(f"lti1p3-{state}", state, domain="localhost", path="/lti/")
    id_token = connected.platform.make_id_token(changes, nonce=nonce)

    no_server_error(client.post("/lti/launch", data={"id_token": id_token, "state": state}))


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["token", "openid_configuration", "registration_token"]), nasty_text
    )
)
def test_fuzzed_registration_requests_never_fail_with_a_server_error(client, params):
    no_server_error(client.get("/lti/register", query_string=params))


@FUZZ
@given(token=nasty_text, csrf=nasty_text, header=st.booleans())
def test_fuzzed_launch_and_csrf_tokens_never_fail_with_a_server_error(client, token, csrf, header):
    if header and token.isascii() and token.isprintable():
        headers = {
            "Authorization": f"Bearer {token}",
            "X-CSRF-Token": csrf if csrf.isascii() else "",
        }
        no_server_error(client.post("/lti/token", headers=headers))
    no_server_error(client.post("/instructor/", data={"lti_token": token, "csrf_token": csrf}))
    no_server_error(client.post("/lti/deep-link", data={"lti_token": token, "csrf_token": csrf}))


def test_a_genuine_token_with_a_fuzzed_csrf_is_a_403_not_a_crash(connected, client):
    token = launch_token(launch(connected.platform).text)

    for csrf in ["", "\x00", "ä" * 64, "a" * 10_000]:
        response = client.post("/discussions/", data={"lti_token": token, "csrf_token": csrf})
        assert response.status_code == 403
    assert post_with_token(client, "/discussions/", token).status_code == 200


def test_an_empty_line_item_url_is_read_as_none_as_moodle_sends_it(connected):
    """Moodle sends ``"lineitem": ""`` once a tool has made the activity's column itself."""
    ags = {
        "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
        "lineitems": connected.platform.url("/ags/course-1/lineitems"),
        "lineitem": "",
    }

    response = launch(
        connected.platform, claims={"https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": ags}
    )

    assert response.status_code == 200
