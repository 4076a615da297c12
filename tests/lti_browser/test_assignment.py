"""An assignment in Chromium, framed cross-site by the platform with third-party cookies blocked
(a fresh browser): the learner writes, the draft autosaves and survives a reload and a network
drop, they submit by keyboard alone and get a receipt; axe-core clean at 320 px and 1280 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.lti_platform import INSTRUCTOR, LEARNER

from .axe import assert_accessible
from .profiles import ALLOWED, BLOCKED
from .test_discussion import tab_to

pytestmark = pytest.mark.browser

ESSAY = "recovery-story-essay"
TOOL_FRAME = "iframe[name=tool_frame]"


@pytest.fixture
def assignment(deployment):
    deployment.platform.resource_link(
        "course-1", "activity-1", custom={"activity": f"assignment:{ESSAY}"}
    )
    return deployment


def open_assignment(page, deployment, user=LEARNER):
    page.goto(deployment.platform.course_launch_url("course-1", "activity-1", user=user))
    frame = page.frame_locator(TOOL_FRAME)
    expect(frame.locator("h1")).to_contain_text("First assessment task")
    return frame


def test_a_learner_writes_autosaves_reloads_and_submits_by_keyboard(open_page, assignment):
    page = open_page(BLOCKED)
    frame = open_assignment(page, assignment)

    tab_to(page, "#essay-body")
    page.keyboard.type("My recovery story began when I met a peer worker.")
    expect(frame.locator("#word-count")).to_have_text("10 words")
    expect(frame.locator("#essay-status")).to_contain_text("Saved at", timeout=10_000)
    # The same clock as the page the server prints: "Saved at 10:42 UTC".
    expect(frame.locator("#essay-status")).to_have_text(re.compile(r"Saved at \d\d:\d\d UTC"))

    frame = open_assignment(page, assignment)  # the LMS page reloaded: a new launch
    expect(frame.locator("#essay-body")).to_have_value(
        "My recovery story began when I met a peer worker."
    )
    tab_to(page, "#essay-body")
    page.keyboard.press("End")
    page.keyboard.type(" It changed how I saw recovery.")
    tab_to(page, "#essay-submit")
    page.keyboard.press("Enter")

    expect(frame.locator(".notice")).to_contain_text("Submitted: version 1.")
    receipt = frame.locator(".receipt-code").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", receipt)
    expect(frame.locator(".version-list")).to_contain_text(receipt)
    tool = page.frame(name="tool_frame")
    assert tool.evaluate("document.querySelectorAll('script:not([src])').length") == 0
    assert "lti_token" not in tool.url
    page.set_viewport_size({"width": 320, "height": 900})
    assert_accessible(tool, "the page with the receipt at 320px")


def test_a_draft_typed_offline_is_sent_when_the_connection_returns(open_page, assignment):
    page = open_page(BLOCKED)
    frame = open_assignment(page, assignment)
    tab_to(page, "#essay-body")
    page.context.set_offline(True)
    try:
        page.keyboard.type("Written on the train")
        expect(frame.locator("#essay-status")).to_contain_text("no connection", timeout=10_000)
    finally:
        page.context.set_offline(False)

    expect(frame.locator("#essay-status")).to_contain_text("Saved at", timeout=15_000)
    frame = open_assignment(page, assignment)
    expect(frame.locator("#essay-body")).to_have_value("Written on the train")


def test_two_windows_show_a_conflict_instead_of_overwriting(open_page, assignment):
    first = open_page(BLOCKED)
    one = open_assignment(first, assignment)
    second = first.context.new_page()
    two = open_assignment(second, assignment)

    one.locator("#essay-body").fill("Written in window one")
    expect(one.locator("#essay-status")).to_contain_text("Saved at", timeout=10_000)
    two.locator("#essay-body").fill("Written in window two")

    expect(two.locator("#essay-conflict")).to_be_visible(timeout=10_000)
    expect(two.locator("#conflict-text")).to_have_value("Written in window one")
    expect(two.locator("#essay-body")).to_have_value("Written in window two")
    two.locator("#conflict-keep-mine").click()
    expect(two.locator("#essay-status")).to_contain_text("Saved at", timeout=10_000)
    second.close()


@pytest.mark.parametrize("width", [320, 1280])
@pytest.mark.parametrize("user", [LEARNER, INSTRUCTOR], ids=lambda u: u.id)
def test_the_assignment_pages_are_accessible_at_320_and_1280_px(open_page, assignment, width, user):
    page = open_page(BLOCKED)
    page.set_viewport_size({"width": width, "height": 900})

    open_assignment(page, assignment, user=user)

    assert_accessible(page.frame(name="tool_frame"), f"the assignment at {width}px ({user.id})")


def end_every_launch_session(deployment) -> None:
    """As LAUNCH_SESSION_MAX_AGE after the launch, or a revocation: no token works any more."""
    from lti_tool import db
    from lti_tool.models import CacheEntry

    with deployment.app.app_context():
        session = db.get_session()
        session.query(CacheEntry).delete()
        session.commit()


def test_after_the_session_ends_the_text_stays_on_the_page_and_can_be_saved_as_a_file(
    open_page, assignment
):
    page = open_page(BLOCKED)  # the frame gets no storage: only the page holds the text
    frame = open_assignment(page, assignment)
    end_every_launch_session(assignment)

    tab_to(page, "#essay-body")
    page.keyboard.type("Typed after the session ended")
    expect(frame.locator("#essay-status")).to_contain_text("Your session has ended")
    tab_to(page, "#essay-submit")
    page.keyboard.press("Enter")  # held back: its answer would replace the page

    expect(frame.locator("#essay-body")).to_have_value("Typed after the session ended")
    expect(frame.locator("#essay-status")).to_contain_text("Save a copy of your text")
    tab_to(page, "#essay-copy")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    from pathlib import Path

    assert Path(download.value.path()).read_text(encoding="utf-8") == (
        "Typed after the session ended"
    )


def test_where_the_frame_has_storage_text_typed_after_the_session_ended_is_saved_at_the_next_launch(
    open_page, assignment
):
    page = open_page(ALLOWED)
    frame = open_assignment(page, assignment)
    end_every_launch_session(assignment)
    frame.locator("#essay-body").fill("Typed after the session ended")
    expect(frame.locator("#essay-status")).to_contain_text("kept in this browser")

    frame = open_assignment(page, assignment)

    expect(frame.locator("#essay-body")).to_have_value("Typed after the session ended")
    expect(frame.locator("#essay-status")).to_contain_text("Saved at", timeout=10_000)
    frame = open_assignment(page, assignment)
    expect(frame.locator("#essay-body")).to_have_value("Typed after the session ended")


def test_text_typed_just_before_the_tab_closes_is_kept(open_page, assignment):
    page = open_page(BLOCKED)
    open_assignment(page, assignment)
    tab_to(page, "#essay-body")
    page.keyboard.type("Last words before closing")

    page.close(run_before_unload=True)  # before the autosave's pause is over

    again = open_page(BLOCKED)
    frame = open_assignment(again, assignment)
    expect(frame.locator("#essay-body")).to_have_value("Last words before closing")
