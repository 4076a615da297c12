"""Render stage: the course model to the HTML pages and assets of a package.

``render_package_files`` renders the pages of a SCORM package. It returns every
file of a package except the manifest and the schemas, keyed by package-relative
path, and one ``RenderedSco`` per launchable page:

    sco/<NN>-<session-id>/index.html   one page per session (NN = its number)
    sco/page-<page-id>/index.html      pages outside the sequence, when asked for
    assets/sco.js, assets/sco.css      the runtime, shared by every SCO

``render_web_pages`` renders the same pages for a package without a SCORM runtime
(the Common Cartridge): the knowledge checks leave the page for the LMS's own quiz
(the page says where they are), reflections say they stay in the browser, and each
session with a support notice gets that notice as a page of its own:

    pages/<NN>-<session-id>/index.html     the session
    pages/<NN>-<session-id>/support.html   its support notice, if it has one
    pages/page-<page-id>/index.html        pages outside the sequence

Output is deterministic: the same model gives byte-identical files (no dates,
sorted JSON keys, no set or dict-order dependence outside authored order).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from scormgen import shipped
from scormgen.model import Block, Course, Page, Question, Reflection, Session, SupportNotice
from scormgen.render.files import RenderedFiles, RenderedSco
from scormgen.render.markdown import render_block, render_inline

TEMPLATES_DIR = shipped.path("templates", "sco")
ASSETS = ("assets/sco.js", "assets/sco.css")

# SCORM 1.2 cmi.interactions.n.type vocabulary (RTE 3.4.4): our question kinds map onto it.
INTERACTION_TYPES = {
    "single": "choice",
    "multiple": "choice",
    "true_false": "true-false",
    "matching": "matching",
}

# Suspend data format version; bump when sco.js's encoder changes incompatibly.
SUSPEND_FORMAT = "1"


@dataclass(frozen=True)
class PageView:
    """What the page template needs about one SCO, session or page alike."""

    kind: str  # "session" or "page"
    id: str
    order: int  # position in the course: sessions by number, pages after them
    heading: str
    aim: str
    objectives: tuple[str, ...]
    blocks: tuple[Block, ...]
    support_notice: SupportNotice | None
    review: str | None
    mastery_score: int | None
    question_number: dict[str, int] = field(default_factory=dict)
    #: Without a SCORM runtime: the title of the LMS quiz that holds this page's knowledge
    #: checks (they are not on the page), or "" when there is none.
    quiz_title: str = ""

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Question))

    @property
    def reflections(self) -> tuple[Reflection, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Reflection))

    @property
    def progress_text(self) -> str:
        questions, required = len(self.questions), sum(r.required for r in self.reflections)
        parts = []
        if questions:
            parts.append(f"Knowledge checks answered: 0 of {questions}.")
        if required:
            parts.append(f"Required reflections saved: 0 of {required}.")
        return " ".join(parts) or "There is nothing to answer in this part of the course."


def session_view(session: Session) -> PageView:
    return PageView(
        kind="session",
        id=session.id,
        order=session.number,
        heading=f"Session {session.number}: {session.title}",
        aim=session.aim,
        objectives=session.objectives,
        blocks=session.blocks,
        support_notice=session.support_notice,
        review=session.review,
        mastery_score=session.mastery_score,
        question_number={q.id: n for n, q in enumerate(session.questions, start=1)},
    )


def page_view(page: Page, index: int) -> PageView:
    return PageView(
        kind="page",
        id=page.id,
        order=1000 + index,
        heading=page.title,
        aim="",
        objectives=(),
        blocks=page.blocks,
        support_notice=None,
        review=page.review,
        mastery_score=None,
    )


def session_path(session: Session) -> str:
    return f"sco/{session.number:02d}-{session.id}/index.html"


def page_path(page: Page) -> str:
    return f"sco/page-{page.id}/index.html"


def matching_responses(question: Question) -> list:
    """The responses of a matching question in a stable order unrelated to the premises."""
    return sorted(
        question.pairs,
        key=lambda pair: hashlib.sha256(f"{question.id}:{pair.response}".encode()).hexdigest(),
    )


def fingerprint(view: PageView) -> str:
    """Short hash of the page's tracked structure; suspend data from another version is ignored."""
    parts = []
    for block in view.blocks:
        if isinstance(block, Question):
            keys = [o.key for o in block.options] + [p.key for p in block.pairs]
            parts.append(f"q:{block.id}:{block.question_type}:{''.join(keys)}")
        elif isinstance(block, Reflection):
            parts.append(f"r:{block.id}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:6]


def question_data(question: Question) -> dict:
    data = {
        "id": question.id,
        "kind": question.question_type,
        "type": INTERACTION_TYPES[question.question_type],
        "weighting": question.weighting,
        "feedback": {"correct": question.feedback_correct, "wrong": question.feedback_wrong},
    }
    if question.question_type == "matching":
        data["keys"] = [pair.key for pair in question.pairs]
        data["correct"] = [pair.response_key for pair in question.pairs]
        data["responses"] = {pair.response_key: pair.response for pair in question.pairs}
    else:
        data["keys"] = [option.key for option in question.options]
        data["correct"] = list(question.correct_keys)
        data["optionFeedback"] = {o.key: o.feedback for o in question.options if o.feedback}
        data["labels"] = {o.key: o.text for o in question.options}
    return data


def sco_data(course: Course, view: PageView) -> dict:
    """The page's configuration for sco.js (answer keys included: these are self-checks)."""
    return {
        "format": SUSPEND_FORMAT,
        "course": course.id,
        "courseTitle": course.title,
        "sco": view.id,
        "order": view.order,
        "kind": view.kind,
        "title": view.heading,
        "mastery": view.mastery_score,
        "policy": course.settings.reflections_to_lms,
        "fingerprint": fingerprint(view),
        "questions": [question_data(q) for q in view.questions],
        "reflections": [
            {"id": r.id, "max": r.max_length, "required": r.required, "prompt": r.prompt}
            for r in view.reflections
        ],
    }


def script_json(data: dict) -> str:
    """JSON safe inside <script type="application/json">: no '<', '>', '&' or '/' pairs left raw."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("/", "\\/")):
        text = text.replace(raw, escaped)
    return text


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["markdown"] = render_block
    env.filters["inline"] = render_inline
    env.filters["matching_responses"] = matching_responses
    return env


RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"


def runtime_asset(name: str) -> bytes:
    return (RUNTIME_DIR / name).read_bytes()


def render_view(
    course: Course, view: PageView, course_has_reflections: bool, standalone: bool = False
) -> bytes:
    """A page's HTML; ``standalone`` for a page that no SCORM runtime will launch."""
    html = (
        environment()
        .get_template("page.html.j2")
        .render(
            course=course,
            page=view,
            assets="../../assets/",
            # Our own JSON with '<', '>', '&' escaped as \u00XX: safe in a script element.
            data_json=Markup(script_json(sco_data(course, view))),
            course_has_reflections=course_has_reflections,
            standalone=standalone,
        )
    )
    return html.encode("utf-8")


def _has_reflections(course: Course) -> bool:
    return any(s.reflections for s in course.sessions) or any(
        isinstance(b, Reflection) for p in course.pages for b in p.blocks
    )


def render_package_files(
    course: Course, sessions: Iterable[Session], include_pages: bool
) -> RenderedFiles:
    """Every page and asset of a package with ``sessions`` (and the course's pages if asked)."""
    files: dict[str, bytes] = {name: runtime_asset(name.split("/")[-1]) for name in ASSETS}
    has_reflections = _has_reflections(course)
    scos: list[RenderedSco] = []
    targets: list[tuple[str, PageView]] = [(session_path(s), session_view(s)) for s in sessions]
    if include_pages:
        targets += [(page_path(p), page_view(p, i)) for i, p in enumerate(course.pages)]
    for path, view in targets:
        files[path] = render_view(course, view, has_reflections)
        scos.append(
            RenderedSco(
                identifier=view.id,
                title=view.heading,
                launch=path,
                files=(path, *ASSETS),
                mastery_score=view.mastery_score,
            )
        )
    return RenderedFiles(files=dict(sorted(files.items())), scos=tuple(scos))


def quiz_title(session: Session) -> str:
    """The title of the LMS quiz that holds a session's knowledge checks."""
    return f"Session {session.number} knowledge check"


def web_session_path(session: Session) -> str:
    return f"pages/{session.number:02d}-{session.id}/index.html"


def web_support_path(session: Session) -> str:
    return f"pages/{session.number:02d}-{session.id}/support.html"


def web_page_path(page: Page) -> str:
    return f"pages/page-{page.id}/index.html"


def web_session_view(session: Session) -> PageView:
    """A session as a page without a runtime: its knowledge checks are in the LMS's quiz."""
    view = session_view(session)
    return replace(
        view,
        blocks=tuple(b for b in view.blocks if not isinstance(b, Question)),
        mastery_score=None,
        question_number={},
        quiz_title=quiz_title(session) if session.questions else "",
    )


def render_support_page(course: Course, session: Session) -> bytes:
    """A session's support notice as a page of its own (static: no script)."""
    html = (
        environment()
        .get_template("support.html.j2")
        .render(course=course, session=session, assets="../../assets/")
    )
    return html.encode("utf-8")


def render_web_pages(course: Course, sessions: Iterable[Session]) -> RenderedFiles:
    """The pages of ``sessions``, their support notices and the course's pages, in course
    order, for a package that no SCORM runtime launches (one ``RenderedSco`` per page)."""
    files: dict[str, bytes] = {name: runtime_asset(name.split("/")[-1]) for name in ASSETS}
    has_reflections = _has_reflections(course)
    pages: list[RenderedSco] = []
    for session in sessions:
        if session.support_notice is not None:
            path = web_support_path(session)
            files[path] = render_support_page(course, session)
            pages.append(
                RenderedSco(
                    identifier=f"support-{session.id}",
                    title=session.support_notice.title,
                    launch=path,
                    files=(path, "assets/sco.css"),
                    mastery_score=None,
                )
            )
        view = web_session_view(session)
        path = web_session_path(session)
        files[path] = render_view(course, view, has_reflections, standalone=True)
        pages.append(RenderedSco(session.id, view.heading, path, (path, *ASSETS), None))
    for index, page in enumerate(course.pages):
        view = page_view(page, index)
        path = web_page_path(page)
        files[path] = render_view(course, view, has_reflections, standalone=True)
        pages.append(RenderedSco(page.id, view.heading, path, (path, *ASSETS), None))
    return RenderedFiles(files=dict(sorted(files.items())), scos=tuple(pages))
