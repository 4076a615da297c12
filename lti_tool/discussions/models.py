"""The discussions' tables (migration 0004).

A discussion belongs to one resource link and one scenario of the course: the same scenario
placed twice in a course, in two courses or by two platforms gives separate discussions,
because a resource link is unique within its deployment (``lti_tool.models``). Every other
row hangs off a discussion, so a query that starts from the launch's link cannot reach
another course's words.

Post text lives only in ``discussion_posts.body`` and ``discussion_revisions.body``; deleting
a post empties both.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..models import Base, ResourceLink, User, utcnow

# Commentary reveal modes.
AFTER_POSTING = "after_posting"
WHEN_RELEASED = "when_released"
FROM_DATE = "from_date"
REVEAL_MODES = (AFTER_POSTING, WHEN_RELEASED, FROM_DATE)

# Grading modes (grades themselves: a later layer).
UNGRADED = "ungraded"
PARTICIPATION = "participation"
MARK = "mark"
GRADING_MODES = (UNGRADED, PARTICIPATION, MARK)

# Post states.
VISIBLE = "visible"
HIDDEN = "hidden"
DELETED = "deleted"

# Report reasons; SAFEGUARDING is "I am worried about this person".
SAFEGUARDING = "safeguarding"
REPORT_REASONS = {
    SAFEGUARDING: "I am worried about this person",
    "disrespectful": "It is disrespectful or hurtful",
    "private": "It shares someone's private information",
    "other": "Something else",
}


class Discussion(Base):
    """One scenario's discussion at one resource link, with the instructor's settings."""

    __tablename__ = "discussions"
    __table_args__ = (
        UniqueConstraint("resource_link_pk", "scenario_id", name="uq_discussions_link_scenario"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_link_pk: Mapped[int] = mapped_column(
        ForeignKey("resource_links.id", ondelete="CASCADE")
    )
    scenario_id: Mapped[str] = mapped_column(String(255))
    #: Learners see the others' posts only after posting their own.
    post_first: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Peers see "Participant N"; instructors always see who wrote.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    commentary_reveal: Mapped[str] = mapped_column(String(32), default=AFTER_POSTING)
    #: Set when an instructor releases the commentary (in any mode).
    commentary_released_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    #: With ``from_date``: the commentary shows from this moment (UTC).
    commentary_from: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    edit_window_minutes: Mapped[int] = mapped_column(Integer, default=30)
    max_length: Mapped[int] = mapped_column(Integer, default=5000)
    grading: Mapped[str] = mapped_column(String(32), default=UNGRADED)
    #: Participation: posts needed for a complete grade. Mark: the maximum mark.
    grading_target: Mapped[int] = mapped_column(Integer, default=1)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    resource_link: Mapped[ResourceLink] = relationship()


class Participant(Base):
    """A person who has opened a discussion: their pseudonym and their visits."""

    __tablename__ = "discussion_participants"
    __table_args__ = (
        UniqueConstraint("discussion_id", "user_id", name="uq_discussion_participants_user"),
        UniqueConstraint(
            "discussion_id", "pseudonym_number", name="uq_discussion_participants_pseudonym"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    discussion_id: Mapped[int] = mapped_column(
        ForeignKey("discussions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: "Participant <n>" to peers of an anonymous discussion; given at the first post.
    pseudonym_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: The visit before the current one: posts after it are "new since your last visit".
    previous_visit_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_visit_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship()


class Post(Base):
    """A post or a reply. ``body`` is ``None`` once its author deleted it."""

    __tablename__ = "discussion_posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    discussion_id: Mapped[int] = mapped_column(
        ForeignKey("discussions.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion_posts.id", ondelete="CASCADE"), nullable=True
    )
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    state: Mapped[str] = mapped_column(String(16), default=VISIBLE)
    #: Why an instructor hid it (shown to its author).
    hidden_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    author: Mapped[User] = relationship()


class Revision(Base):
    """The text a post had before an edit (instructors can read the history)."""

    __tablename__ = "discussion_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_posts.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Draft(Base):
    """The composer's unposted text, saved as the learner types; removed once they post.

    Kept on the server because a framed tool in a browser that blocks third-party cookies
    gets no storage of its own either; a new launch finds the draft here.
    """

    __tablename__ = "discussion_drafts"
    __table_args__ = (
        UniqueConstraint("discussion_id", "user_id", name="uq_discussion_drafts_user"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Report(Base):
    """A learner's report of a post to the instructors; never shown to peers."""

    __tablename__ = "discussion_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_posts.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    handled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
