"""What the discussions store about a person, for their own download and for
``lti-tool privacy export|erase`` (registered with ``lti_tool.privacy`` in ``init_app``).

A person's words are their posts (the current text and earlier versions), their unposted
draft and the notes of reports they sent. Erasing removes all of them; posts stay as
"removed by its author" markers so that the replies of others keep their place.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..models import Context, ResourceLink, User, utcnow
from .models import DELETED, Discussion, Draft, Participant, Post, Report, Revision


def _iso(moment) -> str | None:
    return moment.isoformat() + "Z" if moment is not None else None


def writing(session: Session, user_pk: int, context_pk: int | None = None) -> list[dict[str, Any]]:
    """Everything ``user_pk`` wrote in discussions (of one course, if ``context_pk``)."""
    places = (
        select(Discussion, ResourceLink.title, Context.title)
        .join(ResourceLink, ResourceLink.id == Discussion.resource_link_pk)
        .outerjoin(Context, Context.id == ResourceLink.context_pk)
        .order_by(Discussion.id)
    )
    if context_pk is not None:
        places = places.where(ResourceLink.context_pk == context_pk)
    discussions = {d.id: (d, link, course) for d, link, course in session.execute(places)}
    ids = list(discussions)
    posts = session.scalars(
        select(Post)
        .where(Post.author_id == user_pk, Post.discussion_id.in_(ids))
        .order_by(Post.created_at, Post.id)
    ).all()
    revisions: dict[int, list[Revision]] = {}
    for revision in session.scalars(
        select(Revision).where(Revision.post_id.in_([p.id for p in posts])).order_by(Revision.id)
    ):
        revisions.setdefault(revision.post_id, []).append(revision)
    drafts = {
        d.discussion_id: d
        for d in session.scalars(
            select(Draft).where(Draft.user_id == user_pk, Draft.discussion_id.in_(ids))
        )
    }
    reports = session.execute(
        select(Report, Post.discussion_id)
        .join(Post, Post.id == Report.post_id)
        .where(Report.reporter_id == user_pk, Post.discussion_id.in_(ids))
        .order_by(Report.id)
    ).all()
    found = []
    for discussion_id, (discussion, link_title, course_title) in discussions.items():
        mine = [p for p in posts if p.discussion_id == discussion_id]
        sent = [r for r, in_discussion in reports if in_discussion == discussion_id]
        draft = drafts.get(discussion_id)
        if not (mine or sent or draft):
            continue
        found.append(
            {
                "course": course_title,
                "activity": link_title,
                "scenario": discussion.scenario_id,
                "posts": [
                    {
                        "written": _iso(p.created_at),
                        "reply": p.parent_id is not None,
                        "state": p.state,
                        "text": p.body,
                        "earlier_versions": [
                            {"replaced": _iso(r.created_at), "text": r.body}
                            for r in revisions.get(p.id, [])
                        ],
                    }
                    for p in mine
                ],
                "draft": draft.body if draft else None,
                "reports_sent": [
                    {"sent": _iso(r.created_at), "reason": r.reason, "note": r.note} for r in sent
                ],
            }
        )
    return found


def export(session: Session, user: User) -> list[dict[str, Any]]:
    return writing(session, user.id)


def erase(session: Session, user: User) -> dict[str, int]:
    own_posts = select(Post.id).where(Post.author_id == user.id)
    revisions = session.execute(delete(Revision).where(Revision.post_id.in_(own_posts)))
    posts = session.execute(
        update(Post)
        .where(Post.author_id == user.id, Post.body.is_not(None))
        .values(body=None, state=DELETED, hidden_reason=None, pinned=False, deleted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    drafts = session.execute(delete(Draft).where(Draft.user_id == user.id))
    reports = session.execute(delete(Report).where(Report.reporter_id == user.id))
    participants = session.execute(delete(Participant).where(Participant.user_id == user.id))
    session.flush()
    return {
        "posts": posts.rowcount or 0,
        "earlier_versions": revisions.rowcount or 0,
        "drafts": drafts.rowcount or 0,
        "reports_sent": reports.rowcount or 0,
        "participations": participants.rowcount or 0,
    }
