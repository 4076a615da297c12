"""Screenshots of every discussion and assignment page, at a phone's width and a desktop's.

    .venv/bin/python scripts/screenshots.py [FOLDER]      (default /tmp/screens)

For looking at the pages as people see them, which no test does. The script starts the test
LTI platform (``tests/lti_platform``) on 127.0.0.1 and the tool on ``localhost`` (two sites,
as in the browser tests) on a fresh SQLite database in a temporary folder, registers each with
the other, and drives one realistic session in headless Chromium (Debian's ``chromium``, or
``$CHROMIUM``), the tool framed by the platform's activity page:

- a scenario discussion with post first on, named authors: a learner who has not posted yet,
  three learners posting (one previews first), replies, an edit, a report of a safeguarding
  concern; the instructor's view with its settings, the reports, the roster, hiding and
  pinning posts, the earlier versions of an edited post, marking from the roster;
- a second discussion the instructor makes anonymous to peers, seen by a learner and by the
  instructor;
- the essay assignment: a learner's empty page and autosaved draft, another learner's
  attachment, submission and receipt, and their submitted version; the instructor's list of
  submissions with its settings, the marking page with the rubric, a draft marking and its
  release; the learner reading the released mark.

Every page is saved twice, ``NN-name-320.png`` and ``NN-name-1280.png``: the tool's frame is
grown to the height of its page, so each picture is the whole page as the frame shows it.
The pages whose content is wider than the frame (they scroll sideways) are listed at the end,
and the exit status is 1 if there is any. The run takes a minute or two.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import CHROMIUM_FLAGS, chromium_path  # noqa: E402
from tests.lti_platform import INSTRUCTOR, LEARNER, SECOND_LEARNER, Platform, User  # noqa: E402
from tests.lti_platform.claims import ROLE_LEARNER  # noqa: E402
from tests.lti_platform.server import start_server  # noqa: E402

WIDTHS = (320, 1280)
THIRD_LEARNER = User("learner-3", "Kim Carer", "Kim", "Carer", "kim@example.edu", (ROLE_LEARNER,))
COURSE = "course-1"
NAMED, ANONYMOUS, ESSAY = "discussion-hug", "discussion-roofer", "essay"
TOOL = "tool_frame"

POSTS = {
    SECOND_LEARNER: (
        "Boundaries blur because the relationship is **mutual**: we share lived experience, "
        "so it can feel like friendship.\n\nKate could say kindly that she is not "
        "comfortable with hugs, and ask Susanne what she meant."
    ),
    LEARNER: (
        "I think agreeing boundaries at the *first* meeting helps:\n\n"
        "- how we keep in touch\n- what happens in a crisis\n- physical contact\n\n"
        "> phrases like that can mean different things to different people\n\n"
        "Supervision is the place to talk it through: "
        "[a guide to supervision](https://example.org/supervision-guide)"
    ),
    THIRD_LEARNER: (
        "When I was unwell I said things like Susanne did. What helped me was someone "
        "staying calm and asking, not assuming."
    ),
}


class Session:
    """The platform, the tool and one Chromium, and the screenshots taken so far."""

    def __init__(self, folder: Path, stack: ExitStack):
        from playwright.sync_api import sync_playwright

        from lti_tool import create_app, db
        from tests.lti_tool.registering import register_in_tool

        self.folder = folder
        self.count = 0
        self.overflowing: list[str] = []
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="screens-")))
        (work / "files").mkdir()
        self.work = work
        self.app = create_app(
            {
                "LTI_TOOL_ENV": "testing",
                "SECRET_KEY": "screenshots-secret",
                "GRADE_WORKER": "off",
                "DATABASE_URL": f"sqlite:///{work / 'tool.sqlite'}",
                "ASSIGNMENT_FILES_DIR": str(work / "files"),
            }
        )
        logging.getLogger("lti_tool").setLevel(logging.WARNING)  # no access log lines
        with self.app.app_context():
            db.upgrade(db.engine())
        tool = start_server(self.app, host_name="localhost")
        stack.callback(tool.stop)
        self.platform = Platform().start()
        stack.callback(self.platform.stop)
        self.platform.add_user(THIRD_LEARNER)
        self.platform.register_tool_at(tool.url)
        register_in_tool(self.app, self.platform)
        for link, activity in (
            (NAMED, "scenario:scenario-kate-susanne-hug"),
            (ANONYMOUS, "scenario:scenario-john-roofer"),
            (ESSAY, "assignment:recovery-story-essay"),
        ):
            self.platform.resource_link(COURSE, link, custom={"activity": activity})

        executable = chromium_path()
        if executable is None:
            raise SystemExit("chromium is not installed (or set CHROMIUM)")
        playwright = sync_playwright().start()
        stack.callback(playwright.stop)
        self.browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS, headless=True
        )
        stack.callback(self.browser.close)

    def open(self, user: User, link: str):
        """A fresh browser of ``user`` on the activity ``link``: the page, once the tool shows."""
        context = self.browser.new_context(viewport={"width": WIDTHS[-1], "height": 900})
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.goto(self.platform.course_launch_url(COURSE, link, user=user))
        page.frame_locator(f"iframe[name={TOOL}]").locator("main h1").wait_for()
        return page

    def reopen(self, page, user: User, link: str):
        """The activity opened again (the LMS page reloaded), in the same browser."""
        page.goto(self.platform.course_launch_url(COURSE, link, user=user))
        page.frame_locator(f"iframe[name={TOOL}]").locator("main h1").wait_for()
        return page

    def shoot(self, page, name: str) -> None:
        """Save the tool's whole page at each width, and note it if it scrolls sideways."""
        self.count += 1
        frame = page.frame(name=TOOL)
        iframe = page.locator(f"iframe[name={TOOL}]")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            height = self.fit(page, iframe, 200)
            height = self.fit(page, iframe, height)
            # Chromium paints a frame only where it is in the viewport: make room for all of it.
            top = iframe.evaluate("(element) => element.getBoundingClientRect().top")
            page.set_viewport_size({"width": width, "height": int(top + height) + 1})
            wide = frame.evaluate(
                "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
            )
            if wide[0] > wide[1]:
                self.overflowing.append(f"{self.count:02d}-{name} at {width}px: {wide[0]}px wide")
            path = self.folder / f"{self.count:02d}-{name}-{width}.png"
            iframe.screenshot(path=str(path))
        page.set_viewport_size({"width": WIDTHS[-1], "height": 900})
        iframe.evaluate("(element) => { element.style.height = ''; }")

    @staticmethod
    def fit(page, iframe, height: int) -> int:
        """Make the frame ``height`` px tall; the height of its page once it has reflowed.

        The tool is another site, so its frame is laid out in a process of its own: wait
        until it has the frame's new size before measuring.
        """
        iframe.evaluate("(element, h) => { element.style.height = h + 'px'; }", height)
        size = iframe.evaluate("(element) => [element.clientWidth, element.clientHeight]")
        page.frame(name=TOOL).wait_for_function(
            "([w, h]) => window.innerWidth === w && window.innerHeight === h",
            arg=size,
        )
        return page.frame(name=TOOL).evaluate("document.documentElement.scrollHeight")


