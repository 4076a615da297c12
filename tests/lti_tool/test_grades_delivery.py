"""Grades reach the LMS gradebook over real HTTP: every grade arrives, none is lost, none is
applied twice, and an older grade never overwrites a newer one.

The tool and the test platform run for real (launches, tokens, AGS). What the job queue
does — run each due delivery, later run the retries — ``deliver_due`` does in the test's
thread with a clock it moves forward, so backoff needs no waiting. ``test_grades_jobs``
runs the real queue.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from lti_tool import db
from lti_tool.grades.delivery import Deliverer, RetryPolicy
from lti_tool.grades.models import GradeDelivery
from lti_tool.grades.service import GradeService
from lti_tool.models import ResourceLink, User, utcnow
from tests.lti_platform import INSTRUCTOR, LEARNER, SECOND_LEARNER, Platform, launch
from tests.lti_platform.claims import SCOPE_SCORE

from .conftest import Connected, connect

CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"
SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
GRADE = {
    "score_given": 8,
    "score_maximum": 10,
    "activity_progress": "Completed",
    "grading_progress": "FullyGraded",
    "comment": "Thoughtful replies to John.",
    "label": "Scenario: John the roofer",
    "resource_id": "scenario:john-roofer",
    "tag": "discussion",
}


class Clock:
    """Real time plus however far the test moved it forward: tests never sleep."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.ahead

    def advance(self, delta: timedelta) -> None:
        self.ahead += delta

    def move_to(self, moment: datetime) -> None:
        self.ahead += max(timedelta(0), moment - self())


@dataclass
class Course:
    """A graded activity ``a1`` in course ``c1`` that both learners have launched."""

    connected: Connected
    clock: Clock

    @property
    def app(self) -> Flask:
        return self.connected.app

    @property
    def platform(self) -> Platform:
        return self.connected.platform

    @property
    def line_item(self) -> str:
        return self.platform.line_item_for("c1", "a1")

    def release(self, user_id: str = LEARNER.id, link_id: str = "a1", **changes) -> int:
        """Release a grade as a feature does (in its transaction, then commit)."""
        with self.app.app_context():
            session = db.get_session()
            link = session.scalar(
                select(ResourceLink).where(ResourceLink.resource_link_id == link_id)
            )
            user = session.scalar(select(User).where(User.sub == user_id))
            delivery = GradeService(session).release(
                resource_link=link, user=user, **{**GRADE, **changes}
            )
            session.commit()
            return delivery.id

    def deliverer(self) -> Deliverer:
        return Deliverer(
            self.app.extensions["lti_tool.sessionmaker"],
            policy=RetryPolicy.from_config(self.app.config),
            clock=self.clock,
        )

    def deliver_now(self) -> None:
        """Run what the queue would run now: every delivery that is due."""
        with self.app.app_context():
            deliverer = self.deliverer()
            for row in self.rows(state="pending"):
                if row.next_attempt_at <= self.clock():
                    deliverer.deliver(row.id)

    def deliver_due(self, rounds: int = 20) -> None:
        """Deliver until nothing is pending, moving the clock to each next retry."""
        for _ in range(rounds):
            pending = self.rows(state="pending")
            if not pending:
                return
            self.clock.move_to(min(row.next_attempt_at for row in pending))
            self.deliver_now()
        raise AssertionError(f"deliveries still pending after {rounds} rounds")

    def rows(self, state: str | None = None) -> list[GradeDelivery]:
        with self.app.app_context():
            query = select(GradeDelivery).order_by(GradeDelivery.id)
            if state:
                query = query.where(GradeDelivery.state == state)
            return list(db.get_session().scalars(query))

    def row(self, delivery_pk: int) -> GradeDelivery:
        with self.app.app_context():
            return db.get_session().get(GradeDelivery, delivery_pk)

    def score_posts(self) -> list[dict]:
        return [r for r in self.platform.recorded.service_requests if r["path"].endswith("/scores")]


def launched_course(connected: Connected) -> Course:
    for person in (LEARNER, SECOND_LEARNER, INSTRUCTOR):
        answer = launch(connected.platform, user=person, course_id="c1", resource_link_id="a1")
        assert answer.status_code == 200
    return Course(connected, Clock())


@pytest.fixture
def course(connected) -> Course:
    return launched_course(connected)


