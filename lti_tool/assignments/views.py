"""The assignment pages. Thin: check input, find the launch's own placement, call the service.

Every route is a POST (``@requires`` checks the launch token and the CSRF token), and every id
in a URL is looked up *through the launch*: a placement of another resource link, course,
deployment or platform, a version or file of another learner, or a learner of another course,
is 404. Actions answer with the page itself (a redirect would need the token in a URL).

The grades and LTI services are imported where they are used: ``lti_tool.models`` imports
this package (to register its tables) before those modules can load.
"""

from __future__ import annotations

import json
import secrets

from flask import abort, current_app, g, jsonify, make_response, request
from sqlalchemy import select

from .. import db, learner_text
from ..errors import error_page
from ..feature_views import csv_cell, csv_download, own_row, storage_key
from ..models import Context, ResourceLink
from ..pages import render_page
from ..roles import Role
from ..security import requires
from . import bp, course, forms
from .models import EXPORTED_MARKS, LATE_POLICIES, Placement
from .service import AssignmentService, Conflict, NotFound, Refused, Viewer, word_count


def open_assignment(link: ResourceLink, assignment_id: str):
    """The launch target of ``assignment:<id>`` links (registered in ``init_app``)."""
    texts = course.assignment(assignment_id)
    if texts is None:
        return error_page(
            404,
            "This assignment is not in the course any more. Please tell your instructor.",
            "Assignment not found",
        )
    placement = AssignmentService(db.get_session()).open(link, assignment_id)
    if viewer().staff:
        return _list_page(placement)
    return _learner_page(placement)


def own_placement(placement_pk: int) -> Placement:
    """The placement ``placement_pk`` if it belongs to the launch's own link; else 404."""
    return own_row(Placement, placement_pk)


def viewer() -> Viewer:
    return Viewer(user_pk=g.launch.user_pk, staff=g.launch.role_enum >= Role.INSTRUCTOR)


def texts_of(placement: Placement):
    found = course.assignment(placement.assignment_id)
    if found is None:
        abort(404)
    return found


def _service() -> AssignmentService:
    return AssignmentService(db.get_session())


def _draft_key(placement: Placement) -> str:
    """Names the essay's copy in the browser's storage: one per person and placement."""
    return storage_key("assignment-draft", placement.id)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


# ---------------------------------------------------------------------- the learner


def _learner_page(placement: Placement, *, status: int = 200, text: str | None = None, **extra):
    texts = texts_of(placement)
    page = _service().learner_page(placement, viewer(), texts)
    essay = text if text is not None else (page.draft.body if page.draft else "")
    released = page.released
    body = render_page(
        "assignments/assignment.html",
        page=page,
        texts=texts,
        essay_text=essay,
        words=word_count(essay),
        released_points=json.loads(released.points) if released else {},
        feedback_html=learner_text.render(released.feedback) if released else None,
        draft_key=_draft_key(placement),
        request_key=secrets.token_urlsafe(18),
        late_policies=LATE_POLICIES,
        max_bytes=current_app.config.get("ASSIGNMENT_FILE_MAX_BYTES"),
        **extra,
    )
    return body, status


@bp.post("/<int:placement_pk>")
@requires(Role.LEARNER)
def show(placement_pk: int):
    placement = own_placement(placement_pk)
    if viewer().staff:
        return _list_page(placement)
    return _learner_page(placement)


@bp.post("/<int:placement_pk>/write")
@requires(Role.LEARNER)
def write(placement_pk: int):
    """The learner's page for anyone, instructors included (to try the assignment)."""
    return _learner_page(own_placement(placement_pk))


@bp.post("/<int:placement_pk>/draft")
@requires(Role.LEARNER)
def draft(placement_pk: int):
    """Autosave (``fetch`` from assignment.js): 200 with the new revision, 409 on a conflict."""
    placement = own_placement(placement_pk)
    base = forms.revision(request.form)
    session = db.get_session()
    try:
        saved = _service().save_draft(placement, viewer(), request.form.get("body", ""), base)
    except Conflict as conflict:
        session.rollback()
        current = conflict.draft
        return jsonify(
            {
                "conflict": True,
                "revision": current.revision,
                "body": current.body,
                "saved_at": _iso(current.updated_at),
            }
        ), 409
    except Refused as refusal:
        session.rollback()
        return jsonify({"body": [str(refusal)]}), 422
    session.commit()
    return jsonify({"revision": saved.revision, "saved_at": _iso(saved.updated_at)})


