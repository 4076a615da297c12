"""When a SCO tells the LMS it is done.

A reflection decides completion only when the content marks it ``required``: learners
write about their own mental health, nobody must be pushed to do so to pass, so an
optional reflection never holds a session back; a required one does.

A SCO without a knowledge check has no score to pass with (RTE 3.4.2.1.7): the Useful
Resources page is ``completed`` once opened, a session without questions once read to the
end or finished.
"""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from scormgen.model import Question, Reflection
from scormgen.render.pages import page_path
from tests.sco_browser.conftest import COURSE
from tests.sco_browser.harness import serve_course
from tests.sco_browser.lms import Lms, first_launch, sco_url
from tests.sco_browser.test_learner_journey import (
    REFLECTION_TEXT,
    answer_question,
    assert_clean_calls,
    write_reflection,
)

pytestmark = pytest.mark.browser

SESSION = next(s for s in COURSE.sessions if s.questions and s.reflections)


def with_first_reflection_required(session):
    first = session.reflections[0]
    blocks = tuple(
        dataclasses.replace(b, required=True) if b is first else b for b in session.blocks
    )
    return dataclasses.replace(session, blocks=blocks)


def without_questions(session):
    """The session as an author might write it without a knowledge check: nothing to score."""
    blocks = tuple(b for b in session.blocks if not isinstance(b, Question))
    return dataclasses.replace(session, blocks=blocks, mastery_score=None)


@contextmanager
def serving_changed(root, session):
    """The course with ``session`` in place of the shipped one of the same id, served."""
    sessions = tuple(session if s.id == session.id else s for s in COURSE.sessions)
    course = dataclasses.replace(COURSE, sessions=sessions)
    with serve_course(root, course, (session,), False) as base:
        yield session, base


@pytest.fixture(scope="module")
def required_site(tmp_path_factory):
    session = with_first_reflection_required(SESSION)
    with serving_changed(tmp_path_factory.mktemp("required"), session) as served:
        yield served


@pytest.fixture(scope="module")
def no_questions_site(tmp_path_factory):
    with serving_changed(
        tmp_path_factory.mktemp("no-questions"), without_questions(SESSION)
    ) as served:
        yield served


def committed_status(lms: Lms) -> str:
    """The lesson_status as of the SCO's last successful LMSCommit: what an LMS that
    stores on commit holds, should the browser go away without LMSFinish."""
    committed = pending = ""
    for call in lms.calls():
        if call["result"] != "true":
            continue
        if call["name"] == "LMSSetValue" and call["args"][0] == "cmi.core.lesson_status":
            pending = call["args"][1]
        elif call["name"] == "LMSCommit" and pending:
            committed, pending = pending, ""
    return committed


def assert_left_completed(lms: Lms) -> None:
    """Completed, not suspended, with no score; every call clean."""
    core = lms.cmi()["core"]
    assert core["lesson_status"] == "completed"
    assert core["exit"] == ""
    assert core["score"]["raw"] == "", "nothing was scored"
    assert_clean_calls(lms.calls())
    assert not lms.console_errors


def answer_everything_right(lms: Lms, session) -> None:
    for number, question in enumerate(session.questions, start=1):
        answer_question(lms.content, number, question, right=True)


def test_optional_reflections_never_hold_a_session_back(context, site):
    assert not any(r.required for r in SESSION.reflections)
    lms = Lms.open(context, site)
    lms.launch(sco_url(SESSION), first_launch(SESSION))

    answer_everything_right(lms, SESSION)

    assert lms.cmi()["core"]["lesson_status"] == "passed"


def test_a_required_reflection_holds_completion_until_it_is_saved(context, required_site):
    session, base = required_site
    required = session.reflections[0]
    assert isinstance(required, Reflection) and required.required
    lms = Lms.open(context, base)
    lms.launch(sco_url(session), first_launch(session))

    answer_everything_right(lms, session)
    assert lms.cmi()["core"]["lesson_status"] == "incomplete"

    write_reflection(lms.content, required, REFLECTION_TEXT)
    assert lms.cmi()["core"]["lesson_status"] == "passed"
    assert not lms.console_errors


def test_the_resources_page_is_completed_as_soon_as_it_is_opened(context, site):
    [page] = COURSE.pages
    assert page.title == "Useful Resources"
    assert not any(isinstance(b, Question) for b in page.blocks)
    lms = Lms.open(context, site)
    lms.launch("/" + page_path(page), first_launch(page))

    lms.page.wait_for_function("() => window.calls.some(c => c.name === 'LMSCommit')", timeout=5000)
    assert committed_status(lms) == "completed"

    lms.leave()
    assert_left_completed(lms)


@pytest.fixture
def no_questions_lms(context, no_questions_site) -> Lms:
    """The session without questions, opened in the test LMS."""
    session, base = no_questions_site
    lms = Lms.open(context, base)
    lms.launch(sco_url(session), first_launch(session))
    return lms


def test_a_session_without_questions_is_completed_when_read_to_the_end(no_questions_lms):
    lms = no_questions_lms
    assert lms.cmi()["core"]["lesson_status"] == "incomplete", "its end is not in view yet"

    lms.content.locator("#finish").scroll_into_view_if_needed()

    lms.page.wait_for_function("() => API.cmi.core.lesson_status === 'completed'", timeout=5000)
    assert committed_status(lms) == "completed"
    lms.leave()
    assert_left_completed(lms)


def test_a_session_without_questions_is_completed_by_finishing_it(no_questions_lms):
    lms = no_questions_lms

    lms.content.get_by_role("button", name="Finish session").click()

    expect(lms.content.get_by_role("status").filter(has_text="finished")).to_be_visible()
    assert committed_status(lms) == "completed"
    assert_left_completed(lms)
