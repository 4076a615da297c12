"""Assignments in ``lti-tool privacy export|erase``: submissions, drafts, attached files (their
bytes too), marks and the audit log; and what the files' type check accepts."""

from __future__ import annotations

import io
import json
import os
import zipfile

import pytest
from sqlalchemy import select

from lti_tool import db
from lti_tool.assignments.files import DOCX, ODT, PDF, detect, display_name
from lti_tool.assignments.models import Attachment, AuditEntry, Draft, Mark, Submission
from lti_tool.models import User
from tests.lti_platform import LEARNER, SECOND_LEARNER

from .test_assignment_http import attach, mark_lee, open_as, place, user_pk


@pytest.fixture
def lee_handed_in(connected):
    """Lee attaches a file, submits, is marked (opening audited) and released; Sam submits."""
    place(connected.platform)
    lee = open_as(connected, LEARNER)
    assert attach(lee).status_code == 200
    open_as(connected, LEARNER).hand_in("Lee's own story")
    assert open_as(connected, LEARNER).autosave("Lee's next draft").status_code == 200
    mark_lee(connected)
    open_as(connected, SECOND_LEARNER).hand_in("Sam's story")
    return connected


def test_the_cli_exports_a_learners_assignments(lee_handed_in, runner):
    result = runner.invoke(
        ["privacy", "export", "--issuer", lee_handed_in.platform.issuer, "--sub", LEARNER.id]
    )

    assert result.exit_code == 0, result.output
    (placement,) = json.loads(result.output)["assignments"]
    assert placement["assignment"] == "recovery-story-essay"
    assert placement["draft"]["text"] == "Lee's next draft"
    (version,) = placement["versions"]
    assert version["text"] == "Lee's own story" and len(version["receipt"]) == 14
    assert version["files"] == ["notes.pdf"]
    assert version["mark"]["total"] == 28.5 and version["mark"]["state"] == "released"
    assert placement["files"][0]["type"] == "application/pdf"
    # Opened to read, and shown again with the saved mark: two openings.
    assert [e["action"] for e in placement["audit"]] == ["opened_submission"] * 2
    assert "Sam's story" not in result.output


def test_the_cli_erases_a_learners_assignments_and_file_bytes(lee_handed_in, runner, app):
    files_dir = app.config["ASSIGNMENT_FILES_DIR"]
    lee_pk = user_pk(app, LEARNER.id)
    with app.app_context():
        (stored,) = db.get_session().scalars(
            select(Attachment.storage_name).where(Attachment.user_id == lee_pk)
        )
    assert os.path.exists(os.path.join(files_dir, stored))

    result = runner.invoke(
        [
            "privacy",
            "erase",
            "--issuer",
            lee_handed_in.platform.issuer,
            "--sub",
            LEARNER.id,
            "--yes",
        ]
    )

    assert result.exit_code == 0, result.output
    assert "assignments: 1 drafts, 1 submitted_versions, 1 files, 1 marks, 2 audit_entries" in (
        result.output
    )
    assert not os.path.exists(os.path.join(files_dir, stored))
    with app.app_context():
        session = db.get_session()
        for model, column in (
            (Draft, Draft.user_id),
            (Submission, Submission.user_id),
            (Attachment, Attachment.user_id),
            (AuditEntry, AuditEntry.learner_id),
        ):
            assert session.scalars(select(model).where(column == lee_pk)).all() == []
        assert session.scalars(select(Mark)).all() == []
        sam = session.scalar(select(User.id).where(User.sub == SECOND_LEARNER.id))
        assert session.scalar(select(Submission.body).where(Submission.user_id == sam)) == (
            "Sam's story"
        )


# ---------------------------------------------------------------- file types, by content


def zipped(*entries: tuple[str, bytes], stored_first: bool = True) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for index, (name, data) in enumerate(entries):
            method = zipfile.ZIP_STORED if index == 0 and stored_first else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    out.seek(0)
    return out


def test_pdf_docx_and_odt_are_recognised_by_their_content():
    docx = zipped(("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>"))
    odt = zipped(("mimetype", ODT.encode()), ("content.xml", b"<office:document-content/>"))

    assert detect(io.BytesIO(b"%PDF-1.7\n...")).media_type == PDF
    assert detect(docx).media_type == DOCX
    assert detect(odt).media_type == ODT


@pytest.mark.parametrize(
    "content",
    [
        b"<!doctype html><p>a web page named essay.pdf</p>",
        b"MZ\x90\x00 a program",
        b"",
        b"PK\x03\x04 not really a zip",
    ],
)
def test_other_content_is_refused_whatever_its_name(content):
    assert detect(io.BytesIO(content)) is None


def test_a_spreadsheet_or_any_other_zip_is_refused():
    ods = zipped(("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"))
    xlsx = zipped(("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>"))

    assert detect(ods) is None and detect(xlsx) is None


def test_the_name_shown_is_tidied_and_carries_the_true_extension():
    kind = detect(io.BytesIO(b"%PDF-1.4"))

    assert display_name("../../etc/My essay (final).html", kind) == "My essay (final).pdf"
    assert display_name('a"b<c>.pdf', kind) == "a_b_c_.pdf"
    assert display_name("", kind) == "attachment.pdf"
