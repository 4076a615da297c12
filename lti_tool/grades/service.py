"""What features call: release a grade, read delivery statuses, retry a failed delivery.

``GradeService(session).release(...)`` writes the grade to the outbox
(``GradeDelivery``) in the caller's transaction: the grade and the work it grades
are committed together or not at all (transactional outbox). After the commit the
row's id goes to the job queue (``lti_tool.grades.jobs``); if that is lost, the
periodic sweep finds the row. Delivery rules are in ``lti_tool.grades.delivery``.

Rules kept here:

* A grade's ``timestamp`` is its release time, strictly later than any earlier
  release for the same user and link (so the LMS can order them).
* A release supersedes the user's undelivered (pending or failed) earlier grades on
  the link: they are never sent, so an older grade can't overwrite a newer one.
* ``new_submission`` (Canvas): a release starts a submission attempt only if it
  carries ``submitted_at`` and no earlier grade with that same submission time may
  already have reached the LMS; grading it later is a grade-only update.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session

from ..models import ResourceLink, User, utcnow
from . import jobs
from .models import DELIVERED, FAILED, PENDING, SUPERSEDED, GradeDelivery

#: AGS §3.4.6 and §3.4.7.
ACTIVITY_PROGRESS = ("Initialized", "Started", "InProgress", "Submitted", "Completed")
GRADING_PROGRESS = ("FullyGraded", "Pending", "PendingManual", "Failed", "NotReady")
TEXT_LIMIT = 255
TICK = timedelta(microseconds=1)


class GradeError(ValueError):
    """A release the LMS would refuse (a programming error in the calling feature)."""


class RetryRefused(LookupError):
    """No delivery to retry: not in the instructor's course, or nothing left to deliver."""


@dataclass(frozen=True)
class DeliveryStatus:
    """Where a user's latest grade on a link stands: ``pending``, ``delivered`` or ``failed``."""

    delivery_pk: int
    state: str
    attempts: int
    #: The last failed attempt's short reason (status and error code, never content).
    last_error: str | None
    #: When the next attempt is due (pending only).
    next_attempt_at: datetime | None
    released_at: datetime
    delivered_at: datetime | None
    score_given: float | None
    score_maximum: float


