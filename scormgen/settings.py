"""The course settings (``content/course.yml``): one declared schema, a doc per field."""

from __future__ import annotations

from typing import Any

from scormgen.diagnostics import Diagnostics
from scormgen.fields import Field, check_id, check_percent, check_positive, read_fields
from scormgen.model import Contact, CourseSettings, SourceLocation, SupportNotice

DEFAULT_SUPPORT_TITLE = "If this session brings up difficult feelings"
DEFAULT_SUPPORT_TEXT = (
    "This session talks about trauma, suicidality and risk. Take breaks when you need them, "
    "and talk to someone you trust. If you need support now, contact your institution's "
    "student support or wellbeing service. If you or someone else is in immediate danger, "
    "call your local emergency services."
)

COURSE_FIELDS: tuple[Field, ...] = (
    Field(
        "id",
        "Stable course id; the package file name and manifest identifier.",
        required=True,
        check=check_id,
    ),
    Field("title", "The course title shown in the LMS.", required=True),
    Field("description", "One paragraph describing the course (package metadata).", default=""),
    Field(
        "version", "Content version; change it when you publish a changed course.", default="1.0"
    ),
    Field("organization", "The institution or team that publishes the course.", default=""),
    Field("language", "Language of the content as a BCP 47 tag, e.g. en-GB.", default="en-GB"),
    Field(
        "source",
        "Path (relative to content/) of the seed text questions quote.",
        default="source/seed.txt",
    ),
    Field(
        "mastery_score",
        "Default pass mark (0-100) for sessions with a knowledge check; null for none.",
        kind=int,
        default=80,
        nullable=True,
        check=check_percent,
    ),
    Field(
        "reflections_to_lms",
        "'private' (default): the LMS records only that a reflection "
        "was done; 'text': the text (cut to 255 characters) is sent to the LMS too.",
        default="private",
        check=lambda v: None if v in ("private", "text") else "must be 'private' or 'text'",
    ),
    Field(
        "reflection_max_length",
        "Default maximum length of a reflection, in characters.",
        kind=int,
        default=2000,
        check=check_positive,
    ),
    Field(
        "support_notice",
        "The notice on sessions marked support_notice: true (title, text, contacts).",
        kind=dict,
        default=None,
        nullable=True,
    ),
)

SUPPORT_FIELDS: tuple[Field, ...] = (
    Field("title", "Heading of the notice.", default=DEFAULT_SUPPORT_TITLE),
    Field("text", "Markdown text of the notice.", default=DEFAULT_SUPPORT_TEXT),
    Field(
        "contacts",
        "List of {name, details}: where learners can get support.",
        kind=list,
        default=[],
    ),
)

CONTACT_FIELDS: tuple[Field, ...] = (
    Field("name", "Who (e.g. 'Student wellbeing service').", required=True),
    Field("details", "How to reach them (phone, room, opening hours).", required=True),
)


def read_settings(
    data: Any, path: str, diagnostics: Diagnostics
) -> tuple[dict[str, Any], CourseSettings] | None:
    """Read ``course.yml``'s mapping into its values and a ``CourseSettings``."""
    values = read_fields(data, COURSE_FIELDS, path, 1, "course", diagnostics, "warning")
    if values is None:
        return None
    notice_data = values["support_notice"] or {}
    notice_line = data.line_of("support_notice") if hasattr(data, "line_of") else 1
    notice = read_fields(
        notice_data, SUPPORT_FIELDS, path, notice_line, "support_notice", diagnostics, "warning"
    ) or {"title": DEFAULT_SUPPORT_TITLE, "text": DEFAULT_SUPPORT_TEXT, "contacts": []}
    contacts = []
    contact_lines = getattr(notice["contacts"], "item_lines", [])
    for index, item in enumerate(notice["contacts"]):
        line = contact_lines[index] if index < len(contact_lines) else notice_line
        contact = read_fields(item, CONTACT_FIELDS, path, line, "contact", diagnostics)
        if contact and "name" in contact and "details" in contact:
            contacts.append(Contact(name=contact["name"], details=contact["details"]))
    settings = CourseSettings(
        mastery_score=values["mastery_score"],
        reflections_to_lms=values["reflections_to_lms"],
        reflection_max_length=values["reflection_max_length"],
        support_notice=SupportNotice(
            title=notice["title"], text=notice["text"], contacts=tuple(contacts)
        ),
        organization=values["organization"],
        language=values["language"],
    )
    return values, settings


def settings_location(path: str) -> SourceLocation:
    return SourceLocation(path, 1)
