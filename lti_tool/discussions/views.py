"""The discussion pages. Thin: check input, find the launch's own discussion, call the service.

Every route is a POST (``@requires`` checks the launch token and the CSRF token), and every
id in a URL is looked up *through the launch*: a discussion of another resource link,
course, deployment or platform, or a post or report of another discussion, is 404.
Actions answer with the page itself (there is no redirect: a redirect would need the
token in a URL).

The grades and LTI services are imported where they are used: ``lti_tool.models`` imports
this package (to register its tables) before those modules can load.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, g, jsonify, make_response, request

from .. import db, learner_text
from ..errors import error_page
from ..feature_views import csv_cell, csv_download, own_row, storage_key
from ..models import Context, ResourceLink
from ..pages import render_page
from ..roles import Role
from ..security import requires
from . import bp, course, forms
from .models import REPORT_REASONS, Discussion
from .service import MAX_DEPTH, DiscussionService, NotFound, Refused, Viewer


def open_discussion(link: ResourceLink, scenario_id: str):
    """The launch target of ``scenario:<id>`` links (registered in ``init_app``)."""
    texts = course.scenario(scenario_id)
    if texts is None:
        return error_page(
            404,
            "This activity's scenario is not in the course any more. Please tell your instructor.",
            "Scenario not found",
        )
    discussion = DiscussionService(db.get_session()).open(link, scenario_id)
    return _page(discussion)


def _label(discussion: Discussion) -> str:
    """The gradebook column's name: the scenario's title (or the link's, if it has gone)."""
    texts = course.scenario(discussion.scenario_id)
    return texts.scenario.title if texts else discussion.resource_link.title or "Discussion"


def own_discussion(discussion_pk: int) -> Discussion:
    """The discussion ``discussion_pk`` if it belongs to the launch's own link; else 404."""
    return own_row(Discussion, discussion_pk)


def viewer() -> Viewer:
    return Viewer(user_pk=g.launch.user_pk, staff=g.launch.role_enum >= Role.INSTRUCTOR)


def _page(discussion: Discussion, *, status: int = 200, visit: bool = True, **extra):
    texts = course.scenario(discussion.scenario_id)
    if texts is None:
        abort(404)
    gap = timedelta(seconds=current_app.config.get("DISCUSSION_VISIT_GAP_SECONDS", 600))
    page = DiscussionService(db.get_session(), visit_gap=gap).page(
        discussion, viewer(), visit=visit
    )
    body = render_page(
        "discussions/discussion.html",
        page=page,
        texts=texts,
        reasons=REPORT_REASONS,
        max_depth=MAX_DEPTH,
        draft_key=_draft_key(discussion),
        **extra,
    )
    return body, status


def _draft_key(discussion: Discussion) -> str:
    """Names the composer's draft in the browser's storage: one per person and discussion."""
    return storage_key("draft", discussion.id)


def _act(
    discussion: Discussion,
    action,
    done: str,
    *,
    draft: str | None = None,
    form: tuple[int, str] | None = None,
    **extra,
):
    """Run ``action`` and answer with the page: a notice, or the refusal with the draft kept
    (on the post's own form page when ``form`` names one: ``(post id, action)``)."""
    session = db.get_session()
    try:
        action()
    except NotFound:
        session.rollback()
        abort(404)
    except Refused as refusal:
        session.rollback()
        if form is not None:
            return _post_form(discussion, *form, status=422, error=str(refusal), draft=draft)
        return _page(discussion, status=422, visit=False, error=str(refusal), draft=draft, **extra)
    session.commit()
    return _page(discussion, visit=False, notice=done, **extra)


@bp.post("/<int:discussion_pk>")
@requires(Role.LEARNER)
def show(discussion_pk: int):
    return _page(own_discussion(discussion_pk))


@bp.post("/<int:discussion_pk>/posts")
@requires(Role.LEARNER)
def create(discussion_pk: int):
    discussion = own_discussion(discussion_pk)
    text = request.form.get("body", "")
    parent = forms.optional_id(request.form, "parent")
    session = db.get_session()
    label = _label(discussion)

    from .grading import DiscussionGrading

    def post_and_grade() -> None:
        DiscussionService(session).post(discussion, viewer(), text, parent_pk=parent)
        DiscussionGrading(session).after_post(discussion, viewer(), label)

    return _act(
        discussion,
        post_and_grade,
        "Your reply is posted." if parent else "Your post is published.",
        draft=text,
        form=(parent, "reply") if parent else None,
        posted=parent is None,
    )


@bp.post("/<int:discussion_pk>/preview")
@requires(Role.LEARNER)
def preview(discussion_pk: int):
    """The composer's text as it will look; JSON for ``fetch``, else the page with a preview."""
    discussion = own_discussion(discussion_pk)
    text = request.form.get("body", "")
    try:
        cleaned = learner_text.clean(text, max_length=discussion.max_length)
    except learner_text.LearnerTextError as error:
        if request.accept_mimetypes.best == "application/json":
            return jsonify({"body": [str(error)]}), 422
        return _page(discussion, status=422, visit=False, error=str(error), draft=text)
    rendered = learner_text.render(cleaned)
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"html": str(rendered)})
    return _page(discussion, visit=False, preview=rendered, draft=text)


