"""The grade rules, without HTTP: releases, supersession, statuses, retries, claims and
leases, backoff, and what an attempt's outcome is. A fake channel stands for the LMS."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool import db
from lti_tool.grades.delivery import Deliverer, RetryPolicy, outcome_of_failure, score_json
from lti_tool.grades.models import GradeDelivery
from lti_tool.grades.service import GradeError, GradeService, RetryRefused
from lti_tool.lti.services import ServiceError
from lti_tool.models import Context, ResourceLink, User, utcnow
from lti_tool.registrations import register_platform

GRADE = {
    "score_given": 8,
    "score_maximum": 10,
    "activity_progress": "Completed",
    "grading_progress": "FullyGraded",
    "comment": "My essay about John's first day back at work.",
    "label": "Scenario: John the roofer",
    "resource_id": "scenario:john-roofer",
    "tag": "discussion",
}
NOW = datetime(2026, 11, 30, 12, 0, 0)


@dataclass
class FakeLms:
    """Records scores; answers with the errors a test queues, else accepts."""

    errors: list[ServiceError] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, session: Session, platform) -> FakeLms:
        return self

    def line_item_url(self, link, *, label, resource_id, tag, score_maximum) -> str:
        return "https://lms.example/lineitems/1"

    def post_score(self, line_item_url: str, score: dict[str, Any]) -> None:
        if self.errors:
            raise self.errors.pop(0)
        self.scores.append(score)


@dataclass
class World:
    app: Flask
    session: Session
    link: ResourceLink
    other_link: ResourceLink
    learner: User
    lms: FakeLms

    def release(self, user: User | None = None, link: ResourceLink | None = None, **changes):
        delivery = GradeService(self.session).release(
            resource_link=link or self.link, user=user or self.learner, **{**GRADE, **changes}
        )
        self.session.commit()
        return delivery

    def deliverer(self, now: datetime = NOW, **policy) -> Deliverer:
        return Deliverer(
            self.app.extensions["lti_tool.sessionmaker"],
            channel=self.lms,
            policy=RetryPolicy(**policy),
            clock=lambda: now,
        )

    def row(self, delivery_pk: int) -> GradeDelivery:
        self.session.expire_all()
        return self.session.get(GradeDelivery, delivery_pk)


@pytest.fixture
def world(app) -> Iterator[World]:
    """One platform, two courses with a link each, a learner; nothing released yet."""
    with app.app_context():
        session = db.get_session()
        platform = register_platform(
            session,
            issuer="https://lms.example",
            client_id="tool",
            auth_login_url="https://lms.example/auth",
            auth_token_url="https://lms.example/token",
            key_set_url="https://lms.example/jwks",
            deployment_ids=["1"],
        )
        deployment = platform.deployments[0]
        links = []
        for course in ("c1", "c2"):
            context = Context(deployment_id=deployment.id, context_id=course)
            session.add(context)
            session.flush()
            link = ResourceLink(
                deployment_id=deployment.id, context_pk=context.id, resource_link_id="a-" + course
            )
            session.add(link)
            links.append(link)
        learner = User(issuer=platform.issuer, sub="learner-1", name="Lee")
        session.add(learner)
        session.commit()
        yield World(app, session, links[0], links[1], learner, FakeLms())


# The release times below are real (utcnow); deliveries use a clock set well after them.
def later(minutes: int = 5) -> datetime:
    return utcnow() + timedelta(minutes=minutes)


# ----------------------------------------------------------------------------- release


def test_a_release_is_a_pending_row_due_at_its_release_time(world):
    before = utcnow()
    delivery = world.release()

    row = world.row(delivery.id)
    assert (row.state, row.attempts, row.last_error) == ("pending", 0, None)
    assert before <= row.released_at <= utcnow()
    assert row.next_attempt_at == row.released_at


def test_a_release_is_undone_with_the_callers_transaction(world):
    GradeService(world.session).release(resource_link=world.link, user=world.learner, **GRADE)
    world.session.rollback()

    assert world.session.scalars(select(GradeDelivery)).all() == []


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"score_maximum": 0}, "score_maximum"),
        ({"score_given": -1}, "score_given"),
        ({"activity_progress": "Done"}, "activity_progress"),
        ({"grading_progress": "Graded"}, "grading_progress"),
        ({"label": ""}, "label"),
    ],
)
def test_a_release_the_lms_would_refuse_is_an_error_for_the_calling_feature(
    world, changes, message
):
    with pytest.raises(GradeError, match=message):
        world.release(**changes)


def test_each_release_is_timestamped_after_the_users_previous_one(world):
    times = [world.release(score_given=n).released_at for n in range(5)]

    assert times == sorted(times) and len(set(times)) == 5


def test_a_later_release_supersedes_the_users_undelivered_grade_on_the_link(world):
    first = world.release(score_given=5)
    other_user = User(issuer="https://lms.example", sub="learner-2")
    world.session.add(other_user)
    someone_else = world.release(user=other_user)
    elsewhere = world.release(link=world.other_link)

    second = world.release(score_given=9)

    assert world.row(first.id).state == "superseded"
    assert world.row(first.id).next_attempt_at is None
    assert {world.row(pk).state for pk in (second.id, someone_else.id, elsewhere.id)} == {"pending"}


def test_a_superseded_grade_is_never_sent_even_if_its_job_runs_later(world):
    first = world.release(score_given=5)
    world.release(score_given=9)

    world.deliverer(later()).deliver(first.id)

    assert world.lms.scores == []
    assert world.row(first.id).state == "superseded"


def test_an_older_grade_found_pending_beside_a_newer_one_is_superseded_not_sent(world):
    # Two releases committed concurrently can both be pending; the older must lose.
    first = world.release(score_given=5)
    second = world.release(score_given=9)
    older = world.session.get(GradeDelivery, first.id)
    older.state, older.next_attempt_at = "pending", older.released_at
    world.session.commit()

    world.deliverer(later()).deliver(first.id)
    world.deliverer(later()).deliver(second.id)

    assert [score["scoreGiven"] for score in world.lms.scores] == [9]
    assert world.row(first.id).state == "superseded"


# ----------------------------------------------------------------------------- Canvas rules


def test_a_release_with_a_submission_time_is_a_new_submission_and_its_grading_is_not(world):
    submitted = datetime(2026, 11, 30, 9, 0)
    submission = world.release(score_given=None, submitted_at=submitted)
    world.deliverer(later()).deliver(submission.id)

    grading = world.release(score_given=9, submitted_at=submitted)
    resubmission = world.release(score_given=None, submitted_at=submitted + timedelta(hours=1))

    assert world.row(submission.id).new_submission is True
    assert world.row(grading.id).new_submission is False
    assert world.row(resubmission.id).new_submission is True


def test_grading_a_submission_that_never_reached_the_lms_still_creates_the_submission(world):
    submitted = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    world.release(score_given=None, submitted_at=submitted)  # superseded before delivery

    grading = world.release(score_given=9, submitted_at=submitted)

    assert world.row(grading.id).new_submission is True
    assert world.row(grading.id).submitted_at == datetime(2026, 11, 30, 9, 0)


def test_a_grade_without_a_submission_time_is_a_grade_only_update(world):
    assert world.row(world.release().id).new_submission is False


def test_the_score_carries_the_canvas_extension_only_for_canvas(world):
    row = world.row(world.release(submitted_at=datetime(2026, 11, 30, 9, 0)).id)

    plain = score_json(row, "learner-1", canvas=False)
    canvas = score_json(row, "learner-1", canvas=True)

    assert set(plain) == {
        "userId",
        "scoreGiven",
        "scoreMaximum",
        "comment",
        "timestamp",
        "activityProgress",
        "gradingProgress",
    }
    assert canvas["https://canvas.instructure.com/lti/submission"] == {
        "new_submission": True,
        "submitted_at": "2026-11-30T09:00:00.000000+00:00",
    }


# ----------------------------------------------------------------------------- statuses


def test_statuses_show_each_users_latest_grade_with_its_delivery_state(world):
    world.release(score_given=5)
    latest = world.release(score_given=9)
    world.lms.errors.append(ServiceError("score: HTTP 502", status=502))
    world.deliverer(later()).deliver(latest.id)

    statuses = GradeService(world.session).statuses(world.link.id)

    status = statuses[world.learner.id]
    assert list(statuses) == [world.learner.id]
    assert (status.delivery_pk, status.state, status.attempts) == (latest.id, "pending", 1)
    assert status.last_error == "score: HTTP 502"
    assert status.next_attempt_at > later()
    assert status.score_given == 9


def test_statuses_of_a_link_without_grades_are_empty(world):
    assert GradeService(world.session).statuses(world.link.id) == {}


# ----------------------------------------------------------------------------- outcomes


def test_transient_failures_are_retried_with_growing_backoff_then_fail(world):
    delivery = world.release()
    now = later()
    waits = []
    for _ in range(3):
        world.lms.errors.append(ServiceError("score: no answer (ConnectTimeout)"))
        again = world.deliverer(now, attempts=3, base_seconds=30).deliver(delivery.id)
        if again is None:
            break
        waits.append(again - now)
        now = again

    row = world.row(delivery.id)
    assert (row.state, row.attempts) == ("failed", 3)
    assert row.last_error == "score: no answer (ConnectTimeout) (gave up after 3 attempts)"
    assert timedelta(seconds=15) <= waits[0] <= timedelta(seconds=30)
    assert timedelta(seconds=30) <= waits[1] <= timedelta(seconds=60)


@pytest.mark.parametrize("status", [400, 403, 404, 415, 422])
def test_a_refusal_that_is_the_tools_fault_fails_at_once(world, status):
    delivery = world.release()
    world.lms.errors.append(ServiceError(f"score: HTTP {status}", status=status))

    assert world.deliverer(later()).deliver(delivery.id) is None

    row = world.row(delivery.id)
    assert (row.state, row.attempts, row.last_error) == ("failed", 1, f"score: HTTP {status}")


@pytest.mark.parametrize("status", [None, 401, 408, 429, 500, 502, 503, 504])
def test_no_answer_server_errors_throttling_and_refused_tokens_are_transient(status):
    outcome = outcome_of_failure(ServiceError("x", status=status), 1, RetryPolicy(), NOW)

    assert outcome.state == "pending"


def test_retry_after_is_honoured_when_longer_than_the_backoff():
    error = ServiceError("score: HTTP 429", status=429, retry_after=600)

    outcome = outcome_of_failure(error, 1, RetryPolicy(base_seconds=30), NOW)

    assert outcome.retry_at == NOW + timedelta(seconds=600)


def test_backoff_doubles_with_jitter_up_to_its_ceiling():
    policy = RetryPolicy(base_seconds=30, max_seconds=3600)

    assert policy.delay(1, rand=lambda: 0) == timedelta(seconds=15)
    assert policy.delay(1, rand=lambda: 1) == timedelta(seconds=30)
    assert policy.delay(4, rand=lambda: 1) == timedelta(seconds=240)
    assert policy.delay(20, rand=lambda: 1) == timedelta(seconds=3600)


def test_an_unexpected_error_keeps_the_grade_pending_and_logs_no_learner_text(world, caplog):
    delivery = world.release()

    class Broken(FakeLms):
        def post_score(self, line_item_url, score):
            raise RuntimeError(f"bug while sending {score['comment']}")

    world.lms = Broken()
    world.deliverer(later()).deliver(delivery.id)

    row = world.row(delivery.id)
    assert (row.state, row.last_error) == ("pending", "internal error in the tool")
    assert "unexpected RuntimeError" in caplog.text
    assert GRADE["comment"] not in caplog.text


def test_stored_errors_never_contain_the_learners_text_or_a_token(world):
    delivery = world.release()
    world.lms.errors.append(ServiceError("score: HTTP 500", status=500))
    world.deliverer(later()).deliver(delivery.id)

    row = world.row(delivery.id)
    assert GRADE["comment"] not in row.last_error
    assert "Bearer" not in row.last_error


# ----------------------------------------------------------------------------- retry


def test_an_instructor_retries_a_failed_grade_with_a_fresh_count_of_attempts(world):
    delivery = world.release()
    world.lms.errors.append(ServiceError("score: HTTP 400", status=400))
    world.deliverer(later()).deliver(delivery.id)
    released_at = world.row(delivery.id).released_at

    GradeService(world.session).retry(delivery.id, context_pk=world.link.context_pk)
    world.session.commit()
    world.deliverer(later()).deliver(delivery.id)

    row = world.row(delivery.id)
    assert (row.state, row.attempts) == ("delivered", 1)
    assert world.lms.scores[0]["timestamp"].startswith(released_at.isoformat())


def test_an_instructor_cannot_retry_a_grade_of_another_course(world):
    delivery = world.release()

    with pytest.raises(RetryRefused):
        GradeService(world.session).retry(delivery.id, context_pk=world.other_link.context_pk)


@pytest.mark.parametrize("state", ["delivered", "superseded"])
def test_there_is_nothing_to_retry_once_delivered_or_superseded(world, state):
    delivery = world.release()
    world.session.get(GradeDelivery, delivery.id).state = state
    world.session.commit()

    with pytest.raises(RetryRefused):
        GradeService(world.session).retry(delivery.id, context_pk=world.link.context_pk)


# ----------------------------------------------------------------------------- claims


def test_a_row_is_claimed_by_one_worker_at_a_time(world):
    delivery = world.release()
    outbox = world.deliverer().outbox

    first = outbox.claim(delivery.id, later())
    second = outbox.claim(delivery.id, later())

    assert first is not None and second is None
    assert world.row(delivery.id).attempts == 1


def test_many_workers_claiming_at_once_get_the_row_once(world):
    delivery = world.release()
    outbox = world.deliverer().outbox
    start = threading.Barrier(6)
    claims = []

    def claim() -> None:
        start.wait()
        claims.append(outbox.claim(delivery.id, later()))

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len([c for c in claims if c is not None]) == 1


def test_a_row_is_not_claimed_before_it_is_due(world):
    delivery = world.release()

    assert world.deliverer().outbox.claim(delivery.id, utcnow() - timedelta(minutes=1)) is None


def test_a_users_next_grade_waits_while_the_previous_one_is_being_sent(world):
    first = world.release(score_given=5)
    outbox = world.deliverer().outbox
    in_flight = outbox.claim(first.id, later())
    second = world.release(score_given=9)  # supersedes the first, which is still in flight

    retry_at = world.deliverer(later()).deliver(second.id)

    assert retry_at is not None and world.lms.scores == []
    assert world.row(second.id).attempts == 0
    outbox.finish(
        in_flight, outcome_of_failure(ServiceError("x"), 1, RetryPolicy(), later()), later()
    )
    assert world.row(first.id).state == "superseded"
    world.deliverer(later()).deliver(second.id)
    assert [score["scoreGiven"] for score in world.lms.scores] == [9]


def test_an_expired_lease_lets_the_sweep_and_another_worker_take_the_row(world):
    delivery = world.release()
    outbox = world.deliverer().outbox
    dead = outbox.claim(delivery.id, later(0))

    assert world.deliverer(later(1)).sweep(timedelta(seconds=60)) == []
    assert world.deliverer(later(5)).sweep(timedelta(seconds=60)) == [delivery.id]
    world.deliverer(later(5)).deliver(delivery.id)

    assert world.row(delivery.id).state == "delivered"
    # The dead worker, should it wake up, can no longer record anything.
    assert not outbox.finish(
        dead, outcome_of_failure(ServiceError("x"), 1, RetryPolicy(), NOW), NOW
    )
    assert world.row(delivery.id).state == "delivered"


def test_the_sweep_finds_due_rows_whose_job_was_lost_but_leaves_fresh_ones(world):
    delivery = world.release()

    assert world.deliverer(utcnow()).sweep(timedelta(seconds=60)) == []
    assert world.deliverer(later(2)).sweep(timedelta(seconds=60)) == [delivery.id]
