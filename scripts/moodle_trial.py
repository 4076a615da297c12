"""A manual trial of the LTI tool in a real Moodle 4.5, played by several people with Chromium.

Not part of the test suite: it drives the lab Moodle of /work/shared/moodle-lab (setup.sh; admin /
Admin#1234) and a tool served separately, and writes screenshots, a step log and the URLs every
browser visited under OUT (default /tmp/moodle-trial).

Prerequisites (see the moodle-lab README):

    source /tmp/moodle-lab/env.sh
    php /work/shared/moodle-lab/lab_users.php PST101 pstudent1,pstudent2,pstudent3 pteacher1
    # the tool, from a snapshot of the repository, in development mode (Moodle is plain HTTP):
    cd SNAPSHOT && PYTHONPATH=SNAPSHOT LTI_TOOL_ENV=development LTI_TOOL_URL=http://localhost:5001 \\
        DATABASE_URL=sqlite:////tmp/moodle-trial/tool.sqlite \\
        .venv/bin/python -c "from lti_tool.cli import main; main()" db upgrade   # then: serve --port 5001

Run (each phase can be rerun alone; state such as activity ids is kept in OUT/state.json):

    .venv/bin/python scripts/moodle_trial.py register --url "$(lti-tool register-url)"
    .venv/bin/python scripts/moodle_trial.py teacher      # deep-linked discussion + plain link
    .venv/bin/python scripts/moodle_trial.py students     # post-first, post, reply, edit, report
    .venv/bin/python scripts/moodle_trial.py moderate     # hide/restore, pin, lock, reports, roster
    .venv/bin/python scripts/moodle_trial.py grades       # Moodle's gradebook as the teacher
    .venv/bin/python scripts/moodle_trial.py blocked      # a learner whose browser blocks framed cookies
    .venv/bin/python scripts/moodle_trial.py expiry --wait 60   # act on a page left open (tool run
                                                                # with LAUNCH_TOKEN_MAX_AGE=30)
    .venv/bin/python scripts/moodle_trial.py urls         # any visited URL carrying lti_token=?

Environment: MOODLE_URL (http://127.0.0.1:8088), TOOL_URL (http://localhost:5001), COURSE
(PST101), CHROMIUM (/usr/bin/chromium), OUT (/tmp/moodle-trial). Every step prints
``STEP <name>: ok|FAIL|NOTE <detail>``; OUT/steps.log keeps them all.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import traceback
from contextlib import contextmanager, suppress
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.browser import CHROMIUM_FLAGS as FLAGS  # noqa: E402  (the flags this machine needs)

MOODLE = os.environ.get("MOODLE_URL", "http://127.0.0.1:8088").rstrip("/")
TOOL = os.environ.get("TOOL_URL", "http://localhost:5001").rstrip("/")
COURSE = os.environ.get("COURSE", "PST101")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
OUT = Path(os.environ.get("OUT", "/tmp/moodle-trial"))
PEOPLE = {
    "admin": "Admin#1234",
    "pteacher1": "Pteacher#1234",
    "pstudent1": "Pstudent#1234",
    "pstudent2": "Pstudent#1234",
    "pstudent3": "Pstudent#1234",
}
TOOL_NAME = "Peer Support Training"
DISCUSSION_NAME = "Trial: scenario discussion"
PLAIN_NAME = "Trial: plain tool link"

STATE_FILE = OUT / "state.json"


def load_state() -> dict:
    return json.loads(STATE_FILE.read_text()) if STATE_FILE.exists() else {}


def save_state(state: dict) -> None:
    STATE_FILE.write_text(json.dumps(state, indent=2))


def step(name: str, outcome: str, detail: str = "") -> None:
    line = f"STEP {name}: {outcome} {detail}".rstrip()
    print(line, flush=True)
    with open(OUT / "steps.log", "a") as log:
        log.write(time.strftime("%H:%M:%S ") + line + "\n")


class Trial:
    """One Chromium, one context per person; every request's URL is recorded."""

    def __init__(self, playwright, extra_args: tuple[str, ...] = ()):
        self.playwright = playwright
        self.browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*FLAGS, *extra_args], headless=True
        )
        self.contexts: dict[str, object] = {}
        self.urls: list[str] = []

    def person(self, who: str, *, profile_dir: Path | None = None, playwright=None):
        if who in self.contexts:
            return self.contexts[who]
        if profile_dir is not None:
            context = playwright.chromium.launch_persistent_context(
                str(profile_dir),
                executable_path=CHROMIUM,
                args=FLAGS,
                headless=True,
                viewport={"width": 1500, "height": 1000},
            )
        else:
            context = self.browser.new_context(viewport={"width": 1500, "height": 1000})
        context.set_default_timeout(20_000)
        context.on(
            "request", lambda request: self.urls.append(f"{who} {request.method} {request.url}")
        )
        self.contexts[who] = context
        return context

    def login(self, who: str, **kwargs):
        known = who in self.contexts
        context = self.person(who, **kwargs)
        page = context.pages[0] if context.pages else context.new_page()
        if known:
            page.goto(f"{MOODLE}/my/")
            if "login/index.php" not in page.url:
                return page  # still logged in
        for attempt_number in range(6):
            # the lab Moodle often answers a fresh browser's first logins with "Invalid login"
            page.wait_for_timeout(700 * attempt_number)
            page.goto(f"{MOODLE}/login/index.php")
            if not page.locator("#username").count():
                break
            page.fill("#username", who)
            page.fill("#password", PEOPLE[who])
            with page.expect_navigation():
                page.click("#loginbtn")
            page.wait_for_load_state()
            if "login/index.php" not in page.url:
                break
            step(f"login.{who}", "NOTE", "Moodle said: " + visible_text(page)[:80])
        if "login/index.php" in page.url:
            shot(page, f"FAIL-login-{who}")
            raise RuntimeError(f"{who} could not log in: {page.url}")
        return page

    def close(self) -> None:
        with open(OUT / "urls.log", "a") as log:
            for url in self.urls:
                log.write(url + "\n")
        for context in self.contexts.values():
            context.close()
        self.browser.close()


def shot(page, name: str) -> str:
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return str(path)


class Skip(Exception):
    """Nothing (more) to do in this step."""


@contextmanager
def attempt(name: str, page=None):
    """Run one step; a failure is recorded (with a screenshot) and the trial goes on."""
    try:
        yield
    except Skip:
        pass
    except Exception as error:  # noqa: BLE001 (a trial reports every failure and continues)
        detail = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        if page is not None:
            with suppress(Exception):
                detail += f" [screenshot {shot(page, 'FAIL-' + name)}; url {page.url}]"
        step(name, "FAIL", detail)
        traceback.print_exc(file=sys.stderr)


