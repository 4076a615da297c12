"""A graded discussion: grades reach the platform's AGS endpoint through the grades outbox, and
the roster comes from NRPS. Over real HTTP against the test platform."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lti_tool import db
from lti_tool.grades.delivery import Deliverer, RetryPolicy
from lti_tool.grades.models import GradeDelivery
from lti_tool.models import User, utcnow
from tests.lti_platform import INSTRUCTOR, LEARNER, SECOND_LEARNER

from .test_discussion_http import JOHN, THIRD_LEARNER, open_as, place


@pytest.fixture
def course(connected):
    """Course c1 with three learners (one never launches) and a John-and-the-roofer link a1."""
    connected.platform.add_user(THIRD_LEARNER)
    place(connected.platform)
    return connected


SETTINGS = {
    "post_first": "on",
    "commentary_reveal": "after_posting",
    "edit_window_minutes": "30",
}


def grade(connected, grading: str, target: int):
    ina = open_as(connected, INSTRUCTOR)
    ina.submit("/settings", grading=grading, grading_target=str(target), **SETTINGS)
    assert "Settings saved." in ina.text()
    return ina


def deliver_all(app, rounds: int = 10) -> None:
    """Run the outbox as the queue would, moving a clock past each retry's backoff."""
    ahead = timedelta(0)
    with app.app_context():
        for _ in range(rounds):
            session = db.get_session()
            session.expire_all()
            pending = list(
                session.scalars(select(GradeDelivery.id).where(GradeDelivery.state == "pending"))
            )
            if not pending:
                return
            deliverer = Deliverer(
                app.extensions["lti_tool.sessionmaker"],
                policy=RetryPolicy.from_config(app.config),
                clock=lambda ahead=ahead: utcnow() + ahead,
            )
            for delivery_pk in pending:
                deliverer.deliver(delivery_pk)
            ahead += timedelta(hours=2)
    raise AssertionError("grades still pending")


def scores(connected) -> list[dict]:
    item = connected.platform.line_item_for("c1", "a1")
    return connected.platform.scores_for(item)


def test_participation_grades_reach_the_gradebook_even_after_a_500(course):
    grade(course, "participation", 2)
    course.platform.fail_next_scores(1, status=500)
    lee = open_as(course, LEARNER).submit("/posts", body="first")
    deliver_all(course.app)

    lee.submit("/posts", body="second")
    lee.submit("/posts", body="third: no new grade")
    deliver_all(course.app)

    got = [
        (s["scoreGiven"], s["scoreMaximum"], s["activityProgress"], s["gradingProgress"])
        for s in scores(course)
    ]
    assert got == [(1, 2, "InProgress", "Pending"), (2, 2, "Completed", "FullyGraded")]
    assert {s["userId"] for s in scores(course)} == {LEARNER.id}
    posts = [r for r in course.platform.recorded.service_requests if r["path"].endswith("/scores")]
    assert [r["status"] for r in posts] == [500, 204, 204]


def test_instructors_posts_earn_no_grade_and_ungraded_discussions_send_nothing(course):
    open_as(course, INSTRUCTOR).submit("/posts", body="welcome")
    open_as(course, LEARNER).submit("/posts", body="ungraded")

    with course.app.app_context():
        assert db.get_session().scalars(select(GradeDelivery)).all() == []


def test_a_mark_follows_a_pending_manual_submission(course):
    grade(course, "mark", 10)
    open_as(course, LEARNER).submit("/posts", body="my thoughts")
    deliver_all(course.app)
    with course.app.app_context():
        lee_pk = db.get_session().scalar(select(User.id).where(User.sub == LEARNER.id))
    ina = open_as(course, INSTRUCTOR).submit("/roster")

    ina.submit(f"/marks/{lee_pk}", mark="7.5", comment="Thoughtful")
    deliver_all(course.app)

    first, second = scores(course)
    assert (first["activityProgress"], first["gradingProgress"]) == ("Submitted", "PendingManual")
    assert "scoreGiven" not in first
    assert (second["scoreGiven"], second["scoreMaximum"], second["comment"]) == (
        7.5,
        10,
        "Thoughtful",
    )
    assert (second["activityProgress"], second["gradingProgress"]) == ("Completed", "FullyGraded")
    roster = open_as(course, INSTRUCTOR).submit("/roster").text()
    assert "7.5 / 10" in roster and "in the LMS gradebook" in roster


def test_a_mark_for_someone_outside_the_course_is_not_found(course):
    grade(course, "mark", 10)
    open_as(course, SECOND_LEARNER, course="c9", link="z9")  # another course, no activity
    with course.app.app_context():
        outsider = db.get_session().scalar(select(User.id).where(User.sub == SECOND_LEARNER.id))
    ina = open_as(course, INSTRUCTOR)

    assert ina.submit(f"/marks/{outsider}", mark="5").status == 404


def test_the_roster_comes_from_nrps_and_names_who_never_opened_the_activity(course):
    open_as(course, LEARNER).submit("/posts", body="one")

    roster = open_as(course, INSTRUCTOR).submit("/roster").text()

    assert "Kim Kaur" in roster  # enrolled, never launched: known only through NRPS
    assert "could not be read" not in roster


def test_posts_written_before_grading_was_turned_on_count_toward_participation(course):
    lee = open_as(course, LEARNER).submit("/posts", body="first, before grading")
    lee.submit("/posts", body="second, before grading")
    grade(course, "participation", 1)

    lee.submit("/posts", body="third, now graded")
    deliver_all(course.app)

    got = [(s["scoreGiven"], s["scoreMaximum"], s["activityProgress"]) for s in scores(course)]
    assert got == [(1, 1, "Completed")]


def test_a_discussion_placed_graded_opens_graded_and_fills_the_column_the_lms_made(connected):
    """Deep linking placed it graded (participation, 2 posts): the LMS made the column from
    the link's lineItem and names it in each launch; the tool makes none of its own."""
    connected.platform.resource_link(
        "c1",
        "a1",
        custom={
            "activity": f"scenario:{JOHN}",
            "grading": "participation",
            "grading_target": "2",
        },
    )
    columns = len(connected.platform.line_items)

    settings = open_as(connected, INSTRUCTOR).page
    lee = open_as(connected, LEARNER).submit("/posts", body="first")
    deliver_all(connected.app)
    lee.submit("/posts", body="second")
    deliver_all(connected.app)

    assert 'value="participation" checked' in settings
    assert 'name="grading_target" min="1" max="100" value="2"' in settings
    got = [(s["scoreGiven"], s["scoreMaximum"], s["activityProgress"]) for s in scores(connected)]
    assert got == [(1, 2, "InProgress"), (2, 2, "Completed")]
    assert len(connected.platform.line_items) == columns


def test_a_grading_choice_the_tool_does_not_know_leaves_the_discussion_ungraded(connected):
    connected.platform.resource_link(
        "c1",
        "a1",
        custom={"activity": f"scenario:{JOHN}", "grading": "bonus", "grading_target": "2"},
    )

    open_as(connected, LEARNER).submit("/posts", body="first")

    with connected.app.app_context():
        assert db.get_session().scalars(select(GradeDelivery)).all() == []
