"""An LMS administrator registers the tool through Dynamic Registration in the browser, and an
instructor adds an activity through Deep Linking, both inside the platform's frames."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.lti_platform import INSTRUCTOR, LEARNER
from tests.lti_platform.claims import DEEP_LINKING_REQUEST

from .axe import assert_accessible
from .profiles import BLOCKED

pytestmark = pytest.mark.browser


def registration_url(served_tool) -> str:
    """What ``lti-tool register-url`` prints: a one-time URL under ``/lti/register``."""
    from lti_tool import db
    from lti_tool.registrations import create_registration_token

    with served_tool.app.app_context():
        session = db.get_session()
        token = create_registration_token(session, timedelta(hours=1))
        session.commit()
    return f"{served_tool.server.url}/lti/register?token={token}"


def test_dynamic_registration_in_the_platforms_frame_registers_both_sides(
    open_page, lti_platform, served_tool
):
    page = open_page(BLOCKED)

    page.goto(lti_platform.url("/admin/register?tool_url=" + quote(registration_url(served_tool))))

    registration = page.frame_locator("iframe[name=registration]")
    expect(registration.get_by_role("heading", name="Registration complete")).to_be_visible()
    expect(page.locator("#status")).to_have_text("Registration closed by the tool")
    tool = lti_platform.tool()
    assert tool.login_url == served_tool.server.url + "/lti/login"
    assert tool.registration_request is not None
    assert_accessible(page.frame(name="registration"), "the registration-complete page")

    page.goto(lti_platform.course_launch_url("course-1", "activity-dr", user=LEARNER))
    expect(page.frame_locator("iframe[name=tool_frame]").locator("#launch-user")).to_have_text(
        "Lee Learner"
    )


def test_a_registration_url_cannot_be_used_twice(open_page, lti_platform, served_tool):
    url = quote(registration_url(served_tool))
    page = open_page(BLOCKED)
    page.goto(lti_platform.url("/admin/register?tool_url=" + url))
    expect(page.locator("#status")).to_have_text("Registration closed by the tool")

    page.goto(lti_platform.url("/admin/register?tool_url=" + url))

    registration = page.frame_locator("iframe[name=registration]")
    expect(registration.locator(".error-message")).to_be_visible()
    assert len(lti_platform.tools) == 1
    assert_accessible(page.frame(name="registration"), "the refused registration page")
    # The refusal stays until the administrator has read it, then closes the dialog.
    expect(page.locator("#status")).not_to_have_text("Registration closed by the tool")
    registration.get_by_role("button", name="Close and return to the platform").click()
    expect(page.locator("#status")).to_have_text("Registration closed by the tool")


def test_an_instructor_adds_an_activity_through_deep_linking(open_page, deployment):
    from lti_tool.activities import DISCUSSION_GRADING, Activity

    deployment.app.extensions["lti_tool.activities"] = [
        Activity(
            "scenario:s1",
            "Scenario discussion",
            "Listening without fixing",
            grading_choices=DISCUSSION_GRADING,
            tag="discussion",
        )
    ]
    page = open_page(BLOCKED)
    page.goto(
        deployment.platform.course_launch_url(
            "course-1", "activity-1", user=INSTRUCTOR, message_type=DEEP_LINKING_REQUEST
        )
    )
    frame = page.frame_locator("iframe[name=tool_frame]")
    expect(frame.get_by_role("heading", name="Add an activity to your course")).to_be_visible()
    assert_accessible(page.frame(name="tool_frame"), "the deep-linking selection page")

    frame.get_by_label("Scenario discussion: Listening without fixing").check()
    frame.get_by_text("Grading (optional): not graded unless you choose").click()
    frame.get_by_label("Participation: full marks after this many posts").check()
    frame.get_by_label("Posts needed, or maximum mark").fill("2")
    assert_accessible(page.frame(name="tool_frame"), "the deep-linking page, grading open")
    frame.get_by_role("button", name="Add the chosen activities").click()

    expect(frame.get_by_role("heading", name="Content added")).to_be_visible()
    (response,) = deployment.platform.recorded.deep_link_responses
    (item,) = response["content_items"]
    assert item["title"] == "Listening without fixing"
    assert item["custom"] == {
        "activity": "scenario:s1",
        "grading": "participation",
        "grading_target": "2",
    }
    assert item["lineItem"]["scoreMaximum"] == 2
