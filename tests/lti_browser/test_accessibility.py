"""Every tool page a person can reach passes axe-core's WCAG 2.1 A and AA rules, framed in the
platform's page the way learners and staff see it, or on its own for administrators' pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.lti_platform import ADMINISTRATOR, INSTRUCTOR, LEARNER

from .axe import assert_accessible
from .profiles import BLOCKED

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("user", [LEARNER, INSTRUCTOR, ADMINISTRATOR], ids=lambda u: u.id)
def test_every_page_linked_from_the_launch_is_accessible_in_the_frame(open_page, deployment, user):
    page = open_page(BLOCKED)
    page.goto(deployment.platform.course_launch_url("course-1", "activity-1", user=user))
    frame = page.frame_locator("iframe[name=tool_frame]")
    expect(frame.locator("#launch-user")).to_have_text(user.name)
    assert_accessible(page.frame(name="tool_frame"), f"the landing page ({user.id})")
    # Each section is a form that posts the launch token: the same menu on every page.
    sections = frame.locator("nav[aria-label=Tool] button")
    names = [sections.nth(i).inner_text() for i in range(sections.count())]
    assert names, "the landing page offers the tool's sections"

    for name in names:
        button = frame.locator("nav[aria-label=Tool]").get_by_role("button", name=name)
        action = button.locator("xpath=ancestor::form").get_attribute("action")
        button.click()
        page.frame(name="tool_frame").wait_for_url("**" + action)  # the POST was answered
        expect(frame.locator("main")).to_be_visible()
        expect(frame.locator(".error-message")).to_have_count(0)
        tool_frame = page.frame(name="tool_frame")
        assert_accessible(tool_frame, f"{name} ({user.id})")


@pytest.mark.parametrize("path", ["/", "/lti/config", "/lti/register"])
def test_the_tools_public_pages_are_accessible(open_page, deployment, path):
    page = open_page(BLOCKED)

    page.goto(deployment.tool.url + path)

    expect(page.locator("main")).to_be_visible()
    assert_accessible(page, path)