@pytest.fixture
def canvas_course(app, lti_platform_factory, live_tool) -> Course:
    """The same course on a platform that the tool recognises as Canvas."""
    return launched_course(connect(app, lti_platform_factory(name="Canvas"), live_tool))


# ----------------------------------------------------------------------------- arrival


def test_a_released_grade_reaches_the_line_item_with_exactly_the_ags_score_fields(course):
    delivery_pk = course.release()

    course.deliver_due()

    row = course.row(delivery_pk)
    (score,) = course.platform.scores_for(course.line_item)
    assert score == {
        "userId": LEARNER.id,
        "scoreGiven": 8,
        "scoreMaximum": 10,
        "comment": "Thoughtful replies to John.",
        "timestamp": row.released_at.isoformat(timespec="microseconds") + "+00:00",
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
    }
    (post,) = course.score_posts()
    assert post["content_type"] == SCORE_MEDIA_TYPE
    assert post["path"] == "/ags/c1/lineitems/1/scores"
    assert (row.state, row.attempts, row.last_error) == ("delivered", 1, None)
    assert course.platform.result(course.line_item, LEARNER.id)["scoreGiven"] == 8


def test_a_grade_is_not_sent_before_the_release_is_committed(course):
    with course.app.app_context():
        session = db.get_session()
        link = session.scalar(select(ResourceLink))
        user = session.scalar(select(User).where(User.sub == LEARNER.id))
        GradeService(session).release(resource_link=link, user=user, **GRADE)
        session.rollback()

    course.deliver_due()

    assert course.rows() == []
    assert course.platform.scores_for() == []


def test_a_score_without_a_grade_sends_no_score_maximum(course):
    course.release(score_given=None, activity_progress="Submitted", grading_progress="Pending")

    course.deliver_due()

    (score,) = course.platform.scores_for(course.line_item)
    assert "scoreGiven" not in score and "scoreMaximum" not in score
    assert course.platform.result(course.line_item, LEARNER.id)["scoreGiven"] is None


# ----------------------------------------------------------------------------- failures


def test_after_two_500s_and_a_429_the_grade_arrives_exactly_once(course):
    course.platform.fail_next_scores(2, status=500)
    course.platform.fail_next_scores(1, status=429, retry_after=120)
    delivery_pk = course.release()
    started = course.clock()

    course.deliver_due()

    assert [post["status"] for post in course.score_posts()] == [500, 500, 429, 204]
    assert len(course.platform.scores_for(course.line_item)) == 1
    row = course.row(delivery_pk)
    assert (row.state, row.attempts) == ("delivered", 4)
    # Backoff: 30 s doubled per attempt, with jitter (½ to 1×), and the 429's Retry-After.
    assert course.clock() - started >= timedelta(seconds=15 + 30 + 120)


def test_a_retry_after_a_dropped_connection_delivers_the_grade_once(course):
    course.platform.drop_next_score_connections(1)
    delivery_pk = course.release()

    course.deliver_due()

    assert [post["status"] for post in course.score_posts()] == [444, 204]
    assert len(course.platform.scores_for(course.line_item)) == 1
    assert course.row(delivery_pk).state == "delivered"


def test_a_grade_whose_answer_was_lost_is_sent_again_without_changing_what_the_lms_keeps(course):
    course.platform.drop_next_score_connections(1, after_recording=True)
    course.release()

    course.deliver_due()

    first, second = course.platform.scores_for(course.line_item)
    assert first == second  # same score, same timestamp: the platform keeps one result
    assert course.platform.result(course.line_item, LEARNER.id)["timestamp"] == first["timestamp"]


def test_an_expired_token_is_replaced_and_the_grade_delivered(course):
    course.release()
    course.deliver_due()
    course.platform.expire_access_tokens()

    course.release(score_given=9)
    course.deliver_due()

    statuses = [post["status"] for post in course.score_posts()]
    assert statuses == [204, 401, 204]
    assert course.platform.result(course.line_item, LEARNER.id)["scoreGiven"] == 9
    score_tokens = [
        t for t in course.platform.recorded.token_requests if SCOPE_SCORE in t.get("scope", "")
    ]
    assert len(score_tokens) == 2


def test_a_revoked_token_is_replaced_and_the_grade_delivered(course):
    course.release()
    course.deliver_due()
    course.platform.revoke_access_tokens()

    delivery_pk = course.release(score_given=9)
    course.deliver_due()

    assert course.row(delivery_pk).attempts == 1
    assert course.platform.result(course.line_item, LEARNER.id)["scoreGiven"] == 9


