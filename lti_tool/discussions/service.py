"""The rules of a scenario discussion, without HTTP: who sees what, who may do what.

``DiscussionService(session)`` works on one database session; the views call it with the
launch's own discussion (already checked against the launch: ``views.own_discussion``) and a
``Viewer``. Every method that takes a post id looks it up *within* that discussion and
*as that viewer*: a post the viewer may not see is ``NotFound``, the same answer as a post
that does not exist, so no response tells them apart.

``page()`` reads a whole discussion in a fixed number of statements, whatever its size.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from markupsafe import Markup
from sqlalchemy import and_, case, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import learner_text
from ..models import Context, Membership, ResourceLink, User, utcnow
from ..roles import role_from_claims
from ..validation import MAX_GRADING_TARGET
from .models import (
    AFTER_POSTING,
    DELETED,
    FROM_DATE,
    GRADING_MODES,
    HIDDEN,
    REPORT_REASONS,
    REVEAL_MODES,
    SAFEGUARDING,
    UNGRADED,
    VISIBLE,
    Discussion,
    Draft,
    Participant,
    Post,
    Report,
    Revision,
)

if TYPE_CHECKING:  # lti.services imports the cache, which imports the models, which import us
    from ..lti.services import Member

#: Replies nest this deep on the page (0 = a thread's first post); deeper replies are shown
#: at the last level, in order, so that a narrow LMS frame stays readable.
MAX_DEPTH = 3
REPORT_NOTE_LIMIT = 1000
#: Page views this soon after a visit began are the same visit (see ``page``).
VISIT_GAP = timedelta(minutes=10)
HIDE_REASON_LIMIT = 500


class NotFound(Exception):
    """No such thing for this viewer (the views answer 404)."""


class Refused(Exception):
    """The action is not possible now; the message says why, to the person who tried."""


@dataclass(frozen=True)
class Viewer:
    user_pk: int
    #: Instructor, TeachingAssistant, ContentDeveloper or Administrator in this course.
    staff: bool


@dataclass
class PostView:
    """One post as one viewer may see it; ``body`` is ``None`` when they may not read it."""

    id: int
    author: str
    own: bool
    author_is_staff: bool
    state: str
    body: Markup | None
    hidden_reason: str | None
    pinned: bool
    created_at: datetime
    edited: bool
    new: bool
    depth: int
    can_edit: bool
    can_delete: bool
    can_reply: bool
    can_report: bool
    #: Staff only: open reports and whether one is a safeguarding concern.
    open_reports: int = 0
    safeguarding: bool = False
    #: The raw text, for the author's edit form (and staff); never another learner's.
    source: str | None = None
    replies: list[PostView] = field(default_factory=list)
    last_activity: datetime | None = None


@dataclass
class DiscussionPage:
    discussion: Discussion
    viewer: Viewer
    has_posted: bool
    #: People with at least one post that is not deleted.
    posters: int
    #: ``False`` while post-first holds the others' posts back from this learner.
    can_read: bool
    can_post: bool
    commentary_visible: bool
    threads: list[PostView]
    #: The viewer's unposted text, saved as they typed.
    draft: str = ""
    open_reports: int = 0
    open_safeguarding: int = 0


def placement_grading(custom: str | None) -> tuple[str, int] | None:
    """How the instructor chose to grade the discussion when placing its link (deep
    linking's ``grading`` and ``grading_target`` custom parameters), if they did; a value
    that is not one of ours (an edited link) counts as no choice."""
    try:
        chosen = json.loads(custom or "{}")
    except ValueError:
        return None
    if not isinstance(chosen, dict):
        return None
    mode, target = chosen.get("grading"), str(chosen.get("grading_target", ""))
    if mode not in GRADING_MODES or mode == UNGRADED or not target.isdigit():
        return None
    return mode, max(1, min(int(target), MAX_GRADING_TARGET))


def pseudonym(number: int | None) -> str:
    return f"Participant {number}" if number else "A participant"


class DiscussionService:
    def __init__(
        self,
        session: Session,
        clock: Callable[[], datetime] = utcnow,
        visit_gap: timedelta = VISIT_GAP,
    ) -> None:
        self._session = session
        self._now = clock
        self._visit_gap = visit_gap

    # ------------------------------------------------------------------ finding

    def open(self, link: ResourceLink, scenario_id: str) -> Discussion:
        """The discussion of ``scenario_id`` at ``link``, created on first launch (graded as
        the instructor chose when placing the link, if they did)."""
        found = self._find(link.id, scenario_id)
        if found is not None:
            return found
        try:
            with self._session.begin_nested():
                found = Discussion(resource_link_pk=link.id, scenario_id=scenario_id)
                chosen = placement_grading(link.custom)
                if chosen is not None:
                    found.grading, found.grading_target = chosen
                self._session.add(found)
        except IntegrityError:  # a concurrent first launch made it
            found = self._find(link.id, scenario_id)
            assert found is not None
        self._session.commit()
        return found

    def _find(self, link_pk: int, scenario_id: str) -> Discussion | None:
        return self._session.scalar(
            select(Discussion).where(
                Discussion.resource_link_pk == link_pk, Discussion.scenario_id == scenario_id
            )
        )

    def has_posted(self, discussion: Discussion, user_pk: int) -> bool:
        return (
            self._session.scalar(
                select(Post.id)
                .where(Post.discussion_id == discussion.id, Post.author_id == user_pk)
                .limit(1)
            )
            is not None
        )

    def can_read(self, discussion: Discussion, viewer: Viewer) -> bool:
        return (
            viewer.staff or not discussion.post_first or self.has_posted(discussion, viewer.user_pk)
        )

    def _post(self, discussion: Discussion, viewer: Viewer, post_pk: int) -> Post:
        """A post of this discussion that ``viewer`` may see, else ``NotFound``."""
        post = self._session.scalar(
            select(Post).where(Post.id == post_pk, Post.discussion_id == discussion.id)
        )
        if post is None:
            raise NotFound
        if post.author_id != viewer.user_pk and not self.can_read(discussion, viewer):
            raise NotFound
        return post

    # ------------------------------------------------------------------ reading

    def commentary_visible(self, discussion: Discussion, viewer: Viewer, has_posted: bool) -> bool:
        if viewer.staff or discussion.commentary_released_at is not None:
            return True
        if discussion.commentary_reveal == FROM_DATE:
            return (
                discussion.commentary_from is not None and self._now() >= discussion.commentary_from
            )
        return discussion.commentary_reveal == AFTER_POSTING and has_posted

    def page(self, discussion: Discussion, viewer: Viewer, *, visit: bool = True) -> DiscussionPage:
        """Everything ``viewer`` may see of ``discussion``; ``visit`` records the visit."""
        session = self._session
        now = self._now()
        posters, has_posted = session.execute(
            select(
                func.count(func.distinct(case((Post.state != DELETED, Post.author_id)))),
                func.count(case((Post.author_id == viewer.user_pk, 1))),
            ).where(Post.discussion_id == discussion.id)
        ).one()
        has_posted = bool(has_posted)
        me = self._participant(discussion, viewer.user_pk)
        # Page views within VISIT_GAP of a visit's start belong to that visit: "new" keeps
        # meaning "since the visit before", and reading costs no write.
        same_visit = (
            me is not None
            and me.last_visit_at is not None
            and now - me.last_visit_at < self._visit_gap
        )
        new_since = None
        if me is not None:
            new_since = me.previous_visit_at if same_visit else me.last_visit_at
        if visit and not same_visit:
            self._record_visit(discussion, viewer.user_pk, me, now)
        draft = session.scalar(
            select(Draft.body).where(
                Draft.discussion_id == discussion.id, Draft.user_id == viewer.user_pk
            )
        )
        can_read = viewer.staff or not discussion.post_first or has_posted
        threads: list[PostView] = []
        open_reports = open_safeguarding = 0
        if can_read:
            threads, open_reports, open_safeguarding = self._threads(
                discussion, viewer, new_since, now
            )
        return DiscussionPage(
            discussion=discussion,
            viewer=viewer,
            has_posted=has_posted,
            posters=posters,
            can_read=can_read,
            can_post=not discussion.locked,
            commentary_visible=self.commentary_visible(discussion, viewer, has_posted),
            threads=threads,
            draft=draft or "",
            open_reports=open_reports,
            open_safeguarding=open_safeguarding,
        )

    def _participant(self, discussion: Discussion, user_pk: int) -> Participant | None:
        return self._session.scalar(
            select(Participant).where(
                Participant.discussion_id == discussion.id, Participant.user_id == user_pk
            )
        )

    def _record_visit(
        self, discussion: Discussion, user_pk: int, me: Participant | None, now: datetime
    ) -> None:
        if me is None:
            try:
                with self._session.begin_nested():
                    self._session.add(
                        Participant(discussion_id=discussion.id, user_id=user_pk, last_visit_at=now)
                    )
            except IntegrityError:  # the same person in two tabs at once
                pass
        else:
            me.previous_visit_at = me.last_visit_at
            me.last_visit_at = now
        self._session.commit()

    def _threads(
        self, discussion: Discussion, viewer: Viewer, new_since: datetime | None, now: datetime
    ) -> tuple[list[PostView], int, int]:
        session = self._session
        link = discussion.resource_link
        rows = session.execute(
            # Columns, not entities: a page reads every post, and building ORM objects for
            # hundreds of rows costs more than the query.
            select(
                Post.id,
                Post.author_id,
                Post.parent_id,
                Post.body,
                Post.state,
                Post.hidden_reason,
                Post.pinned,
                Post.created_at,
                Post.edited_at,
                Participant.pseudonym_number,
                User.name,
                Membership.role,
            )
            .join(User, User.id == Post.author_id)
            .outerjoin(
                Participant,
                and_(
                    Participant.discussion_id == Post.discussion_id,
                    Participant.user_id == Post.author_id,
                ),
            )
            .outerjoin(
                Membership,
                and_(
                    Membership.user_id == Post.author_id, Membership.context_pk == link.context_pk
                ),
            )
            .where(Post.discussion_id == discussion.id)
            .order_by(Post.created_at, Post.id)
        ).all()
        reports: dict[int, tuple[int, bool]] = {}
        if viewer.staff:
            for post_id, count, worried in session.execute(
                select(
                    Report.post_id,
                    func.count(Report.id),
                    func.max(case((Report.reason == SAFEGUARDING, 1), else_=0)),
                )
                .join(Post, Post.id == Report.post_id)
                .where(Post.discussion_id == discussion.id, Report.handled_at.is_(None))
                .group_by(Report.post_id)
            ):
                reports[post_id] = (count, bool(worried))
        window = timedelta(minutes=discussion.edit_window_minutes)
        views: dict[int, PostView] = {}
        parents: dict[int, int | None] = {}
        for post in rows:
            number, name, role = post.pseudonym_number, post.name, post.role
            own = post.author_id == viewer.user_pk
            author_is_staff = role is not None and role != "learner"
            if own:
                label = "You"
            elif viewer.staff or author_is_staff or not discussion.anonymous:
                label = name or "A participant"
                if author_is_staff:
                    label += " (instructor)"
                elif discussion.anonymous and number:
                    # Instructors also see the pseudonym, so that "Participant 4" in a
                    # learner's post or report can be told apart from the others.
                    label += f" ({pseudonym(number)})"
            else:
                label = pseudonym(number)
            readable = post.state == VISIBLE or (post.state == HIDDEN and (own or viewer.staff))
            count, worried = reports.get(post.id, (0, False))
            views[post.id] = PostView(
                id=post.id,
                author=label,
                own=own,
                author_is_staff=author_is_staff,
                state=post.state,
                body=learner_text.render(post.body) if readable and post.body else None,
                hidden_reason=post.hidden_reason if (own or viewer.staff) else None,
                pinned=post.pinned,
                created_at=post.created_at,
                edited=post.edited_at is not None,
                new=new_since is not None and post.created_at > new_since and not own,
                depth=0,
                can_edit=own
                and post.state == VISIBLE
                and not discussion.locked
                and now < post.created_at + window,
                can_delete=own and post.state != DELETED,
                can_reply=post.state != DELETED and not discussion.locked,
                can_report=not own and post.state == VISIBLE and not viewer.staff,
                open_reports=count,
                safeguarding=worried,
                source=post.body if own and post.state == VISIBLE else None,
                last_activity=post.created_at,
            )
            parents[post.id] = post.parent_id
        threads: list[PostView] = []
        for post_id, view in views.items():
            parent = views.get(parents[post_id]) if parents[post_id] else None
            if parent is None:
                threads.append(view)
                continue
            while parent.depth >= MAX_DEPTH - 1:
                parent = views[parents[parent.id]]  # type: ignore[index]
            view.depth = parent.depth + 1
            parent.replies.append(view)
        for thread in threads:
            thread.last_activity = _latest(thread)
        threads.sort(key=lambda t: t.last_activity or t.created_at, reverse=True)
        threads.sort(key=lambda t: not t.pinned)
        open_reports = sum(count for count, _worried in reports.values())
        open_safeguarding = sum(1 for _count, worried in reports.values() if worried)
        return threads, open_reports, open_safeguarding

    # ------------------------------------------------------------------ writing

    def post(
        self, discussion: Discussion, viewer: Viewer, text: str, *, parent_pk: int | None = None
    ) -> Post:
        """A new post (or a reply to ``parent_pk``); the text is checked, never logged."""
        if discussion.locked:
            raise Refused("This discussion is locked: no new posts.")
        if parent_pk is not None:
            parent = self._post(discussion, viewer, parent_pk)
            if parent.state == DELETED:
                raise Refused("That post was removed; you can no longer reply to it.")
        body = self._clean(discussion, text)
        now = self._now()
        post = Post(
            discussion_id=discussion.id,
            author_id=viewer.user_pk,
            parent_id=parent_pk,
            body=body,
            state=VISIBLE,
            created_at=now,
        )
        self._session.add(post)
        if parent_pk is None:
            self.save_draft(discussion, viewer, "")
        self._give_pseudonym(discussion, viewer.user_pk)
        self._session.flush()
        return post

    def save_draft(self, discussion: Discussion, viewer: Viewer, text: str) -> None:
        """Keep (or, when empty, forget) the composer's unposted text."""
        text = text[: discussion.max_length * 2]
        draft = self._session.scalar(
            select(Draft).where(
                Draft.discussion_id == discussion.id, Draft.user_id == viewer.user_pk
            )
        )
        if not text.strip():
            if draft is not None:
                self._session.delete(draft)
        elif draft is None:
            try:
                with self._session.begin_nested():
                    self._session.add(
                        Draft(
                            discussion_id=discussion.id,
                            user_id=viewer.user_pk,
                            body=text,
                            updated_at=self._now(),
                        )
                    )
            except IntegrityError:  # saved from another tab at the same moment
                pass
        else:
            draft.body = text
            draft.updated_at = self._now()
        self._session.flush()

    def _clean(self, discussion: Discussion, text: str) -> str:
        try:
            return learner_text.clean(text, max_length=discussion.max_length)
        except learner_text.LearnerTextError as error:
            raise Refused(str(error)) from None

    def _give_pseudonym(self, discussion: Discussion, user_pk: int) -> None:
        """The next free "Participant <n>" at a person's first post; kept for the discussion."""
        for _attempt in range(5):
            me = self._participant(discussion, user_pk)
            if me is not None and me.pseudonym_number is not None:
                return
            highest = self._session.scalar(
                select(func.max(Participant.pseudonym_number)).where(
                    Participant.discussion_id == discussion.id
                )
            )
            try:
                with self._session.begin_nested():
                    if me is None:
                        me = Participant(discussion_id=discussion.id, user_id=user_pk)
                        self._session.add(me)
                    me.pseudonym_number = (highest or 0) + 1
            except IntegrityError:
                continue  # someone else took that number at the same moment
            return
        raise Refused("Too many people are posting at once; please try again.")

    def edit(self, discussion: Discussion, viewer: Viewer, post_pk: int, text: str) -> Post:
        post = self._post(discussion, viewer, post_pk)
        if post.author_id != viewer.user_pk:
            raise NotFound
        if post.state != VISIBLE:
            raise Refused("This post can no longer be edited.")
        if discussion.locked:
            raise Refused("This discussion is locked: posts can no longer be edited.")
        window = timedelta(minutes=discussion.edit_window_minutes)
        if self._now() >= post.created_at + window:
            raise Refused(
                f"Posts can be edited for {discussion.edit_window_minutes} minutes after posting."
            )
        body = self._clean(discussion, text)
        if body != post.body:
            self._session.add(
                Revision(post_id=post.id, body=post.body or "", created_at=self._now())
            )
            post.body = body
            post.edited_at = self._now()
        self._session.flush()
        return post

    def delete(self, discussion: Discussion, viewer: Viewer, post_pk: int) -> Post:
        """The author removes their words: the text and its history leave storage."""
        post = self._post(discussion, viewer, post_pk)
        if post.author_id != viewer.user_pk:
            raise NotFound
        if post.state == DELETED:
            raise NotFound
        self._session.execute(delete(Revision).where(Revision.post_id == post.id))
        post.body = None
        post.state = DELETED
        post.pinned = False
        post.deleted_at = self._now()
        self._session.flush()
        return post

    def report(
        self, discussion: Discussion, viewer: Viewer, post_pk: int, reason: str, note: str = ""
    ) -> Report:
        post = self._post(discussion, viewer, post_pk)
        if post.author_id == viewer.user_pk or post.state != VISIBLE:
            raise NotFound
        if reason not in REPORT_REASONS:
            raise Refused("Choose a reason.")
        if self._session.scalar(
            select(Report.id).where(
                Report.post_id == post.id,
                Report.reporter_id == viewer.user_pk,
                Report.reason == reason,
                Report.handled_at.is_(None),
            )
        ):
            raise Refused(
                "You have already reported this post for this reason; the instructors have "
                "your report. To tell them something more, choose another reason or contact "
                "them directly."
            )
        note = note.strip()
        if len(note) > REPORT_NOTE_LIMIT:
            raise Refused(f"Please keep the note under {REPORT_NOTE_LIMIT} characters.")
        report = Report(
            post_id=post.id,
            reporter_id=viewer.user_pk,
            reason=reason,
            note=note,
            created_at=self._now(),
        )
        self._session.add(report)
        self._session.flush()
        return report

    # ------------------------------------------------------------------ moderation (staff)

    def _staff_post(self, discussion: Discussion, viewer: Viewer, post_pk: int) -> Post:
        if not viewer.staff:
            raise NotFound
        return self._post(discussion, viewer, post_pk)

    def hide(self, discussion: Discussion, viewer: Viewer, post_pk: int, reason: str) -> Post:
        post = self._staff_post(discussion, viewer, post_pk)
        reason = reason.strip()
        if not reason:
            raise Refused("Say why the post is hidden; its author will see the reason.")
        if len(reason) > HIDE_REASON_LIMIT:
            raise Refused(f"Please keep the reason under {HIDE_REASON_LIMIT} characters.")
        if post.state == DELETED:
            raise Refused("Its author has already removed this post.")
        post.state = HIDDEN
        post.hidden_reason = reason
        self._session.flush()
        return post

    def restore(self, discussion: Discussion, viewer: Viewer, post_pk: int) -> Post:
        post = self._staff_post(discussion, viewer, post_pk)
        if post.state == HIDDEN:
            post.state = VISIBLE
            post.hidden_reason = None
        self._session.flush()
        return post

    def pin(self, discussion: Discussion, viewer: Viewer, post_pk: int, pinned: bool) -> Post:
        post = self._staff_post(discussion, viewer, post_pk)
        if post.parent_id is not None:
            raise Refused("Only a thread's first post can be pinned.")
        post.pinned = pinned and post.state != DELETED
        self._session.flush()
        return post

    def lock(self, discussion: Discussion, viewer: Viewer, locked: bool) -> None:
        if not viewer.staff:
            raise NotFound
        discussion.locked = locked
        self._session.flush()

    def release_commentary(self, discussion: Discussion, viewer: Viewer, released: bool) -> None:
        if not viewer.staff:
            raise NotFound
        discussion.commentary_released_at = self._now() if released else None
        self._session.flush()

    def configure(self, discussion: Discussion, viewer: Viewer, settings: Settings) -> None:
        if not viewer.staff:
            raise NotFound
        for name, value in settings.__dict__.items():
            setattr(discussion, name, value)
        self._session.flush()

    def reports(self, discussion: Discussion, viewer: Viewer) -> list[ReportView]:
        """Open reports first, safeguarding concerns first among them, newest first."""
        if not viewer.staff:
            raise NotFound
        rows = self._session.execute(
            select(Report, Post, User.name)
            .join(Post, Post.id == Report.post_id)
            .join(User, User.id == Report.reporter_id)
            .where(Post.discussion_id == discussion.id)
            .order_by(
                Report.handled_at.is_not(None),
                Report.reason != SAFEGUARDING,
                Report.created_at.desc(),
                Report.id.desc(),
            )
        ).all()
        authors = dict(
            self._session.execute(
                select(User.id, User.name).where(
                    User.id.in_({post.author_id for _r, post, _n in rows})
                )
            ).all()
        )
        return [
            ReportView(
                id=report.id,
                post_id=post.id,
                reason=report.reason,
                reason_text=REPORT_REASONS.get(report.reason, report.reason),
                safeguarding=report.reason == SAFEGUARDING,
                note=report.note,
                reporter=reporter or "A participant",
                author=authors.get(post.author_id) or "A participant",
                post_state=post.state,
                post_body=learner_text.render(post.body) if post.body else None,
                created_at=report.created_at,
                handled=report.handled_at is not None,
            )
            for report, post, reporter in rows
        ]

    def handle_report(self, discussion: Discussion, viewer: Viewer, report_pk: int) -> None:
        if not viewer.staff:
            raise NotFound
        report = self._session.scalar(
            select(Report)
            .join(Post, Post.id == Report.post_id)
            .where(Report.id == report_pk, Post.discussion_id == discussion.id)
        )
        if report is None:
            raise NotFound
        if report.handled_at is None:
            report.handled_at = self._now()
            report.handled_by_id = viewer.user_pk
        self._session.flush()

    def history(self, discussion: Discussion, viewer: Viewer, post_pk: int) -> list[Revision]:
        """Earlier texts of a post, oldest first (staff only)."""
        post = self._staff_post(discussion, viewer, post_pk)
        return list(
            self._session.scalars(
                select(Revision).where(Revision.post_id == post.id).order_by(Revision.id)
            )
        )

    def roster(
        self, discussion: Discussion, context: Context, members: list[Member] | None
    ) -> list[RosterRow]:
        """The course's people with their post counts, learners first.

        ``members`` is the NRPS roster (everyone enrolled, including those who never opened
        the activity); without it, the people the tool has seen launch in the course.
        """
        counts = self.post_counts(discussion)
        if members is None:
            rows = self._session.execute(
                select(User.id, User.name, Membership.role)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.context_pk == context.id)
            ).all()
            found = [
                RosterRow(user_pk=user_id, name=name or "(no name)", role=role, posts=0)
                for user_id, name, role in rows
            ]
        else:
            issuer = context.deployment.platform.issuer
            known = dict(
                self._session.execute(
                    select(User.sub, User.id).where(
                        User.issuer == issuer, User.sub.in_({m.user_id for m in members})
                    )
                ).all()
            )
            found = [
                RosterRow(
                    user_pk=known.get(member.user_id),
                    name=member.name or "(no name)",
                    role=role_from_claims(member.roles).name.lower(),
                    posts=0,
                )
                for member in members
                if member.status.lower() != "deleted"
            ]
        for row in found:
            row.posts = counts.get(row.user_pk, 0) if row.user_pk else 0
        return sorted(found, key=lambda r: (r.role != "learner", r.name.lower()))

    def post_counts(self, discussion: Discussion) -> dict[int, int]:
        """Posts (not deleted) per author."""
        return dict(
            self._session.execute(
                select(Post.author_id, func.count(Post.id))
                .where(Post.discussion_id == discussion.id, Post.state != DELETED)
                .group_by(Post.author_id)
            ).all()
        )


@dataclass(frozen=True)
class Settings:
    """An instructor's settings for one discussion (checked by ``forms.settings``)."""

    post_first: bool
    anonymous: bool
    commentary_reveal: str
    commentary_from: datetime | None
    edit_window_minutes: int
    grading: str
    grading_target: int

    def __post_init__(self) -> None:
        assert self.commentary_reveal in REVEAL_MODES
        assert self.grading in GRADING_MODES


@dataclass
class RosterRow:
    #: ``None``: enrolled (NRPS) but never opened the tool.
    user_pk: int | None
    name: str
    role: str
    posts: int


@dataclass(frozen=True)
class ReportView:
    id: int
    post_id: int
    reason: str
    reason_text: str
    safeguarding: bool
    note: str
    reporter: str
    author: str
    post_state: str
    post_body: Markup | None
    created_at: datetime
    handled: bool


def _latest(view: PostView) -> datetime:
    latest = view.created_at
    for reply in view.replies:
        latest = max(latest, _latest(reply))
    return latest
