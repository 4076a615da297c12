"""A launch over real HTTP: login initiation → platform authorization → id_token post."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import requests
from sqlalchemy import select

from lti_tool import db
from lti_tool.models import Context, Membership, ResourceLink, User
from tests.lti_platform import INSTRUCTOR, LEARNER, launch, start_launch
from tests.lti_platform.claims import CLAIM_LAUNCH_PRESENTATION

from .conftest import connect
from .helpers import launch_token, post_with_token


def test_a_learner_lands_on_a_page_naming_who_where_and_what(connected):
    response = launch(connected.platform, user=LEARNER, course_id="c1", resource_link_id="a1")

    assert response.status_code == 200
    page = response.text
    assert 'id="launch-user">Lee Learner<' in page
    assert 'id="launch-role">Learner<' in page
    assert 'id="launch-course">Course c1<' in page
    assert 'id="launch-activity">Activity a1<' in page


def test_an_instructor_is_shown_as_instructor_with_a_link_to_the_instructor_view(connected):
    response = launch(connected.platform, user=INSTRUCTOR)

    assert 'id="launch-role">Instructor<' in response.text
    assert 'action="/instructor/"' in response.text


def test_a_launch_can_be_initiated_by_post_as_well_as_get(connected):
    response = launch(connected.platform, login_method="post")

    assert response.status_code == 200
    assert 'id="launch-user">Lee Learner<' in response.text


def test_a_launch_records_user_course_activity_and_membership(connected):
    launch(connected.platform, user=LEARNER, course_id="c1", resource_link_id="a1")

    with connected.app.app_context():
        session = db.get_session()
        user = session.scalar(select(User))
        assert (user.issuer, user.sub, user.name) == (
            connected.platform.issuer,
            "learner-1",
            "Lee Learner",
        )
        context = session.scalar(select(Context))
        assert (context.context_id, context.title) == ("c1", "Course c1")
        link = session.scalar(select(ResourceLink))
        assert (link.resource_link_id, link.context_pk) == ("a1", context.id)
        membership = session.scalar(select(Membership))
        assert (membership.user_id, membership.role) == (user.id, "learner")


def test_a_launch_records_the_course_services_and_the_links_custom_parameters(connected):
    connected.platform.resource_link(
        "c1", "a1", custom={"activity": "scenario:scenario-john-roofer"}
    )
    launch(connected.platform, user=LEARNER, course_id="c1", resource_link_id="a1")

    with connected.app.app_context():
        session = db.get_session()
        context = session.scalar(select(Context))
        assert context.nrps_url == connected.platform.url("/nrps/c1/memberships")
        assert context.ags_lineitems_url == connected.platform.url("/ags/c1/lineitems")
        assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in context.ags_scopes.split()
        link = session.scalar(select(ResourceLink))
        assert link.ags_lineitem_url == connected.platform.line_item_for("c1", "a1")
        assert json.loads(link.custom) == {"activity": "scenario:scenario-john-roofer"}


def test_two_platforms_using_the_same_ids_never_share_records(app, lti_platform_factory, live_tool):
    first = connect(app, lti_platform_factory(name="Moodle"), live_tool)
    second = connect(app, lti_platform_factory(name="Canvas"), live_tool)

    launch(first.platform, course_id="c1", resource_link_id="a1")
    launch(second.platform, course_id="c1", resource_link_id="a1")

    with app.app_context():
        session = db.get_session()
        assert len(session.scalars(select(User)).all()) == 2
        assert len(session.scalars(select(Context)).all()) == 2
        assert len(session.scalars(select(ResourceLink)).all()) == 2


def test_relaunching_updates_the_same_records(connected):
    launch(connected.platform, course_id="c1", resource_link_id="a1")
    launch(connected.platform, course_id="c1", resource_link_id="a1")

    with connected.app.app_context():
        session = db.get_session()
        assert len(session.scalars(select(User)).all()) == 1
        assert len(session.scalars(select(Membership)).all()) == 1


def test_the_launch_page_allows_framing_by_the_platform_only(connected):
    response = launch(connected.platform)

    csp = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {connected.platform.origin}" in csp
    assert "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_state_cookie_is_samesite_none_secure_partitioned(connected):
    attempt = start_launch(connected.platform)

    cookies = attempt.login_response.raw.headers.getlist("Set-Cookie")
    (state_cookie,) = [c for c in cookies if c.startswith(f"lti1p3-{attempt.state}=")]
    assert "Secure" in state_cookie
    assert "SameSite=None" in state_cookie
    assert "Partitioned" in state_cookie
    assert "HttpOnly" in state_cookie


def test_the_launch_sets_no_cookie_and_expires_the_used_state_cookie(connected):
    attempt = start_launch(connected.platform)
    response = attempt.post()

    cookies = response.raw.headers.getlist("Set-Cookie")
    assert cookies, "the used state cookie is removed"
    for cookie in cookies:
        assert cookie.startswith(f"lti1p3-{attempt.state}")
        assert "Max-Age=0" in cookie or "expires=Thu, 01 Jan 1970" in cookie


def test_many_launches_from_one_browser_leave_no_cookies_behind(connected):
    """Left to expire on their own, state cookies piled up until servers refused the header."""
    browser = requests.Session()
    for _ in range(5):
        assert launch(connected.platform, browser).status_code == 200

    tool_host = urlsplit(connected.tool.url).hostname
    left = [c.name for c in browser.cookies if tool_host in c.domain]
    assert left == []


def test_a_launch_never_teaches_the_tool_to_be_framed_by_another_origin(connected, client, caplog):
    elsewhere = "https://school.example.edu"
    presentation = {"document_target": "iframe", "return_url": elsewhere + "/courses/1"}
    launch(connected.platform, claims={CLAIM_LAUNCH_PRESENTATION: presentation})

    page = launch(connected.platform)

    assert elsewhere not in page.headers["Content-Security-Policy"]
    assert f"lti-tool platform allow-origin --issuer {connected.platform.issuer}" in caplog.text


def test_an_administrator_allows_another_framing_origin_for_one_platform(connected, runner):
    school = "https://school.example.edu"

    result = runner.invoke(
        [
            "platform",
            "allow-origin",
            "--issuer",
            connected.platform.issuer,
            "--client-id",
            connected.client_id,
            school,
        ]
    )

    assert result.exit_code == 0, result.output
    connected.app.extensions["lti_tool.frame_policy"].invalidate()
    csp = launch(connected.platform).headers["Content-Security-Policy"]
    assert school in csp.split("frame-ancestors", 1)[1]


def test_an_instructor_chooses_what_a_plainly_placed_link_opens(connected, client):
    page = launch(connected.platform, user=INSTRUCTOR, resource_link_id="plain").text
    assert "Choose it once" in page
    assert 'value="scenario:scenario-john-roofer"' in page

    chosen = post_with_token(
        client, "/lti/activity", launch_token(page), activity="scenario:scenario-john-roofer"
    )

    assert chosen.status_code == 200
    assert "John" in chosen.text
    with connected.app.app_context():
        link = db.get_session().scalar(select(ResourceLink))
        assert link.activity_key == "scenario:scenario-john-roofer"


def test_a_learner_on_a_link_not_set_up_is_told_so(connected):
    page = launch(connected.platform, user=LEARNER, resource_link_id="plain").text

    assert "Your instructor has not set this activity up yet" in page
    assert "Choose it once" not in page


def test_a_learner_cannot_choose_what_a_link_opens(connected, client):
    token = launch_token(launch(connected.platform, user=LEARNER, resource_link_id="plain").text)

    response = post_with_token(
        client, "/lti/activity", token, activity="scenario:scenario-john-roofer"
    )

    assert response.status_code == 403


def test_a_link_whose_course_names_its_activity_cannot_be_changed_in_the_tool(connected, client):
    connected.platform.resource_link(
        "course-1", "placed", custom={"activity": "scenario:scenario-john-roofer"}
    )
    token = launch_token(
        launch(connected.platform, user=INSTRUCTOR, resource_link_id="placed").text
    )

    response = post_with_token(
        client, "/lti/activity", token, activity="scenario:scenario-rachel-amy-bar"
    )

    assert response.status_code == 409


def test_a_link_names_its_activity_in_its_launch_url_when_it_has_no_custom_parameter(
    connected,
):
    tool = connected.platform.tool()
    url = tool.target_link_uri + "?activity=scenario:scenario-john-roofer"

    page = launch(connected.platform, user=LEARNER, target_link_uri=url)

    assert page.status_code == 200
    assert "John" in page.text
    assert "Choose it once" not in page.text


def test_a_link_naming_a_kind_of_activity_the_tool_lacks_is_refused_clearly(connected):
    tool = connected.platform.tool()
    url = tool.target_link_uri + "?activity=quiz:no-such-quiz"

    page = launch(connected.platform, user=LEARNER, target_link_uri=url)

    assert page.status_code == 404
    assert "This activity is not part of the course" in page.text