def _iso(moment) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


@bp.post("/<int:placement_pk>/submit")
@requires(Role.LEARNER)
def submit(placement_pk: int):
    """Hand in the essay: the version is committed before the answer says so."""
    placement = own_placement(placement_pk)
    text = request.form.get("body", "")
    key = forms.request_key(request.form)
    texts = texts_of(placement)
    session = db.get_session()
    try:
        version = _service().submit(placement, viewer(), text, texts=texts, request_key=key)
    except Refused as refusal:
        session.rollback()
        return _learner_page(placement, status=422, error=str(refusal), text=text)
    session.commit()
    return _learner_page(
        placement,
        notice=f"Submitted: version {version.version}. Your receipt is {version.receipt}.",
        submitted=version,
    )


@bp.post("/<int:placement_pk>/versions/<int:submission_pk>")
@requires(Role.LEARNER)
def version(placement_pk: int, submission_pk: int):
    """One of my submitted versions, as handed in."""
    placement = own_placement(placement_pk)
    service = _service()
    try:
        found = service.own_version(placement, viewer(), submission_pk)
    except NotFound:
        abort(404)
    return render_page(
        "assignments/version.html",
        placement=placement,
        texts=texts_of(placement),
        version=found,
        body=learner_text.render(found.body),
        files=service.files_by_version([found])[found.id],
    )


@bp.post("/<int:placement_pk>/mine")
@requires(Role.LEARNER)
def mine(placement_pk: int):
    """Download everything I wrote and received here, as a Markdown file to keep."""
    from .privacy import learner_record

    placement = own_placement(placement_pk)
    text = learner_record(db.get_session(), placement, g.launch.user_pk, texts_of(placement))
    response = make_response(text)
    response.headers["Content-Type"] = "text/markdown; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="my-assignment-{placement.id}.md"'
    )
    return response


# ---------------------------------------------------------------------- instructors


def _list_page(placement: Placement, *, status: int = 200, **extra):
    from ..lti import services

    session = db.get_session()
    context = session.get(Context, g.launch.context_pk)
    members, problem = None, None
    try:
        members = services.roster(session, context)
    except services.ServiceError as error:
        problem = str(error)
    texts = texts_of(placement)
    service = _service()
    return render_page(
        "assignments/submissions.html",
        placement=placement,
        texts=texts,
        rules=service.rules(placement, texts),
        rows=service.statuses(placement, context, members),
        problem=problem,
        late_policies=LATE_POLICIES,
        **extra,
    ), status


@bp.post("/<int:placement_pk>/submissions")
@requires(Role.INSTRUCTOR)
def submissions(placement_pk: int):
    return _list_page(own_placement(placement_pk))


def _marking_page(placement: Placement, learner_pk: int, *, status: int = 200, **extra):
    texts = texts_of(placement)
    session = db.get_session()
    try:
        page = _service().open_for_marking(placement, viewer(), learner_pk)
    except NotFound:
        session.rollback()
        abort(404)
    session.commit()  # the audit entry
    bodies = {v.id: learner_text.render(v.body) for v in page.versions}
    points = {sid: json.loads(mark.points) for sid, mark in page.marks.items()}
    return render_page(
        "assignments/marking.html",
        placement=placement,
        texts=texts,
        rules=_service().rules(placement, texts),
        page=page,
        bodies=bodies,
        points=points,
        **extra,
    ), status


@bp.post("/<int:placement_pk>/learners/<int:learner_pk>")
@requires(Role.INSTRUCTOR)
def learner(placement_pk: int, learner_pk: int):
    """Read a learner's work and mark it (the opening is recorded in the audit log)."""
    return _marking_page(own_placement(placement_pk), learner_pk)


