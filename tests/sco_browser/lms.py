"""Driving the test LMS page and reading its SCORM data model from Python."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scormgen.render.pages import session_path

CMI_TIMESPAN = re.compile(r"^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$")
CMI_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,2})?$")
CMI_IDENTIFIER = re.compile(r"^[\x21-\x7e]{1,255}$")

LEARNER = {"student_id": "learner-1", "student_name": "Learner, Test"}


@dataclass
class Lms:
    """The parent page: creates scorm-again's API, loads a SCO in its iframe, reads the data."""

    page: object
    base: str
    console_errors: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, context, base: str) -> Lms:
        page = context.new_page()
        lms = cls(page, base)
        page.on(
            "console", lambda m: lms.console_errors.append(m.text) if m.type == "error" else None
        )
        page.on("pageerror", lambda e: lms.console_errors.append(str(e)))
        page.goto(base + "/lms/index.html")
        return lms

    def launch(self, path: str, initial: dict) -> None:
        self.page.evaluate("initial => window.makeApi(initial)", initial)
        self.page.locator("#sco").evaluate("(el, src) => { el.src = src; }", path)
        self.page.wait_for_function(
            "() => window.calls.some(c => c.name === 'LMSGetValue' "
            "&& c.args[0] === 'cmi.interactions._count')"
        )

    def frame(self):
        """The SCO's frame, for evaluating script in it."""
        return self.page.main_frame.child_frames[0]

    @property
    def content(self):
        return self.page.frame_locator("#sco")

    def leave(self) -> None:
        """The learner goes elsewhere in the LMS: the SCO's frame is unloaded."""
        self.page.locator("#sco").evaluate("el => { el.src = 'about:blank'; }")
        self.page.wait_for_function(
            "() => window.calls.some(c => c.name === 'LMSFinish')", timeout=5000
        )

    def calls(self) -> list[dict]:
        return self.page.evaluate("() => window.calls")

    def cmi(self) -> dict:
        return self.page.evaluate("() => window.cmi()")


def first_launch(sco) -> dict:
    """Initial data an LMS gives a SCO (a session, or a page: it has no mastery score) the
    first time (Moodle: entry ab-initio)."""
    data: dict = {
        "core": {**LEARNER, "entry": "ab-initio", "lesson_mode": "normal", "credit": "credit"}
    }
    mastery_score = getattr(sco, "mastery_score", None)
    if mastery_score is not None:
        data["student_data"] = {"mastery_score": str(mastery_score)}
    return data


def relaunch(session, cmi: dict) -> dict:
    """What the LMS hands the SCO next time: Moodle's rule, entry resume only after exit suspend."""
    core = cmi["core"]
    data = first_launch(session)
    data["core"].update(
        entry="resume" if core["exit"] == "suspend" else "",
        lesson_status=core["lesson_status"],
        lesson_location=core["lesson_location"],
    )
    data["suspend_data"] = cmi["suspend_data"]
    return data


def sco_url(session) -> str:
    return "/" + session_path(session)
