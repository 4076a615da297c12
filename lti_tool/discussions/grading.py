"""Grades of a graded discussion, released through the grades service (AGS, outbox).

``participation``: a learner's score is the number of their posts (not deleted) up to the
discussion's target, out of that target; ``activityProgress`` is ``InProgress`` until they
reach it, then ``Completed`` and ``FullyGraded``. A grade once earned is not taken back
when a post is deleted (the LMS may already show it; an instructor can mark it instead).

``mark``: the first post releases ``Submitted``/``PendingManual`` with no score, so the
gradebook shows work waiting; the instructor's mark out of the target is ``Completed``/
``FullyGraded``.

Everything goes through ``GradeService.release`` in the caller's transaction: the caller
commits the post and its grade together, and the outbox delivers, retries and never
applies a grade twice.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..grades.service import GradeService
from ..models import Membership, ResourceLink, User
from .models import DELETED, MARK, PARTICIPATION, Discussion, Post
from .service import NotFound, Refused, Viewer

TAG = "discussion"


class DiscussionGrading:
    def __init__(self, session: Session, grades: GradeService | None = None) -> None:
        self._session = session
        self._grades = grades or GradeService(session)

    def after_post(self, discussion: Discussion, viewer: Viewer, label: str) -> None:
        """Release what a learner's new post earns (nothing for instructors' posts)."""
        if viewer.staff or discussion.grading not in (PARTICIPATION, MARK):
            return
        posts = self._session.scalar(
            select(func.count(Post.id)).where(
                Post.discussion_id == discussion.id,
                Post.author_id == viewer.user_pk,
                Post.state != DELETED,
            )
        )
        target = discussion.grading_target
        if discussion.grading == PARTICIPATION:
            if posts > target and self._complete_released(discussion, viewer.user_pk):
                return  # already complete: nothing changes
            # Grading may have been turned on after the learner posted: what they have
            # written already counts, up to the target.
            complete = posts >= target
            self._release(
                discussion,
                viewer.user_pk,
                label,
                score_given=float(min(posts, target)),
                activity_progress="Completed" if complete else "InProgress",
                grading_progress="FullyGraded" if complete else "Pending",
            )
        elif posts == 1:
            self._release(
                discussion,
                viewer.user_pk,
                label,
                score_given=None,
                activity_progress="Submitted",
                grading_progress="PendingManual",
                submitted_at=self._first_post_at(discussion, viewer.user_pk),
            )

    def mark(
        self,
        discussion: Discussion,
        viewer: Viewer,
        user_pk: int,
        mark: float,
        label: str,
        comment: str | None = None,
    ) -> None:
        """An instructor's mark for a learner of this discussion's course."""
        if not viewer.staff:
            raise NotFound
        self._learner(discussion, user_pk)
        if discussion.grading != MARK:
            raise Refused("This discussion is not marked by instructors.")
        if not 0 <= mark <= discussion.grading_target:
            raise Refused(f"A mark is from 0 to {discussion.grading_target}.")
        self._release(
            discussion,
            user_pk,
            label,
            score_given=float(mark),
            activity_progress="Completed",
            grading_progress="FullyGraded",
            comment=comment,
            submitted_at=self._first_post_at(discussion, user_pk),
        )

    def _first_post_at(self, discussion: Discussion, user_pk: int):
        """When the learner first posted: their "submission" (Canvas keeps one per learner)."""
        return self._session.scalar(
            select(func.min(Post.created_at)).where(
                Post.discussion_id == discussion.id, Post.author_id == user_pk
            )
        )

    def _learner(self, discussion: Discussion, user_pk: int) -> User:
        link = self._link(discussion)
        user = self._session.scalar(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(User.id == user_pk, Membership.context_pk == link.context_pk)
        )
        if user is None:
            raise NotFound
        return user

    def _link(self, discussion: Discussion) -> ResourceLink:
        return self._session.get(ResourceLink, discussion.resource_link_pk)  # type: ignore[return-value]

    def _complete_released(self, discussion: Discussion, user_pk: int) -> bool:
        """Whether a complete participation grade already went out for this learner."""
        status = self._grades.statuses(discussion.resource_link_pk).get(user_pk)
        return (
            status is not None
            and status.score_given is not None
            and status.score_given >= discussion.grading_target
        )

    def _release(
        self,
        discussion: Discussion,
        user_pk: int,
        label: str,
        *,
        score_given: float | None,
        activity_progress: str,
        grading_progress: str,
        comment: str | None = None,
        submitted_at=None,
    ) -> None:
        self._grades.release(
            resource_link=self._link(discussion),
            user=self._session.get(User, user_pk),  # type: ignore[arg-type]
            score_given=score_given,
            score_maximum=float(discussion.grading_target),
            activity_progress=activity_progress,
            grading_progress=grading_progress,
            comment=comment,
            submitted_at=submitted_at,
            label=label,
            resource_id=f"scenario:{discussion.scenario_id}",
            tag=TAG,
        )
