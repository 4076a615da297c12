"""The test platform itself behaves like an LTI 1.3 platform: these tests are its specification,
checked with PyJWT and pylti1p3's own tool-side classes."""

from __future__ import annotations

import json
import time
import uuid

import jwt
import pytest
import requests
from flask import Flask, redirect, request
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.dynamic_registration import DynamicRegistration
from pylti1p3.exception import LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.registration import Registration
from pylti1p3.service_connector import ServiceConnector
from werkzeug.wrappers import Response

# Absolute imports: tests/conftest.py loads the fixtures as ``tests.lti_platform``, while pytest
# imports this module as ``lti_platform.test_platform``; one name keeps one copy of each class.
from tests.lti_platform import claims as c
from tests.lti_platform.claims import OMIT, encode, tamper, unverified_claims
from tests.lti_platform.keys import jwks, session_key
from tests.lti_platform.lms import Platform
from tests.lti_platform.model import INSTRUCTOR, LEARNER
from tests.lti_platform.useragent import parse_forms, query_params, start_launch


def jwks_app(*keys):
    """A WSGI app that publishes ``keys`` at any path: a tool's JWKS endpoint. Each key is
    published twice: under its own kid, and under the kid pylti1p3 derives from the key."""
    published = jwks(*keys)["keys"] + [Registration.get_jwk(key.public_pem) for key in keys]
    return Response(json.dumps({"keys": published}), content_type="application/json")


def verify(platform: Platform, token: str, audience: str) -> dict:
    signing_key = jwt.PyJWKClient(platform.key_set_url).get_signing_key_from_jwt(token)
    return jwt.decode(token, signing_key.key, algorithms=["RS256"], audience=audience)


@pytest.fixture
def tool_url(serve_wsgi):
    """A stand-in tool that publishes the ``tool`` key, so the platform can check its JWTs."""
    return serve_wsgi(jwks_app(session_key("tool"))).url


@pytest.fixture
def platform(lti_platform, tool_url):
    lti_platform.register_tool_at(tool_url, client_id="tool-client", deployment_id="dep-1")
    return lti_platform


# ----------------------------------------------------------------------------- keys and tokens


def test_jwks_publishes_the_key_that_verifies_the_platforms_id_tokens(platform):
    token = platform.make_id_token(nonce="n-1")

    claims = verify(platform, token, audience="tool-client")

    assert claims["iss"] == platform.issuer
    assert claims["nonce"] == "n-1"


def test_a_default_id_token_carries_every_claim_of_a_resource_link_launch(platform):
    claims = unverified_claims(platform.make_id_token(user=INSTRUCTOR))

    assert claims[c.CLAIM_MESSAGE_TYPE] == c.RESOURCE_LINK_REQUEST
    assert claims[c.CLAIM_VERSION] == "1.3.0"
    assert claims[c.CLAIM_DEPLOYMENT_ID] == "dep-1"
    assert claims[c.CLAIM_TARGET_LINK_URI].endswith("/lti/launch")
    assert claims[c.CLAIM_RESOURCE_LINK]["id"] == "activity-1"
    assert claims[c.CLAIM_ROLES] == [c.ROLE_INSTRUCTOR]
    assert claims[c.CLAIM_CONTEXT]["id"] == "course-1"
    assert claims["aud"] == claims["azp"] == "tool-client"
    assert claims["sub"] == INSTRUCTOR.id
    assert claims[c.CLAIM_AGS_ENDPOINT]["lineitem"] == platform.line_item_for(
        "course-1", "activity-1"
    )
    assert claims[c.CLAIM_NRPS]["context_memberships_url"].endswith("/nrps/course-1/memberships")


def test_a_deep_linking_request_carries_its_settings_and_no_resource_link(platform):
    claims = unverified_claims(platform.make_id_token(message_type=c.DEEP_LINKING_REQUEST))

    assert claims[c.CLAIM_DL_SETTINGS]["deep_link_return_url"] == platform.url("/deep_links/return")
    assert c.CLAIM_RESOURCE_LINK not in claims


def test_claim_overrides_replace_and_omit_claims(platform):
    claims = unverified_claims(
        platform.make_id_token({"aud": "someone-else", c.CLAIM_TARGET_LINK_URI: OMIT})
    )

    assert claims["aud"] == "someone-else"
    assert c.CLAIM_TARGET_LINK_URI not in claims


def test_a_token_signed_by_the_attacker_key_does_not_verify_against_the_jwks(platform):
    forged = platform.make_id_token(key=session_key("attacker"))

    with pytest.raises(jwt.PyJWKClientError):
        verify(platform, forged, audience="tool-client")