def tool_frame(page, timeout: float = 30_000):
    """The tool's iframe inside a Moodle page (Moodle's ``contentframe`` for Embed)."""
    deadline = time.time() + timeout / 1000
    while time.time() < deadline:
        if page.url.startswith(TOOL):  # the tool in a window of its own
            page.wait_for_load_state("domcontentloaded")
            return page.main_frame
        for frame in page.frames:
            if frame.url.startswith(TOOL) and frame is not page.main_frame:
                try:
                    frame.wait_for_load_state("domcontentloaded", timeout=5_000)
                except Exception:  # noqa: BLE001
                    continue
                return frame
        page.wait_for_timeout(300)
    raise TimeoutError(f"no frame of {TOOL} in {page.url}: {[f.url for f in page.frames]}")


def visible_text(frame) -> str:
    return re.sub(r"\s+", " ", frame.locator("body").inner_text())


# --- 1. Administrator: Dynamic Registration -------------------------------------------------


def phase_register(trial: Trial, state: dict, url: str, hold: str = "") -> None:
    """Paste the URL in Manage tools, watch the dialog, activate the pending tool.

    ``hold``: "hold" keeps the tool's registered.js from running (it closes Moodle's dialog
    at once), so the dialog can be photographed with what the tool says in it.
    """
    context = trial.person("admin")
    seen = []  # the tool's registration page, as served

    def keep(response):
        if "/lti/register" in response.url and response.request.method == "GET":
            seen.append((response.status, response.text()))

    context.on("response", keep)
    if hold:
        context.route("**/static/registered.js", lambda route: route.abort())
    page = trial.login("admin")
    page.goto(f"{MOODLE}/mod/lti/toolconfigure.php")
    with attempt("register.paste-url", page):
        page.fill("#tool-url", url)
        page.click("#tool-create-button")
        page.wait_for_timeout(4000)
        # Moodle asks "update or register new" when a tool of the same domain exists
        question = [f for f in page.frames if "existing tools" in (f.content() if f.url else "")]
        choice = os.environ.get("TRIAL_REGISTER_CHOICE", "Update")
        for frame in question:
            step("register.moodle-asks", "NOTE", f"Moodle asks update/new; choosing {choice!r}")
            frame.get_by_role("button", name=choice).first.click()
            page.wait_for_timeout(4000)
        path = shot(page, "01-registration-dialog")
        frames = [f for f in page.frames if f.url.startswith(TOOL)]
        text = visible_text(frames[0]) if frames else "(the dialog is closed)"
        step("register.dialog", "NOTE", f"tool frame now: {text[:300]!r} [{path}]")
        for status, html in seen:
            step(
                "register.tool-page",
                "ok" if status == 200 and "Registration complete" in html else "FAIL",
                f"HTTP {status}; 'Registration complete' in the page: {'Registration complete' in html}",
            )
        if hold and frames:
            # what registered.js does: tell Moodle the registration is complete
            frames[0].evaluate(
                "() => window.parent.postMessage({subject: 'org.imsglobal.lti.close'}, '*')"
            )
            page.wait_for_timeout(3000)
        shot(page, "01b-after-registration")
    with attempt("register.activate", page):
        page.goto(f"{MOODLE}/mod/lti/toolconfigure.php")
        page.wait_for_load_state("networkidle")
        cards = page.locator(".tool-card", has=page.get_by_text(TOOL_NAME, exact=True))
        step("register.cards", "NOTE", f"{cards.count()} card(s) named {TOOL_NAME!r}")
        shot(page, "02-manage-tools-pending")
        activate = page.locator(".tool-card", has_text=TOOL_NAME).get_by_role(
            "button", name=re.compile("Activate", re.I)
        )
        if activate.count() == 0:
            activate = page.locator("[data-action='activate'], .activate")
        if activate.count() and not os.environ.get("TRIAL_NO_ACTIVATE"):
            activate.first.click()
            page.wait_for_timeout(2500)
            page.goto(f"{MOODLE}/mod/lti/toolconfigure.php")
            page.wait_for_load_state("networkidle")
            step("register.activate", "ok", f"[{shot(page, '03-manage-tools-active')}]")
        else:
            step("register.activate", "NOTE", "no pending tool to activate")


# --- 3. Teacher: activities ----------------------------------------------------------------


def course_id(page) -> int:
    page.goto(f"{MOODLE}/course/search.php?search={COURSE}")
    link = page.locator("a[href*='course/view.php?id=']", has_text=COURSE).first
    return int(re.search(r"id=(\d+)", link.get_attribute("href")).group(1))


def tool_type_id(page, cid: int) -> int:
    page.goto(f"{MOODLE}/mod/lti/coursetools.php?id={cid}")
    row = page.locator("tr", has_text=TOOL_NAME).first
    return int(row.locator("[data-action='showinactivitychooser-toggle']").get_attribute("data-id"))


def add_deep_linked(
    page,
    state: dict,
    name: str,
    activity_value: str,
    label: str,
    accept_grades: bool = False,
    grading: tuple[str, str] | None = None,
) -> None:
    """modedit → Select content → choose one activity in the tool (graded as ``grading``,
    ``(mode, target)``, if given) → Save and return."""
    cid, typeid = state["course"], state["typeid"]
    page.goto(
        f"{MOODLE}/course/modedit.php?add=lti&typeid={typeid}&course={cid}&section=1&return=0"
    )
    page.click("#id_selectcontent")
    frame = tool_frame(page)
    frame.locator(f"input[name='activity'][value='{activity_value}']").wait_for()
    shot(page, f"05-{label}-deep-link-choices")
    frame.locator(f"input[name='activity'][value='{activity_value}']").check()
    if grading is not None:
        choice = frame.locator("div.choice", has=frame.locator(f"input[value='{activity_value}']"))
        choice.locator("summary").click()
        choice.locator(f"input[type=radio][value='{grading[0]}']").check()
        choice.locator("input[type=number]").fill(grading[1])
        shot(page, f"05-{label}-deep-link-grading")
    frame.get_by_role("button", name=re.compile("Add the chosen", re.I)).click()
    # Moodle's contentitem_return closes the dialog and fills the form.
    page.wait_for_function(
        "() => document.querySelector('#id_name') && document.querySelector('#id_name').value !== ''",
        timeout=30_000,
    )
    chosen = page.input_value("#id_name")
    step(f"teacher.{label}.deep-link-returned", "ok", f"Moodle filled the name {chosen!r}")
    page.fill("#id_name", name)
    if accept_grades and page.locator("#id_instructorchoiceacceptgrades").count():
        page.locator(".collapseexpand").first.click()  # "Expand all": the Grade section
        page.wait_for_timeout(500)
        page.locator("#id_instructorchoiceacceptgrades").check()
    grade_fields = {
        sel: page.locator(sel).count()
        for sel in (
            "#id_instructorchoiceacceptgrades",
            "#id_grade_modgrade_type",
            "#id_grade_modgrade_point",
        )
    }
    if grading is not None:
        # What Moodle made of the link's lineItem (hidden fields when it came by deep linking).
        grade_fields["values"] = page.evaluate(
            """() => Object.fromEntries([...document.querySelectorAll(
                "[name='instructorchoiceacceptgrades'], [name='grade[modgrade_type]'],"
                + " [name='grade[modgrade_point]'], [name='lineitemresourceid'],"
                + " [name='lineitemtag']")].map(e => [e.name,
                e.type === 'checkbox' ? e.checked : e.value]))"""
        )
    step(f"teacher.{label}.grade-fields", "NOTE", json.dumps(grade_fields))
    shot(page, f"06-{label}-form-filled")
    page.click("#id_submitbutton2")
    page.wait_for_load_state()
    if "modedit.php" in page.url:
        raise RuntimeError("form not saved: " + visible_text(page)[:300])
    link = page.locator("a[href*='mod/lti/view.php']", has_text=name).first
    state[label] = int(re.search(r"id=(\d+)", link.get_attribute("href")).group(1))
    step(f"teacher.{label}.saved", "ok", f"cmid {state[label]}")


