"""A person opens the activity in the platform's page, which frames the tool cross-site
(platform on ``127.0.0.1``, tool on ``localhost``), whatever their browser does with cookies.

The issue's promise: a learner whose browser blocks the tool's cookies in the frame still
reaches the activity, in the frame through LTI Platform Storage where the platform offers it,
or through "open in a new window" where it does not, and never meets a dead end. Every tool
page reached is checked with axe-core for WCAG 2.1 AA.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.lti_platform import INSTRUCTOR, LEARNER

from .axe import assert_accessible
from .profiles import ALLOWED, BLOCKED, FRAMED_BLOCKED

pytestmark = pytest.mark.browser

TOOL_FRAME = "iframe[name=tool_frame]"
STORAGE_TARGETS = (None, "post_message_forwarding", "_parent")


def open_activity(page, deployment, *, user=LEARNER, storage=None):
    url = deployment.platform.course_launch_url(
        "course-1", "activity-1", user=user, storage=storage
    )
    page.goto(url)
    return page.frame_locator(TOOL_FRAME)


def tool_frame(page):
    return page.frame(name="tool_frame")


def storage_messages(page, storage: str) -> list[dict]:
    """The Platform Storage messages the platform's responder answered."""
    responder = page if storage == "_parent" else page.frame(name="post_message_forwarding")
    return responder.evaluate("window.ltiMessages")


@pytest.mark.parametrize("storage", STORAGE_TARGETS, ids=lambda s: f"storage={s}")
@pytest.mark.parametrize("mode", [ALLOWED, BLOCKED])
def test_a_learner_reaches_the_activity_in_the_frame(open_page, deployment, mode, storage):
    page = open_page(mode)

    frame = open_activity(page, deployment, storage=storage)

    expect(frame.locator("#launch-user")).to_have_text("Lee Learner")
    expect(frame.locator("#launch-role")).to_have_text("Learner")
    expect(frame.locator("#launch-activity")).to_have_text("Activity activity-1")
    assert_accessible(tool_frame(page), "the launch landing page")


@pytest.mark.parametrize("storage", ["post_message_forwarding", "_parent"])
def test_with_framed_cookies_blocked_platform_storage_carries_the_launch_in_the_frame(
    open_page, deployment, storage
):
    page = open_page(FRAMED_BLOCKED)

    frame = open_activity(page, deployment, storage=storage)

    expect(frame.locator("#launch-user")).to_have_text("Lee Learner")
    subjects = [message["request"]["subject"] for message in storage_messages(page, storage)]
    assert "lti.put_data" in subjects
    assert "lti.get_data" in subjects
    tool_origin = deployment.tool.url
    assert {message["origin"] for message in storage_messages(page, storage)} == {tool_origin}
    assert all("error" not in message["reply"] for message in storage_messages(page, storage))
    assert_accessible(tool_frame(page), "the landing page after a platform-storage launch")


def test_with_framed_cookies_blocked_and_no_platform_storage_a_new_window_opens_the_activity(
    open_page, deployment
):
    page = open_page(FRAMED_BLOCKED)
    frame = open_activity(page, deployment, storage=None)
    way_out = frame.get_by_role("link", name="Open the activity in a new window")
    expect(way_out).to_be_visible()
    assert_accessible(tool_frame(page), "the page offering a new window")

    with page.expect_popup() as popup_opened:
        way_out.click()
    window = popup_opened.value

    expect(window.locator("#launch-user")).to_have_text("Lee Learner")
    expect(window.locator("#launch-activity")).to_have_text("Activity activity-1")
    assert window.url.startswith(deployment.tool.url)
    assert_accessible(window, "the activity in a new window")


def test_with_framed_cookies_blocked_the_frame_never_shows_the_activity_without_a_launch(
    open_page, deployment
):
    page = open_page(FRAMED_BLOCKED)

    frame = open_activity(page, deployment, storage=None)

    expect(frame.get_by_role("link", name="Open the activity in a new window")).to_be_visible()
    expect(frame.locator("#launch-user")).to_have_count(0)