def test_a_forged_token_that_claims_the_platforms_kid_fails_the_signature_check(platform):
    forged = platform.make_id_token(key=session_key("attacker"), kid=platform.signing_key.kid)

    with pytest.raises(jwt.InvalidSignatureError):
        verify(platform, forged, audience="tool-client")


def test_a_tampered_token_keeps_its_signature_but_fails_verification(platform):
    token = tamper(platform.make_id_token(), {"sub": "admin-1"})

    assert unverified_claims(token)["sub"] == "admin-1"
    with pytest.raises(jwt.InvalidSignatureError):
        verify(platform, token, audience="tool-client")


def test_alg_none_makes_an_unsigned_token(platform):
    token = platform.make_id_token(alg="none")

    assert jwt.get_unverified_header(token)["alg"] == "none"
    assert token.endswith(".")
    with pytest.raises(jwt.InvalidAlgorithmError):
        verify(platform, token, audience="tool-client")


def test_alg_hs256_is_an_hmac_keyed_with_the_public_key(platform):
    token = platform.make_id_token(alg="HS256")

    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    with pytest.raises(jwt.InvalidAlgorithmError):
        verify(platform, token, audience="tool-client")


def test_expiry_and_issue_time_can_be_set(platform):
    past = int(time.time()) - 3600
    token = platform.make_id_token(exp=past, iat=past - 60)

    with pytest.raises(jwt.ExpiredSignatureError):
        verify(platform, token, audience="tool-client")


# ----------------------------------------------------------------------------- OIDC


def test_openid_configuration_describes_an_lti_platform(platform):
    config = requests.get(platform.url("/.well-known/openid-configuration"), timeout=5).json()

    assert config["issuer"] == platform.issuer
    assert config["authorization_endpoint"] == platform.auth_login_url
    assert config["token_endpoint"] == platform.auth_token_url
    assert config["jwks_uri"] == platform.key_set_url
    assert config["registration_endpoint"] == platform.url("/register")
    lti = config[c.PLATFORM_CONFIGURATION]
    assert lti["product_family_code"] == "lti-test-platform"
    assert {"type": c.RESOURCE_LINK_REQUEST} in lti["messages_supported"]


def authentication_request(platform: Platform, **changes) -> dict[str, str]:
    login = platform.login_initiation_params()
    params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": "tool-client",
        "redirect_uri": platform.tool().redirect_uris[0],
        "login_hint": login["login_hint"],
        "lti_message_hint": login["lti_message_hint"],
        "state": "state-1",
        "nonce": "nonce-1",
    }
    for name, value in changes.items():
        if value is None:
            params.pop(name)
        else:
            params[name] = value
    return params


def test_authorization_answers_with_a_form_posting_id_token_and_state_to_the_tool(platform):
    params = authentication_request(platform)

    answer = requests.get(platform.auth_login_url, params=params, timeout=5)

    (form,) = parse_forms(answer.text)
    assert answer.status_code == 200
    assert form.action == platform.tool().redirect_uris[0]
    assert set(form.fields) == {"id_token", "state"}
    assert form.state == "state-1"
    assert verify(platform, form.id_token, audience="tool-client")["nonce"] == "nonce-1"
    assert "document.getElementById" in answer.text


def test_authorization_also_accepts_a_post(platform):
    answer = requests.post(platform.auth_login_url, data=authentication_request(platform))

    assert parse_forms(answer.text)[0].id_token


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"response_type": "code"}, "unsupported_response_type"),
        ({"response_mode": "query"}, "invalid_request"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"prompt": "login"}, "invalid_request"),
        ({"nonce": None}, "invalid_request"),
        ({"lti_message_hint": "made-up"}, "invalid_request"),
        ({"login_hint": "admin-1"}, "login_required"),
    ],
    ids=lambda value: str(value),
)
def test_authorization_refuses_a_bad_request_at_the_redirect_uri(platform, change, error):
    answer = requests.get(
        platform.auth_login_url, params=authentication_request(platform, **change), timeout=5
    )

    (form,) = parse_forms(answer.text)
    assert form.error == error
    assert form.id_token is None
    assert form.state == "state-1"


@pytest.mark.parametrize(
    "change",
    [{"client_id": "unknown-client"}, {"redirect_uri": "http://evil.example/steal"}],
    ids=["unknown client", "unregistered redirect_uri"],
)
def test_authorization_never_posts_to_an_unregistered_destination(platform, change):
    answer = requests.get(
        platform.auth_login_url, params=authentication_request(platform, **change), timeout=5
    )

    assert answer.status_code == 400
    assert parse_forms(answer.text) == []


# ----------------------------------------------------------------------------- a whole launch