def tool(page):
    return page.frame_locator(f"iframe[name={TOOL}]")


def click(page, locator) -> None:
    """Press a button of the tool's page and wait for the page it answers with."""
    with page.frame(name=TOOL).expect_navigation():
        locator.click()
    page.frame(name=TOOL).wait_for_load_state()


def post(page, text: str) -> None:
    tool(page).locator("#composer-body").fill(text)
    click(page, tool(page).get_by_role("button", name="Post", exact=True))


def post_button(page, author: str, name: str, index: int = 0):
    """The button ``name`` of the ``index``-th post (not reply of it) written by ``author``."""
    meta = tool(page).locator(".post-meta", has=tool(page).locator(".author", has_text=author))
    post = meta.nth(index).locator("xpath=ancestor::li[contains(@class, 'post')][1]")
    actions = post.locator(":scope > article > .post-actions")
    return actions.get_by_role("button", name=name, exact=True)


def named_discussion(s: Session) -> None:
    kim = s.open(THIRD_LEARNER, NAMED)
    s.shoot(kim, "discussion-learner-before-posting")

    sam = s.open(SECOND_LEARNER, NAMED)
    post(sam, POSTS[SECOND_LEARNER])
    lee = s.open(LEARNER, NAMED)
    post(lee, POSTS[LEARNER])
    s.shoot(lee, "discussion-learner-just-posted")

    tool(kim).locator("#composer-body").fill(POSTS[THIRD_LEARNER])
    click(kim, tool(kim).get_by_role("button", name="Preview"))
    s.shoot(kim, "discussion-learner-preview")
    click(kim, tool(kim).get_by_role("button", name="Post", exact=True))

    sam = s.reopen(sam, SECOND_LEARNER, NAMED)  # Lee's and Kim's posts are in
    click(sam, post_button(sam, "Lee Learner", "Reply"))
    tool(sam).locator("#reply-body").fill("Thank you, Lee. The list is a good place to start.")
    s.shoot(sam, "discussion-reply-form")
    click(sam, tool(sam).get_by_role("button", name="Post reply"))
    s.shoot(sam, "discussion-learner-replied")

    click(lee, post_button(lee, "You", "Edit"))
    tool(lee).locator("#edit-body").fill(POSTS[LEARNER] + "\n\nEdited: and what happens after.")
    s.shoot(lee, "discussion-edit-form")
    click(lee, tool(lee).get_by_role("button", name="Save changes"))
    click(lee, post_button(lee, "You", "Delete"))
    s.shoot(lee, "discussion-delete-confirmation")
    click(lee, tool(lee).get_by_role("button", name="Back to the discussion"))

    kim = s.reopen(kim, THIRD_LEARNER, NAMED)
    click(kim, post_button(kim, "Sam Student", "Report"))
    tool(kim).get_by_label("I am worried about this person").check()
    tool(kim).locator("#report-note").fill("Sam sounded low in class today.")
    s.shoot(kim, "discussion-report-form")
    click(kim, tool(kim).get_by_role("button", name="Send report"))
    s.shoot(kim, "discussion-learner-reported")

    ina = s.open(INSTRUCTOR, NAMED)
    tool(ina).locator(".instructor-panel details").evaluate("(d) => { d.open = true; }")
    s.shoot(ina, "discussion-instructor")
    click(ina, tool(ina).get_by_role("button", name="Reports (1 open)"))
    s.shoot(ina, "discussion-instructor-reports")
    click(ina, tool(ina).get_by_role("button", name="Back to the discussion"))
    click(ina, post_button(ina, "Lee Learner", "Earlier versions"))
    s.shoot(ina, "discussion-instructor-earlier-versions")
    click(ina, tool(ina).get_by_role("button", name="Back to the discussion"))
    click(ina, post_button(ina, "Kim Carer", "Hide"))
    tool(ina).locator("#hide-reason").fill("Shares details of a third person's health.")
    s.shoot(ina, "discussion-instructor-hide-form")
    click(ina, tool(ina).get_by_role("button", name="Hide post"))
    click(ina, post_button(ina, "Lee Learner", "Pin"))
    s.shoot(ina, "discussion-instructor-hid-and-pinned")

    tool(ina).locator(".instructor-panel details").evaluate("(d) => { d.open = true; }")
    tool(ina).locator("#set-grading-mark").check()
    tool(ina).locator("#set-grading-target").fill("10")
    click(ina, tool(ina).get_by_role("button", name="Save settings"))
    click(ina, tool(ina).get_by_role("button", name="Who has posted"))
    s.shoot(ina, "discussion-instructor-roster")
    tool(ina).locator("input[name=mark]").first.fill("8")
    click(ina, tool(ina).get_by_role("button", name="Send mark").first)
    s.shoot(ina, "discussion-instructor-roster-marked")

    kim = s.reopen(kim, THIRD_LEARNER, NAMED)
    s.shoot(kim, "discussion-learner-hidden-post")
    for page in (kim, sam, lee, ina):
        page.context.close()


