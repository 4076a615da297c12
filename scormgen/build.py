"""``build()``: content/ in, packages out; everything is read and checked before a byte is written.

The stages run one way: load the course (``scormgen.load``), apply the build
options to the model, check it for each format (SCORM 1.2 runtime limits:
``scormgen.package.scorm.checks``), render the pages (``scormgen.render``),
make every package in memory with its manifest validated against the format's
schemas (``scormgen.package.scorm.packages``), and only then write them all
(``scormgen.package.archive``), each atomically.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from scormgen.diagnostics import AuthoringError, BuildError, Diagnostics, did_you_mean
from scormgen.drafts import release_diagnostics
from scormgen.load import check_content
from scormgen.model import Course, Session
from scormgen.package.archive import build_date_time, write_atomically
from scormgen.package.scorm.checks import SuspendLength, check_course
from scormgen.package.scorm.packages import (
    Render,
    package_count,
    scorm_packages,
    session_package_name,
)

__all__ = ["BuildError", "BuildResult", "PackageResult", "build", "session_package_name"]

#: Called as ``progress(done, total, label)`` after each step of the build.
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class PackageResult:
    path: Path
    scos: int
    interactions: int
    size: int
    sha256: str


@dataclass(frozen=True)
class BuildResult:
    course: Course
    packages: tuple[PackageResult, ...]
    diagnostics: Diagnostics  # warnings only: a build with errors raises AuthoringError


def _default_render() -> Render:
    from scormgen.render import render_package_files

    return render_package_files


def _default_suspend_length() -> SuspendLength:
    from scormgen.package.scorm.suspend import worst_case_suspend_data_length

    return worst_case_suspend_data_length


def select_sessions(course: Course, session_ids: Sequence[str] | None) -> tuple[Session, ...]:
    """The sessions to package, in course order; ``BuildError`` names an unknown id."""
    if not session_ids:
        return course.sessions
    known = [session.id for session in course.sessions]
    for session_id in session_ids:
        if session_id not in known:
            raise BuildError(
                f"no session '{session_id}' in the course{did_you_mean(session_id, known)}; "
                f"sessions: {', '.join(known)}"
            )
    wanted = set(session_ids)
    return tuple(session for session in course.sessions if session.id in wanted)


def apply_options(course: Course, mastery_score: int | None, title: str | None) -> Course:
    """The course as the options make it: a new title, a pass mark for every scored session."""
    if mastery_score is not None:
        if not 0 <= mastery_score <= 100:
            raise BuildError(f"the mastery score must be 0-100, not {mastery_score}")
        course = replace(
            course,
            sessions=tuple(
                replace(session, mastery_score=mastery_score) if session.is_scored else session
                for session in course.sessions
            ),
        )
    if title is not None:
        if not title.strip():
            raise BuildError("the package title must not be empty")
        course = replace(course, title=title.strip())
    return course


def build(
    content_dir: str | os.PathLike,
    output_dir: str | os.PathLike,
    sessions: Sequence[str] | None = None,
    mastery_score: int | None = None,
    title: str | None = None,
    *,
    strict: bool = False,
    release: bool = False,
    progress: Progress | None = None,
    render: Render | None = None,
    suspend_length: SuspendLength | None = None,
) -> BuildResult:
    """Build every package of the course in ``content_dir`` into ``output_dir``.

    Raises ``AuthoringError`` (every diagnostic, file:line) for content mistakes and
    ``BuildError`` for anything else that stops a build; either way nothing is written.
    ``release`` builds strictly and refuses every draft (``scormgen.drafts``).
    ``render`` and ``suspend_length`` default to ``scormgen.render`` and ``scormgen.package.scorm.suspend``.
    """
    report = progress or (lambda done, total, label: None)
    try:
        build_date_time()
    except ValueError as error:
        raise BuildError(str(error)) from None
    strict = strict or release
    course, diagnostics = check_content(content_dir)
    if course is not None and release:
        diagnostics.extend(release_diagnostics(course))
    if course is None or diagnostics.has_errors(strict):
        raise AuthoringError(diagnostics)
    course = apply_options(course, mastery_score, title)
    selected = select_sessions(course, sessions)
    diagnostics.extend(check_course(course, selected, suspend_length or _default_suspend_length()))
    if diagnostics.has_errors(strict):
        raise AuthoringError(diagnostics)

    render = render or _default_render()
    total = package_count(selected) + 1
    report(0, total, "checked the content")
    steps = iter(range(1, total))
    packages = scorm_packages(
        course, selected, Path(output_dir), render, lambda label: report(next(steps), total, label)
    )
    zips = {package.path: package.data for package in packages}

    # Start writing files now that every package is built and valid.
    write_atomically(zips)
    report(total, total, "written")
    return BuildResult(
        course=course,
        packages=tuple(
            PackageResult(
                path=package.path,
                scos=package.scos,
                interactions=package.interactions,
                size=len(package.data),
                sha256=hashlib.sha256(package.data).hexdigest(),
            )
            for package in packages
        ),
        diagnostics=diagnostics,
    )
