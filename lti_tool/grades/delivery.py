"""Delivering one outbox row: claim it, post its score, record the outcome.

A job only says "deliver row N"; the row (``GradeDelivery``) is the truth:

1. **Claim** (``Outbox.claim``): one atomic ``UPDATE … WHERE state = 'pending' AND
   due AND (lease_until IS NULL OR lease_until < now)``, checked by its rowcount, sets
   a lease (``lease_until``, ``lease_owner``) and counts the attempt. Two workers
   never hold one row; a row of the same user and link already held by another
   worker makes the claim wait, so grades of one user reach the LMS in order.
2. **Send** (``Deliverer``): a row with a later release for the same user and link is
   superseded instead; otherwise the line item is found or created and the score
   posted (``lti_tool.lti.services``). No database transaction stays open meanwhile.
3. **Finish** (``Outbox.finish``): only by the lease's owner. Delivered; or, for a
   transient failure (no answer, 5xx, 429, 401 after a new token), pending again at
   ``now + backoff`` (exponential, with jitter, at least ``Retry-After``) until
   ``attempts`` reaches the limit, then failed; a refusal that is the tool's fault
   (other 4xx) is failed at once. A worker killed mid-delivery leaves its lease to
   expire; the periodic sweep (``Outbox.stale``) enqueues the row again.

A worker killed mid-delivery: its job is gone with it (the queue handed it over), so before
sending, the claim schedules a *watch*, a job for the same row due when the lease ends
(``Deliverer(watch=…)``, as a queue's visibility timeout would). If the worker finished, the
watch finds nothing to claim; if it died, the watch's worker claims the expired lease and
delivers, a lease after the death instead of up to a minute more for the sweep.

What the LMS receives: the score once, unless a worker dies after the platform took the
score but before its answer arrived: then the platform gets it a second time, identical,
timestamp included (the release's, unchanged by retries): the gradebook keeps one
result, the same grade (Canvas takes an equal timestamp; it counts a second submission
attempt only for a score sent with ``new_submission`` true). No delivery can tell "taken
but unanswered" from "never taken": AGS scores carry no id to deduplicate by.
The lease must outlast one delivery's HTTP exchanges, or a slow but living worker and
the watch both send.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import socket
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session, aliased, selectinload

from ..lti.services import CANVAS_SUBMISSION, PlatformServices, ServiceError, is_canvas
from ..models import Deployment, Platform, ResourceLink, User, utcnow
from .models import DELIVERED, FAILED, PENDING, SUPERSEDED, GradeDelivery

log = logging.getLogger(__name__)

#: How long a claimed row is held: well beyond the HTTP timeouts of one delivery
#: (a token, a line item lookup and creation, a score, one token refresh).
LEASE = timedelta(seconds=120)
#: How soon a row waiting for another row of the same user is tried again.
BUSY_DELAY = timedelta(seconds=2)
#: A watch is due this long after the lease ends, so that it finds the lease expired.
WATCH_MARGIN = timedelta(seconds=1)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with "equal jitter": attempt n waits between half and all of
    ``base * 2**(n-1)`` seconds, capped, and at least what ``Retry-After`` asked."""

    attempts: int = 10
    base_seconds: float = 30
    max_seconds: float = 3600

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RetryPolicy:
        return cls(
            attempts=config.get("GRADE_DELIVERY_ATTEMPTS", cls.attempts),
            base_seconds=config.get("GRADE_RETRY_SECONDS", cls.base_seconds),
            max_seconds=config.get("GRADE_RETRY_MAX_SECONDS", cls.max_seconds),
        )

    def delay(
        self,
        attempt: int,
        retry_after: float | None = None,
        rand: Callable[[], float] = random.random,
    ) -> timedelta:
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** max(0, attempt - 1))
        seconds = ceiling / 2 + rand() * ceiling / 2
        return timedelta(seconds=max(seconds, retry_after or 0))


@dataclass(frozen=True)
class Outcome:
    """How one attempt ended: the row's next ``state`` and, if pending, when to retry."""

    state: str
    error: str | None = None
    retry_at: datetime | None = None


def outcome_of_failure(
    error: ServiceError, attempt: int, policy: RetryPolicy, now: datetime
) -> Outcome:
    reason = str(error)[:200]
    if not error.transient:
        return Outcome(FAILED, reason)
    if attempt >= policy.attempts:
        return Outcome(FAILED, f"{reason} (gave up after {attempt} attempts)")
    return Outcome(PENDING, reason, now + policy.delay(attempt, error.retry_after))


def iso(moment: datetime) -> str:
    """ISO 8601 with offset and microseconds, from the tool's naive UTC."""
    return moment.replace(tzinfo=UTC).isoformat(timespec="microseconds")