def phase_teacher(trial: Trial, state: dict) -> None:
    page = trial.login("pteacher1")
    with attempt("teacher.course-tool-visible", page):
        state["course"] = course_id(page)
        state["typeid"] = tool_type_id(page, state["course"])
        # Moodle 4.5: a site tool registered dynamically is "preconfigured"; adding an activity
        # needs the tool's typeid (the activity chooser lists it once shown there).
        toggle = page.locator(f"#showinactivitychooser-toggle-{state['typeid']}")
        if not toggle.is_checked():
            toggle.check(force=True)
            page.wait_for_timeout(1500)
        path = shot(page, "04-coursetools")
        step(
            "teacher.course-tool-visible",
            "ok",
            f"course {state['course']}, typeid {state['typeid']} [{path}]",
        )
        save_state(state)
    with attempt("teacher.discussion", page):
        add_deep_linked(page, state, DISCUSSION_NAME, "scenario:scenario-john-roofer", "discussion")
        save_state(state)
    with attempt("teacher.assignment", page):
        add_deep_linked(
            page,
            state,
            "Trial: first assessment task",
            "assignment:recovery-story-essay",
            "assignment",
        )
        save_state(state)
    with attempt("teacher.plain", page):
        cid, typeid = state["course"], state["typeid"]
        page.goto(
            f"{MOODLE}/course/modedit.php?add=lti&typeid={typeid}&course={cid}&section=1&return=0"
        )
        page.fill("#id_name", PLAIN_NAME)
        page.click("#id_submitbutton2")
        page.wait_for_load_state()
        link = page.locator("a[href*='mod/lti/view.php']", has_text=PLAIN_NAME).first
        state["plain"] = int(re.search(r"id=(\d+)", link.get_attribute("href")).group(1))
        save_state(state)
        step("teacher.plain.saved", "ok", f"cmid {state['plain']}")
    with attempt("teacher.plain.launch", page):
        page.goto(f"{MOODLE}/mod/lti/view.php?id={state['plain']}")
        frame = tool_frame(page)
        page.wait_for_timeout(1500)
        frame = tool_frame(page)
        text = visible_text(frame)
        path = shot(page, "07-plain-link-teacher")
        step("teacher.plain.launch", "ok", f"tool says: {text[:400]!r} [{path}]")
    with attempt("teacher.assignment.launch", page):
        page.goto(f"{MOODLE}/mod/lti/view.php?id={state['assignment']}")
        frame = tool_frame(page)
        page.wait_for_timeout(1500)
        frame = tool_frame(page)
        path = shot(page, "08-assignment-teacher")
        step(
            "teacher.assignment.launch",
            "NOTE",
            f"tool says: {visible_text(frame)[:400]!r} [{path}]",
        )
    with attempt("teacher.discussion.launch", page):
        page.goto(f"{MOODLE}/mod/lti/view.php?id={state['discussion']}")
        frame = tool_frame(page)
        page.wait_for_timeout(1500)
        frame = tool_frame(page)
        path = shot(page, "09-discussion-teacher-first")
        step(
            "teacher.discussion.launch", "ok", f"tool says: {visible_text(frame)[:600]!r} [{path}]"
        )


def open_activity(page, cmid: int, wait_text: str | None = None):
    """Open an activity as its people do: from the course page, then the tool's frame."""
    page.goto(f"{MOODLE}/course/view.php?id={load_state()['course']}")
    for _ in range(2):
        page.wait_for_timeout(700)
        for control in (
            page.get_by_role("button", name="Skip tour"),  # Moodle's user tour, first visit
            page.locator("#theme_boost-drawers-courseindex [data-action='closedrawer']"),
        ):
            try:
                if control.count() and control.first.is_visible():
                    control.first.click(timeout=2000)
            except Exception:  # noqa: BLE001 (cosmetic only)
                pass
    # follow the course page's own link (a click can land on Moodle's user tour backdrop)
    page.goto(
        page.locator(f"#region-main a[href*='mod/lti/view.php?id={cmid}']").first.get_attribute(
            "href"
        )
    )
    close_course_index(page)
    frame = tool_frame(page)
    if wait_text:
        frame.get_by_text(wait_text).first.wait_for()
    return frame


def close_course_index(page) -> None:
    """Close Moodle's course index drawer if it is open on this page: on a first visit it can
    open over the tool's frame, and a click meant for the tool then lands on the drawer (as a
    person would, close it first)."""
    drawer = page.locator("#theme_boost-drawers-courseindex.show")
    with suppress(Exception):
        if drawer.count():
            drawer.locator("[data-action='closedrawer']").first.click(timeout=3000)
            page.wait_for_function(
                "() => !document.querySelector('#theme_boost-drawers-courseindex.show')",
                timeout=5000,
            )


def frame_after(page, action, timeout: float = 20_000):
    """Do something that navigates the tool's frame, and return the frame once loaded again."""
    action()
    page.wait_for_timeout(800)
    frame = tool_frame(page)
    frame.wait_for_load_state("load", timeout=timeout)
    return frame


