"""A reflection decides completion only when the content marks it ``required``.

Learners write about their own mental health: nobody must be pushed to do so to
pass, so an optional reflection never holds a session back; a required one does.
"""

from __future__ import annotations

import dataclasses

import pytest

from scormgen.model import Reflection
from scormgen.render import render_package_files
from tests.sco_browser.conftest import COURSE
from tests.sco_browser.harness import serve, write_site
from tests.sco_browser.lms import Lms, first_launch, sco_url
from tests.sco_browser.test_learner_journey import (
    REFLECTION_TEXT,
    answer_question,
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


@pytest.fixture(scope="module")
def required_site(tmp_path_factory):
    session = with_first_reflection_required(SESSION)
    sessions = tuple(session if s.id == SESSION.id else s for s in COURSE.sessions)
    course = dataclasses.replace(COURSE, sessions=sessions)
    root = tmp_path_factory.mktemp("required")
    write_site(root, render_package_files(course, (session,), include_pages=False).files)
    with serve(root) as base:
        yield session, base


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
