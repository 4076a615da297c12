"""The course's activities that the tool can host (scenario discussions, assignments).

They come from the course model (``scormgen.model``) through the course loader.
Until the loader exists, or when ``COURSE_PATH`` is not set, there are none, and
the deep-linking page says so instead of failing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Activity:
    key: str  # "scenario:<id>" or "assignment:<id>"
    kind: str
    title: str


def from_course(course) -> list[Activity]:
    """The scenarios and assignments of a ``scormgen.model.Course``, in course order."""
    found = [Activity(f"scenario:{s.id}", "Scenario discussion", s.title) for s in course.scenarios]
    found += [Activity(f"assignment:{a.id}", "Assignment", a.title) for a in course.assignments]
    return found


def available() -> list[Activity]:
    cached = current_app.extensions.get("lti_tool.activities")
    if cached is not None:
        return cached
    path = current_app.config.get("COURSE_PATH")
    found: list[Activity] = []
    if path:
        try:
            from scormgen import loader
        except ImportError:
            loader = None
        check = getattr(loader, "check_content", None)
        if check is None:
            log.warning("COURSE_PATH is set but the course loader is not available")
        else:
            course, _diagnostics = check(path)
            found = from_course(course) if course is not None else []
    current_app.extensions["lti_tool.activities"] = found
    return found
