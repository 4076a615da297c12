"""The assignments' tables (migration 0005).

A placement (``assignments``) is one assignment of the course at one resource link: the same
assignment placed twice, in two courses or by two platforms has separate placements, because a
resource link is unique within its deployment. Every other row hangs off a placement, so a query
that starts from the launch's link cannot reach another course's essays.

An essay's text lives in ``assignment_drafts.body`` (while it is written) and in
``assignment_submissions.body`` (each submitted version, never updated). Files live on disk
under ``assignment_files.storage_name`` (random), outside any served folder.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..models import Base, ResourceLink, User, utcnow

# Late policies: a submission after the due date is taken and marked late, or refused with a
# message saying so (never silently).
ACCEPT_LATE = "accept_late"
REFUSE_LATE = "refuse_late"
LATE_POLICIES = (ACCEPT_LATE, REFUSE_LATE)

# Marking states.
MARK_DRAFT = "draft"
MARK_RELEASED = "released"

# Audit actions: what an instructor opened.
OPENED_SUBMISSION = "opened_submission"
DOWNLOADED_FILE = "downloaded_file"
EXPORTED_MARKS = "exported_marks"


class Placement(Base):
    """One assignment at one resource link, with the instructor's overrides of its defaults.

    ``None`` in an override means "the default": the LMS's custom parameter where it sends one
    (``due_at``), else the course's ``content/``.
    """

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint(
            "resource_link_pk", "assignment_id", name="uq_assignments_link_assignment"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_link_pk: Mapped[int] = mapped_column(
        ForeignKey("resource_links.id", ondelete="CASCADE")
    )
    assignment_id: Mapped[str] = mapped_column(String(255))
    due_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    word_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    late_policy: Mapped[str | None] = mapped_column(String(32), nullable=True)
    resubmission: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    resource_link: Mapped[ResourceLink] = relationship()


class Draft(Base):
    """The essay as it is being written, saved as the learner types.

    ``revision`` counts saves: a save names the revision it started from, and a save from an
    older revision (another tab, a device that was offline) is a conflict, not an overwrite.
    """

    __tablename__ = "assignment_drafts"
    __table_args__ = (
        UniqueConstraint("placement_pk", "user_id", name="uq_assignment_drafts_user"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    placement_pk: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Submission(Base):
    """One submitted version of one learner's essay: never changed once written.

    ``request_key`` is the submit form's one-time key: the same form sent twice (a retry after
    a lost answer) finds the version it made instead of making another.
    """

    __tablename__ = "assignment_submissions"
    __table_args__ = (
        UniqueConstraint(
            "placement_pk", "user_id", "version", name="uq_assignment_submissions_version"
        ),
        UniqueConstraint(
            "placement_pk", "user_id", "request_key", name="uq_assignment_submissions_request"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    placement_pk: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer)
    #: SHA-256 of what was submitted (text and files); ``receipt`` is its short, quotable form.
    content_hash: Mapped[str] = mapped_column(String(64))
    receipt: Mapped[str] = mapped_column(String(32))
    request_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The due date in force when it was submitted (for the record).
    due_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    user: Mapped[User] = relationship()


class Attachment(Base):
    """A file a learner attached. ``in_draft``: part of what the next Submit hands in.

    The bytes are at ``storage_name`` (random) in the files folder; ``filename`` is what the
    learner called it (shown to them and to instructors, never logged).
    """

    __tablename__ = "assignment_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    placement_pk: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    in_draft: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SubmittedFile(Base):
    """Which files a submitted version handed in."""

    __tablename__ = "assignment_submitted_files"

    submission_pk: Mapped[int] = mapped_column(
        ForeignKey("assignment_submissions.id", ondelete="CASCADE"), primary_key=True
    )
    attachment_pk: Mapped[int] = mapped_column(
        ForeignKey("assignment_files.id", ondelete="CASCADE"), primary_key=True
    )


class Mark(Base):
    """An instructor's marking of one submitted version: rubric points, feedback, release."""

    __tablename__ = "assignment_marks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_pk: Mapped[int] = mapped_column(
        ForeignKey("assignment_submissions.id", ondelete="CASCADE"), unique=True
    )
    marker_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    #: JSON object: rubric criterion id → points given.
    points: Mapped[str] = mapped_column(Text, default="{}")
    total: Mapped[float] = mapped_column(Float, default=0)
    maximum: Mapped[float] = mapped_column(Float, default=0)
    feedback: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default=MARK_DRAFT)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    submission: Mapped[Submission] = relationship()


class AuditEntry(Base):
    """An instructor opened a learner's work (administrators read these)."""

    __tablename__ = "assignment_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    placement_pk: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    learner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    submission_pk: Mapped[int | None] = mapped_column(
        ForeignKey("assignment_submissions.id", ondelete="SET NULL"), nullable=True
    )
    action: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