@bp.post("/<int:discussion_pk>/draft")
@requires(Role.LEARNER)
def draft(discussion_pk: int):
    """Saves the composer's text as the learner types (``fetch`` from discussion.js): 204."""
    discussion = own_discussion(discussion_pk)
    session = db.get_session()
    DiscussionService(session).save_draft(discussion, viewer(), request.form.get("body", ""))
    session.commit()
    return "", 204


FORMS = ("reply", "edit", "delete", "report", "hide")


@bp.post(
    "/<int:discussion_pk>/posts/<int:post_pk>/<any(reply, edit, delete, report, hide):action>-form"
)
@requires(Role.LEARNER)
def post_form(discussion_pk: int, post_pk: int, action: str):
    """The page of one action on one post (reply, edit, delete, report, hide)."""
    return _post_form(own_discussion(discussion_pk), post_pk, action)


def _post_form(discussion: Discussion, post_pk: int, action: str, *, status: int = 200, **extra):
    page = DiscussionService(db.get_session()).page(discussion, viewer(), visit=False)
    post = _find(page.threads, post_pk)
    allowed = {
        "reply": post is not None and post.can_reply,
        "edit": post is not None and post.can_edit,
        "delete": post is not None and post.can_delete,
        "report": post is not None and post.can_report,
        "hide": post is not None and page.viewer.staff and post.state == "visible",
    }
    if not allowed[action]:
        abort(404)
    body = render_page(
        "discussions/post_form.html",
        discussion=discussion,
        texts=course.scenario(discussion.scenario_id),
        post=post,
        action=action,
        reasons=REPORT_REASONS,
        **extra,
    )
    return body, status


def _find(views, post_pk: int):
    for view in views:
        if view.id == post_pk:
            return view
        found = _find(view.replies, post_pk)
        if found is not None:
            return found
    return None


@bp.post("/<int:discussion_pk>/posts/<int:post_pk>/edit")
@requires(Role.LEARNER)
def edit(discussion_pk: int, post_pk: int):
    discussion = own_discussion(discussion_pk)
    text = request.form.get("body", "")
    service = DiscussionService(db.get_session())
    return _act(
        discussion,
        lambda: service.edit(discussion, viewer(), post_pk, text),
        "Your post is updated.",
        draft=text,
        form=(post_pk, "edit"),
    )


@bp.post("/<int:discussion_pk>/posts/<int:post_pk>/delete")
@requires(Role.LEARNER)
def delete(discussion_pk: int, post_pk: int):
    discussion = own_discussion(discussion_pk)
    service = DiscussionService(db.get_session())
    return _act(
        discussion, lambda: service.delete(discussion, viewer(), post_pk), "Your post is removed."
    )


