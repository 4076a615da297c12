"""``build()``: content/ in, packages out; everything is read and checked before a byte is written.

The stages run one way: load the course (``scormgen.load``), apply the build
options to the model, check it for each format asked for (SCORM 1.2 runtime
limits: ``scormgen.package.scorm.checks``; the Common Cartridge's QTI profile:
``scormgen.package.cartridge.packages.check_cartridge``), render the pages
(``scormgen.render``), make every package in memory with each of its documents
validated against the format's schemas (``scormgen.package.scorm.packages``,
``scormgen.package.cartridge.packages``), and only then write them all
(``scormgen.package.archive``), each atomically: a failed build writes nothing.
Last, the packages an earlier build wrote that no session corresponds to any more
are removed, and only those (``scormgen.package.written``).

Formats: ``scorm`` (the course package and one per session) and ``cc`` (one
IMS Common Cartridge 1.1, ``<course-id>.imscc``, whose LTI links need the tool's URL).
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
from scormgen.package.cartridge.lti import ToolUrlError, check_tool_url
from scormgen.package.cartridge.packages import (
    CartridgeOptions,
    RenderWeb,
    cartridge_name,
    cartridge_package,
    check_cartridge,
)
from scormgen.package.scorm.checks import SuspendLength, check_course
from scormgen.package.scorm.packages import (
    Render,
    package_count,
    scorm_packages,
    session_package_name,
)
from scormgen.package.written import remove_stale

__all__ = [
    "FORMATS",
    "BuildError",
    "BuildResult",
    "CartridgeOptions",
    "PackageResult",
    "build",
    "cartridge_options",
    "session_package_name",
]

#: The package formats, as ``--format`` names them.
FORMATS = ("scorm", "cc")

#: Called as ``progress(done, total, label)`` after each step of the build.
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class PackageResult:
    path: Path
    scos: int  # SCORM: launchable SCOs; cartridge: 0
    interactions: int  # SCORM: questions and reflections recorded; cartridge: 0
    size: int
    sha256: str
    format: str = "scorm"
    contents: str = ""  # what it holds, in words (the cartridge's modules, quizzes, links)


@dataclass(frozen=True)
class BuildResult:
    course: Course
    packages: tuple[PackageResult, ...]
    diagnostics: Diagnostics  # warnings only: a build with errors raises AuthoringError
    #: Packages an earlier build wrote that no session corresponds to any more, now removed.
    removed: tuple[Path, ...] = ()


def _default_render() -> Render:
    from scormgen.render import render_package_files

    return render_package_files


def _default_render_web() -> RenderWeb:
    from scormgen.render import render_web_pages

    return render_web_pages


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


def cartridge_options(tool_url: str | None, canvas_client_id: str | None) -> CartridgeOptions:
    """The cartridge's options checked; ``BuildError`` says what is missing or wrong."""
    if not tool_url:
        raise BuildError(
            "the cartridge links to the LTI tool: give the tool's base URL with --tool-url "
            "or LTI_TOOL_URL (e.g. https://tool.example.edu)"
        )
    try:
        url = check_tool_url(tool_url)
    except ToolUrlError as error:
        raise BuildError(str(error)) from None
    if canvas_client_id is not None and not canvas_client_id.strip().isdigit():
        raise BuildError(
            f"the Canvas client ID must be the developer key's ID (digits only), "
            f"not {canvas_client_id!r}"
        )
    return CartridgeOptions(url, canvas_client_id.strip() if canvas_client_id else None)


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
    formats: Sequence[str] = ("scorm",),
    cartridge: CartridgeOptions | None = None,
    render: Render | None = None,
    render_web: RenderWeb | None = None,
    suspend_length: SuspendLength | None = None,
) -> BuildResult:
    """Build every package of the course in ``content_dir`` into ``output_dir``.

    ``formats`` names the packages to make (``FORMATS``); ``cc`` needs ``cartridge``
    (``cartridge_options``). Raises ``AuthoringError`` (every diagnostic, file:line)
    for content mistakes and ``BuildError`` for anything else that stops a build;
    either way nothing is written. ``release`` builds strictly and refuses every draft
    (``scormgen.drafts``). ``render``, ``render_web`` and ``suspend_length`` default to
    ``scormgen.render`` and ``scormgen.package.scorm.suspend``.
    """
    report = progress or (lambda done, total, label: None)
    unknown = [name for name in formats if name not in FORMATS]
    if unknown or not formats:
        raise BuildError(
            f"unknown package format {', '.join(map(repr, unknown)) or '(none)'}; "
            f"formats: {', '.join(FORMATS)}"
        )
    if "cc" in formats and cartridge is None:
        raise BuildError("the cartridge needs its options (the tool's URL)")
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
    if "scorm" in formats:
        suspend_length = suspend_length or _default_suspend_length()
        diagnostics.extend(check_course(course, selected, suspend_length))
    if "cc" in formats:
        diagnostics.extend(check_cartridge(selected))
    if diagnostics.has_errors(strict):
        raise AuthoringError(diagnostics)

    output = Path(output_dir)
    total = ("scorm" in formats) * package_count(selected) + ("cc" in formats) + 1
    report(0, total, "checked the content")
    steps = iter(range(1, total))
    results: list[tuple[PackageResult, bytes]] = []
    if "scorm" in formats:
        for package in scorm_packages(
            course,
            selected,
            output,
            render or _default_render(),
            lambda label: report(next(steps), total, label),
        ):
            results.append(
                (
                    _result(package.path, package.data, package.scos, package.interactions),
                    package.data,
                )
            )
    if "cc" in formats:
        assert cartridge is not None
        package = cartridge_package(
            course, selected, output, cartridge, render_web or _default_render_web()
        )
        contents = (
            f"{package.modules} modules, {package.quizzes} quizzes ({package.questions} "
            f"questions), {package.links} LTI links"
        )
        results.append(
            (_result(package.path, package.data, fmt="cc", contents=contents), package.data)
        )
        report(next(steps), total, package.path.name)

    # Start writing files now that every package is built and valid.
    written = {result.path: data for result, data in results}
    write_atomically(written)
    removed = remove_stale(output, written, expected_packages(course, output))
    report(total, total, "written")
    return BuildResult(
        course=course,
        packages=tuple(result for result, _ in results),
        diagnostics=diagnostics,
        removed=tuple(removed),
    )


def expected_packages(course: Course, output: Path) -> list[Path]:
    """Every package a build of the whole course writes, in every format.

    What an earlier build wrote and is not among them corresponds to no session
    any more (a renamed or deleted one, or an old course id): ``remove_stale`` removes it.
    """
    return [
        output / f"{course.id}.zip",
        *(output / "sessions" / session_package_name(s) for s in course.sessions),
        output / cartridge_name(course),
    ]


def _result(
    path: Path,
    data: bytes,
    scos: int = 0,
    interactions: int = 0,
    fmt: str = "scorm",
    contents: str = "",
) -> PackageResult:
    return PackageResult(
        path=path,
        scos=scos,
        interactions=interactions,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        format=fmt,
        contents=contents,
    )