def score_json(delivery: GradeDelivery, user_sub: str, *, canvas: bool) -> dict[str, Any]:
    """The AGS score (§3.4) for ``delivery``; Canvas also gets its submission extension."""
    score: dict[str, Any] = {
        "userId": user_sub,
        "activityProgress": delivery.activity_progress,
        "gradingProgress": delivery.grading_progress,
        "timestamp": iso(delivery.released_at),
    }
    if delivery.score_given is not None:
        score["scoreGiven"] = delivery.score_given
        score["scoreMaximum"] = delivery.score_maximum
    if delivery.comment:
        score["comment"] = delivery.comment
    if canvas:
        # Canvas creates a new submission attempt for every score unless told otherwise.
        extension: dict[str, Any] = {"new_submission": delivery.new_submission}
        if delivery.submitted_at is not None:
            extension["submitted_at"] = iso(delivery.submitted_at)
        score[CANVAS_SUBMISSION] = extension
    return score


@dataclass(frozen=True)
class Claim:
    delivery_pk: int
    owner: str
    attempt: int
    lease_until: datetime


def lease_owner() -> str:
    """``host:pid:random``: unique per claim, and says which process holds a row (for an
    operator, or a test that kills it)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(6)}"


class Outbox:
    """Claiming, finishing and sweeping rows, each in a short transaction of its own."""

    def __init__(self, sessions: Callable[[], Session], *, lease: timedelta = LEASE) -> None:
        self._sessions = sessions
        self._lease = lease

    def claim(self, delivery_pk: int, now: datetime) -> Claim | None:
        """Hold the row if it is pending, due, unleased and no sibling row is held."""
        owner = lease_owner()
        until = now + self._lease
        sibling = aliased(GradeDelivery)
        held_sibling = exists().where(
            sibling.resource_link_pk == GradeDelivery.resource_link_pk,
            sibling.user_pk == GradeDelivery.user_pk,
            sibling.id != GradeDelivery.id,
            sibling.lease_until >= now,
        )
        with self._sessions() as session, session.begin():
            claimed = session.execute(
                update(GradeDelivery)
                .where(
                    GradeDelivery.id == delivery_pk,
                    GradeDelivery.state == PENDING,
                    GradeDelivery.next_attempt_at <= now,
                    or_(GradeDelivery.lease_until.is_(None), GradeDelivery.lease_until < now),
                    ~held_sibling,
                )
                .values(
                    lease_until=until,
                    lease_owner=owner,
                    attempts=GradeDelivery.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:
                return None
            attempt = session.scalar(
                select(GradeDelivery.attempts).where(GradeDelivery.id == delivery_pk)
            )
        return Claim(delivery_pk, owner, attempt or 1, until)

    def waiting(self, delivery_pk: int, now: datetime) -> bool:
        """Pending, due and unleased, yet not claimed: a sibling row is being delivered."""
        with self._sessions() as session:
            return bool(
                session.scalar(
                    select(
                        exists().where(
                            GradeDelivery.id == delivery_pk,
                            GradeDelivery.state == PENDING,
                            GradeDelivery.next_attempt_at <= now,
                            or_(
                                GradeDelivery.lease_until.is_(None),
                                GradeDelivery.lease_until < now,
                            ),
                        )
                    )
                )
            )

    def finish(self, claim: Claim, outcome: Outcome, now: datetime) -> bool:
        """Record ``outcome`` and release the lease; false if the lease was lost meanwhile.

        A row superseded while it was being sent stays superseded.
        """
        values: dict[str, Any] = {"lease_until": None, "lease_owner": None}
        if outcome.error is not None:
            values["last_error"] = outcome.error
        if outcome.state == DELIVERED:
            values["delivered_at"] = now
        with self._sessions() as session, session.begin():
            mine = and_(
                GradeDelivery.id == claim.delivery_pk, GradeDelivery.lease_owner == claim.owner
            )
            session.execute(
                update(GradeDelivery)
                .where(mine, GradeDelivery.state == PENDING)
                .values(state=outcome.state, next_attempt_at=outcome.retry_at)
                .execution_options(synchronize_session=False)
            )
            released = session.execute(
                update(GradeDelivery)
                .where(mine)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            return released.rowcount == 1

    def stale(self, now: datetime, grace: timedelta, limit: int = 500) -> list[int]:
        """Rows a job should be on but apparently is not: pending, due for longer than
        ``grace`` (a lost job) or whose lease expired (a worker killed mid-delivery)."""
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(GradeDelivery.id)
                    .where(
                        GradeDelivery.state == PENDING,
                        or_(
                            GradeDelivery.lease_until < now,
                            and_(
                                GradeDelivery.lease_until.is_(None),
                                GradeDelivery.next_attempt_at <= now - grace,
                            ),
                        ),
                    )
                    .order_by(GradeDelivery.released_at)
                    .limit(limit)
                )
            )


class GradeChannel(Protocol):
    """What delivery needs from a platform (``lti_tool.lti.services.PlatformServices``)."""

    def line_item_url(
        self, link: ResourceLink, *, label: str, resource_id: str, tag: str, score_maximum: float
    ) -> str: ...

    def post_score(self, line_item_url: str, score: Mapping[str, Any]) -> None: ...


ChannelFactory = Callable[[Session, Platform], GradeChannel]
#: ``watch(delivery_pk, at)``: have the row tried again at ``at`` (see the module's docstring).
Watch = Callable[[int, datetime], None]


class Deliverer:
    """Delivers one row per call; what a job runs."""

    def __init__(
        self,
        sessions: Callable[[], Session],
        *,
        channel: ChannelFactory = PlatformServices.of,
        policy: RetryPolicy | None = None,
        clock: Callable[[], datetime] = utcnow,
        lease: timedelta = LEASE,
        watch: Watch | None = None,
    ) -> None:
        self._sessions = sessions
        self._watch = watch
        self._channel = channel
        self._policy = policy or RetryPolicy()
        self._clock = clock
        self.outbox = Outbox(sessions, lease=lease)

    def deliver(self, delivery_pk: int) -> datetime | None:
        """Try to deliver row ``delivery_pk``; returns when a job should try again, if ever."""
        now = self._clock()
        claim = self.outbox.claim(delivery_pk, now)
        if claim is None:
            return now + BUSY_DELAY if self.outbox.waiting(delivery_pk, now) else None
        if self._watch is not None:
            try:
                self._watch(delivery_pk, claim.lease_until + WATCH_MARGIN)
            except Exception as error:  # the queue is down: the sweep is still there
                log.warning("grade delivery %s: no watch (%s)", delivery_pk, type(error).__name__)
        try:
            outcome = self._send(claim, now)
        except Exception as error:
            # A bug, not the platform: keep the row pending, retried on the backoff. Where,
            # not what: an error's text (e.g. SQL parameters) could quote the learner's work.
            log.error(
                "grade delivery %s: unexpected %s\n%s",
                delivery_pk,
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)),
            )
            outcome = outcome_of_failure(
                ServiceError("internal error in the tool", status=None),
                claim.attempt,
                self._policy,
                now,
            )
        finished = self._clock()
        if not self.outbox.finish(claim, outcome, finished):
            log.warning(
                "grade delivery %s: lease lost before the outcome was recorded", delivery_pk
            )
            return None
        if outcome.state == PENDING:
            log.info(
                "grade delivery %s: attempt %s failed (%s); next try at %s",
                delivery_pk,
                claim.attempt,
                outcome.error,
                outcome.retry_at,
            )
            return outcome.retry_at
        if outcome.state == FAILED:
            log.warning("grade delivery %s failed: %s", delivery_pk, outcome.error)
        return None

    def _send(self, claim: Claim, now: datetime) -> Outcome:
        with self._sessions() as session:
            delivery = session.scalar(
                select(GradeDelivery)
                .where(GradeDelivery.id == claim.delivery_pk)
                .options(
                    selectinload(GradeDelivery.user),
                    selectinload(GradeDelivery.resource_link).selectinload(ResourceLink.context),
                )
            )
            if delivery is None or delivery.state != PENDING:
                return Outcome(SUPERSEDED)
            if self._superseded(session, delivery):
                return Outcome(SUPERSEDED)
            link = delivery.resource_link
            user: User = delivery.user
            platform = session.scalar(
                select(Platform).join(Deployment).where(Deployment.id == link.deployment_id)
            )
            session.commit()  # no transaction stays open while the platform answers
            try:
                channel = self._channel(session, platform)
                url = channel.line_item_url(
                    link,
                    label=delivery.label,
                    resource_id=delivery.resource_id,
                    tag=delivery.tag,
                    score_maximum=delivery.score_maximum,
                )
                session.commit()  # keep a found or created line item's URL
                channel.post_score(url, score_json(delivery, user.sub, canvas=is_canvas(platform)))
            except ServiceError as error:
                session.rollback()
                return outcome_of_failure(error, claim.attempt, self._policy, now)
        return Outcome(DELIVERED)

    @staticmethod
    def _superseded(session: Session, delivery: GradeDelivery) -> bool:
        """A later release of the same user and link exists: this one must not be sent."""
        later = aliased(GradeDelivery)
        return bool(
            session.scalar(
                select(
                    exists().where(
                        later.resource_link_pk == delivery.resource_link_pk,
                        later.user_pk == delivery.user_pk,
                        later.state != SUPERSEDED,
                        or_(
                            later.released_at > delivery.released_at,
                            and_(later.released_at == delivery.released_at, later.id > delivery.id),
                        ),
                    )
                )
            )
        )

    def sweep(self, grace: timedelta) -> list[int]:
        """Rows to enqueue again (see ``Outbox.stale``)."""
        return self.outbox.stale(self._clock(), grace)
