"""The rules of an assignment, without HTTP: drafts, submitted versions, marking, release.

``AssignmentService(session)`` works on one database session; the views call it with the
launch's own placement (already checked against the launch: ``views.own_placement``). Every
method that takes an id looks it up *within* that placement, and for a learner *within their
own work*: anything else is ``NotFound``, the same answer as an id that does not exist.

Rules kept here:

* A draft is saved with the revision it started from; a save from an older revision (a second
  tab, a device that was offline) raises ``Conflict`` with the text on the server: the two are
  shown to the learner, never silently merged or overwritten.
* Submit writes an immutable version (text, files, word count, time, lateness) and its
  receipt, a short hash of what was handed in, in the caller's transaction, with the
  gradebook's "submitted, waiting for marking" in the same transaction (grades outbox). The
  form's one-time ``request_key`` makes a repeated Submit find its version instead of
  making a second.
* After the due date a submission is taken and marked late, or refused with a message
  (the placement's late policy); resubmission, when allowed, lasts until the due date and
  stops once a mark is released.
* Marks follow the rubric from ``content/`` (points per criterion, halves allowed). Saving
  keeps them as draft marking; releasing sends the grade (``Completed``/``FullyGraded``)
  through ``GradeService`` in the same transaction.
* Every opening of a learner's work by an instructor is written to the audit log.

Essay text is never logged and never quoted in an error message.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import learner_text
from ..models import Context, Membership, ResourceLink, User, utcnow
from ..roles import role_from_claims
from .course import AssignmentTexts
from .models import (
    ACCEPT_LATE,
    DOWNLOADED_FILE,
    LATE_POLICIES,
    MARK_DRAFT,
    MARK_RELEASED,
    OPENED_SUBMISSION,
    REFUSE_LATE,
    Attachment,
    AuditEntry,
    Draft,
    Mark,
    Placement,
    Submission,
    SubmittedFile,
)

if TYPE_CHECKING:  # lti.services imports the cache, which imports the models, which import us
    from ..grades.service import DeliveryStatus, GradeService
    from ..lti.services import Member

#: Longest essay kept, in characters (far beyond any word limit; protects storage).
MAX_CHARACTERS = 100_000
FEEDBACK_LIMIT = 10_000
TAG = "assignment"
_WORD = re.compile(r"\w[\w'’-]*")


class NotFound(Exception):
    """No such thing for this viewer (the views answer 404)."""


class Refused(Exception):
    """The action is not possible now; the message says why (never quoting the essay)."""


class Conflict(Exception):
    """The draft changed elsewhere since this copy was loaded."""

    def __init__(self, draft: Draft) -> None:
        super().__init__("The draft was changed in another window.")
        self.draft = draft


@dataclass(frozen=True)
class Viewer:
    user_pk: int
    #: Instructor, TeachingAssistant, ContentDeveloper or Administrator in this course.
    staff: bool


@dataclass(frozen=True)
class Rules:
    """What applies to one placement now: the instructor's choice, else the LMS's, else content."""

    due_at: datetime | None
    word_limit: int | None
    late_policy: str
    resubmission: bool
    #: Where the due date came from: "tool", "lms" or None (no due date).
    due_source: str | None = None


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def receipt_of(content_hash: str) -> str:
    """The quotable form of a hash: 12 base-32 characters in three groups, e.g. ``K7QF-2M9D-XA4B``."""
    short = base64.b32encode(bytes.fromhex(content_hash)[:10]).decode()[:12]
    return "-".join(short[i : i + 4] for i in range(0, 12, 4))


def lms_due_date(custom: str | None) -> datetime | None:
    """The ``due_at`` custom parameter, if the platform substituted one (e.g. Canvas's
    ``$Canvas.assignment.dueAt.iso8601``); unsubstituted or malformed values are ignored."""
    try:
        value = json.loads(custom or "{}").get("due_at")
    except (ValueError, AttributeError):
        return None
    if not isinstance(value, str) or not value or value.startswith("$"):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = (moment - moment.utcoffset()).replace(tzinfo=None)  # type: ignore[operator]
    return moment


@dataclass
class LearnerPage:
    """What a learner sees of their own work on one placement."""

    placement: Placement
    rules: Rules
    draft: Draft | None
    versions: list[Submission]
    files: list[Attachment]
    files_by_version: dict[int, list[Attachment]]
    released: Mark | None
    can_submit: bool
    #: Why Submit is not offered (shown instead of the button).
    closed_reason: str | None


@dataclass
class StatusRow:
    """One person of the course in the instructor's list."""

    #: ``None``: enrolled (NRPS) but never opened the tool.
    user_pk: int | None
    name: str
    role: str
    status: str
    latest: Submission | None = None
    mark: Mark | None = None
    delivery: DeliveryStatus | None = None
    versions: int = 0