def test_a_refusal_that_is_the_tools_fault_fails_at_once_with_a_short_reason(course):
    course.platform.course("c1").members.remove(LEARNER.id)  # the LMS now refuses this user
    delivery_pk = course.release()

    course.deliver_due()

    row = course.row(delivery_pk)
    assert (row.state, row.attempts) == ("failed", 1)
    assert row.last_error == "score: HTTP 400 (invalid_request)"


def test_failed_attempts_leave_no_learner_text_or_token_in_logs_or_errors(course, caplog):
    caplog.set_level(logging.DEBUG)
    course.release()
    course.deliver_due()
    course.platform.expire_access_tokens()
    course.platform.fail_next_scores(1, status=500)
    course.platform.drop_next_score_connections(1)

    delivery_pk = course.release(score_given=9)
    course.deliver_due()

    secrets = [GRADE["comment"], *course.platform.access_tokens]
    stored = course.row(delivery_pk).last_error
    assert stored == "score: no answer (ConnectionError)"
    assert not [s for s in secrets if s in caplog.text or s in stored]


def test_a_failed_grade_is_delivered_when_the_instructor_retries(course):
    course.app.config["GRADE_DELIVERY_ATTEMPTS"] = 3
    course.platform.fail_next_scores(3, status=503)
    delivery_pk = course.release()
    course.deliver_due()
    failed = course.row(delivery_pk)
    assert (failed.state, failed.attempts) == ("failed", 3)
    assert failed.last_error == "score: HTTP 503 (scripted_fault) (gave up after 3 attempts)"

    with course.app.app_context():
        session = db.get_session()
        context_pk = session.get(GradeDelivery, delivery_pk).resource_link.context_pk
        GradeService(session).retry(delivery_pk, context_pk=context_pk)
        session.commit()
    course.deliver_due()

    row = course.row(delivery_pk)
    assert (row.state, row.attempts) == ("delivered", 1)
    (score,) = course.platform.scores_for(course.line_item)
    assert score["timestamp"] == failed.released_at.isoformat(timespec="microseconds") + "+00:00"


# ----------------------------------------------------------------------------- order


def test_a_later_release_supersedes_a_pending_one_and_the_lms_never_sees_the_older(course):
    course.platform.fail_next_scores(1, status=500)
    first = course.release(score_given=5)
    course.deliver_now()  # the first attempt fails; a retry is scheduled
    second = course.release(score_given=9)

    course.deliver_due()

    assert course.row(first).state == "superseded"
    assert course.row(second).state == "delivered"
    assert [s["scoreGiven"] for s in course.platform.scores_for(course.line_item)] == [9]
    assert course.platform.result(course.line_item, LEARNER.id)["scoreGiven"] == 9


def test_two_releases_in_a_row_reach_the_lms_newest_last(course):
    course.release(score_given=5)
    course.deliver_due()
    course.release(score_given=7)
    course.deliver_due()

    first, second = course.platform.scores_for(course.line_item)
    assert (first["scoreGiven"], second["scoreGiven"]) == (5, 7)
    assert first["timestamp"] < second["timestamp"]
    assert course.platform.result(course.line_item, LEARNER.id)["scoreGiven"] == 7


# ----------------------------------------------------------------------------- workers


def test_two_workers_racing_deliver_each_grade_once(course):
    released = [course.release(user_id=LEARNER.id), course.release(user_id=SECOND_LEARNER.id)]
    start = threading.Barrier(2)

    def work() -> None:
        with course.app.app_context():
            deliverer = course.deliverer()
            start.wait()
            for delivery_pk in released:
                deliverer.deliver(delivery_pk)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    users = sorted(s["userId"] for s in course.platform.scores_for(course.line_item))
    assert users == [LEARNER.id, SECOND_LEARNER.id]
    assert {course.row(pk).state for pk in released} == {"delivered"}


