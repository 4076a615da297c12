"""The course settings (``content/course.yml``): one declared schema, a doc per field."""

from __future__ import annotations

from typing import Any

from scormgen.diagnostics import Diagnostics
from scormgen.load.fields import Field, check_id, check_percent, check_positive, read_fields
from scormgen.model import Contact, CourseSettings, Draft, SourceLocation, SupportNotice

DEFAULT_SUPPORT_TITLE = "If this session brings up difficult feelings"
# General on purpose: what a session may bring up is said by that session's own
# ``support_notice: {about: ...}``, so no notice names topics its session never mentions.
DEFAULT_SUPPORT_TEXT = (
    "Take breaks when you need them, and talk to someone you trust. If you need support "
    "now, contact your institution's student support or wellbeing service. If you or "
    "someone else is in immediate danger, call your local emergency services."
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
        "discussion_ground_rules",
        "The ground rules shown on every scenario discussion in the LTI tool: "
        "{text (Markdown), review}.",
        kind=dict,
        default=None,
        nullable=True,
    ),
    Field(
        "support_notice",
        "The support notice (title, text, contacts, crisis_contacts, review) shown on "
        "sessions that set support_notice.",
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
        "List of {name, details}: where learners can get support at the institution.",
        kind=list,
        default=[],
    ),
    Field(
        "crisis_contacts",
        "List of {name, details}: support out of hours or in a crisis, as the institution "
        "names it (e.g. a national crisis line); shown when set.",
        kind=list,
        default=[],
    ),
    Field(
        "review",
        "Who must still fill in or confirm the contacts, e.g. 'course team'.",
        default=None,
        nullable=True,
    ),
)

GROUND_RULES_FIELDS: tuple[Field, ...] = (
    Field("text", "Markdown text of the ground rules.", required=True),
    Field(
        "review",
        "Who must still write or confirm the text, e.g. 'course team'.",
        default=None,
        nullable=True,
    ),
)

CONTACT_FIELDS: tuple[Field, ...] = (
    Field("name", "Who (e.g. 'Student wellbeing service').", required=True),
    Field("details", "How to reach them (phone, room, opening hours).", required=True),
)


def _read_contacts(
    items: Any, path: str, line: int, diagnostics: Diagnostics
) -> tuple[Contact, ...]:
    contacts = []
    lines = getattr(items, "item_lines", [])
    for index, item in enumerate(items):
        at = lines[index] if index < len(lines) else line
        contact = read_fields(item, CONTACT_FIELDS, path, at, "contact", diagnostics)
        if contact and "name" in contact and "details" in contact:
            contacts.append(Contact(name=contact["name"], details=contact["details"]))
    return tuple(contacts)


def read_settings(
    data: Any, path: str, diagnostics: Diagnostics
) -> tuple[dict[str, Any], CourseSettings, list[Draft]] | None:
    """Read ``course.yml``'s mapping into its values, a ``CourseSettings`` and its drafts.

    The drafts are what a release may not ship: support settings marked for review, and
    a support notice without contacts (learners would not be told where to get help).
    """
    values = read_fields(data, COURSE_FIELDS, path, 1, "course", diagnostics, "warning")
    if values is None:
        return None
    notice_data = values["support_notice"] or {}
    notice_line = data.line_of("support_notice") if hasattr(data, "line_of") else 1
    notice = read_fields(
        notice_data, SUPPORT_FIELDS, path, notice_line, "support_notice", diagnostics, "warning"
    ) or {field.name: field.default for field in SUPPORT_FIELDS}
    key_lines = getattr(notice_data, "key_lines", {})

    def line_of(key: str) -> int:
        return key_lines.get(key, notice_line)

    rules_data = values["discussion_ground_rules"]
    rules_line = data.line_of("discussion_ground_rules") if hasattr(data, "line_of") else 1
    rules = (
        read_fields(
            rules_data,
            GROUND_RULES_FIELDS,
            path,
            rules_line,
            "discussion_ground_rules",
            diagnostics,
            "warning",
        )
        if rules_data is not None
        else None
    )
    contacts = _read_contacts(notice["contacts"], path, notice_line, diagnostics)
    crisis = _read_contacts(notice["crisis_contacts"], path, notice_line, diagnostics)
    settings = CourseSettings(
        mastery_score=values["mastery_score"],
        reflections_to_lms=values["reflections_to_lms"],
        reflection_max_length=values["reflection_max_length"],
        support_notice=SupportNotice(
            title=notice["title"],
            text=notice["text"],
            contacts=contacts,
            crisis_contacts=crisis,
            review=notice["review"],
        ),
        organization=values["organization"],
        language=values["language"],
        discussion_ground_rules=(rules or {}).get("text", ""),
    )
    unset = (
        (
            bool(notice["review"]),
            "review",
            "release.draft",
            f"the support notice is marked 'review: {notice['review']}': a release ships no drafts",
        ),
        (
            not contacts,
            "contacts",
            "release.no-support-contacts",
            "the support notice names no contacts: learners would not be told where to get "
            "support (support_notice: contacts)",
        ),
        (
            not crisis,
            "crisis_contacts",
            "release.no-crisis-contacts",
            "the support notice names no out-of-hours or crisis contacts "
            "(support_notice: crisis_contacts)",
        ),
    )
    drafts = [
        Draft(SourceLocation(path, line_of(key)), code, message)
        for applies, key, code, message in unset
        if applies
    ]
    if rules and rules.get("review"):
        drafts.append(
            Draft(
                SourceLocation(path, rules_line),
                "release.draft",
                f"the discussion ground rules are marked 'review: {rules['review']}': "
                "a release ships no drafts",
            )
        )
    return values, settings, drafts


def settings_location(path: str) -> SourceLocation:
    return SourceLocation(path, 1)