@pytest.fixture
def standin_tool(lti_platform, serve_wsgi):
    """A minimal tool: state cookie at login, id_token verified against the platform's JWKS."""
    app = Flask("standin")

    @app.route("/lti/login", methods=["GET", "POST"])
    def login():
        params = {**request.args.to_dict(), **request.form.to_dict()}
        state, nonce = uuid.uuid4().hex, uuid.uuid4().hex
        query = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": params["client_id"],
            "redirect_uri": params["target_link_uri"],
            "login_hint": params["login_hint"],
            "lti_message_hint": params["lti_message_hint"],
            "state": state,
            "nonce": nonce,
        }
        answer = redirect(lti_platform.auth_login_url + "?" + requests.compat.urlencode(query))
        answer.set_cookie("state", state)
        return answer

    @app.post("/lti/launch")
    def launch():
        if request.form["state"] != request.cookies.get("state"):
            return "foreign state", 400
        claims = verify(lti_platform, request.form["id_token"], audience="standin")
        return f"{claims['sub']} {claims[c.CLAIM_ROLES][0]}"

    server = serve_wsgi(app)
    lti_platform.register_tool_at(server.url, client_id="standin")
    return server


def test_a_launch_runs_over_http_from_login_initiation_to_the_tool(lti_platform, standin_tool):
    attempt = start_launch(lti_platform, user=INSTRUCTOR)

    answer = attempt.post()

    assert answer.status_code == 200
    assert answer.text == f"{INSTRUCTOR.id} {c.ROLE_INSTRUCTOR}"
    assert attempt.claims["nonce"] == attempt.nonce
    assert lti_platform.recorded.auth_requests[-1]["redirect_uri"] == standin_tool.url + (
        "/lti/launch"
    )


def test_a_launch_attempt_can_post_a_foreign_state(lti_platform, standin_tool):
    answer = start_launch(lti_platform, login_method="post").post(state="foreign")

    assert answer.status_code == 400


def test_the_activity_page_frames_a_login_initiation_form(lti_platform, standin_tool):
    page = requests.get(lti_platform.course_launch_url(user=LEARNER, storage="_parent"))

    (form,) = parse_forms(page.text)
    assert form.action == standin_tool.url + "/lti/login"
    assert form.fields["lti_storage_target"] == "_parent"
    assert form.fields["login_hint"] == LEARNER.id
    assert 'target="tool_frame"' in page.text


def test_login_initiation_url_carries_the_lti_parameters(platform, tool_url):
    params = query_params(platform.login_initiation_url(storage_target="_parent"))

    assert params["iss"] == platform.issuer
    assert params["target_link_uri"] == tool_url + "/lti/launch"
    assert params["client_id"] == "tool-client"
    assert params["lti_deployment_id"] == "dep-1"
    assert params["lti_storage_target"] == "_parent"


# ----------------------------------------------------------------------------- token endpoint


def client_assertion(platform: Platform, **changes) -> str:
    now = int(time.time())
    claims = {
        "iss": "tool-client",
        "sub": "tool-client",
        "aud": platform.auth_token_url,
        "iat": now,
        "exp": now + 60,
        "jti": uuid.uuid4().hex,
    }
    key = changes.pop("key", session_key("tool"))
    return encode(c.apply_overrides(claims, changes), key)


def request_token(platform: Platform, assertion: str, **form) -> requests.Response:
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
        "scope": c.SCOPE_SCORE,
        **form,
    }
    return requests.post(platform.auth_token_url, data=data, timeout=5)


def test_the_token_endpoint_grants_a_token_for_a_client_assertion_signed_by_the_tool(platform):
    answer = request_token(platform, client_assertion(platform))

    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == c.SCOPE_SCORE
    assert body["access_token"]


@pytest.mark.parametrize(
    "changes",
    [
        {"key": session_key("attacker")},
        {"aud": "http://elsewhere.example/token"},
        {"exp": int(time.time()) - 120},
        {"sub": "someone-else"},
        {"iss": "unknown-client", "sub": "unknown-client"},
        {"jti": OMIT},
    ],
    ids=["unknown key", "wrong aud", "expired", "sub not client", "unknown client", "no jti"],
)
def test_the_token_endpoint_rejects_a_bad_client_assertion(platform, changes):
    answer = request_token(platform, client_assertion(platform, **changes))

    assert answer.status_code in (400, 401)
    assert answer.json()["error"] == "invalid_client"
    assert platform.access_tokens == {}


def test_the_token_endpoint_rejects_a_replayed_client_assertion(platform):
    assertion = client_assertion(platform)
    assert request_token(platform, assertion).status_code == 200

    replay = request_token(platform, assertion)

    assert replay.status_code == 401
    assert "replayed" in replay.json()["error_description"]


