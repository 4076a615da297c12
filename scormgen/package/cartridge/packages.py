"""The course's cartridge, made in memory: ``<course-id>.imscc``.

First a module with the pages outside the sequence (Useful Resources): Moodle puts the
first module in the course's general section (section 0), so that each session then
lands in the section of its own number. Then one module per session, in order, holding
(where the session has them) its support notice, its page, its knowledge check as a
quiz, and a link to the LTI tool for each scenario discussion and assignment, in the
order the session presents them. Every QTI file, every
LTI link and the manifest are validated against the shipped CC 1.1 schemas before
the zip is made; ``scormgen.build`` writes it only when every package is ready.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scormgen.diagnostics import BuildError, Diagnostics
from scormgen.model import Assignment, Course, Scenario, Session
from scormgen.package.archive import zip_bytes
from scormgen.package.cartridge import qti
from scormgen.package.cartridge.lti import LtiLink, build_lti_link, launch_url
from scormgen.package.cartridge.manifest import Item, Module, Resource, build_manifest
from scormgen.package.cartridge.xsd import (
    ASSESSMENT,
    BASIC_LTI,
    WEBCONTENT,
    validate_lti_link,
    validate_manifest,
    validate_qti,
)
from scormgen.package.common import ManifestInfo
from scormgen.package.xmlschema import SchemaError, serialize
from scormgen.render.files import RenderedFiles
from scormgen.render.pages import quiz_title

MANIFEST = "imsmanifest.xml"
SUFFIX = ".imscc"

RenderWeb = Callable[[Course, Sequence[Session]], RenderedFiles]


@dataclass(frozen=True)
class CartridgeOptions:
    """Where the links launch, and for Canvas, which developer key they belong to."""

    tool_url: str  # checked by scormgen.package.cartridge.lti.check_tool_url
    canvas_client_id: str | None = None


@dataclass(frozen=True)
class CartridgePackage:
    path: Path
    data: bytes
    modules: int
    quizzes: int
    questions: int  # QTI items (a matching question gives one per pair)
    links: int


def cartridge_name(course: Course) -> str:
    return f"{course.id}{SUFFIX}"


def activity_key(block: Scenario | Assignment) -> str:
    """The tool's name for an activity (``lti_tool.activities``): ``<kind>:<id>``."""
    return f"{block.kind}:{block.id}"


def check_cartridge(sessions: Iterable[Session]) -> Diagnostics:
    """What the CC 1.1 QTI profile asks of the questions that the content may not give.

    Warnings, not errors: the schemas accept such items and Moodle imports them, but the
    profile's rules (CC 1.1 QTI profile, rules 2c, 4d and 5d) do not, so another
    importer may refuse them.
    """
    diagnostics = Diagnostics()
    for session in sessions:
        for question in session.questions:
            if question.question_type == "single" and len(question.options) < 3:
                diagnostics.warning(
                    question.location,
                    "cartridge.few-options",
                    f"question '{question.id}' has {len(question.options)} options; the "
                    "Common Cartridge profile wants at least 3 for a single-choice question "
                    "(or make it true_false)",
                )
            if question.question_type == "matching" and len(question.pairs) < 3:
                diagnostics.warning(
                    question.location,
                    "cartridge.few-pairs",
                    f"matching question '{question.id}' has {len(question.pairs)} pairs; the "
                    "cartridge makes one multiple-choice item per pair, with the responses as "
                    "its options, and the Common Cartridge profile wants at least 3",
                )
            if not 1 <= question.weighting <= 99:
                diagnostics.warning(
                    question.location,
                    "cartridge.weighting",
                    f"question '{question.id}' has weighting {question.weighting}; the Common "
                    "Cartridge allows 1 to 99, so the cartridge gives it "
                    f"{max(1, min(99, question.weighting))}",
                )
    return diagnostics