@bp.post("/<int:placement_pk>/learners/<int:learner_pk>/mark")
@requires(Role.INSTRUCTOR)
def mark(placement_pk: int, learner_pk: int):
    placement = own_placement(placement_pk)
    texts = texts_of(placement)
    given = forms.points(request.form, texts)
    submission_pk = forms.whole_id(request.form, "submission")
    release = request.form.get("action") == "release"
    feedback = request.form.get("feedback", "")
    session = db.get_session()
    try:
        _service().save_mark(
            placement,
            viewer(),
            learner_pk,
            submission_pk,
            given,
            feedback,
            texts=texts,
            release=release,
        )
    except NotFound:
        session.rollback()
        abort(404)
    except Refused as refusal:
        session.rollback()
        return _marking_page(placement, learner_pk, status=422, error=str(refusal))
    session.commit()
    notice = (
        "The mark is released: the learner sees it and it is on its way to the gradebook."
        if release
        else "Marking saved as a draft: the learner does not see it yet."
    )
    return _marking_page(placement, learner_pk, notice=notice)


@bp.post("/<int:placement_pk>/release-all")
@requires(Role.INSTRUCTOR)
def release_all(placement_pk: int):
    placement = own_placement(placement_pk)
    session = db.get_session()
    released = _service().release_all(placement, viewer(), texts_of(placement))
    session.commit()
    return _list_page(
        placement,
        notice=f"{released} mark(s) released; incomplete markings stay drafts."
        if released
        else "No complete draft marking to release.",
    )


@bp.post("/<int:placement_pk>/settings")
@requires(Role.INSTRUCTOR)
def configure(placement_pk: int):
    placement = own_placement(placement_pk)
    chosen = forms.settings(request.form)
    session = db.get_session()
    try:
        _service().configure(placement, viewer(), **chosen.__dict__)
    except Refused as refusal:
        session.rollback()
        return _list_page(placement, status=422, error=str(refusal))
    session.commit()
    return _list_page(placement, notice="Settings saved.")


@bp.post("/<int:placement_pk>/deliveries/<int:delivery_pk>/retry")
@requires(Role.INSTRUCTOR)
def retry(placement_pk: int, delivery_pk: int):
    """Send a grade that is pending or failed again now."""
    from ..grades.models import GradeDelivery
    from ..grades.service import GradeService, RetryRefused

    placement = own_placement(placement_pk)
    session = db.get_session()
    belongs = session.scalar(
        select(GradeDelivery.id).where(
            GradeDelivery.id == delivery_pk,
            GradeDelivery.resource_link_pk == placement.resource_link_pk,
        )
    )
    if belongs is None:
        abort(404)
    try:
        GradeService(session).retry(delivery_pk, context_pk=g.launch.context_pk)
    except RetryRefused:
        session.rollback()
        abort(404)
    session.commit()
    return _list_page(placement, notice="The grade is being sent again.")


@bp.post("/<int:placement_pk>/marks.csv")
@requires(Role.INSTRUCTOR)
def marks_csv(placement_pk: int):
    """The course's marks for this assignment as CSV (recorded in the audit log)."""
    from ..lti import services

    placement = own_placement(placement_pk)
    texts = texts_of(placement)
    session = db.get_session()
    context = session.get(Context, g.launch.context_pk)
    try:
        members = services.roster(session, context)
    except services.ServiceError:
        members = None
    service = _service()
    rows = service.statuses(placement, context, members)
    service.record(placement, viewer(), EXPORTED_MARKS)
    session.commit()
    criteria = [c.id for c in texts.rubric]
    header = ["name", "status", "version", "submitted_at", "late", "receipt", *criteria, "total",
              "maximum", "mark_state", "gradebook"]  # fmt: skip
    return csv_download(
        f"assignment-{placement.id}-marks.csv",
        header,
        (_marks_row(row, criteria) for row in rows if row.role == "learner"),
    )