def test_a_grade_claimed_by_a_worker_that_died_is_delivered_by_the_sweep(course):
    delivery_pk = course.release()
    with course.app.app_context():
        dead = course.deliverer().outbox.claim(delivery_pk, course.clock())
    assert dead is not None  # ... and the worker is killed before it sends anything
    assert course.deliverer().sweep(timedelta(seconds=60)) == []

    course.clock.advance(timedelta(minutes=3))  # its lease has expired
    stale = course.deliverer().sweep(timedelta(seconds=60))
    with course.app.app_context():
        for pk in stale:
            course.deliverer().deliver(pk)

    assert stale == [delivery_pk]
    assert course.row(delivery_pk).state == "delivered"
    assert len(course.platform.scores_for(course.line_item)) == 1


# ----------------------------------------------------------------------------- Canvas


def test_canvas_gets_a_new_submission_then_a_grade_only_update(canvas_course):
    submitted = datetime(2026, 11, 30, 9, 15, 0)
    canvas_course.release(
        score_given=None,
        activity_progress="Submitted",
        grading_progress="PendingManual",
        comment=None,
        submitted_at=submitted,
    )
    canvas_course.deliver_due()
    canvas_course.release(score_given=9, submitted_at=submitted)
    canvas_course.deliver_due()

    submission, grading = canvas_course.platform.scores_for(canvas_course.line_item)
    assert submission[CANVAS_SUBMISSION] == {
        "new_submission": True,
        "submitted_at": "2026-11-30T09:15:00.000000+00:00",
    }
    assert grading[CANVAS_SUBMISSION] == {
        "new_submission": False,
        "submitted_at": "2026-11-30T09:15:00.000000+00:00",
    }
    result = canvas_course.platform.result(canvas_course.line_item, LEARNER.id)
    assert (result["scoreGiven"], result["submission_attempts"]) == (9, 1)


def test_canvas_gets_a_grade_only_update_for_a_grade_without_a_submission(canvas_course):
    canvas_course.release()
    canvas_course.deliver_due()

    (score,) = canvas_course.platform.scores_for(canvas_course.line_item)
    assert score[CANVAS_SUBMISSION] == {"new_submission": False}


def test_other_platforms_get_no_canvas_extension(course):
    course.release(submitted_at=datetime(2026, 11, 30, 9, 15, 0))
    course.deliver_due()

    (score,) = course.platform.scores_for(course.line_item)
    assert CANVAS_SUBMISSION not in score


# ----------------------------------------------------------------------------- line items


def test_the_line_item_is_created_when_the_platform_made_none_and_then_reused(connected):
    connected.platform.resource_link("c1", "ungraded", graded=False)
    launch(connected.platform, user=LEARNER, course_id="c1", resource_link_id="ungraded")
    course = Course(connected, Clock())

    course.release(link_id="ungraded", score_given=3)
    course.deliver_due()
    course.release(link_id="ungraded", score_given=4)
    course.deliver_due()

    (created,) = [
        item for item in connected.platform.line_items.values() if item.get("tag") == "discussion"
    ]
    assert {k: created[k] for k in ("label", "scoreMaximum", "resourceLinkId", "resourceId")} == {
        "label": "Scenario: John the roofer",
        "scoreMaximum": 10,
        "resourceLinkId": "ungraded",
        "resourceId": "scenario:john-roofer",
    }
    assert [s["scoreGiven"] for s in connected.platform.scores_for(created["id"])] == [3, 4]
    with connected.app.app_context():
        link = db.get_session().scalar(
            select(ResourceLink).where(ResourceLink.resource_link_id == "ungraded")
        )
        assert link.ags_lineitem_url == created["id"]
    creations = [
        r
        for r in connected.platform.recorded.service_requests
        if r["method"] == "POST" and r["path"] == "/ags/c1/lineitems"
    ]
    assert len(creations) == 1


def test_an_existing_line_item_of_the_link_is_found_not_duplicated(connected):
    connected.platform.resource_link("c1", "ungraded", graded=False)
    existing = connected.platform.create_line_item(
        "c1",
        {
            "label": "Made by hand",
            "scoreMaximum": 10,
            "resourceLinkId": "ungraded",
            "resourceId": "scenario:john-roofer",
            "tag": "discussion",
        },
        client_id=connected.client_id,
    )
    launch(connected.platform, user=LEARNER, course_id="c1", resource_link_id="ungraded")
    course = Course(connected, Clock())

    course.release(link_id="ungraded")
    course.deliver_due()

    assert len(connected.platform.scores_for(existing["id"])) == 1
    assert not [
        r
        for r in connected.platform.recorded.service_requests
        if r["method"] == "POST" and r["path"] == "/ags/c1/lineitems"
    ]