def phase_teacher_settings(trial: Trial, state: dict) -> None:
    page = trial.login("pteacher1")
    with attempt("teacher.plain.choose", page):
        frame = open_activity(page, state["plain"])
        page.wait_for_timeout(1500)
        frame = tool_frame(page)
        if "What this activity opens" not in visible_text(frame):
            step("teacher.plain.choose", "NOTE", "already chosen: " + visible_text(frame)[:120])
            raise Skip
        frame.get_by_label(re.compile("Scenario 2")).check()
        frame = frame_after(
            page, lambda: frame.get_by_role("button", name="Use this activity").click()
        )
        text = visible_text(frame)
        path = shot(page, "10-plain-chosen")
        ok = "Rachel" in text
        step("teacher.plain.choose", "ok" if ok else "FAIL", f"{text[:200]!r} [{path}]")
    with attempt("teacher.discussion.settings", page):
        frame = open_activity(page, state["discussion"], "For instructors")
        frame.locator("details:has(#set-anonymous) > summary").click()
        frame.locator("#set-post-first").check()
        frame.locator("#set-anonymous").check()
        frame.locator("#set-reveal-after_posting").check()
        shot(page, "11-teacher-settings")
        frame = frame_after(page, lambda: frame.get_by_role("button", name="Save settings").click())
        text = visible_text(frame)
        path = shot(page, "12-teacher-settings-saved")
        step("teacher.discussion.settings", "ok", f"after save: {text[:160]!r} [{path}]")


# --- 4. Learners ---------------------------------------------------------------------------


def posts_text(frame) -> str:
    section = frame.locator("section.posts")
    return re.sub(r"\s+", " ", section.inner_text()) if section.count() else "(no posts section)"


def post_button(frame, containing: str, button: str):
    # the innermost post whose own text has the words (a thread's li also holds its replies)
    post = frame.locator(".post-body", has_text=containing).first.locator(
        "xpath=ancestor::li[contains(@class,'post')][1]"
    )
    return post.locator(":scope > article > .post-actions").get_by_role(
        "button", name=button, exact=True
    )


def learner_visit(
    trial: Trial, who: str, state: dict, label: str, *, blocked: bool = False, **person
):
    page = trial.login(who, **person)
    frame = None
    body = f"{who} thinks John should keep the roles apart: ask someone else to fix the leak. ({label})"
    with attempt(f"{label}.open", page):
        frame = open_activity(page, state["discussion"], "The situation")
        text = visible_text(frame)
        path = shot(page, f"20-{label}-opened")
        step(f"{label}.open", "ok", f"scenario shown; frame {frame.url} [{path}]")
        before = posts_text(frame)
        hidden = (
            "Write your own thoughts first" in text
            and "li.post"
            and frame.locator("li.post").count() == 0
        )
        step(
            f"{label}.post-first",
            "ok" if hidden else "FAIL",
            f"posts before posting: {before[:200]!r}",
        )
        commentary_before = frame.locator("section.commentary").count()
        step(
            f"{label}.commentary-hidden-before",
            "ok" if not commentary_before else "FAIL",
            f"commentary sections: {commentary_before}",
        )
    with attempt(f"{label}.post", page):
        frame = tool_frame(page)
        frame.fill("#composer-body", body)
        frame = frame_after(
            page, lambda: frame.get_by_role("button", name="Post", exact=True).click()
        )
        text = visible_text(frame)
        path = shot(page, f"21-{label}-posted")
        mine = frame.locator("li.post.own").count()
        step(
            f"{label}.post",
            "ok" if body[:40] in text else "FAIL",
            f"own posts shown: {mine}; {posts_text(frame)[:300]!r} [{path}]",
        )
        commentary = frame.locator("section.commentary").count()
        step(
            f"{label}.commentary-after-posting",
            "ok" if commentary else "FAIL",
            f"commentary sections: {commentary}",
        )
        authors = frame.locator("li.post .author").all_inner_texts()
        step(f"{label}.authors-seen", "NOTE", json.dumps(authors))
    return page, body


def reply_to(page, label: str, containing: str, reply: str):
    frame = tool_frame(page)
    frame = frame_after(page, lambda: post_button(frame, containing, "Reply").click())
    shot(page, f"22-{label}-reply-form")
    frame.fill("#reply-body", reply)
    frame = frame_after(page, lambda: frame.get_by_role("button", name="Post reply").click())
    text = visible_text(frame)
    path = shot(page, f"23-{label}-replied")
    step(f"{label}.reply", "ok" if reply[:30] in text else "FAIL", f"[{path}] url {frame.url}")
    return frame


def edit_own(page, label: str, containing: str, addition: str):
    frame = tool_frame(page)
    frame = frame_after(page, lambda: post_button(frame, containing, "Edit").click())
    current = frame.input_value("#edit-body")
    path = shot(page, f"24-{label}-edit-form")
    step(
        f"{label}.edit-form-prefilled",
        "ok" if containing in current else "FAIL",
        f"the Edit box holds {current!r}, expected the post's text starting {containing!r} [{path}]",
    )
    if containing not in current:
        current = containing  # keep the post's words for the rest of the trial
    frame.fill("#edit-body", current + " " + addition)
    frame = frame_after(page, lambda: frame.get_by_role("button", name="Save changes").click())
    text = visible_text(frame)
    path = shot(page, f"24-{label}-edited")
    step(
        f"{label}.edit",
        "ok" if addition in text else "FAIL",
        f"'Edited' badge: {'Edited' in text} [{path}]",
    )


def report(page, label: str, containing: str):
    frame = tool_frame(page)
    frame = frame_after(page, lambda: post_button(frame, containing, "Report").click())
    reasons = frame.locator("input[name='reason']")
    values = [reasons.nth(i).get_attribute("value") for i in range(reasons.count())]
    reasons.first.check()
    frame.fill("#report-note", f"Reported by {label} during the trial.")
    shot(page, f"25-{label}-report-form")
    frame = frame_after(page, lambda: frame.get_by_role("button", name="Send report").click())
    text = visible_text(frame)
    path = shot(page, f"26-{label}-reported")
    step(f"{label}.report", "ok", f"reasons {values}; after: {text[:160]!r} [{path}]")