@pytest.mark.parametrize("mode", [BLOCKED, FRAMED_BLOCKED])
def test_an_instructor_moves_from_the_launch_to_the_instructor_view_inside_the_frame(
    open_page, deployment, mode
):
    page = open_page(mode)
    frame = open_activity(page, deployment, user=INSTRUCTOR, storage="post_message_forwarding")
    expect(frame.locator("#launch-role")).to_have_text("Instructor")

    frame.get_by_role("button", name="Instructor view").click()

    tool_frame(page).wait_for_url("**/instructor/")  # the form's POST has been answered
    expect(frame.locator("main h1")).to_contain_text("Instructor view")
    expect(frame.locator(".error-message")).to_have_count(0)
    assert_accessible(tool_frame(page), "the instructor view")


def test_a_learner_posting_to_an_instructor_page_is_refused_inside_the_frame(open_page, deployment):
    page = open_page(BLOCKED)
    frame = open_activity(page, deployment, user=LEARNER)
    expect(frame.locator("#launch-user")).to_have_text("Lee Learner")

    # The learner's own token and CSRF token, posted to a page their role does not reach.
    tool_frame(page).evaluate(
        """() => {
          const form = document.querySelector("nav form").cloneNode(true);
          form.action = "/instructor/";
          document.body.appendChild(form);
          form.submit();
        }"""
    )

    expect(frame.locator(".error-message")).to_be_visible()
    assert_accessible(tool_frame(page), "the refusal of an instructor page")


def test_an_open_page_renews_its_launch_token_and_keeps_working(open_page, deployment):
    deployment.app.config["LAUNCH_TOKEN_MAX_AGE"] = 15  # renewed every 5 s
    page = open_page(BLOCKED)
    frame = open_activity(page, deployment, user=LEARNER)
    expect(frame.locator("#launch-user")).to_have_text("Lee Learner")
    token_field = frame.locator("nav form input[name=lti_token]").first
    first = token_field.input_value()

    expect(token_field).not_to_have_value(first, timeout=20_000)
    page.wait_for_timeout(12_000)  # the launch's first token has expired by now
    frame.get_by_role("button", name="Discussions").click()

    tool_frame(page).wait_for_url("**/discussions/")
    expect(frame.locator("main h1")).to_have_text("Scenario discussions")
    expect(frame.locator(".error-message")).to_have_count(0)
    assert "lti_token" not in tool_frame(page).url


def test_when_the_platform_frame_never_answers_storage_a_new_window_opens_the_activity(
    open_page, deployment
):
    page = open_page(FRAMED_BLOCKED)
    page.goto(
        deployment.platform.course_launch_url(
            "course-1", "activity-1", storage="post_message_forwarding", storage_silent=True
        )
    )
    frame = page.frame_locator(TOOL_FRAME)
    way_out = frame.get_by_role("link", name="Open the activity in a new window")
    expect(way_out).to_be_visible(timeout=30_000)
    assert_accessible(tool_frame(page), "the page offering a new window after storage failed")

    with page.expect_popup() as popup_opened:
        way_out.click()

    expect(popup_opened.value.locator("#launch-user")).to_have_text("Lee Learner")


def test_a_page_that_outlived_its_session_keeps_the_persons_text_and_says_so(open_page, deployment):
    from lti_tool.security import read_token, revoke_session

    deployment.app.config["LAUNCH_TOKEN_MAX_AGE"] = 6  # renewal every 5 s
    page = open_page(BLOCKED)
    frame = open_activity(page, deployment, user=LEARNER)
    expect(frame.locator("#launch-user")).to_have_text("Lee Learner")
    token = frame.locator("nav form input[name=lti_token]").first.input_value()
    with deployment.app.test_request_context():
        revoke_session(read_token(token).launch_id)  # as if the 8 hours had passed
    page.wait_for_timeout(7_000)  # the page's token has expired and cannot be renewed

    frame.get_by_role("button", name="Discussions").click()

    expect(frame.get_by_role("alert")).to_contain_text("nothing was sent")
    expect(frame.locator("#launch-user")).to_have_text("Lee Learner")  # still the same page