@bp.post("/<int:discussion_pk>/posts/<int:post_pk>/report")
@requires(Role.LEARNER)
def report(discussion_pk: int, post_pk: int):
    discussion = own_discussion(discussion_pk)
    reason = request.form.get("reason", "")
    note = request.form.get("note", "")
    service = DiscussionService(db.get_session())
    return _act(
        discussion,
        lambda: service.report(discussion, viewer(), post_pk, reason, note),
        "Thank you. Your report went to the instructors only; nobody else learns who sent it.",
        form=(post_pk, "report"),
    )


@bp.post("/<int:discussion_pk>/mine")
@requires(Role.LEARNER)
def mine(discussion_pk: int):
    """Download everything I wrote in this course's discussions (JSON)."""
    import json

    from .privacy import writing

    discussion = own_discussion(discussion_pk)
    found = writing(db.get_session(), g.launch.user_pk, g.launch.context_pk)
    response = make_response(json.dumps({"discussions": found}, indent=2, ensure_ascii=False))
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="my-discussion-posts-{discussion.id}.json"'
    )
    return response


# ---------------------------------------------------------------------- moderation


@bp.post("/<int:discussion_pk>/posts/<int:post_pk>/hide")
@requires(Role.INSTRUCTOR)
def hide(discussion_pk: int, post_pk: int):
    discussion = own_discussion(discussion_pk)
    reason = request.form.get("reason", "")
    service = DiscussionService(db.get_session())
    return _act(
        discussion,
        lambda: service.hide(discussion, viewer(), post_pk, reason),
        "The post is hidden.",
        form=(post_pk, "hide"),
    )


@bp.post("/<int:discussion_pk>/posts/<int:post_pk>/restore")
@requires(Role.INSTRUCTOR)
def restore(discussion_pk: int, post_pk: int):
    discussion = own_discussion(discussion_pk)
    service = DiscussionService(db.get_session())
    return _act(
        discussion,
        lambda: service.restore(discussion, viewer(), post_pk),
        "The post is visible again.",
    )


@bp.post("/<int:discussion_pk>/posts/<int:post_pk>/pin")
@requires(Role.INSTRUCTOR)
def pin(discussion_pk: int, post_pk: int):
    discussion = own_discussion(discussion_pk)
    pinned = request.form.get("pinned") == "1"
    service = DiscussionService(db.get_session())
    return _act(
        discussion,
        lambda: service.pin(discussion, viewer(), post_pk, pinned),
        "The thread is pinned." if pinned else "The thread is unpinned.",
    )


@bp.post("/<int:discussion_pk>/posts/<int:post_pk>/history")
@requires(Role.INSTRUCTOR)
def history(discussion_pk: int, post_pk: int):
    discussion = own_discussion(discussion_pk)
    try:
        revisions = DiscussionService(db.get_session()).history(discussion, viewer(), post_pk)
    except NotFound:
        abort(404)
    return render_page(
        "discussions/history.html",
        discussion=discussion,
        texts=course.scenario(discussion.scenario_id),
        post_pk=post_pk,
        revisions=[(r.created_at, learner_text.render(r.body)) for r in revisions],
    )


@bp.post("/<int:discussion_pk>/lock")
@requires(Role.INSTRUCTOR)
def lock(discussion_pk: int):
    discussion = own_discussion(discussion_pk)
    locked = request.form.get("locked") == "1"
    service = DiscussionService(db.get_session())
    return _act(
        discussion,
        lambda: service.lock(discussion, viewer(), locked),
        "The discussion is locked." if locked else "The discussion is open again.",
    )