def phase_students(trial: Trial, state: dict) -> None:
    page1, body1 = learner_visit(trial, "pstudent1", state, "student1")
    page2, body2 = learner_visit(trial, "pstudent2", state, "student2")
    with attempt("student2.reply", page2):
        reply_to(
            page2, "student2", body1[:30], "student2 replies: agreed, and John could say so kindly."
        )
    with attempt("student2.edit", page2):
        edit_own(page2, "student2", body2[:30], "(edited by student2)")
    with attempt("student2.report", page2):
        report(page2, "student2", body1[:30])
    page3, body3 = learner_visit(trial, "pstudent3", state, "student3")
    with attempt("student3.anonymity", page3):
        frame = tool_frame(page3)
        authors = frame.locator("li.post .author").all_inner_texts()
        names = [a for a in authors if re.search(r"pstudent|Lab", a, re.I)]
        step(
            "student3.anonymity",
            "ok" if not names else "FAIL",
            f"authors seen by student3: {authors}",
        )
    with attempt("student3.report", page3):
        report(page3, "student3", body2[:30])
    with attempt("student1.edit", page1):
        frame = open_activity(page1, state["discussion"], "The situation")
        step(
            "student1.sees-reply",
            "ok" if "student2 replies" in visible_text(frame) else "FAIL",
            posts_text(frame)[:300],
        )
        edit_own(page1, "student1", body1[:30], "(edited by student1)")
    with attempt("student1.plain-link", page1):
        frame = open_activity(page1, state["plain"])
        page1.wait_for_timeout(1500)
        frame = tool_frame(page1)
        path = shot(page1, "27-student1-plain-link")
        step(
            "student1.plain-link",
            "ok" if "Rachel" in visible_text(frame) else "FAIL",
            f"{visible_text(frame)[:200]!r} [{path}]",
        )
    with attempt("student1.assignment", page1):
        frame = open_activity(page1, state["assignment"])
        page1.wait_for_timeout(1500)
        frame = tool_frame(page1)
        path = shot(page1, "28-student1-assignment")
        step("student1.assignment", "NOTE", f"{visible_text(frame)[:300]!r} [{path}]")


# --- 5. Teacher: moderation, reports, roster, grading ---------------------------------------


def back_to_discussion(page):
    frame = tool_frame(page)
    return frame_after(
        page, lambda: frame.get_by_role("button", name="Back to the discussion").first.click()
    )


def instructor_button(page, name: str):
    frame = tool_frame(page)
    return frame_after(
        page,
        lambda: (
            frame.locator(".instructor-panel")
            .get_by_role("button", name=re.compile(name))
            .first.click()
        ),
    )


def phase_moderate(trial: Trial, state: dict) -> None:
    page = trial.login("pteacher1")
    target = "pstudent3 thinks John"
    with attempt("teacher.sees-names", page):
        frame = open_activity(page, state["discussion"], "For instructors")
        authors = frame.locator("li.post .author").all_inner_texts()
        path = shot(page, "30-teacher-discussion")
        step(
            "teacher.sees-names",
            "ok" if any("Pstudent" in a for a in authors) else "FAIL",
            f"authors: {authors} [{path}]",
        )
        badges = frame.locator(".badge.report").all_inner_texts()
        step("teacher.report-badges", "ok" if badges else "FAIL", json.dumps(badges))
    with attempt("teacher.hide", page):
        frame = tool_frame(page)
        frame = frame_after(page, lambda: post_button(frame, target, "Hide").click())
        frame.fill("#hide-reason", "Hidden during the trial.")
        frame = frame_after(page, lambda: frame.get_by_role("button", name="Hide post").click())
        post = frame.locator("li.post", has=frame.locator(".post-body", has_text=target)).first
        text = re.sub(r"\s+", " ", post.inner_text())
        path = shot(page, "31-teacher-hidden")
        step(
            "teacher.hide",
            "ok" if "Hidden by the instructors" in text else "FAIL",
            f"{text[:160]!r} [{path}]",
        )
    with attempt("student3.sees-hidden", None):
        p3 = trial.login("pstudent3")
        f3 = open_activity(p3, state["discussion"], "The situation")
        text = posts_text(f3)
        path = shot(p3, "32-student3-sees-own-hidden")
        step(
            "student3.sees-hidden",
            "ok" if "Hidden by the instructors: Hidden during the trial." in text else "FAIL",
            f"{text[:300]!r} [{path}]",
        )
    with attempt("teacher.restore", page):
        frame = tool_frame(page)
        frame = frame_after(page, lambda: post_button(frame, target, "Show again").click())
        post = frame.locator("li.post", has=frame.locator(".post-body", has_text=target)).first
        text = re.sub(r"\s+", " ", post.inner_text())
        step("teacher.restore", "ok" if "Hidden by" not in text else "FAIL", f"{text[:160]!r}")
    with attempt("teacher.pin", page):
        frame = tool_frame(page)
        frame = frame_after(page, lambda: post_button(frame, target, "Pin").click())
        first = re.sub(r"\s+", " ", frame.locator("ol.threads > li.post").first.inner_text())
        path = shot(page, "33-teacher-pinned")
        step(
            "teacher.pin",
            "ok" if "Pinned" in first and target in first else "FAIL",
            f"first thread: {first[:160]!r} [{path}]",
        )
    with attempt("teacher.history", page):
        frame = tool_frame(page)
        # pstudent2 edited their post in the students phase: it has an earlier version.
        edited = "pstudent2 thinks John"
        frame = frame_after(page, lambda: post_button(frame, edited, "Earlier versions").click())
        text = visible_text(frame)
        path = shot(page, "34-teacher-history")
        step(
            "teacher.history", "ok" if "Replaced on" in text else "FAIL", f"{text[:300]!r} [{path}]"
        )
        back_to_discussion(page)
    with attempt("teacher.lock", page):
        frame = instructor_button(page, "Lock discussion")
        text = visible_text(frame)
        step("teacher.lock", "ok" if "locked" in text.lower() else "FAIL", text[:200])
        p2 = trial.login("pstudent2")
        f2 = open_activity(p2, state["discussion"], "The situation")
        path = shot(p2, "35-student2-locked")
        locked = "This discussion is locked" in visible_text(f2)
        replies = f2.locator(".post-actions button", has_text="Reply").count()
        step(
            "student2.sees-lock",
            "ok" if locked and not replies else "FAIL",
            f"locked notice {locked}, Reply buttons {replies} [{path}]",
        )
        frame = instructor_button(page, "Unlock discussion")
        step("teacher.unlock", "ok" if "Lock discussion" in visible_text(frame) else "FAIL", "")
    with attempt("teacher.reports", page):
        frame = instructor_button(page, "Reports")
        text = visible_text(frame)
        path = shot(page, "36-teacher-reports")
        count = frame.locator("ol.reports > li").count()
        step(
            "teacher.reports",
            "ok" if count >= 2 else "FAIL",
            f"{count} reports: {text[:500]!r} [{path}]",
        )
        frame = frame_after(
            page, lambda: frame.get_by_role("button", name="Mark as handled").first.click()
        )
        step(
            "teacher.report-handled",
            "ok" if "(handled)" in visible_text(frame) else "FAIL",
            visible_text(frame)[:200],
        )
        back_to_discussion(page)
    with attempt("teacher.roster", page):
        frame = instructor_button(page, "Who has posted")
        rows = [re.sub(r"\s+", " ", r) for r in frame.locator("table tbody tr").all_inner_texts()]
        path = shot(page, "37-teacher-roster")
        problem = frame.locator("p.hint", has_text="could not be read").count()
        step(
            "teacher.roster",
            "ok" if len(rows) >= 4 and not problem else "FAIL",
            f"NRPS problem shown: {bool(problem)}; rows: {rows} [{path}]",
        )
        back_to_discussion(page)