def _link(course: Course, block: Scenario | Assignment, options: CartridgeOptions) -> LtiLink:
    if isinstance(block, Scenario):
        title = f"Scenario discussion: {block.title}"
        description = f"Discuss the scenario '{block.title}' with your group."
        points = None
    else:
        title = f"Assignment: {block.title}"
        description = f"Write and hand in the assignment '{block.title}'."
        points = block.points_possible or None
    return LtiLink(
        activity_key=activity_key(block),
        title=title,
        description=description,
        launch_url=launch_url(options.tool_url, activity_key(block)),
        points_possible=points,
        vendor_code=course.id,
        vendor_name=course.settings.organization or course.title,
        canvas_client_id=options.canvas_client_id,
    )


def _page(rendered: RenderedFiles, key: str) -> Item:
    for page in rendered.scos:
        if page.identifier == key:
            resource = Resource(f"page-{key}", WEBCONTENT, (page.launch, *page.files), page.launch)
            return Item(page.title, resource)
    raise BuildError(f"the render stage made no page '{key}' (a scormgen bug)")


def _invalid(what: str, problems: list[SchemaError]) -> BuildError:
    return BuildError(
        f"{what} breaks the Common Cartridge 1.1 schemas (a scormgen bug, not a content "
        "mistake):\n" + "\n".join(f"  {problem}" for problem in problems)
    )


def cartridge_package(
    course: Course,
    sessions: Sequence[Session],
    output: Path,
    options: CartridgeOptions,
    render_web: RenderWeb,
) -> CartridgePackage:
    """The cartridge of ``sessions``; ``BuildError`` if any document breaks the schemas."""
    path = output / cartridge_name(course)
    rendered = render_web(course, sessions)
    files = dict(rendered.files)
    modules: list[Module] = []
    if course.pages:
        pages = tuple(_page(rendered, page.id) for page in course.pages)
        title = course.pages[0].title if len(course.pages) == 1 else "About this course"
        modules.append(Module("pages", title, pages))
    quizzes = questions = links = 0
    for session in sessions:
        folder = f"{session.number:02d}-{session.id}"
        items: list[Item] = []
        if session.support_notice is not None:
            items.append(_page(rendered, f"support-{session.id}"))
        items.append(_page(rendered, session.id))
        if session.questions:
            name = f"quizzes/{folder}/assessment.xml"
            specs = list(qti.session_items(session))
            document = qti.build_assessment(f"QUIZ-{session.id}", quiz_title(session), specs)
            if problems := validate_qti(document, name):
                raise _invalid(name, problems)
            files[name] = serialize(document)
            resource = Resource(f"quiz-{session.id}", ASSESSMENT, (name,))
            items.append(Item(quiz_title(session), resource))
            quizzes += 1
            questions += len(specs)
        for block in session.blocks:
            if not isinstance(block, Scenario | Assignment):
                continue
            link = _link(course, block, options)
            name = f"lti/{block.kind}-{block.id}.xml"
            document = build_lti_link(link)
            if problems := validate_lti_link(document, name):
                raise _invalid(name, problems)
            files[name] = serialize(document)
            items.append(
                Item(link.title, Resource(f"lti-{block.kind}-{block.id}", BASIC_LTI, (name,)))
            )
            links += 1
        modules.append(
            Module(session.id, f"Session {session.number}: {session.title}", tuple(items))
        )

    document = build_manifest(
        ManifestInfo(
            course.id,
            version=course.version,
            title=course.title,
            description=course.description,
            language=course.settings.language,
        ),
        modules,
    )
    if problems := validate_manifest(document):
        raise _invalid(f"{path.name}: {MANIFEST}", problems)
    if MANIFEST in files:
        raise BuildError(f"{path.name}: the rendered files overwrite {MANIFEST}")
    listed = {name for module in modules for item in module.items for name in item.resource.files}
    if missing := sorted(listed - set(files)):
        raise BuildError(
            f"{path.name}: the manifest lists files that were not made: {', '.join(missing)}"
        )
    files[MANIFEST] = serialize(document)
    return CartridgePackage(path, zip_bytes(files), len(modules), quizzes, questions, links)