def test_the_token_endpoint_rejects_other_grant_types(platform):
    answer = request_token(platform, client_assertion(platform), grant_type="password")

    assert answer.json()["error"] == "unsupported_grant_type"


# ----------------------------------------------------------------------------- AGS and NRPS


def pylti1p3_registration(platform: Platform) -> Registration:
    tool_key = session_key("tool")
    return (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id("tool-client")
        .set_auth_token_url(platform.auth_token_url)
        .set_auth_login_url(platform.auth_login_url)
        .set_key_set_url(platform.key_set_url)
        .set_tool_private_key(tool_key.private_pem)
        .set_tool_public_key(tool_key.public_pem)
    )


class CachelessConnector(ServiceConnector):
    def _get_cached_access_token(self, scope_key):
        return None

    def _cache_access_token(self, scope_key, access_token, expires_in):
        pass


def test_pylti1p3_puts_a_grade_and_the_platform_records_it(platform):
    ags_claim = unverified_claims(platform.make_id_token())[c.CLAIM_AGS_ENDPOINT]
    ags = AssignmentsGradesService(CachelessConnector(pylti1p3_registration(platform)), ags_claim)
    grade = (
        Grade()
        .set_user_id(LEARNER.id)
        .set_score_given(7)
        .set_score_maximum(10)
        .set_timestamp("2026-11-26T10:00:00.000Z")
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
    )

    ags.put_grade(grade)

    (score,) = platform.scores_for(ags_claim["lineitem"])
    assert score["userId"] == LEARNER.id
    assert score["scoreGiven"] == 7
    assert platform.recorded.service_requests[-1]["status"] == 204


def test_a_score_without_progress_is_refused(platform):
    token = platform.issue_access_token("tool-client", [c.SCOPE_SCORE])["access_token"]
    line_item = platform.resource_link("course-1", "activity-1").line_item_id

    answer = requests.post(
        line_item + "/scores",
        data=json.dumps({"userId": LEARNER.id, "timestamp": "2026-11-26T10:00:00Z"}),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/vnd.ims.lis.v1.score+json",
        },
        timeout=5,
    )

    assert answer.status_code == 400
    assert "activityProgress" in answer.json()["error_description"]
    assert platform.scores_for(line_item) == []


def test_ags_refuses_a_request_without_a_token_of_the_right_scope(platform):
    line_items = platform.url("/ags/course-1/lineitems")
    nrps_only = platform.issue_access_token("tool-client", [c.SCOPE_NRPS])["access_token"]

    anonymous = requests.get(line_items, timeout=5)
    wrong_scope = requests.get(
        line_items, headers={"Authorization": f"Bearer {nrps_only}"}, timeout=5
    )

    assert anonymous.status_code == 401
    assert wrong_scope.status_code == 403


def test_pylti1p3_creates_and_lists_line_items(platform):
    ags_claim = unverified_claims(platform.make_id_token())[c.CLAIM_AGS_ENDPOINT]
    ags = AssignmentsGradesService(CachelessConnector(pylti1p3_registration(platform)), ags_claim)
    from pylti1p3.lineitem import LineItem

    created = ags.find_or_create_lineitem(
        LineItem().set_label("Essay").set_score_maximum(20).set_tag("essay")
    )

    assert created.get_id().startswith(platform.url("/ags/course-1/lineitems/"))
    labels = {item["label"] for item in ags.get_lineitems()}
    assert labels == {"Activity activity-1", "Essay"}


def test_pylti1p3_reads_every_page_of_the_membership(platform):
    claim = unverified_claims(platform.make_id_token())[c.CLAIM_NRPS]
    url = claim["context_memberships_url"] + "?limit=2"
    nrps = NamesRolesProvisioningService(
        CachelessConnector(pylti1p3_registration(platform)),
        {**claim, "context_memberships_url": url},
    )

    members = nrps.get_members()

    assert {member["user_id"] for member in members} == set(platform.course("course-1").members)
    pages = [r for r in platform.recorded.service_requests if r["path"].startswith("/nrps/")]
    assert len(pages) == 3


def test_a_tool_cannot_read_another_tools_line_items(platform, serve_wsgi):
    other = serve_wsgi(jwks_app(session_key("attacker"))).url
    platform.register_tool_at(other, client_id="other-client")
    token = platform.issue_access_token("other-client", [c.SCOPE_LINEITEM])["access_token"]
    line_item = platform.resource_link("course-1", "activity-1", client_id="tool-client")

    answer = requests.get(
        line_item.line_item_id, headers={"Authorization": f"Bearer {token}"}, timeout=5
    )

    assert answer.status_code == 404


