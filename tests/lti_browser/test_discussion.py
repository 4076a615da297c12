"""A scenario discussion in Chromium, framed cross-site by the platform with third-party cookies
blocked (a fresh browser): the learner's flow by keyboard alone, the usual XSS payloads posted
by a peer and rendered without running, the draft surviving a reload, axe-core clean at 320 px
and 1280 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.lti_platform import INSTRUCTOR, LEARNER, SECOND_LEARNER, launch
from tests.lti_tool.helpers import csrf_token, launch_token
from tests.lti_tool.test_discussion_learner_text import XSS_PAYLOADS

from .axe import assert_accessible
from .profiles import BLOCKED

pytestmark = pytest.mark.browser

SCENARIO = "scenario-kate-susanne-hug"
TOOL_FRAME = "iframe[name=tool_frame]"


@pytest.fixture
def discussion(deployment):
    deployment.platform.resource_link(
        "course-1", "activity-1", custom={"activity": f"scenario:{SCENARIO}"}
    )
    return deployment


def post_over_http(deployment, user, text: str) -> None:
    import re

    import requests

    page = launch(deployment.platform, user=user).text
    discussion = re.search(r'data-discussion="(\d+)"', page).group(1)
    answer = requests.post(
        f"{deployment.tool.url}/discussions/{discussion}/posts",
        data={"lti_token": launch_token(page), "csrf_token": csrf_token(page), "body": text},
    )
    assert answer.status_code == 200


def open_discussion(page, deployment, user=LEARNER):
    page.goto(deployment.platform.course_launch_url("course-1", "activity-1", user=user))
    frame = page.frame_locator(TOOL_FRAME)
    expect(frame.locator("h1")).to_contain_text("Kate and Susanne")
    return frame


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the tool frame's focused element matches ``selector``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        tool = page.frame(name="tool_frame")
        if tool.evaluate(
            "(s) => !!document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_learner_posts_reads_and_replies_by_keyboard_and_no_payload_runs(open_page, discussion):
    post_over_http(discussion, SECOND_LEARNER, "\n\n".join(XSS_PAYLOADS))
    page = open_page(BLOCKED)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    frame = open_discussion(page, discussion)
    expect(frame.locator(".posts")).to_contain_text("1 person has posted.")
    expect(frame.locator(".post")).to_have_count(0)  # post first

    tab_to(page, "#composer-body")
    page.keyboard.type("Kate could say *kindly* what she is comfortable with.")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    expect(frame.locator(".notice")).to_have_text("Your post is published.")
    expect(frame.locator(".post")).to_have_count(2)
    expect(frame.locator(".commentary")).to_contain_text("levels of comfort")
    expect(frame.locator(".post-body em").first).to_have_text("kindly")
    tool = page.frame(name="tool_frame")
    assert tool.evaluate("document.querySelectorAll('script:not([src])').length") == 0
    assert tool.evaluate(
        "[...document.querySelectorAll('.post-body *')].every(e => "
        "![...e.attributes].some(a => a.name.startsWith('on')))"
    )
    assert tool.evaluate(
        "[...document.querySelectorAll('.post-body a')].every(a => "
        "/^https?:/.test(a.href) && a.rel === 'nofollow noopener noreferrer')"
    )
    expect(frame.locator(".post-body img, .post-body iframe, .post-body svg")).to_have_count(0)

    tab_to(page, ".post:not(.own) button.reply")
    page.keyboard.press("Enter")
    expect(frame.locator("h1")).to_have_text("Reply to a post")
    tab_to(page, "#reply-body")
    page.keyboard.type("Thank you for these examples.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expect(frame.locator(".notice")).to_have_text("Your reply is posted.")
    expect(frame.locator(".replies .post-body")).to_have_text("Thank you for these examples.")
    page.wait_for_timeout(300)  # any late handler would have fired by now
    assert dialogs == []


def test_the_draft_survives_a_reload_and_leaves_once_posted(open_page, discussion):
    page = open_page(BLOCKED)
    frame = open_discussion(page, discussion)
    tab_to(page, "#composer-body")
    page.keyboard.type("A thought I have not finished")
    page.wait_for_timeout(700)  # the draft is saved 400 ms after the last keystroke

    frame = open_discussion(page, discussion)  # the LMS page reloaded: a new launch

    expect(frame.locator("#composer-body")).to_have_value("A thought I have not finished")
    tab_to(page, "#composer-body")
    page.keyboard.type(", now finished.")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    expect(frame.locator(".notice")).to_have_text("Your post is published.")

    frame = open_discussion(page, discussion)
    expect(frame.locator("#composer-body")).to_have_value("")


@pytest.mark.parametrize("width", [320, 1280])
@pytest.mark.parametrize("user", [LEARNER, INSTRUCTOR], ids=lambda u: u.id)
def test_the_discussion_is_accessible_at_320_and_1280_px(open_page, discussion, width, user):
    post_over_http(discussion, SECOND_LEARNER, "A *first* thought\n\n- with\n- a list")
    if user is LEARNER:
        post_over_http(discussion, LEARNER, "My thought")
    page = open_page(BLOCKED)
    page.set_viewport_size({"width": width, "height": 900})

    frame = open_discussion(page, discussion, user=user)

    expect(frame.locator(".post").first).to_be_visible()
    frame.locator("details summary").first.focus()
    assert_accessible(page.frame(name="tool_frame"), f"the discussion at {width}px ({user.id})")


def test_with_framed_cookies_blocked_a_canvas_like_platform_storage_launch_reaches_the_discussion(
    open_page, discussion
):
    from .profiles import FRAMED_BLOCKED

    page = open_page(FRAMED_BLOCKED)
    page.goto(
        discussion.platform.course_launch_url(
            "course-1", "activity-1", user=LEARNER, storage="post_message_forwarding"
        )
    )
    frame = page.frame_locator(TOOL_FRAME)
    expect(frame.locator("h1")).to_contain_text("Kate and Susanne")

    tab_to(page, "#composer-body")
    page.keyboard.type("Posted through platform storage.")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    expect(frame.locator(".notice")).to_have_text("Your post is published.")
    expect(frame.locator(".commentary")).to_be_visible()


def test_a_post_sent_right_after_typing_does_not_come_back_as_a_draft(open_page, discussion):
    """The draft is saved 400 ms after the last keystroke: Post pressed sooner must not let
    that save run while the post's answer is on its way (it would store the posted text as
    a draft again, after the post cleared it, and the next visit would show it again)."""
    import time

    page = open_page(BLOCKED)
    frame = open_discussion(page, discussion)

    def slow_answer(route):
        answer = route.fetch()  # the post is stored and the draft cleared
        time.sleep(0.8)  # while the old page is still shown, past the save's 400 ms
        route.fulfill(response=answer)

    page.route("**/discussions/*/posts", slow_answer)
    frame.locator("#composer-body").fill("Posted at once")
    frame.get_by_role("button", name="Post", exact=True).click()
    expect(frame.locator(".notice")).to_have_text("Your post is published.")
    page.unroute("**/discussions/*/posts")
    page.wait_for_timeout(300)  # a save sent late would have arrived by now

    frame = open_discussion(page, discussion)
    expect(frame.locator("#composer-body")).to_have_value("")