def anonymous_discussion(s: Session) -> None:
    ina = s.open(INSTRUCTOR, ANONYMOUS)
    tool(ina).locator(".instructor-panel details").evaluate("(d) => { d.open = true; }")
    tool(ina).locator("#set-anonymous").check()
    click(ina, tool(ina).get_by_role("button", name="Save settings"))
    s.shoot(ina, "anonymous-instructor-settings-saved")
    for user in (SECOND_LEARNER, THIRD_LEARNER, LEARNER):
        learner = s.open(user, ANONYMOUS)
        post(learner, POSTS[user])
        if user is LEARNER:
            click(learner, post_button(learner, "Participant", "Reply"))
            tool(learner).locator("#reply-body").fill("Staying calm and asking: yes.")
            click(learner, tool(learner).get_by_role("button", name="Post reply"))
            s.shoot(learner, "anonymous-learner")
        learner.context.close()
    ina = s.open(INSTRUCTOR, ANONYMOUS)
    s.shoot(ina, "anonymous-instructor")
    ina.context.close()


def assignment(s: Session) -> None:
    lee = s.open(LEARNER, ESSAY)
    s.shoot(lee, "assignment-learner-new")
    tool(lee).locator("#essay-body").press_sequentially(
        "My recovery story began when I met a peer worker at the day centre. "
    )
    tool(lee).locator("#essay-status").filter(has_text="Saved at").wait_for()
    s.shoot(lee, "assignment-learner-draft-saved")

    sam = s.open(SECOND_LEARNER, ESSAY)
    pdf = s.work / "my-recovery-timeline.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% a timeline\n%%EOF\n")
    tool(sam).locator("#file-input").set_input_files(str(pdf))
    click(sam, tool(sam).get_by_role("button", name="Attach", exact=True))
    tool(sam).locator("#essay-body").fill(
        "\n\n".join(
            [
                "## My story\n\nFor years I did not talk about my mental health. " * 3,
                "The **recovery approach** says recovery is personal: *hope*, control, "
                "opportunity.",
                "- hope\n- control\n- opportunity",
            ]
        )
    )
    s.shoot(sam, "assignment-learner-attached")
    click(sam, tool(sam).locator("#essay-submit"))
    s.shoot(sam, "assignment-learner-receipt")
    click(sam, tool(sam).get_by_role("button", name="Read version 1"))
    s.shoot(sam, "assignment-learner-version")

    ina = s.open(INSTRUCTOR, ESSAY)
    s.shoot(ina, "assignment-instructor-submissions")
    click(ina, tool(ina).get_by_role("button", name="Open Sam Student's work"))
    s.shoot(ina, "assignment-instructor-marking")
    for criterion, points in (
        ("essay-personal-story", "8"),
        ("essay-recovery-approach", "7"),
        ("essay-peer-support", "7.5"),
    ):
        tool(ina).locator(f"#points-{criterion}").fill(points)
    tool(ina).locator("#feedback").fill("A clear, honest story. Say more about peer support.")
    click(ina, tool(ina).get_by_role("button", name="Save as draft marking"))
    s.shoot(ina, "assignment-instructor-draft-marking")
    tool(ina).locator("#points-essay-format").fill("4")
    click(ina, tool(ina).get_by_role("button", name="Release to the learner and the gradebook"))
    s.shoot(ina, "assignment-instructor-released")
    click(ina, tool(ina).get_by_role("button", name="Back to the submissions"))
    s.shoot(ina, "assignment-instructor-submissions-marked")
    click(ina, tool(ina).get_by_role("button", name="Try the learners' page"))
    s.shoot(ina, "assignment-instructor-learner-page")

    sam = s.reopen(sam, SECOND_LEARNER, ESSAY)
    s.shoot(sam, "assignment-learner-released-mark")
    for page in (lee, sam, ina):
        page.context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default="/tmp/screens", type=Path)
    folder = parser.parse_args().folder
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("[0-9][0-9]-*.png"):
        old.unlink()
    with ExitStack() as stack:
        session = Session(folder, stack)
        named_discussion(session)
        anonymous_discussion(session)
        assignment(session)
    print(f"{session.count} pages, {session.count * len(WIDTHS)} screenshots in {folder}")
    for line in session.overflowing:
        print(f"scrolls sideways: {line}")
    return 1 if session.overflowing else 0


if __name__ == "__main__":
    sys.exit(main())