def phase_grading(
    trial: Trial,
    state: dict,
    mode: str = "participation",
    target: str = "1",
    activity: str = "discussion",
) -> None:
    page = trial.login("pteacher1")
    with attempt(f"teacher.grading-{mode}", page):
        frame = open_activity(page, state[activity], "For instructors")
        frame.locator("details:has(#set-anonymous) > summary").click()
        frame.locator(f"#set-grading-{mode}").check()
        frame.fill("#set-grading-target", target)
        frame = frame_after(page, lambda: frame.get_by_role("button", name="Save settings").click())
        text = visible_text(frame)
        path = shot(page, f"40-teacher-grading-{mode}")
        step(
            f"teacher.grading-{mode}",
            "ok" if "Settings saved" in text else "FAIL",
            f"{text[:200]!r} [{path}]",
        )
    if mode == "mark":
        with attempt("teacher.mark", page):
            frame = instructor_button(page, "Who has posted")
            forms = frame.locator("form.mark-form")
            step(
                "teacher.mark-forms",
                "ok" if forms.count() else "FAIL",
                f"{forms.count()} mark forms",
            )
            row = frame.locator("tr", has_text="Pstudent1").first
            row.locator("input[name='mark']").fill("8")
            row.locator("input[name='comment']").fill("Good reasoning (trial).")
            frame = frame_after(page, lambda: row.get_by_role("button", name="Send mark").click())
            path = shot(page, "41-teacher-marked")
            rows = [
                re.sub(r"\s+", " ", r)[:160]
                for r in frame.locator("table tbody tr").all_inner_texts()
            ]
            step("teacher.mark", "ok", f"{visible_text(frame)[:200]!r}; rows {rows} [{path}]")
    with attempt("teacher.roster-grades", page):
        page.wait_for_timeout(5000)
        frame = open_activity(page, state[activity], "For instructors")
        frame = instructor_button(page, "Who has posted")
        rows = [
            re.sub(r"\s+", " ", r)[:200] for r in frame.locator("table tbody tr").all_inner_texts()
        ]
        path = shot(page, f"42-teacher-roster-grades-{mode}")
        step("teacher.roster-grades", "NOTE", f"{rows} [{path}]")


def phase_graded_link(trial: Trial, state: dict) -> None:
    """A discussion placed with Moodle's "Accept grades from the tool" ticked, then graded."""
    page = trial.login("pteacher1")
    with attempt("graded.add", page):
        if "graded" not in state:
            add_deep_linked(
                page,
                state,
                "Trial: graded discussion",
                "scenario:scenario-bob-loan",
                "graded",
                True,
            )
            save_state(state)
        page.goto(f"{MOODLE}/course/modedit.php?update={state['graded']}")
        step(
            "graded.add",
            "ok",
            f"Accept grades ticked: {page.locator('#id_instructorchoiceacceptgrades').is_checked()}",
        )
    phase_grading(trial, state, "participation", "1", "graded")
    learner = trial.login("pstudent1")
    with attempt("graded.post", learner):
        frame = open_activity(learner, state["graded"], "The situation")
        frame.fill("#composer-body", "pstudent1 posts in the graded discussion.")
        post = frame.get_by_role("button", name="Post", exact=True)
        frame = frame_after(learner, post.click)
        step("graded.post", "ok" if "graded discussion" in visible_text(frame) else "FAIL", "")
        learner.wait_for_timeout(6000)
        frame = open_activity(learner, state["graded"])
        learner.wait_for_timeout(1500)
        frame = tool_frame(learner)
        text = visible_text(frame)
        path = shot(learner, "45-graded-relaunch")
        step("graded.relaunch", "FAIL" if "refused" in text else "ok", f"{text[:200]!r} [{path}]")


def phase_placed_graded(trial: Trial, state: dict) -> None:
    """A discussion graded at placement (participation, 2 posts): Moodle makes the activity's
    own column from the link's lineItem; two posts by a learner fill it, nothing else."""
    page = trial.login("pteacher1")
    with attempt("placed-graded.add", page):
        if "placed_graded" not in state:
            add_deep_linked(
                page,
                state,
                "Trial: discussion graded at placement",
                "scenario:scenario-kate-susanne-hug",
                "placed_graded",
                grading=("participation", "2"),
            )
            save_state(state)
        step("placed-graded.add", "ok", f"cmid {state['placed_graded']}")
    with attempt("placed-graded.settings", page):
        frame = open_activity(page, state["placed_graded"], "For instructors")
        frame.locator("details:has(#set-anonymous) > summary").click()
        chosen = frame.locator("#set-grading-participation").is_checked()
        target = frame.input_value("#set-grading-target")
        path = shot(page, "46-placed-graded-settings")
        step(
            "placed-graded.settings",
            "ok" if chosen and target == "2" else "FAIL",
            f"participation checked {chosen}, target {target} [{path}]",
        )
    learner = trial.login("pstudent2")
    for number in (1, 2):
        with attempt(f"placed-graded.post-{number}", learner):
            frame = open_activity(learner, state["placed_graded"], "The situation")
            frame.fill(
                "#composer-body", f"pstudent2, post {number} in a discussion graded at start."
            )
            post = frame.get_by_role("button", name="Post", exact=True)
            frame = frame_after(learner, post.click)
            ok = f"post {number} in a discussion" in visible_text(frame)
            step(f"placed-graded.post-{number}", "ok" if ok else "FAIL", "")
            learner.wait_for_timeout(4000)  # the embedded worker delivers in the background


