"""What the assignments store about a person, for their own download and for
``lti-tool privacy export|erase`` (registered with ``lti_tool.privacy`` in ``init_app``).

A learner's data: their drafts, submitted versions (text, receipts, times), attached files,
the marks and feedback they received, and the audit entries of instructors opening their work.
An instructor's: the marks they gave and their openings (kept for the learners' record,
under the account's anonymous tombstone once the instructor is erased).

Erasing a learner removes all of theirs, the files' bytes included (after the commit). The
LMS gradebook keeps its own copy of a released grade, under the LMS's rules.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import Context, ResourceLink, User
from .course import AssignmentTexts
from .files import FileStore
from .models import (
    MARK_RELEASED,
    Attachment,
    AuditEntry,
    Draft,
    Mark,
    Placement,
    Submission,
    SubmittedFile,
)


def _iso(moment) -> str | None:
    return moment.isoformat() + "Z" if moment is not None else None


def learner_record(
    session: Session, placement: Placement, user_pk: int, texts: AssignmentTexts
) -> str:
    """Everything a learner wrote and received on one placement, as Markdown to keep."""
    versions = list(
        session.scalars(
            select(Submission)
            .where(Submission.placement_pk == placement.id, Submission.user_id == user_pk)
            .order_by(Submission.version)
        )
    )
    marks = {
        m.submission_pk: m
        for m in session.scalars(
            select(Mark).where(
                Mark.submission_pk.in_([v.id for v in versions]), Mark.state == MARK_RELEASED
            )
        )
    }
    files = _files_by_version(session, [v.id for v in versions])
    draft = session.scalar(
        select(Draft).where(Draft.placement_pk == placement.id, Draft.user_id == user_pk)
    )
    criteria = {c.id: c for c in texts.rubric}
    lines = [f"# {texts.title}", ""]
    for version in versions:
        lines += [
            f"## Version {version.version}",
            "",
            f"- Submitted: {_iso(version.submitted_at)}" + (" (late)" if version.late else ""),
            f"- Receipt: {version.receipt}",
            f"- Words: {version.word_count}",
        ]
        for attachment in files.get(version.id, []):
            lines.append(f"- Attached: {attachment.filename} ({attachment.size} bytes)")
        lines += ["", version.body, ""]
        mark = marks.get(version.id)
        if mark is not None:
            lines += [f"### Mark: {mark.total:g} / {mark.maximum:g}", ""]
            for criterion_id, given in json.loads(mark.points).items():
                criterion = criteria.get(criterion_id)
                title = criterion.title if criterion else criterion_id
                out_of = f" / {criterion.points}" if criterion else ""
                lines.append(f"- {title}: {given:g}{out_of}")
            if mark.feedback:
                lines += ["", "### Feedback", "", mark.feedback]
            lines.append("")
    if draft is not None and draft.body and (not versions or draft.body != versions[-1].body):
        lines += ["## Draft (not submitted)", "", f"Saved: {_iso(draft.updated_at)}", ""]
        lines += [draft.body, ""]
    return "\n".join(lines)


def _files_by_version(session: Session, ids: list[int]) -> dict[int, list[Attachment]]:
    found: dict[int, list[Attachment]] = {}
    for submission_pk, attachment in session.execute(
        select(SubmittedFile.submission_pk, Attachment)
        .join(Attachment, Attachment.id == SubmittedFile.attachment_pk)
        .where(SubmittedFile.submission_pk.in_(ids))
        .order_by(Attachment.id)
    ):
        found.setdefault(submission_pk, []).append(attachment)
    return found


def export(session: Session, user: User) -> list[dict[str, Any]]:
    placements = session.execute(
        select(Placement, ResourceLink.title, Context.title)
        .join(ResourceLink, ResourceLink.id == Placement.resource_link_pk)
        .outerjoin(Context, Context.id == ResourceLink.context_pk)
        .order_by(Placement.id)
    ).all()
    found = []
    for placement, link_title, course_title in placements:
        versions = list(
            session.scalars(
                select(Submission)
                .where(Submission.placement_pk == placement.id, Submission.user_id == user.id)
                .order_by(Submission.version)
            )
        )
        draft = session.scalar(
            select(Draft).where(Draft.placement_pk == placement.id, Draft.user_id == user.id)
        )
        attachments = list(
            session.scalars(
                select(Attachment)
                .where(Attachment.placement_pk == placement.id, Attachment.user_id == user.id)
                .order_by(Attachment.id)
            )
        )
        marks = {
            m.submission_pk: m
            for m in session.scalars(
                select(Mark).where(Mark.submission_pk.in_([v.id for v in versions]))
            )
        }
        given = list(
            session.execute(
                select(Mark, Submission.version)
                .join(Submission, Submission.id == Mark.submission_pk)
                .where(Submission.placement_pk == placement.id, Mark.marker_id == user.id)
            )
        )
        openings = list(
            session.scalars(
                select(AuditEntry)
                .where(
                    AuditEntry.placement_pk == placement.id,
                    (AuditEntry.learner_id == user.id) | (AuditEntry.actor_id == user.id),
                )
                .order_by(AuditEntry.id)
            )
        )
        if not (versions or draft or attachments or given or openings):
            continue
        files = _files_by_version(session, [v.id for v in versions])
        found.append(
            {
                "course": course_title,
                "activity": link_title,
                "assignment": placement.assignment_id,
                "draft": {"text": draft.body, "saved": _iso(draft.updated_at)} if draft else None,
                "versions": [
                    {
                        "version": v.version,
                        "submitted": _iso(v.submitted_at),
                        "late": v.late,
                        "receipt": v.receipt,
                        "content_hash": v.content_hash,
                        "text": v.body,
                        "files": [a.filename for a in files.get(v.id, [])],
                        "mark": _mark(marks.get(v.id)),
                    }
                    for v in versions
                ],
                "files": [
                    {
                        "name": a.filename,
                        "type": a.media_type,
                        "size": a.size,
                        "sha256": a.sha256,
                        "uploaded": _iso(a.created_at),
                    }
                    for a in attachments
                ],
                "marks_given": [
                    {"version": version, **(_mark(mark) or {})} for mark, version in given
                ],
                "audit": [
                    {
                        "action": e.action,
                        "at": _iso(e.at),
                        "by_this_person": e.actor_id == user.id,
                        "about_this_person": e.learner_id == user.id,
                    }
                    for e in openings
                ],
            }
        )
    return found


def _mark(mark: Mark | None) -> dict[str, Any] | None:
    if mark is None:
        return None
    return {
        "points": json.loads(mark.points),
        "total": mark.total,
        "maximum": mark.maximum,
        "feedback": mark.feedback,
        "state": mark.state,
        "released": _iso(mark.released_at),
    }


def erase(session: Session, user: User) -> dict[str, int]:
    """A learner's drafts, versions (and their marks), files and the audit entries about them."""
    store = FileStore.of()
    names = list(
        session.scalars(select(Attachment.storage_name).where(Attachment.user_id == user.id))
    )
    own_versions = select(Submission.id).where(Submission.user_id == user.id)
    marks = session.execute(delete(Mark).where(Mark.submission_pk.in_(own_versions)))
    audit = session.execute(delete(AuditEntry).where(AuditEntry.learner_id == user.id))
    session.execute(delete(SubmittedFile).where(SubmittedFile.submission_pk.in_(own_versions)))
    versions = session.execute(delete(Submission).where(Submission.user_id == user.id))
    files = session.execute(delete(Attachment).where(Attachment.user_id == user.id))
    drafts = session.execute(delete(Draft).where(Draft.user_id == user.id))
    for name in names:
        store.delete_after_commit(session, name)
    session.flush()
    return {
        "drafts": drafts.rowcount or 0,
        "submitted_versions": versions.rowcount or 0,
        "files": files.rowcount or 0,
        "marks": marks.rowcount or 0,
        "audit_entries": audit.rowcount or 0,
    }