class GradeService:
    def __init__(self, session: Session) -> None:
        self._session = session

    def release(
        self,
        *,
        resource_link: ResourceLink,
        user: User,
        score_given: float | None,
        score_maximum: float,
        activity_progress: str,
        grading_progress: str,
        comment: str | None = None,
        submitted_at: datetime | None = None,
        label: str,
        resource_id: str,
        tag: str,
    ) -> GradeDelivery:
        """Writes the grade to deliver in the caller's transaction (transactional outbox);
        the caller commits. Delivery starts after the commit.

        ``submitted_at`` is when the learner submitted the graded work (naive UTC or
        aware); ``label``, ``resource_id`` and ``tag`` describe the line item if the tool
        has to find or create it.
        """
        check_grade(score_given, score_maximum, activity_progress, grading_progress, label)
        session = self._session
        if resource_link.id is None or user.id is None:
            session.flush()
        same_user = and_(
            GradeDelivery.resource_link_pk == resource_link.id, GradeDelivery.user_pk == user.id
        )
        now = utcnow()
        latest = session.scalar(
            select(GradeDelivery.released_at)
            .where(same_user)
            .order_by(GradeDelivery.released_at.desc())
            .limit(1)
        )
        released_at = max(now, latest + TICK) if latest is not None else now
        submitted = naive_utc(submitted_at)
        new_submission = submitted is not None and not session.scalar(
            select(
                exists().where(
                    same_user,
                    GradeDelivery.submitted_at == submitted,
                    or_(GradeDelivery.state == DELIVERED, GradeDelivery.lease_until > now),
                )
            )
        )
        session.execute(
            update(GradeDelivery)
            .where(same_user, GradeDelivery.state.in_((PENDING, FAILED)))
            .values(state=SUPERSEDED, next_attempt_at=None)
            .execution_options(synchronize_session="fetch")
        )
        delivery = GradeDelivery(
            resource_link_pk=resource_link.id,
            user_pk=user.id,
            score_given=score_given,
            score_maximum=score_maximum,
            activity_progress=activity_progress,
            grading_progress=grading_progress,
            comment=comment or None,
            submitted_at=submitted,
            new_submission=new_submission,
            label=label[:TEXT_LIMIT],
            resource_id=resource_id[:TEXT_LIMIT],
            tag=tag[:TEXT_LIMIT],
            released_at=released_at,
            state=PENDING,
            attempts=0,
            next_attempt_at=released_at,
        )
        session.add(delivery)
        session.flush()
        jobs.enqueue_after_commit(session, delivery.id)
        return delivery

    def statuses(self, resource_link_pk: int) -> dict[int, DeliveryStatus]:
        """By user pk: the state of each user's latest grade on the link."""
        rows = self._session.scalars(
            select(GradeDelivery)
            .where(
                GradeDelivery.resource_link_pk == resource_link_pk,
                GradeDelivery.state != SUPERSEDED,
            )
            .order_by(GradeDelivery.released_at, GradeDelivery.id)
            .execution_options(populate_existing=True)
        )
        return {row.user_pk: status_of(row) for row in rows}

    def retry(self, delivery_pk: int, *, context_pk: int) -> None:
        """An instructor's "retry now", for a delivery of their own course; the caller commits.

        A failed delivery starts again with a fresh count of attempts; a pending one is
        tried now instead of at its next backoff time. It sends the same grade with the
        same timestamp, so whatever the LMS keeps does not change by retrying.
        """
        delivery = self._session.scalar(
            select(GradeDelivery)
            .join(ResourceLink, ResourceLink.id == GradeDelivery.resource_link_pk)
            .where(GradeDelivery.id == delivery_pk, ResourceLink.context_pk == context_pk)
        )
        if delivery is None or delivery.state not in (PENDING, FAILED):
            raise RetryRefused("no grade waiting for delivery with that id in this course")
        if delivery.state == FAILED:
            delivery.attempts = 0
        delivery.state = PENDING
        delivery.next_attempt_at = utcnow()
        self._session.flush()
        jobs.enqueue_after_commit(self._session, delivery.id)


def check_grade(
    score_given: float | None,
    score_maximum: float,
    activity_progress: str,
    grading_progress: str,
    label: str,
) -> None:
    if not isinstance(score_maximum, int | float) or score_maximum <= 0:
        raise GradeError("score_maximum must be a number above 0")
    if score_given is not None and (not isinstance(score_given, int | float) or score_given < 0):
        raise GradeError("score_given must be None or a number of at least 0")
    if activity_progress not in ACTIVITY_PROGRESS:
        raise GradeError(f"activity_progress must be one of {', '.join(ACTIVITY_PROGRESS)}")
    if grading_progress not in GRADING_PROGRESS:
        raise GradeError(f"grading_progress must be one of {', '.join(GRADING_PROGRESS)}")
    if not label:
        raise GradeError("a line item needs a label")


def naive_utc(moment: datetime | None) -> datetime | None:
    """The tool stores naive UTC (``models.utcnow``); aware times are converted."""
    if moment is None or moment.tzinfo is None:
        return moment
    return (moment - moment.utcoffset()).replace(tzinfo=None)  # type: ignore[operator]


def status_of(row: GradeDelivery) -> DeliveryStatus:
    return DeliveryStatus(
        delivery_pk=row.id,
        state=row.state,
        attempts=row.attempts,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at if row.state == PENDING else None,
        released_at=row.released_at,
        delivered_at=row.delivered_at,
        score_given=row.score_given,
        score_maximum=row.score_maximum,
    )