@dataclass
class MarkingPage:
    placement: Placement
    learner: User
    versions: list[Submission]
    files_by_version: dict[int, list[Attachment]]
    marks: dict[int, Mark] = field(default_factory=dict)


class AssignmentService:
    def __init__(
        self,
        session: Session,
        clock: Callable[[], datetime] = utcnow,
        grades: GradeService | None = None,
    ) -> None:
        self._session = session
        self._now = clock
        self._grades = grades

    def _grade_service(self) -> GradeService:
        if self._grades is None:
            from ..grades.service import GradeService

            self._grades = GradeService(self._session)
        return self._grades

    # ------------------------------------------------------------------ placements

    def open(self, link: ResourceLink, assignment_id: str) -> Placement:
        """The placement of ``assignment_id`` at ``link``, created on first launch."""
        found = self._find(link.id, assignment_id)
        if found is not None:
            return found
        try:
            with self._session.begin_nested():
                found = Placement(resource_link_pk=link.id, assignment_id=assignment_id)
                self._session.add(found)
        except IntegrityError:  # a concurrent first launch made it
            found = self._find(link.id, assignment_id)
            assert found is not None
        self._session.commit()
        return found

    def _find(self, link_pk: int, assignment_id: str) -> Placement | None:
        return self._session.scalar(
            select(Placement).where(
                Placement.resource_link_pk == link_pk, Placement.assignment_id == assignment_id
            )
        )

    def rules(self, placement: Placement, texts: AssignmentTexts) -> Rules:
        lms_due = lms_due_date(placement.resource_link.custom)
        due, source = placement.due_at, "tool" if placement.due_at else None
        if due is None and lms_due is not None:
            due, source = lms_due, "lms"
        return Rules(
            due_at=due,
            word_limit=placement.word_limit or texts.word_limit,
            late_policy=placement.late_policy or ACCEPT_LATE,
            resubmission=True if placement.resubmission is None else placement.resubmission,
            due_source=source,
        )

    def configure(
        self,
        placement: Placement,
        viewer: Viewer,
        *,
        due_at: datetime | None,
        word_limit: int | None,
        late_policy: str | None,
        resubmission: bool | None,
    ) -> None:
        """An instructor's overrides; ``None`` returns a setting to its default."""
        if not viewer.staff:
            raise NotFound
        if late_policy is not None and late_policy not in LATE_POLICIES:
            raise Refused("Choose a late policy.")
        if word_limit is not None and word_limit < 1:
            raise Refused("A word limit is a whole number above 0.")
        placement.due_at = due_at
        placement.word_limit = word_limit
        placement.late_policy = late_policy
        placement.resubmission = resubmission
        self._session.flush()

    # ------------------------------------------------------------------ drafts

    def draft(self, placement: Placement, user_pk: int) -> Draft | None:
        return self._session.scalar(
            select(Draft).where(Draft.placement_pk == placement.id, Draft.user_id == user_pk)
        )

    def save_draft(
        self, placement: Placement, viewer: Viewer, text: str, base_revision: int
    ) -> Draft:
        """Keep the essay as written; ``Conflict`` if it changed since ``base_revision``."""
        if len(text) > MAX_CHARACTERS:
            raise Refused(f"The text is longer than {MAX_CHARACTERS} characters.")
        now = self._now()
        draft = self.draft(placement, viewer.user_pk)
        if draft is None:
            try:
                with self._session.begin_nested():
                    draft = Draft(
                        placement_pk=placement.id,
                        user_id=viewer.user_pk,
                        body=text,
                        revision=1,
                        updated_at=now,
                    )
                    self._session.add(draft)
                return draft
            except IntegrityError:  # the first save of another tab won
                draft = self.draft(placement, viewer.user_pk)
                assert draft is not None
                raise Conflict(draft) from None
        if draft.revision != base_revision:
            if draft.body == text:
                return draft  # the same text from two places is no conflict
            raise Conflict(draft)
        # Compare-and-set: a concurrent save of the same revision changes no row here.
        changed = self._session.execute(
            update(Draft)
            .where(Draft.id == draft.id, Draft.revision == base_revision)
            .values(body=text, revision=Draft.revision + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        self._session.refresh(draft)
        if not changed and draft.body != text:
            raise Conflict(draft)
        return draft

    # ------------------------------------------------------------------ submitting

    def versions(self, placement: Placement, user_pk: int) -> list[Submission]:
        return list(
            self._session.scalars(
                select(Submission)
                .where(Submission.placement_pk == placement.id, Submission.user_id == user_pk)
                .order_by(Submission.version)
            )
        )

    def own_version(self, placement: Placement, viewer: Viewer, submission_pk: int) -> Submission:
        found = self._session.scalar(
            select(Submission).where(
                Submission.id == submission_pk,
                Submission.placement_pk == placement.id,
                Submission.user_id == viewer.user_pk,
            )
        )
        if found is None:
            raise NotFound
        return found

    def released_mark(self, placement: Placement, user_pk: int) -> Mark | None:
        return self._session.scalar(
            select(Mark)
            .join(Submission, Submission.id == Mark.submission_pk)
            .where(
                Submission.placement_pk == placement.id,
                Submission.user_id == user_pk,
                Mark.state == MARK_RELEASED,
            )
            .order_by(Submission.version.desc())
            .limit(1)
        )

    def closed_reason(
        self, placement: Placement, rules: Rules, user_pk: int, versions: list[Submission]
    ) -> str | None:
        """Why this learner cannot submit now, or ``None``."""
        now = self._now()
        late = rules.due_at is not None and now > rules.due_at
        if versions:
            if self.released_mark(placement, user_pk) is not None:
                return "Your work has been marked: it can no longer be resubmitted."
            if not rules.resubmission:
                return "This assignment takes one submission: yours is in."
            if late:
                return "Resubmission closed at the due date."
        elif late and rules.late_policy == REFUSE_LATE:
            return (
                "The due date has passed and this assignment takes no late submissions. "
                "Your draft is kept; please contact your instructor."
            )
        return None

    def submit(
        self,
        placement: Placement,
        viewer: Viewer,
        text: str,
        *,
        texts: AssignmentTexts,
        request_key: str | None = None,
    ) -> Submission:
        """Hand in the essay and the draft's files as a new, immutable version.

        The caller commits: the version, its files and the gradebook's "submitted" go in
        one transaction. It must be the transaction's first write: two submits racing for
        the same version number roll it back and start again (no SAVEPOINT: with SQLite's
        Python driver, releasing the first savepoint commits what came before it).
        """
        for _attempt in range(5):
            try:
                return self._submit_once(
                    placement, viewer, text, texts=texts, request_key=request_key
                )
            except IntegrityError:  # another tab submitted at the same moment
                self._session.rollback()
        raise Refused("Your work could not be submitted just now; please try again.")

    def _submit_once(
        self,
        placement: Placement,
        viewer: Viewer,
        text: str,
        *,
        texts: AssignmentTexts,
        request_key: str | None,
    ) -> Submission:
        session = self._session
        if request_key:
            again = session.scalar(
                select(Submission).where(
                    Submission.placement_pk == placement.id,
                    Submission.user_id == viewer.user_pk,
                    Submission.request_key == request_key,
                )
            )
            if again is not None:
                return again  # the same Submit sent twice: its version, not a second
        try:
            body = learner_text.clean(text, max_length=MAX_CHARACTERS)
        except learner_text.LearnerTextError as error:
            raise Refused(str(error)) from None
        rules = self.rules(placement, texts)
        versions = self.versions(placement, viewer.user_pk)
        reason = self.closed_reason(placement, rules, viewer.user_pk, versions)
        if reason:
            raise Refused(reason)
        files = self.draft_files(placement, viewer.user_pk)
        now = self._now()
        number = (versions[-1].version if versions else 0) + 1
        digest = content_hash(placement.id, viewer.user_pk, number, now, body, files)
        submission = Submission(
            placement_pk=placement.id,
            user_id=viewer.user_pk,
            version=number,
            body=body,
            word_count=word_count(body),
            content_hash=digest,
            receipt=receipt_of(digest),
            request_key=request_key or None,
            submitted_at=now,
            late=rules.due_at is not None and now > rules.due_at,
            due_at=rules.due_at,
        )
        session.add(submission)
        session.flush()  # IntegrityError here: the version number or request key was taken
        for attachment in files:
            session.add(SubmittedFile(submission_pk=submission.id, attachment_pk=attachment.id))
        draft = self.draft(placement, viewer.user_pk)
        if draft is not None and draft.body != text:
            draft.body = text
            draft.revision += 1
            draft.updated_at = now
        elif draft is None:
            session.add(
                Draft(
                    placement_pk=placement.id,
                    user_id=viewer.user_pk,
                    body=text,
                    revision=1,
                    updated_at=now,
                )
            )
        self._release(
            placement,
            viewer.user_pk,
            texts,
            score_given=None,
            activity_progress="Submitted",
            grading_progress="PendingManual",
            submitted_at=now,
        )
        session.flush()
        return submission

    # ------------------------------------------------------------------ files

    def draft_files(self, placement: Placement, user_pk: int) -> list[Attachment]:
        return list(
            self._session.scalars(
                select(Attachment)
                .where(
                    Attachment.placement_pk == placement.id,
                    Attachment.user_id == user_pk,
                    Attachment.in_draft.is_(True),
                )
                .order_by(Attachment.id)
            )
        )

    def files_by_version(self, versions: Iterable[Submission]) -> dict[int, list[Attachment]]:
        ids = [v.id for v in versions]
        found: dict[int, list[Attachment]] = {i: [] for i in ids}
        if not ids:
            return found
        for submission_pk, attachment in self._session.execute(
            select(SubmittedFile.submission_pk, Attachment)
            .join(Attachment, Attachment.id == SubmittedFile.attachment_pk)
            .where(SubmittedFile.submission_pk.in_(ids))
            .order_by(Attachment.id)
        ):
            found[submission_pk].append(attachment)
        return found

    def file(self, placement: Placement, viewer: Viewer, attachment_pk: int) -> Attachment:
        """A file of this placement: a learner's own, or any learner's for its instructors."""
        query = select(Attachment).where(
            Attachment.id == attachment_pk, Attachment.placement_pk == placement.id
        )
        if not viewer.staff:
            query = query.where(Attachment.user_id == viewer.user_pk)
        found = self._session.scalar(query)
        if found is None:
            raise NotFound
        if viewer.staff and found.user_id != viewer.user_pk:
            self.record(placement, viewer, DOWNLOADED_FILE, learner_pk=found.user_id)
        return found

    def add_file(
        self,
        placement: Placement,
        viewer: Viewer,
        *,
        storage_name: str,
        filename: str,
        media_type: str,
        size: int,
        sha256: str,
        limit: int,
    ) -> Attachment:
        if len(self.draft_files(placement, viewer.user_pk)) >= limit:
            raise Refused(f"At most {limit} files can be attached.")
        attachment = Attachment(
            placement_pk=placement.id,
            user_id=viewer.user_pk,
            storage_name=storage_name,
            filename=filename,
            media_type=media_type,
            size=size,
            sha256=sha256,
            in_draft=True,
            created_at=self._now(),
        )
        self._session.add(attachment)
        self._session.flush()
        return attachment

    def remove_file(self, placement: Placement, viewer: Viewer, attachment_pk: int) -> str | None:
        """Take a file out of the draft. Returns its storage name if nothing keeps it (the
        caller deletes the bytes after the commit); a submitted file stays with its version."""
        found = self.file(placement, Viewer(viewer.user_pk, staff=False), attachment_pk)
        if not found.in_draft:
            raise NotFound
        kept = self._session.scalar(
            select(func.count())
            .select_from(SubmittedFile)
            .where(SubmittedFile.attachment_pk == found.id)
        )
        if kept:
            found.in_draft = False
            self._session.flush()
            return None
        storage_name = found.storage_name
        self._session.delete(found)
        self._session.flush()
        return storage_name

    # ------------------------------------------------------------------ the learner's page

    def learner_page(self, placement: Placement, viewer: Viewer, texts: AssignmentTexts):
        rules = self.rules(placement, texts)
        versions = self.versions(placement, viewer.user_pk)
        reason = self.closed_reason(placement, rules, viewer.user_pk, versions)
        return LearnerPage(
            placement=placement,
            rules=rules,
            draft=self.draft(placement, viewer.user_pk),
            versions=versions,
            files=self.draft_files(placement, viewer.user_pk),
            files_by_version=self.files_by_version(versions),
            released=self.released_mark(placement, viewer.user_pk),
            can_submit=reason is None,
            closed_reason=reason,
        )

    # ------------------------------------------------------------------ instructors

    def record(
        self,
        placement: Placement,
        viewer: Viewer,
        action: str,
        *,
        learner_pk: int | None = None,
        submission_pk: int | None = None,
    ) -> None:
        """Write an audit entry (in the caller's transaction)."""
        self._session.add(
            AuditEntry(
                placement_pk=placement.id,
                actor_id=viewer.user_pk,
                learner_id=learner_pk,
                submission_pk=submission_pk,
                action=action,
                at=self._now(),
            )
        )
        self._session.flush()

    def _learner(self, placement: Placement, learner_pk: int) -> User:
        """A person of this placement's course (as the tool has seen them launch)."""
        user = self._session.scalar(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                User.id == learner_pk,
                Membership.context_pk == placement.resource_link.context_pk,
            )
        )
        if user is None:
            raise NotFound
        return user

    def open_for_marking(self, placement: Placement, viewer: Viewer, learner_pk: int):
        """A learner's versions and marks, for an instructor; the opening is audited."""
        if not viewer.staff:
            raise NotFound
        learner = self._learner(placement, learner_pk)
        versions = self.versions(placement, learner.id)
        latest = versions[-1].id if versions else None
        self.record(
            placement, viewer, OPENED_SUBMISSION, learner_pk=learner.id, submission_pk=latest
        )
        marks = {
            m.submission_pk: m
            for m in self._session.scalars(
                select(Mark).where(Mark.submission_pk.in_([v.id for v in versions]))
            )
        }
        return MarkingPage(
            placement=placement,
            learner=learner,
            versions=versions,
            files_by_version=self.files_by_version(versions),
            marks=marks,
        )

    def save_mark(
        self,
        placement: Placement,
        viewer: Viewer,
        learner_pk: int,
        submission_pk: int,
        points: Mapping[str, float | None],
        feedback: str,
        *,
        texts: AssignmentTexts,
        release: bool = False,
    ) -> Mark:
        """Mark a learner's version with the rubric; ``release`` also sends the grade."""
        if not viewer.staff:
            raise NotFound
        learner = self._learner(placement, learner_pk)
        submission = self._session.scalar(
            select(Submission).where(
                Submission.id == submission_pk,
                Submission.placement_pk == placement.id,
                Submission.user_id == learner.id,
            )
        )
        if submission is None:
            raise NotFound
        given = check_points(points, texts, complete=release)
        if len(feedback) > FEEDBACK_LIMIT:
            raise Refused(f"Please keep the feedback under {FEEDBACK_LIMIT} characters.")
        mark = self._session.scalar(select(Mark).where(Mark.submission_pk == submission.id))
        if mark is None:
            mark = Mark(submission_pk=submission.id)
            self._session.add(mark)
        if mark.state == MARK_RELEASED and not release:
            raise Refused("This mark is released; release it again to change it.")
        mark.marker_id = viewer.user_pk
        mark.points = json.dumps(given, sort_keys=True)
        mark.total = float(sum(v for v in given.values()))
        mark.maximum = float(texts.points_possible)
        mark.feedback = feedback.strip()
        mark.updated_at = self._now()
        if release:
            self._release_mark(placement, mark, submission, texts)
        else:
            mark.state = MARK_DRAFT
        self._session.flush()
        return mark

    def release_all(self, placement: Placement, viewer: Viewer, texts: AssignmentTexts) -> int:
        """Release every complete draft marking of a learner's latest version; returns how
        many. A marking of a version the learner has since replaced stays a draft."""
        if not viewer.staff:
            raise NotFound
        newest = {
            (user_id, version)
            for user_id, version in self._session.execute(
                select(Submission.user_id, func.max(Submission.version))
                .where(Submission.placement_pk == placement.id)
                .group_by(Submission.user_id)
            )
        }
        drafts = self._session.execute(
            select(Mark, Submission)
            .join(Submission, Submission.id == Mark.submission_pk)
            .where(Submission.placement_pk == placement.id, Mark.state == MARK_DRAFT)
        ).all()
        released = 0
        for mark, submission in drafts:
            if (submission.user_id, submission.version) not in newest:
                continue
            try:
                check_points(json.loads(mark.points), texts, complete=True)
            except Refused:
                continue  # incomplete marking stays a draft
            self._release_mark(placement, mark, submission, texts)
            released += 1
        self._session.flush()
        return released

    def _release_mark(
        self, placement: Placement, mark: Mark, submission: Submission, texts: AssignmentTexts
    ) -> None:
        mark.state = MARK_RELEASED
        mark.released_at = self._now()
        self._release(
            placement,
            submission.user_id,
            texts,
            score_given=mark.total,
            activity_progress="Completed",
            grading_progress="FullyGraded",
            comment=mark.feedback or None,
            submitted_at=submission.submitted_at,
        )

    def _release(
        self,
        placement: Placement,
        user_pk: int,
        texts: AssignmentTexts,
        *,
        score_given: float | None,
        activity_progress: str,
        grading_progress: str,
        submitted_at: datetime,
        comment: str | None = None,
    ) -> None:
        self._grade_service().release(
            resource_link=placement.resource_link,
            user=self._session.get(User, user_pk),  # type: ignore[arg-type]
            score_given=score_given,
            score_maximum=float(texts.points_possible),
            activity_progress=activity_progress,
            grading_progress=grading_progress,
            comment=comment,
            submitted_at=submitted_at,
            label=texts.title,
            resource_id=f"assignment:{placement.assignment_id}",
            tag=TAG,
        )

    def statuses(
        self, placement: Placement, context: Context, members: list[Member] | None
    ) -> list[StatusRow]:
        """The course's people with where each one's work stands, learners first.

        ``members`` is the NRPS roster (everyone enrolled, including those who never opened
        the activity); without it, the people the tool has seen launch in the course.
        """
        session = self._session
        if members is None:
            rows = [
                StatusRow(user_pk=user_id, name=name or "(no name)", role=role, status="")
                for user_id, name, role in session.execute(
                    select(User.id, User.name, Membership.role)
                    .join(Membership, Membership.user_id == User.id)
                    .where(Membership.context_pk == context.id)
                )
            ]
        else:
            issuer = context.deployment.platform.issuer
            known = dict(
                session.execute(
                    select(User.sub, User.id).where(
                        User.issuer == issuer, User.sub.in_({m.user_id for m in members})
                    )
                ).all()
            )
            rows = [
                StatusRow(
                    user_pk=known.get(member.user_id),
                    name=member.name or "(no name)",
                    role=role_from_claims(member.roles).name.lower(),
                    status="",
                )
                for member in members
                if member.status.lower() != "deleted"
            ]
        latest: dict[int, Submission] = {}
        counts: dict[int, int] = {}
        for submission in session.scalars(
            select(Submission)
            .where(Submission.placement_pk == placement.id)
            .order_by(Submission.version)
        ):
            latest[submission.user_id] = submission
            counts[submission.user_id] = counts.get(submission.user_id, 0) + 1
        marks = {
            m.submission_pk: m
            for m in session.scalars(
                select(Mark).where(Mark.submission_pk.in_([s.id for s in latest.values()]))
            )
        }
        drafting = set(
            session.scalars(
                select(Draft.user_id).where(Draft.placement_pk == placement.id, Draft.body != "")
            )
        )
        deliveries = self._grade_service().statuses(placement.resource_link_pk)
        for row in rows:
            pk = row.user_pk
            row.latest = latest.get(pk) if pk else None
            row.versions = counts.get(pk, 0) if pk else 0
            row.mark = marks.get(row.latest.id) if row.latest else None
            row.delivery = deliveries.get(pk) if pk else None
            if row.mark is not None:
                row.status = "released" if row.mark.state == MARK_RELEASED else "graded"
            elif row.latest is not None:
                row.status = "late" if row.latest.late else "submitted"
            elif pk in drafting:
                row.status = "draft"
            else:
                row.status = "not started"
        return sorted(rows, key=lambda r: (r.role != "learner", r.name.lower()))

    def audit(self, placement: Placement) -> list[tuple[AuditEntry, str, str]]:
        """The audit log of this placement, newest first, with the actor's and learner's names."""
        actor = User.__table__.alias("actor")
        learner = User.__table__.alias("learner")
        return [
            (entry, actor_name or "(erased)", learner_name or "")
            for entry, actor_name, learner_name in self._session.execute(
                select(AuditEntry, actor.c.name, learner.c.name)
                .outerjoin(actor, actor.c.id == AuditEntry.actor_id)
                .outerjoin(learner, learner.c.id == AuditEntry.learner_id)
                .where(AuditEntry.placement_pk == placement.id)
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            )
        ]


def check_points(
    points: Mapping[str, float | None], texts: AssignmentTexts, *, complete: bool
) -> dict[str, float]:
    """Points per rubric criterion: known criteria, 0 to their maximum, in halves; all of
    them when ``complete`` (a release)."""
    criteria = {c.id: c for c in texts.rubric}
    unknown = set(points) - set(criteria)
    if unknown:
        raise Refused("That is not a criterion of this assignment's rubric.")
    given: dict[str, float] = {}
    for criterion_id, value in points.items():
        if value is None:
            continue
        maximum = criteria[criterion_id].points
        if not 0 <= value <= maximum or value * 2 != int(value * 2):
            raise Refused(
                f"{criteria[criterion_id].title}: give 0 to {maximum} points, in halves at most."
            )
        given[criterion_id] = float(value)
    if complete and set(given) != set(criteria):
        raise Refused("Give points for every criterion before releasing the mark.")
    return given


def content_hash(
    placement_pk: int,
    user_pk: int,
    version: int,
    submitted_at: datetime,
    body: str,
    files: Iterable[Attachment],
) -> str:
    """SHA-256 of what was handed in, where and when: the receipt's source."""
    canonical = json.dumps(
        {
            "placement": placement_pk,
            "learner": user_pk,
            "version": version,
            "submitted_at": submitted_at.isoformat(),
            "text": body,
            "files": sorted(f.sha256 for f in files),
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
