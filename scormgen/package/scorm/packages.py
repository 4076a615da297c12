"""The SCORM 1.2 packages of a build, made in memory: the course package and one per session.

Packages written into the output folder::

    <course-id>.zip                    one SCO per session, then the pages, in course order
    sessions/<NN>-<session-id>.zip     one single-SCO package per session

Each manifest is validated against the SCORM 1.2 schemas before its zip is made;
``scormgen.build`` writes the zips only once every package of the build is ready.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scormgen.diagnostics import BuildError
from scormgen.model import Course, Session
from scormgen.package.archive import zip_bytes
from scormgen.package.scorm.manifest import ManifestInfo, build_manifest
from scormgen.package.scorm.xsd import schema_bytes, validate_manifest
from scormgen.package.xmlschema import serialize
from scormgen.render.files import RenderedFiles

MANIFEST = "imsmanifest.xml"

Render = Callable[[Course, Sequence[Session], bool], RenderedFiles]


@dataclass(frozen=True)
class ScormPackage:
    """One finished package: its path, zip bytes, and what it holds."""

    path: Path
    data: bytes
    scos: int
    interactions: int


@dataclass(frozen=True)
class _Planned:
    path: Path
    info: ManifestInfo
    sessions: tuple[Session, ...]
    include_pages: bool


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


def scorm_packages(
    course: Course,
    sessions: tuple[Session, ...],
    output: Path,
    render: Render,
    done: Callable[[str], None] = lambda label: None,
) -> list[ScormPackage]:
    """Every SCORM package of ``sessions``, in memory; ``done(name)`` after each one."""
    packages: list[ScormPackage] = []
    course_render: RenderedFiles | None = None
    for plan in _plan(course, sessions, output):
        rendered = None
        if course_render is not None and len(plan.sessions) == 1:
            rendered = _single_sco(course_render, plan.sessions[0])
        if rendered is None:
            rendered = render(course, plan.sessions, plan.include_pages)
        if plan.include_pages:
            course_render = rendered
        data, scos = _package(plan, rendered)
        interactions = sum(len(s.questions) + len(s.reflections) for s in plan.sessions)
        packages.append(ScormPackage(plan.path, data, scos, interactions))
        done(plan.path.name)
    return packages


def package_count(sessions: Sequence[Session]) -> int:
    """How many packages ``scorm_packages`` makes: the course's, then one per session."""
    return 1 + len(sessions)
