"""WCAG 2.1 SC 1.4.10 Reflow (AA): at 320 CSS px wide, every discussion and assignment page,
the learner's and the instructor's, reads without scrolling sideways, and no text field,
menu or button is cut off at the frame's edge.

The tool is framed by the platform's page as a phone shows it: the frame fills a viewport
320 px wide. Each page is reached the way people reach it (launches, then the pages' own
buttons), with realistic content: posts with lists, quotes and a long web address, replies,
an edited post, a report, a roster with marking forms, a submitted essay, a released mark.
Every ``<details>`` is opened before a page is measured, so settings and rubrics count too.
Problems are collected over the whole walk and reported together.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.lti_platform import ADMINISTRATOR, INSTRUCTOR, LEARNER, SECOND_LEARNER

from .profiles import BLOCKED
from .test_discussion import post_over_http

pytestmark = pytest.mark.browser

WIDTH = 320
TOOL = "tool_frame"
LONG_ADDRESS = "https://example.org/peer-support/boundaries/a-guide-for-new-peer-workers-2026"
PEER_POST = (
    "Boundaries blur because the relationship is **mutual**:\n\n"
    "- we share lived experience\n- it can feel like friendship\n\n"
    "> not overly interpret\n\n"
    f"See [the guide]({LONG_ADDRESS}) or paste {LONG_ADDRESS}"
)

#: Everything that overflows on the page, as sentences (the page is the frame's document).
OVERFLOW_SCRIPT = """() => {
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  const root = document.scrollingElement;
  const width = root.clientWidth;
  const found = [];
  if (root.scrollWidth > width) {
    found.push(`the page is ${root.scrollWidth} px wide in ${width} px`);
  }
  const controls = document.querySelectorAll(
    "input:not([type=hidden]), textarea, select, button");
  for (const control of controls) {
    if (!control.getClientRects().length) { continue; }  // not shown
    const box = control.getBoundingClientRect();
    const name = control.id ? `#${control.id}`
      : `${control.tagName.toLowerCase()} "${(control.textContent || "").trim().slice(0, 40)}"`;
    if (box.left < 0 || box.right > width + 0.5) {
      found.push(`${name} spans ${Math.round(box.left)}-${Math.round(box.right)} px`);
    }
    if (control.tagName === "BUTTON" && control.scrollWidth > control.clientWidth + 1) {
      found.push(`${name}'s label is cut off`);
    }
  }
  return found;
}"""


class Walk:
    """One person's pages at 320 px, and what overflowed on each."""

    def __init__(self, open_page, deployment, problems: list[str]):
        self.page = open_page(BLOCKED)
        self.page.set_viewport_size({"width": WIDTH, "height": 640})
        self.deployment = deployment
        self.problems = problems

    @property
    def frame(self):
        return self.page.frame(name=TOOL)

    @property
    def tool(self):
        return self.page.frame_locator(f"iframe[name={TOOL}]")

    def launch(self, user, link: str) -> Walk:
        self.page.goto(self.deployment.platform.course_launch_url("course-1", link, user=user))
        expect(self.tool.locator("main h1")).to_be_visible()
        # As on a phone: the tool's frame is the whole screen, exactly 320 CSS px wide.
        self.page.locator(f"iframe[name={TOOL}]").evaluate(
            "(f) => { f.style.cssText = 'position:fixed;inset:0;width:100%;height:100%;border:0'; }"
        )
        self.frame.wait_for_function(f"window.innerWidth === {WIDTH}")
        return self

    def press(self, locator) -> None:
        """Press a button of the tool's page; wait for the page it answers with."""
        with self.frame.expect_navigation():
            locator.click()
        expect(self.tool.locator("main h1")).to_be_visible()

    def button(self, name: str):
        return self.tool.get_by_role("button", name=name, exact=True)

    def post_button(self, text: str, name: str):
        """The button ``name`` under the post (not its replies) whose text includes ``text``."""
        body = self.tool.locator(".post-body", has_text=text).first
        post = body.locator("xpath=ancestor::li[contains(@class, 'post')][1]")
        return post.locator(":scope > article > .post-actions").get_by_role(
            "button", name=name, exact=True
        )

    def check(self, name: str) -> None:
        for problem in self.frame.evaluate(OVERFLOW_SCRIPT):
            self.problems.append(f"{name}: {problem}")

    def see(self, name: str, locator) -> None:
        """Press ``locator``, then check the page it opens (called ``name``)."""
        self.press(locator)
        self.check(name)