# ----------------------------------------------------------------------------- Deep Linking


def deep_linking_response(platform: Platform, key=None) -> str:
    now = int(time.time())
    claims = {
        "iss": "tool-client",
        "aud": platform.issuer,
        "iat": now,
        "exp": now + 60,
        "nonce": uuid.uuid4().hex,
        c.CLAIM_MESSAGE_TYPE: c.DEEP_LINKING_RESPONSE,
        c.CLAIM_VERSION: "1.3.0",
        c.CLAIM_DEPLOYMENT_ID: "dep-1",
        c.CLAIM_DL_CONTENT_ITEMS: [{"type": "ltiResourceLink", "title": "Scenario 1"}],
    }
    return encode(claims, key or session_key("tool"))


def test_the_deep_linking_return_records_the_items_the_tool_signed(platform):
    answer = requests.post(
        platform.url("/deep_links/return"), data={"JWT": deep_linking_response(platform)}
    )

    assert answer.status_code == 200
    assert "Scenario 1" in answer.text
    assert platform.recorded.deep_link_responses[-1]["content_items"][0]["title"] == "Scenario 1"


def test_the_deep_linking_return_refuses_a_response_signed_by_another_key(platform):
    forged = deep_linking_response(platform, key=session_key("attacker"))

    answer = requests.post(platform.url("/deep_links/return"), data={"JWT": forged})

    assert answer.status_code == 400
    assert "content_items" not in platform.recorded.deep_link_responses[-1]


# ----------------------------------------------------------------------------- Dynamic Registration


class StandinRegistration(DynamicRegistration):
    client_name = "Stand-in tool"

    def __init__(self, initiation_url: str, tool_url: str):
        self.params = query_params(initiation_url)
        self.tool_url = tool_url
        self.completed: dict | None = None

    def get_openid_configuration_endpoint(self):
        return self.params["openid_configuration"]

    def get_registration_token(self):
        return self.params["registration_token"]

    def get_initiate_login_uri(self):
        return self.tool_url + "/lti/login"

    def get_jwks_uri(self):
        return self.tool_url + "/lti/jwks.json"

    def get_redirect_uris(self):
        return [self.tool_url + "/lti/launch"]

    def get_domain(self):
        return self.tool_url.split("//", 1)[1]

    def get_target_link_uri(self):
        return self.tool_url + "/lti/launch"

    def get_logo_uri(self):
        return self.tool_url + "/logo.png"

    def get_scopes(self):
        return [c.SCOPE_SCORE, c.SCOPE_NRPS]

    def complete_registration(self, openid_configuration, openid_registration):
        self.completed = openid_registration
        return openid_registration


def test_pylti1p3_registers_a_tool_through_dynamic_registration(lti_platform, tool_url):
    registration = StandinRegistration(
        lti_platform.dynamic_registration_url(tool_url + "/lti/register"), tool_url
    )

    answer = registration.register()

    client_id = answer["client_id"]
    tool = lti_platform.tool(client_id)
    assert tool.login_url == tool_url + "/lti/login"
    assert tool.jwks_url == tool_url + "/lti/jwks.json"
    assert set(tool.scopes) == {c.SCOPE_SCORE, c.SCOPE_NRPS}
    assert answer[c.TOOL_CONFIGURATION]["deployment_id"] == tool.deployment_id


def test_a_registration_token_works_once(lti_platform, tool_url):
    url = lti_platform.dynamic_registration_url(tool_url + "/lti/register")
    StandinRegistration(url, tool_url).register()

    with pytest.raises(LtiServiceException) as refused:
        StandinRegistration(url, tool_url).register()

    assert refused.value.response.status_code == 401
    assert len(lti_platform.tools) == 1


def test_registration_without_a_token_is_refused(lti_platform, tool_url):
    body = StandinRegistration("http://x/?openid_configuration=x", tool_url)
    answer = requests.post(
        lti_platform.url("/register"), json=body.lti_registration_data(), timeout=5
    )

    assert answer.status_code == 401
    assert lti_platform.tools == {}


def test_registration_of_urls_off_the_tools_domain_is_refused(lti_platform, tool_url):
    url = lti_platform.dynamic_registration_url(tool_url + "/lti/register")
    registration = StandinRegistration(url, tool_url)
    registration.get_jwks_uri = lambda: "http://evil.example/jwks.json"

    with pytest.raises(LtiServiceException) as refused:
        registration.register()

    assert refused.value.response.status_code == 400
    assert "evil.example" in refused.value.response.json()["error_description"]