def _marks_row(row, criteria: list[str]) -> list:
    latest, given = row.latest, json.loads(row.mark.points) if row.mark else {}
    return [
        csv_cell(row.name),
        row.status,
        latest.version if latest else "",
        _iso(latest.submitted_at) if latest else "",
        ("yes" if latest.late else "no") if latest else "",
        latest.receipt if latest else "",
        *[_number(given.get(c)) for c in criteria],
        _number(row.mark.total) if row.mark else "",
        _number(row.mark.maximum) if row.mark else "",
        row.mark.state if row.mark else "",
        row.delivery.state if row.delivery else "",
    ]


def _number(value) -> str:
    return "" if value is None else f"{value:g}"


@bp.post("/<int:placement_pk>/audit")
@requires(Role.ADMIN)
def audit(placement_pk: int):
    """Who opened which learner's work, when (administrators only)."""
    placement = own_placement(placement_pk)
    return render_page(
        "assignments/audit.html",
        placement=placement,
        texts=texts_of(placement),
        entries=_service().audit(placement),
    )


# ---------------------------------------------------------------------- attached files


@bp.before_request
def _upload_limit() -> None:
    # The tool's MAX_CONTENT_LENGTH (1 MB) is for forms; an upload may be as large as the
    # file limit, plus room for the form's other fields. Set before ``@requires`` reads the form.
    if request.endpoint == "assignments.upload":
        request.max_content_length = current_app.config["ASSIGNMENT_FILE_MAX_BYTES"] + 64 * 1024


@bp.post("/<int:placement_pk>/files")
@requires(Role.LEARNER)
def upload(placement_pk: int):
    """Attach a file to the draft: its type from its content, kept under a random name."""
    from .files import FileStore, detect, display_name

    placement = own_placement(placement_pk)
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return _learner_page(placement, status=422, error="Choose a file to attach.")
    kind = detect(sent.stream)
    if kind is None:
        return _learner_page(
            placement,
            status=422,
            error="That file is not a PDF, Word (.docx) or OpenDocument (.odt) document.",
        )
    limit = current_app.config["ASSIGNMENT_FILE_MAX_BYTES"]
    store = FileStore.of()
    saved = store.save(sent.stream, limit)
    if saved is None:
        return _learner_page(
            placement, status=422, error=f"That file is larger than {limit // (1024 * 1024)} MB."
        )
    storage_name, size, digest = saved
    session = db.get_session()
    try:
        _service().add_file(
            placement,
            viewer(),
            storage_name=storage_name,
            filename=display_name(sent.filename, kind),
            media_type=kind.media_type,
            size=size,
            sha256=digest,
            limit=current_app.config["ASSIGNMENT_FILES_PER_LEARNER"],
        )
    except Refused as refusal:
        session.rollback()
        store.delete(storage_name)
        return _learner_page(placement, status=422, error=str(refusal))
    session.commit()
    return _learner_page(placement, notice="The file is attached to your draft.")


@bp.post("/<int:placement_pk>/files/<int:attachment_pk>")
@requires(Role.LEARNER)
def download(placement_pk: int, attachment_pk: int):
    """A file, always as a download (never shown inline), with ``nosniff``."""
    from flask import send_file

    from .files import FileStore

    placement = own_placement(placement_pk)
    session = db.get_session()
    try:
        found = _service().file(placement, viewer(), attachment_pk)
    except NotFound:
        abort(404)
    session.commit()  # an instructor's download is in the audit log
    try:
        path = FileStore.of().path(found.storage_name)
        response = send_file(
            path,
            mimetype=found.media_type,
            as_attachment=True,
            download_name=found.filename,
            conditional=False,
            etag=False,
            max_age=0,
        )
    except (FileNotFoundError, ValueError):
        abort(404)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post("/<int:placement_pk>/files/<int:attachment_pk>/remove")
@requires(Role.LEARNER)
def remove_file(placement_pk: int, attachment_pk: int):
    from .files import FileStore

    placement = own_placement(placement_pk)
    session = db.get_session()
    try:
        orphan = _service().remove_file(placement, viewer(), attachment_pk)
    except NotFound:
        session.rollback()
        abort(404)
    if orphan:
        FileStore.of().delete_after_commit(session, orphan)
    session.commit()
    return _learner_page(placement, notice="The file is no longer attached to your draft.")