@pytest.fixture
def problems() -> list[str]:
    return []


def test_every_discussion_page_reflows_at_320_px(open_page, deployment, problems):
    deployment.platform.resource_link(
        "course-1", "activity-1", custom={"activity": "scenario:scenario-kate-susanne-hug"}
    )
    post_over_http(deployment, SECOND_LEARNER, PEER_POST)

    lee = Walk(open_page, deployment, problems).launch(LEARNER, "activity-1")
    lee.check("the discussion before posting")
    lee.tool.locator("#composer-body").fill(f"I would agree boundaries early. {LONG_ADDRESS}")
    lee.see("the preview", lee.button("Preview"))
    lee.see("the discussion after posting", lee.button("Post"))
    lee.see("the reply form", lee.post_button("Boundaries blur", "Reply"))
    lee.tool.locator("#reply-body").fill("Thank you, that helps.")
    lee.press(lee.button("Post reply"))
    lee.see("the edit form", lee.post_button("agree boundaries early", "Edit"))
    lee.tool.locator("#edit-body").fill("I would agree boundaries at the first meeting.")
    lee.press(lee.button("Save changes"))
    lee.see("the delete form", lee.post_button("at the first meeting", "Delete"))
    lee.press(lee.button("Back to the discussion"))
    lee.see("the report form", lee.post_button("Boundaries blur", "Report"))
    lee.tool.locator("input[name=reason]").first.check()
    lee.press(lee.button("Send report"))

    ina = Walk(open_page, deployment, problems).launch(INSTRUCTOR, "activity-1")
    ina.check("the instructor's discussion")
    ina.tool.locator("input[name=grading][value=mark]").check()
    ina.tool.locator("input[name=grading_target]").fill("10")
    ina.press(ina.button("Save settings"))
    for name, button in (
        ("the reports", ina.tool.get_by_role("button", name="Reports")),
        ("the roster with its marking forms", ina.button("Who has posted")),
        ("the earlier versions", ina.post_button("at the first meeting", "Earlier versions")),
        ("the hide form", ina.post_button("Boundaries blur", "Hide")),
    ):
        ina.see(name, button)
        ina.press(ina.button("Back to the discussion"))

    assert problems == [], "pages that do not reflow at 320 px:\n" + "\n".join(problems)


def test_every_assignment_page_reflows_at_320_px(open_page, deployment, problems):
    deployment.platform.resource_link(
        "course-1", "essay-1", custom={"activity": "assignment:recovery-story-essay"}
    )
    lee = Walk(open_page, deployment, problems).launch(LEARNER, "essay-1")
    lee.check("the learner's assignment")
    lee.tool.locator("#essay-body").fill(
        f"My recovery story.\n\n- hope\n- control\n\n{LONG_ADDRESS}"
    )
    lee.see("the receipt", lee.tool.locator("#essay-submit"))
    lee.see("a submitted version", lee.button("Read version 1"))

    ina = Walk(open_page, deployment, problems).launch(INSTRUCTOR, "essay-1")
    ina.check("the submissions")
    ina.see("the marking page", ina.button("Open Lee Learner's work"))
    for points in ina.tool.locator("input[type=number]").all():
        points.fill("4")
    ina.tool.locator("#feedback").fill("A clear, honest story.")
    ina.see("the released marking", ina.button("Release to the learner and the gradebook"))
    ina.see("the submissions with a mark", ina.button("Back to the submissions"))
    ina.see("the learner's page as an instructor tries it", ina.button("Try the learners' page"))

    lee.launch(LEARNER, "essay-1")
    lee.check("the released mark")

    ada = Walk(open_page, deployment, problems).launch(ADMINISTRATOR, "essay-1")
    ada.see("the audit log", ada.button("Audit log"))

    assert problems == [], "pages that do not reflow at 320 px:\n" + "\n".join(problems)