def phase_assignment(trial: Trial, state: dict) -> None:
    """A learner writes the first assessment task and submits it (receipt); the teacher opens
    it from the submissions, marks it with the rubric and releases it; the learner sees it."""
    learner = trial.login("pstudent1")
    with attempt("assignment.write-submit", learner):
        frame = open_activity(learner, state["assignment"], "Submit")
        frame.fill("#essay-body", "My recovery story, told for the trial. " * 12)
        learner.wait_for_timeout(2500)  # the autosave
        saved = frame.locator("#essay-status").inner_text()
        frame = frame_after(learner, lambda: frame.locator("#essay-submit").click())
        receipt = frame.locator(".receipt-code")
        got = receipt.inner_text() if receipt.count() else ""
        path = shot(learner, "60-assignment-receipt")
        step(
            "assignment.write-submit",
            "ok" if got else "FAIL",
            f"{saved!r}; receipt {got!r} [{path}]",
        )
    page = trial.login("pteacher1")
    with attempt("assignment.mark-release", page):
        frame = open_activity(page, state["assignment"], "Learners")
        frame = frame_after(
            page,
            lambda: frame.get_by_role("button", name=re.compile("Open Pstudent1.*work")).click(),
        )
        for box in frame.locator("input[type=number][name^='points-']").all():
            box.fill(box.get_attribute("max"))
        frame.fill("#feedback", "Clear and honest (trial).")
        release = frame.get_by_role("button", name="Release to the learner and the gradebook")
        frame = frame_after(page, release.click)
        path = shot(page, "61-assignment-released")
        text = visible_text(frame)
        step(
            "assignment.mark-release",
            "ok" if "released" in text.lower() else "FAIL",
            f"{text[:200]!r} [{path}]",
        )
    with attempt("assignment.learner-sees-mark", learner):
        learner.wait_for_timeout(4000)
        frame = open_activity(learner, state["assignment"], "Submit")
        path = shot(learner, "62-assignment-mark-seen")
        text = visible_text(frame)
        step(
            "assignment.learner-sees-mark",
            "ok" if "Clear and honest" in text else "FAIL",
            f"[{path}]",
        )


def phase_gradebook(trial: Trial, state: dict) -> None:
    page = trial.login("pteacher1")
    with attempt("moodle.gradebook", page):
        page.goto(f"{MOODLE}/grade/report/grader/index.php?id={state['course']}")
        page.wait_for_load_state("networkidle")
        path = shot(page, "50-moodle-gradebook")
        table = page.locator("table#user-grades")
        text = (
            re.sub(r"\s+", " ", table.inner_text()) if table.count() else visible_text(page)[:800]
        )
        step("moodle.gradebook", "NOTE", f"{text[:900]!r} [{path}]")
    for who in ("pstudent1", "pstudent2"):
        with attempt(f"moodle.user-grades.{who}", None):
            sp = trial.login(who)
            sp.goto(f"{MOODLE}/grade/report/user/index.php?id={state['course']}")
            path = shot(sp, f"51-{who}-grades")
            table = sp.locator("table.user-grade")
            text = (
                re.sub(r"\s+", " ", table.inner_text()) if table.count() else visible_text(sp)[:600]
            )
            step(f"moodle.user-grades.{who}", "NOTE", f"{text[:500]!r} [{path}]")


def phase_post_again(trial: Trial, state: dict, *who: str) -> None:
    """Learners post once more (after grading was turned on: grades are released on posting)."""
    activity = os.environ.get("TRIAL_ACTIVITY", "discussion")
    for person in who or ("pstudent1",):
        page = trial.login(person)
        with attempt(f"{person}.post-again", page):
            frame = open_activity(page, state[activity], "The situation")
            frame.fill("#composer-body", f"{person}: one more thought after grading was turned on.")
            post = frame.get_by_role("button", name="Post", exact=True)
            frame = frame_after(page, post.click)
            path = shot(page, f"43-{person}-post-again")
            step(
                f"{person}.post-again",
                "ok" if "one more thought" in visible_text(frame) else "FAIL",
                f"[{path}]",
            )


# --- Learner whose browser blocks the framed tool's cookies ---------------------------------

BLOCK_FRAMED_COOKIES = {
    # tests/lti_browser/profiles.py: cookies of any site framed by 127.0.0.1/localhost are
    # refused (partitioned or not), as with Safari or strict privacy settings.
    "profile": {
        "content_settings": {
            "exceptions": {"cookies": {"http://localhost:*,http://127.0.0.1:*": {"setting": 2}}}
        }
    }
}


def phase_blocked(
    trial: Trial, state: dict, who: str = "pstudent2", activity: str = "plain"
) -> None:
    import tempfile

    profile = Path(tempfile.mkdtemp(prefix="moodle-trial-blocked-"))
    (profile / "Default").mkdir()
    (profile / "Default" / "Preferences").write_text(json.dumps(BLOCK_FRAMED_COOKIES))
    page = trial.login(who, profile_dir=profile, playwright=trial.playwright)
    label = f"blocked.{who}"
    with attempt(f"{label}.open", page):
        frame = open_activity(page, state[activity])
        page.wait_for_timeout(3000)
        frame = tool_frame(page)
        text = visible_text(frame)
        path = shot(page, "60-blocked-opened")
        step(
            f"{label}.open",
            "ok" if "The situation" in text else "FAIL",
            f"{text[:300]!r} [{path}]; frame {frame.url}",
        )
        cookies = [c["name"] + "@" + c["domain"] for c in page.context.cookies(TOOL)]
        step(f"{label}.tool-cookies", "NOTE", f"cookies the tool could set: {cookies}")
    with attempt(f"{label}.new-window", page):
        frame = tool_frame(page)
        link = frame.get_by_role("link", name=re.compile("new window", re.I))
        if not link.count():
            raise Skip
        step(
            f"{label}.new-window-link",
            "NOTE",
            f"href {link.first.get_attribute('href')!r}, target {link.first.get_attribute('target')!r}",
        )
        with page.context.expect_page() as opened:
            link.first.click()
        page = opened.value
        page.wait_for_load_state()
        page.wait_for_timeout(3000)
        if not page.url.startswith(TOOL):
            path = shot(page, "60b-blocked-new-window")
            raise RuntimeError(
                f"the new window stays at {page.url} saying {visible_text(page)[:300]!r} [{path}]"
            )
        frame = tool_frame(page)
        text = visible_text(frame)
        path = shot(page, "60b-blocked-new-window")
        step(
            f"{label}.new-window",
            "ok" if "The situation" in text else "FAIL",
            f"window at {page.url}: {text[:300]!r} [{path}]",
        )
    with attempt(f"{label}.post", page):
        frame = tool_frame(page)
        before = "Write your own thoughts first" in visible_text(frame)
        frame.fill("#composer-body", f"{who} posts from a browser that blocks framed cookies.")
        post = frame.get_by_role("button", name="Post", exact=True)
        frame = frame_after(page, post.click)
        text = visible_text(frame)
        path = shot(page, "61-blocked-posted")
        step(
            f"{label}.post",
            "ok" if "blocks framed cookies" in text else "FAIL",
            f"post-first notice before: {before}; {text[:200]!r} [{path}]",
        )
        step(
            f"{label}.commentary-after-posting",
            "ok" if frame.locator("section.commentary").count() else "FAIL",
            "",
        )
    with attempt(f"{label}.reply", page):
        frame = tool_frame(page)
        others = frame.locator("li.post:not(.own) .post-body")
        if others.count():
            reply_to(
                page,
                label,
                others.first.inner_text()[:25],
                f"{who} replies from the blocked browser.",
            )
        else:
            step(f"{label}.reply", "NOTE", "no other post to reply to")
    with attempt(f"{label}.edit", page):
        edit_own(page, label, f"{who} posts from a browser", "(edited in the blocked browser)")


