"""The grade outbox: one row per released grade, the source of truth for delivery.

A row's ``state``:

* ``pending``: to deliver at ``next_attempt_at``; a worker that claimed it holds
  ``lease_until``/``lease_owner`` while it talks to the platform.
* ``delivered``: the platform accepted it.
* ``superseded``: a later release for the same user and resource link replaced it
  before it was delivered; it is never sent.
* ``failed``: the platform refused it, or it failed too often; an instructor may retry.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..models import Base, ResourceLink, User, utcnow

PENDING = "pending"
DELIVERED = "delivered"
SUPERSEDED = "superseded"
FAILED = "failed"
STATES = (PENDING, DELIVERED, SUPERSEDED, FAILED)


class GradeDelivery(Base):
    """One grade released for one user on one resource link, and how its delivery went."""

    __tablename__ = "grade_deliveries"
    __table_args__ = (
        Index("ix_grade_deliveries_link_user", "resource_link_pk", "user_pk", "released_at"),
        Index("ix_grade_deliveries_state_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_link_pk: Mapped[int] = mapped_column(
        ForeignKey("resource_links.id", ondelete="CASCADE")
    )
    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    # What the platform receives (AGS score; line item label, resourceId and tag).
    score_given: Mapped[float | None] = mapped_column(Float, nullable=True)
    score_maximum: Mapped[float] = mapped_column(Float)
    activity_progress: Mapped[str] = mapped_column(String(32))
    grading_progress: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: When the learner submitted the work graded (Canvas' ``submitted_at``).
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    #: Canvas: whether this score starts a new submission attempt (else a grade-only update).
    new_submission: Mapped[bool] = mapped_column(Boolean, default=False)
    label: Mapped[str] = mapped_column(String(255))
    resource_id: Mapped[str] = mapped_column(String(255))
    tag: Mapped[str] = mapped_column(String(255))
    #: The release's time (UTC): the score's ``timestamp``, unchanged by retries.
    released_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    # Delivery.
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: Short reason of the last failed attempt: a status and a phrase, never a body or token.
    last_error: Mapped[str | None] = mapped_column(String(255), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    resource_link: Mapped[ResourceLink] = relationship()
    user: Mapped[User] = relationship()
