"""After the launch: identity from the signed launch token only, permissions declared on
views, CSRF on every form, security headers, and honest error pages."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from lti_tool import db
from lti_tool.models import ResourceLink
from lti_tool.roles import Role
from lti_tool.security import (
    LaunchIdentity,
    csrf_token,
    issue_token,
    read_token,
    revoke_session,
)
from tests.lti_platform import (
    ADMINISTRATOR,
    CONTENT_DEVELOPER,
    INSTRUCTOR,
    LEARNER,
    TEACHING_ASSISTANT,
    launch,
)

from .conftest import connect
from .helpers import launch_token, post_with_token

PROTECTED = [
    ("/discussions/", Role.LEARNER),
    ("/assignments/", Role.LEARNER),
    ("/instructor/", Role.INSTRUCTOR),
    ("/admin/", Role.ADMIN),
]


def token_for(connected, user, **launch_kwargs) -> str:
    response = launch(connected.platform, user=user, **launch_kwargs)
    assert response.status_code == 200
    return launch_token(response.text)


def test_every_view_outside_the_lti_endpoints_declares_a_role(app: Flask):
    public = {"static", "index", "health.healthz"}  # /healthz: for probes, says nothing personal
    for rule in app.url_map.iter_rules():
        if rule.endpoint in public or rule.endpoint.startswith("lti."):
            continue
        view = app.view_functions[rule.endpoint]
        assert hasattr(view, "required_role"), f"{rule.rule} is not protected"


@pytest.mark.parametrize(("path", "role"), PROTECTED)
def test_a_protected_page_without_a_launch_token_is_refused(client, path, role):
    response = client.post(path)

    assert response.status_code == 401
    assert "Open the activity again from your course" in response.text


@pytest.mark.parametrize(("path", "role"), PROTECTED)
def test_a_protected_page_with_a_forged_token_is_refused(client, path, role):
    response = client.post(path, data={"lti_token": "eyJmYWtlIjoxfQ.forged.sig"})

    assert response.status_code == 401


@pytest.mark.parametrize(("path", "role"), PROTECTED)
def test_a_protected_page_with_an_expired_token_is_refused(app, client, path, role):
    identity = LaunchIdentity("launch-x", 1, 1, 1, 1, 1, int(Role.ADMIN), "LtiResourceLinkRequest")
    with app.test_request_context():
        token = issue_token(identity)
    app.config["LAUNCH_TOKEN_MAX_AGE"] = -1

    response = post_with_token(client, path, token)

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("user", "allowed"),
    [
        (LEARNER, {"/discussions/", "/assignments/"}),
        (INSTRUCTOR, {"/discussions/", "/assignments/", "/instructor/"}),
        (TEACHING_ASSISTANT, {"/discussions/", "/assignments/", "/instructor/"}),
        (CONTENT_DEVELOPER, {"/discussions/", "/assignments/", "/instructor/"}),
        (ADMINISTRATOR, {"/discussions/", "/assignments/", "/instructor/", "/admin/"}),
    ],
    ids=lambda value: getattr(value, "id", None),
)
def test_each_role_reaches_exactly_its_pages(connected, client, user, allowed):
    token = token_for(connected, user)

    for path, _role in PROTECTED:
        response = post_with_token(client, path, token)
        assert response.status_code == (200 if path in allowed else 403), path


def test_the_launch_token_also_works_as_a_bearer_header_for_fetch(connected, client):
    token = token_for(connected, INSTRUCTOR)

    response = client.get("/instructor/", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200


def test_the_instructor_view_lists_only_its_own_course(connected, client):
    launch(connected.platform, user=LEARNER, course_id="c1")
    launch(connected.platform, user=LEARNER, course_id="c2")
    launch(connected.platform, user=INSTRUCTOR, course_id="c2")
    token = token_for(connected, INSTRUCTOR, course_id="c1")

    page = post_with_token(client, "/instructor/", token).text

    assert "Lee Learner" in page
    assert "Ina Instructor" in page
    assert page.count("<tr><td>") == 2  # the learner and the instructor of c1 only


def test_nobody_reaches_an_activity_of_another_course(connected, client):
    launch(connected.platform, course_id="c1", resource_link_id="a1")
    token = token_for(connected, LEARNER, course_id="c2", resource_link_id="a2")
    with connected.app.app_context():
        links = {
            link.resource_link_id: link.id
            for link in db.get_session().scalars(select(ResourceLink))
        }

    own = post_with_token(client, f"/discussions/links/{links['a2']}", token)
    other = post_with_token(client, f"/discussions/links/{links['a1']}", token)

    assert own.status_code == 200
    assert other.status_code == 404
    assert "Activity a1" not in other.text


def test_nobody_reaches_an_activity_of_another_platform(
    app, lti_platform_factory, live_tool, client
):
    first = connect(app, lti_platform_factory(), live_tool)
    second = connect(app, lti_platform_factory(), live_tool)
    launch(first.platform, course_id="c1", resource_link_id="a1")
    token = token_for(second, LEARNER, course_id="c1", resource_link_id="a1")
    with app.app_context():
        first_link = (
            db.get_session().scalars(select(ResourceLink).order_by(ResourceLink.id)).first()
        )

    response = post_with_token(client, f"/discussions/links/{first_link.id}", token)

    assert response.status_code == 404


def test_an_administrator_sees_only_their_own_platform(
    app, lti_platform_factory, live_tool, client
):
    first = connect(app, lti_platform_factory(name="First LMS"), live_tool)
    second = connect(app, lti_platform_factory(name="Second LMS"), live_tool)
    token = token_for(second, ADMINISTRATOR)

    page = post_with_token(client, "/admin/", token).text

    assert second.platform.issuer in page
    assert first.platform.issuer not in page


def test_a_form_post_without_the_csrf_token_is_refused(connected, client):
    token = token_for(connected, INSTRUCTOR)

    response = client.post("/lti/deep-link", data={"lti_token": token, "activity": "x"})

    assert response.status_code == 403


def test_a_form_post_with_another_launchs_csrf_token_is_refused(connected, client):
    token = token_for(connected, INSTRUCTOR)
    other = token_for(connected, INSTRUCTOR)
    with connected.app.test_request_context():
        wrong = csrf_token(other)

    response = client.post(
        "/lti/deep-link", data={"lti_token": token, "csrf_token": wrong, "activity": "x"}
    )

    assert response.status_code == 403


def test_pages_send_security_headers_and_no_cookie(client):
    response = client.get("/lti/config")

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in response.headers


def frame_ancestors(response) -> list[str]:
    policy = response.headers["Content-Security-Policy"]
    return policy.split("frame-ancestors", 1)[1].split(";")[0].split()


def test_a_page_after_a_launch_may_be_framed_by_its_own_platform_only(
    app, lti_platform_factory, live_tool, client
):
    first = connect(app, lti_platform_factory(), live_tool)
    second = connect(app, lti_platform_factory(), live_tool)
    token = token_for(second, LEARNER)

    response = post_with_token(client, "/discussions/", token)

    assert frame_ancestors(response) == ["'self'", second.platform.origin]
    assert first.platform.origin not in response.headers["Content-Security-Policy"]


def test_a_page_serving_no_platform_may_be_framed_by_nobody_else(
    app, lti_platform_factory, live_tool, client
):
    connect(app, lti_platform_factory(), live_tool)

    assert frame_ancestors(client.get("/")) == ["'self'"]


def test_the_launch_token_is_never_read_from_the_query_string(connected, client):
    token = token_for(connected, INSTRUCTOR)

    response = client.get("/instructor/", query_string={"lti_token": token})

    assert response.status_code == 401


def test_no_page_puts_the_launch_token_in_a_link(connected, client):
    landing = launch(connected.platform, user=ADMINISTRATOR).text
    token = launch_token(landing)
    pages = [landing] + [post_with_token(client, path, token).text for path, _role in PROTECTED]

    for page in pages:
        assert "lti_token=" not in page
        assert token not in " ".join(re.findall(r'(?:href|action|src)="([^"]*)"', page))


def test_a_token_stops_working_when_its_launch_session_is_revoked(connected, client):
    token = token_for(connected, LEARNER)
    with connected.app.test_request_context():
        launch_id = read_token(token).launch_id
        revoke_session(launch_id)

    assert post_with_token(client, "/discussions/", token).status_code == 401


def test_an_open_page_renews_its_token_for_the_same_launch(connected, client):
    token = token_for(connected, LEARNER)

    renewed = post_with_token(client, "/lti/token", token)

    assert renewed.status_code == 200
    fresh = renewed.json["token"]
    with connected.app.test_request_context():
        assert read_token(fresh) == read_token(token)
    assert post_with_token(client, "/discussions/", fresh).status_code == 200


def test_renewal_needs_the_csrf_token_and_a_live_token(connected, client):
    token = token_for(connected, LEARNER)

    without_csrf = client.post("/lti/token", headers={"Authorization": f"Bearer {token}"})
    forged = client.post("/lti/token", headers={"Authorization": "Bearer forged.token.sig"})

    assert without_csrf.status_code == 403
    assert forged.status_code == 401


def test_an_expired_token_is_not_renewed(connected, client):
    token = token_for(connected, LEARNER)
    connected.app.config["LAUNCH_TOKEN_MAX_AGE"] = -1

    assert post_with_token(client, "/lti/token", token).status_code == 401


def test_a_405_answer_names_the_allowed_methods(client):
    response = client.get("/lti/launch")

    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}


def test_an_unknown_page_is_a_404_page_not_a_traceback(client):
    response = client.get("/no/such/page")

    assert response.status_code == 404
    assert "<main" in response.text
    assert "Traceback" not in response.text


def test_the_logo_may_be_shown_by_platforms_on_their_own_pages(client):
    response = client.get("/static/logo.svg")

    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert client.get("/static/tool.css").headers["Cross-Origin-Resource-Policy"] == "same-site"


def test_a_new_window_after_a_moodle_launch_starts_from_moodles_own_activity_page(app):
    from lti_tool.lti.pylti_glue import new_window_url

    moodle = {
        "iss": "https://moodle.example.edu/lms",
        "login_hint": "2",
        "lti_message_hint": '{"cmid":4,"launchid":"ltilaunch3_123"}',
        "lti1p3_new_window": "1",
    }
    other = {**moodle, "lti_message_hint": "opaque-hint"}

    with app.test_request_context():
        assert new_window_url({"login_params": moodle}) == (
            "https://moodle.example.edu/lms/mod/lti/launch.php?id=4"
        )
        assert new_window_url({"login_params": other}).startswith("/lti/login?")
