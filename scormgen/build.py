"""``build()``: content/ in, SCORM 1.2 zips out; everything is read and checked before a byte is written.

The stages run one way: load the course (``scormgen.loader``), apply the build
options to the model, check SCORM 1.2 runtime limits (``scormgen.checks``),
render every package's files (``scormgen.render``), build and XSD-validate
every manifest (``scormgen.manifest``, ``scormgen.xsd``), zip every package in
memory (``scormgen.package``) and only then write them all, each atomically.

Packages written into the output folder::

    <course-id>.zip                    one SCO per session, then the pages, in course order
    sessions/<NN>-<session-id>.zip     one single-SCO package per session
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from scormgen.checks import SuspendLength, check_course
from scormgen.diagnostics import AuthoringError, Diagnostics, did_you_mean
from scormgen.drafts import release_diagnostics
from scormgen.loader import check_content
from scormgen.manifest import ManifestInfo, build_manifest, serialize
from scormgen.model import Course, Session
from scormgen.package import build_date_time, write_atomically, zip_bytes
from scormgen.sco import RenderedFiles
from scormgen.xsd import schema_bytes, validate_manifest

MANIFEST = "imsmanifest.xml"

Render = Callable[[Course, Sequence[Session], bool], RenderedFiles]
#: Called as ``progress(done, total, label)`` after each step of the build.
Progress = Callable[[int, int, str], None]


class BuildError(Exception):
    """A build that cannot produce valid packages for a reason other than the content."""


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


@dataclass(frozen=True)
class _Planned:
    path: Path
    info: ManifestInfo
    sessions: tuple[Session, ...]
    include_pages: bool


def _default_render() -> Render:
    from scormgen.render import render_package_files

    return render_package_files


def _default_suspend_length() -> SuspendLength:
    from scormgen.suspend import worst_case_suspend_data_length

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


def session_package_name(session: Session) -> str:
    return f"{session.number:02d}-{session.id}.zip"


def _plan(course: Course, sessions: tuple[Session, ...], output: Path) -> list[_Planned]:
    common = {"version": course.version, "language": course.settings.language}
    plans = [
        _Planned(
            output / f"{course.id}.zip",
            ManifestInfo(course.id, title=course.title, description=course.description, **common),
            sessions,
            include_pages=True,
        )
    ]
    for session in sessions:
        plans.append(
            _Planned(
                output / "sessions" / session_package_name(session),
                ManifestInfo(
                    f"{course.id}.{session.id}",
                    title=f"{course.title}: {session.title}",
                    description=session.aim,
                    **common,
                ),
                (session,),
                include_pages=False,
            )
        )
    return plans


def _single_sco(course_files: RenderedFiles, session: Session) -> RenderedFiles | None:
    """A session's package cut from the course package's render, if it holds that SCO.

    A SCO's page and assets do not depend on which package carries them, so the build
    renders every session once (tests check the cut against a fresh render).
    """
    for sco in course_files.scos:
        if sco.identifier == session.id:
            files = {
                name: course_files.files[name] for name in sco.files if name in course_files.files
            }
            if sco.launch in course_files.files:
                files[sco.launch] = course_files.files[sco.launch]
            return RenderedFiles(files=dict(sorted(files.items())), scos=(sco,))
    return None


def _package(plan: _Planned, rendered: RenderedFiles) -> tuple[bytes, int]:
    """The zip bytes of one package and its SCO count; ``BuildError`` if its manifest is invalid."""
    schemas = schema_bytes()
    clashes = sorted(set(rendered.files) & {MANIFEST, *schemas})
    if clashes:
        raise BuildError(f"{plan.path.name}: the rendered files overwrite {', '.join(clashes)}")
    missing = sorted(
        {name for sco in rendered.scos for name in (sco.launch, *sco.files)} - set(rendered.files)
    )
    if missing:
        raise BuildError(
            f"{plan.path.name}: the SCOs use files that were not rendered: {', '.join(missing)}"
        )
    document = build_manifest(plan.info, rendered.scos)
    problems = validate_manifest(document)
    if problems:
        raise BuildError(
            f"{plan.path.name}: the generated manifest breaks the SCORM 1.2 schemas "
            "(a scormgen bug, not a content mistake):\n"
            + "\n".join(f"  {problem}" for problem in problems)
        )
    files = {**rendered.files, **schemas, MANIFEST: serialize(document)}
    return zip_bytes(files), len(rendered.scos)


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
    ``render`` and ``suspend_length`` default to ``scormgen.render`` and ``scormgen.suspend``.
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
    plans = _plan(course, selected, Path(output_dir))
    total = len(plans) + 1
    report(0, total, "checked the content")
    zips: dict[Path, bytes] = {}
    counts: dict[Path, tuple[int, int]] = {}
    course_render: RenderedFiles | None = None
    for done, plan in enumerate(plans, start=1):
        rendered = None
        if course_render is not None and len(plan.sessions) == 1:
            rendered = _single_sco(course_render, plan.sessions[0])
        if rendered is None:
            rendered = render(course, plan.sessions, plan.include_pages)
        if plan.include_pages:
            course_render = rendered
        data, scos = _package(plan, rendered)
        zips[plan.path] = data
        interactions = sum(len(s.questions) + len(s.reflections) for s in plan.sessions)
        counts[plan.path] = (scos, interactions)
        report(done, total, plan.path.name)

    # Start writing files now that every package is built and valid.
    write_atomically(zips)
    report(total, total, "written")
    return BuildResult(
        course=course,
        packages=tuple(
            PackageResult(
                path=path,
                scos=counts[path][0],
                interactions=counts[path][1],
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            )
            for path, data in zips.items()
        ),
        diagnostics=diagnostics,
    )