# --- 7. Tokens in URLs; a page left open past the token's life -------------------------------


def phase_expiry(trial: Trial, state: dict, wait: str = "60", activity: str = "plain") -> None:
    page = trial.login("pstudent3")
    with attempt("expiry.open", page):
        frame = open_activity(page, state[activity], "The situation")
        step("expiry.open", "ok", f"waiting {wait}s with the page open")
        page.wait_for_timeout(int(wait) * 1000)
        frame = tool_frame(page)
        frame.fill("#composer-body", "pstudent3 posts after leaving the page open for a long time.")
        frame = frame_after(
            page, lambda: frame.get_by_role("button", name="Post", exact=True).click()
        )
        text = visible_text(frame)
        path = shot(page, "70-expiry-posted")
        step(
            "expiry.post-after-wait",
            "ok" if "after leaving the page open" in text else "FAIL",
            f"{text[:300]!r} [{path}]",
        )
    with attempt("expiry.action-after-wait", page):
        page.wait_for_timeout(int(wait) * 1000)
        frame = tool_frame(page)
        frame = frame_after(
            page, lambda: post_button(frame, "after leaving the page open", "Edit").click()
        )
        text = visible_text(frame)
        path = shot(page, "71-expiry-edit-form")
        step(
            "expiry.action-after-wait",
            "ok" if "Edit your post" in text else "FAIL",
            f"{text[:200]!r} [{path}]",
        )


def phase_asleep(trial: Trial, state: dict, wait: str = "60", activity: str = "plain") -> None:
    """A page whose token could not be renewed (laptop asleep, offline): then the learner acts."""
    page = trial.login("pstudent3")
    with attempt("asleep.post", page):
        frame = open_activity(page, state[activity], "The situation")
        page.context.route("**/lti/token", lambda route: route.abort())
        step("asleep.open", "ok", f"token renewal blocked; waiting {wait}s")
        page.wait_for_timeout(int(wait) * 1000)
        page.context.unroute("**/lti/token")
        frame = tool_frame(page)
        words = "pstudent3 writes after the laptop slept; are these words kept?"
        frame.fill("#composer-body", words)
        page.wait_for_timeout(1500)  # a learner pauses; the page keeps its draft after 400 ms
        post = frame.get_by_role("button", name="Post", exact=True)
        frame = frame_after(page, post.click)
        text = visible_text(frame)
        path = shot(page, "72-asleep-posted")
        kept = frame.locator("#composer-body").count() and words in frame.input_value(
            "#composer-body"
        )
        step(
            "asleep.post",
            "ok" if words in text else "FAIL",
            f"after: {text[:300]!r}; words still in a text box: {bool(kept)} [{path}]",
        )
        if words not in text:
            frame = open_activity(page, state[activity], "The situation")
            page.wait_for_timeout(1500)
            restored = frame.input_value("#composer-body")
            path = shot(page, "73-asleep-reopened")
            step(
                "asleep.draft-restored",
                "ok" if words in restored else "FAIL",
                f"after opening the activity again the composer holds {restored!r} [{path}]",
            )


def phase_urls(trial: Trial, state: dict, serve_log: str = str(OUT / "serve.log")) -> None:
    visited = (OUT / "urls.log").read_text().splitlines() if (OUT / "urls.log").exists() else []
    bad = [u for u in visited if "lti_token=" in u]
    step(
        "urls.browser",
        "ok" if not bad else "FAIL",
        f"{len(visited)} requests recorded, {len(bad)} with lti_token=: {bad[:3]}",
    )
    logged = (
        Path(serve_log).read_text(errors="replace").splitlines() if Path(serve_log).exists() else []
    )
    bad = [line for line in logged if "lti_token=" in line]
    step(
        "urls.tool-log",
        "ok" if not bad else "FAIL",
        f"{len(logged)} log lines, {len(bad)} with lti_token=: {bad[:3]}",
    )


def phase_icon(trial: Trial, state: dict) -> None:
    page = trial.login("pstudent1")
    failed = []
    page.on(
        "requestfailed",
        lambda r: failed.append(f"{r.url} {r.failure}") if r.url.startswith(TOOL) else None,
    )
    with attempt("moodle.tool-icon", page):
        page.goto(f"{MOODLE}/course/view.php?id={state['course']}")
        page.wait_for_load_state("networkidle")
        icons = page.locator(f"#region-main img[src^='{TOOL}']")
        widths = [
            icons.nth(i).evaluate("i => i.complete ? i.naturalWidth : -1")
            for i in range(icons.count())
        ]
        path = shot(page, "80-course-page-icons")
        step(
            "moodle.tool-icon",
            "ok" if widths and all(w > 0 for w in widths) else "FAIL",
            f"{icons.count()} icons from the tool, natural widths {widths} (0 = not displayed); failed requests {failed[:2]} [{path}]",
        )


PHASES = {
    "register": phase_register,
    "teacher": phase_teacher,
    "teacher_settings": phase_teacher_settings,
    "students": phase_students,
    "moderate": phase_moderate,
    "grading": phase_grading,
    "post_again": phase_post_again,
    "gradebook": phase_gradebook,
    "graded_link": phase_graded_link,
    "placed_graded": phase_placed_graded,
    "assignment": phase_assignment,
    "blocked": phase_blocked,
    "expiry": phase_expiry,
    "asleep": phase_asleep,
    "urls": phase_urls,
    "icon": phase_icon,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("phase", choices=[*PHASES, "all"])
    parser.add_argument(
        "args", nargs="*", help="the phase's arguments (register: URL; grading: MODE TARGET; ...)"
    )
    options = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    state = load_state()
    names = (
        [
            "teacher",
            "teacher_settings",
            "students",
            "moderate",
            "grading",
            "post_again",
            "gradebook",
            "blocked",
            "expiry",
            "icon",
            "urls",
        ]
        if options.phase == "all"
        else [options.phase]
    )
    with sync_playwright() as playwright:
        for name in names:
            trial = Trial(playwright)
            trial.playwright = playwright
            try:
                PHASES[name](trial, state, *(options.args if name == options.phase else ()))
            finally:
                save_state(state)
                trial.close()


if __name__ == "__main__":
    main()
