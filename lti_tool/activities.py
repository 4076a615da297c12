"""The course's activities that the tool can host (scenario discussions, assignments).

They come from the course model (``scormgen.model``), loaded by the same loader
that builds the SCORM packages, from ``COURSE_PATH`` (default: the project's
``content/`` folder). A course with authoring errors offers no activity and says
why in the log, rather than offering half a course.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from scormgen import shipped
from scormgen.load import check_content

log = logging.getLogger(__name__)

#: The course shipped beside the tool (or in its wheel), used when COURSE_PATH is not set.
DEFAULT_COURSE_PATH = shipped.path("content")


#: How an instructor may choose, when placing a discussion, to grade it: the link carries
#: the choice to the feature in its ``grading`` and ``grading_target`` custom parameters.
DISCUSSION_GRADING = (
    ("participation", "Participation: full marks after this many posts"),
    ("mark", "Marked by an instructor out of this many points"),
)


@dataclass(frozen=True)
class Activity:
    key: str  # "scenario:<id>" or "assignment:<id>"
    kind: str
    title: str
    #: The gradebook column's maximum, for activities graded by their nature (assignments:
    #: the rubric's total); ``None`` for the others.
    points_possible: int | None = None
    #: Ways of grading the instructor may choose at placement ``(value, label)``; empty for
    #: activities graded by their nature or never graded.
    grading_choices: tuple[tuple[str, str], ...] = ()
    #: The ``tag`` of the activity's gradebook column, as its feature looks the column up
    #: (default: the key's kind, e.g. ``assignment``).
    tag: str = ""

    @property
    def resource_id(self) -> str:
        return self.key.split(":", 1)[1]

    @property
    def line_item_tag(self) -> str:
        return self.tag or self.key.split(":", 1)[0]


def from_course(course) -> list[Activity]:
    """The scenarios and assignments of a ``scormgen.model.Course``, in course order."""
    found = [
        Activity(
            f"scenario:{s.id}",
            "Scenario discussion",
            s.title,
            grading_choices=DISCUSSION_GRADING,
            tag="discussion",
        )
        for s in course.scenarios
    ]
    found += [
        Activity(f"assignment:{a.id}", "Assignment", a.title, a.points_possible or None)
        for a in course.assignments
    ]
    return found


def course_path() -> Path | None:
    configured = current_app.config.get("COURSE_PATH")
    if configured:
        return Path(configured)
    return DEFAULT_COURSE_PATH if DEFAULT_COURSE_PATH.is_dir() else None


def available() -> list[Activity]:
    cached = current_app.extensions.get("lti_tool.activities")
    if cached is not None:
        return cached
    path = course_path()
    found: list[Activity] = []
    if path is not None:
        course, diagnostics = check_content(path)
        if course is None or diagnostics.has_errors():
            log.warning(
                "the course at %s has %d authoring errors (run 'scormgen check'); "
                "no activity is offered",
                path,
                len(diagnostics.errors),
            )
        else:
            found = from_course(course)
    current_app.extensions["lti_tool.activities"] = found
    return found