@bp.post("/<int:discussion_pk>/commentary")
@requires(Role.INSTRUCTOR)
def commentary(discussion_pk: int):
    discussion = own_discussion(discussion_pk)
    released = request.form.get("released") == "1"
    service = DiscussionService(db.get_session())
    return _act(
        discussion,
        lambda: service.release_commentary(discussion, viewer(), released),
        "The commentary is released to everyone." if released else "The release is withdrawn.",
    )


@bp.post("/<int:discussion_pk>/settings")
@requires(Role.INSTRUCTOR)
def configure(discussion_pk: int):
    discussion = own_discussion(discussion_pk)
    chosen = forms.settings(request.form)
    service = DiscussionService(db.get_session())
    return _act(
        discussion, lambda: service.configure(discussion, viewer(), chosen), "Settings saved."
    )


@bp.post("/<int:discussion_pk>/reports")
@requires(Role.INSTRUCTOR)
def reports(discussion_pk: int):
    discussion = own_discussion(discussion_pk)
    return _reports_page(discussion)


def _reports_page(discussion: Discussion, notice: str | None = None):
    found = DiscussionService(db.get_session()).reports(discussion, viewer())
    return render_page(
        "discussions/reports.html",
        discussion=discussion,
        texts=course.scenario(discussion.scenario_id),
        reports=found,
        notice=notice,
    )


@bp.post("/<int:discussion_pk>/reports/<int:report_pk>/handled")
@requires(Role.INSTRUCTOR)
def handled(discussion_pk: int, report_pk: int):
    discussion = own_discussion(discussion_pk)
    session = db.get_session()
    try:
        DiscussionService(session).handle_report(discussion, viewer(), report_pk)
    except NotFound:
        abort(404)
    session.commit()
    return _reports_page(discussion, "Marked as handled.")


@bp.post("/<int:discussion_pk>/roster")
@requires(Role.INSTRUCTOR)
def roster(discussion_pk: int):
    discussion = own_discussion(discussion_pk)
    return _roster_page(discussion)


def _roster(discussion: Discussion):
    """The course's people from NRPS, else those the tool has seen launch (with a note)."""
    from ..lti import services

    session = db.get_session()
    context = session.get(Context, g.launch.context_pk)
    members, problem = None, None
    try:
        members = services.roster(session, context)
    except services.ServiceError as error:
        problem = str(error)
    rows = DiscussionService(session).roster(discussion, context, members)
    return rows, problem


def _roster_page(discussion: Discussion, *, status: int = 200, **extra):
    from ..grades.service import GradeService

    rows, problem = _roster(discussion)
    statuses = GradeService(db.get_session()).statuses(discussion.resource_link_pk)
    return render_page(
        "discussions/roster.html",
        discussion=discussion,
        texts=course.scenario(discussion.scenario_id),
        rows=rows,
        problem=problem,
        statuses=statuses,
        **extra,
    ), status


@bp.post("/<int:discussion_pk>/marks/<int:user_pk>")
@requires(Role.INSTRUCTOR)
def mark(discussion_pk: int, user_pk: int):
    """An instructor's mark for one learner, released to the LMS gradebook."""
    from .grading import DiscussionGrading

    discussion = own_discussion(discussion_pk)
    given, comment = forms.mark(request.form)
    session = db.get_session()
    try:
        DiscussionGrading(session).mark(
            discussion, viewer(), user_pk, given, _label(discussion), comment
        )
    except NotFound:
        session.rollback()
        abort(404)
    except Refused as refusal:
        session.rollback()
        return _roster_page(discussion, status=422, error=str(refusal))
    session.commit()
    return _roster_page(discussion, notice="The mark is on its way to the gradebook.")


@bp.post("/<int:discussion_pk>/roster.csv")
@requires(Role.INSTRUCTOR)
def roster_csv(discussion_pk: int):
    discussion = own_discussion(discussion_pk)
    rows, _problem = _roster(discussion)
    return csv_download(
        f"discussion-{discussion.id}-participation.csv",
        ["name", "role", "posts"],
        ([csv_cell(row.name), row.role, row.posts] for row in rows),
    )
