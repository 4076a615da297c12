"""Load ``content/`` into the immutable course model, reporting every authoring mistake.

The content folder::

    content/course.yml            course settings (scormgen.load.settings)
    content/source/seed.txt       the seed text that questions quote
    content/sessions/NN-*.md      one file per session, in file-name order
    content/pages/*.md            pages outside the sequence (Useful Resources)

A Markdown file starts with YAML front matter between ``---`` lines; its body
is Markdown prose with fenced interaction blocks (``scormgen.load.blocks``).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scormgen.diagnostics import AuthoringError, Diagnostics, did_you_mean
from scormgen.load.blocks import BLOCK_FIELDS, build_block
from scormgen.load.fields import Field, check_id, check_percent, read_fields
from scormgen.load.settings import read_settings
from scormgen.load.yamlsource import load_yaml
from scormgen.model import (
    Block,
    Course,
    CourseSettings,
    Draft,
    Notice,
    Page,
    Question,
    Session,
    SourceLocation,
    SupportNotice,
    TextBlock,
)

_UNSET = object()

SESSION_FIELDS = (
    Field(
        "id",
        "Stable session id (package and SCO identifiers derive from it).",
        required=True,
        check=check_id,
    ),
    Field("title", "The session title.", required=True),
    Field("aim", "The session's aim, verbatim from the seed text.", required=True),
    Field("objectives", "Learning objectives (list of text).", kind=list, default=[]),
    Field(
        "mastery_score",
        "Pass mark (0-100) overriding the course's; null for completion "
        "only. Only for sessions with a knowledge check.",
        kind=int,
        default=_UNSET,
        nullable=True,
        check=check_percent,
    ),
    Field(
        "support_notice",
        "The course's support notice on this session: {about: what in this session may "
        "be difficult}, or true for the course's words alone.",
        kind=(bool, dict),
        default=False,
    ),
    Field(
        "review",
        "Who must still review drafted text, e.g. 'course team'.",
        default=None,
        nullable=True,
    ),
)

SESSION_NOTICE_FIELDS = (
    Field(
        "about",
        "What in this session may be difficult (Markdown), shown before the course's text.",
        required=True,
    ),
    Field("title", "Heading of the notice (default: the course's).", default=""),
)

#: Words a support notice may use to name what its session deals with. A notice that
#: names one its session never mentions is a warning: it would alarm, or mislead, a
#: learner on the wrong page (the course-wide notice once said "trauma, suicidality and
#: risk" on Personal Recovery). Each matches as a word start: "suicid" finds "suicidality".
NOTICE_TOPICS = ("trauma", "suicid", "self-harm", "risk", "abuse")
_NOTICE_TOPIC = re.compile(
    r"\b(?:" + "|".join(re.escape(t) for t in NOTICE_TOPICS) + r")[\w-]*", re.IGNORECASE
)

NO_DRAFTS = "a release ships no drafts"

PAGE_FIELDS = (
    Field("id", "Stable page id.", required=True, check=check_id),
    Field("title", "The page title.", required=True),
    Field(
        "review",
        "Who must still review drafted text, e.g. 'course team'.",
        default=None,
        nullable=True,
    ),
)

_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)\s*$")
# Anything a browser would fetch or follow off the package: scheme URLs, protocol-relative
# references, bare www. hosts and mail links.
_URL = re.compile(
    r"\b(?:https?|ftp):|(?<![\w:])//[\w-]+\.[\w.-]+|\bwww\.[\w-]+\.|\bmailto:", re.IGNORECASE
)
# A quote must keep enough words to point at one place in the seed.
MIN_QUOTE_WORDS = 4
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)\s*")


def display_path(path: Path) -> str:
    """The path as the author knows it: relative to the working folder when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def normalize_space(text: str) -> str:
    return " ".join(text.split())


def quote_in_source(quote: str, source: str) -> bool:
    """True if ``quote`` appears in ``source``, with '...' standing for elided words.

    A quote that is mostly ellipsis ("...", "the ... the") would match almost anywhere,
    so the quoted parts must hold at least ``MIN_QUOTE_WORDS`` words together.
    """
    parts = [part for part in _ELLIPSIS.split(normalize_space(quote)) if part]
    if sum(len(part.split()) for part in parts) < MIN_QUOTE_WORDS:
        return False
    position = 0
    for part in parts:
        if not part:
            continue
        found = source.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True


@dataclass(frozen=True)
class MarkdownFile:
    front_matter: Any
    front_matter_line: int
    blocks: tuple[Block, ...]


def _split_front_matter(text: str, path: str, diagnostics: Diagnostics):
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        diagnostics.error(
            SourceLocation(path, 1),
            "file.no-front-matter",
            "the file must start with YAML front matter between '---' lines",
        )
        return None, 1, lines, 1
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            data = load_yaml("\n".join(lines[1:index]), path, 2, diagnostics)
            return data, 1, lines[index + 1 :], index + 2
    diagnostics.error(
        SourceLocation(path, 1),
        "file.no-front-matter",
        "the front matter is not closed by a '---' line",
    )
    return None, 1, lines, 1


def _review_draft(at: SourceLocation, what: str, who: str) -> Draft:
    return Draft(at, "release.draft", f"{what} is marked 'review: {who}': {NO_DRAFTS}")


def _block_draft(block: Block, data: Any, path: str) -> Draft | None:
    """The draft marker a block carries, if any: a ``review`` field or a draft notice."""
    if isinstance(block, Notice) and block.style == "draft":
        title = f" '{block.title}'" if block.title else ""
        return Draft(block.location, "release.draft", f"draft notice{title}: {NO_DRAFTS}")
    who = getattr(block, "review", None)
    if who:
        at = SourceLocation(path, data.line_of("review"))
        return _review_draft(at, f"{block.kind} '{block.id}'", who)
    return None


def _parse_body(
    lines: list[str],
    first_line: int,
    path: str,
    settings: CourseSettings,
    diagnostics: Diagnostics,
    drafts: list[Draft],
) -> tuple[Block, ...]:
    blocks: list[Block] = []
    prose: list[str] = []
    prose_line = first_line

    def flush_prose() -> None:
        text = "\n".join(prose).strip("\n")
        if text.strip():
            offset = next(i for i, line in enumerate(prose) if line.strip())
            at = SourceLocation(path, prose_line + offset)
            blocks.append(TextBlock(markdown=text, location=at))
        prose.clear()

    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match or not match.group("info"):
            if not prose:
                prose_line = first_line + index
            prose.append(lines[index])
            index += 1
            continue
        flush_prose()
        fence, block_type = match.group("fence"), match.group("info")
        fence_line = first_line + index
        end = index + 1
        while end < len(lines) and not (
            lines[end].strip().startswith(fence[0] * len(fence))
            and lines[end].strip().strip(fence[0]) == ""
        ):
            end += 1
        at = SourceLocation(path, fence_line)
        if end >= len(lines):
            diagnostics.error(
                at,
                "block.unclosed",
                f"the '{block_type}' block is never closed (no closing {fence})",
            )
            break
        if block_type not in BLOCK_FIELDS:
            diagnostics.error(
                at,
                "block.unknown-type",
                f"unknown block type '{block_type}'"
                f"{did_you_mean(block_type, BLOCK_FIELDS)}; known types: "
                f"{', '.join(sorted(BLOCK_FIELDS))}",
            )
        else:
            errors_before = len(diagnostics.errors)
            data = load_yaml("\n".join(lines[index + 1 : end]), path, fence_line + 1, diagnostics)
            if len(diagnostics.errors) == errors_before:
                block = build_block(block_type, data, at, settings, diagnostics)
                if block is not None:
                    blocks.append(block)
                    if draft := _block_draft(block, data, path):
                        drafts.append(draft)
        index = end + 1
        prose_line = first_line + index
    flush_prose()
    return tuple(blocks)


def _read_markdown(
    path: Path, settings: CourseSettings, diagnostics: Diagnostics, drafts: list[Draft]
):
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        diagnostics.error(SourceLocation(shown, 1), "file.encoding", f"not UTF-8 text: {error}")
        return None
    for number, line in enumerate(text.split("\n"), start=1):
        if _URL.search(line):
            diagnostics.error(
                SourceLocation(shown, number),
                "text.external-url",
                "external link in course text: packages must work offline; name the "
                "resource instead of linking it",
            )
    front, front_line, body, body_line = _split_front_matter(text, shown, diagnostics)
    blocks = _parse_body(body, body_line, shown, settings, diagnostics, drafts)
    return MarkdownFile(front, front_line, blocks)


def _session_notice(
    value: Any, at: SourceLocation, settings: CourseSettings, diagnostics: Diagnostics
) -> SupportNotice | None:
    """The course's support notice in the session's words (``support_notice`` front matter)."""
    if value is True:
        return settings.support_notice
    if not isinstance(value, dict):
        return None
    fields = read_fields(
        value, SESSION_NOTICE_FIELDS, at.path, at.line, "support_notice", diagnostics
    )
    if not fields or "about" not in fields:
        return None
    course_notice = settings.support_notice
    return replace(
        course_notice, about=fields["about"], title=fields["title"] or course_notice.title
    )


def _text_of(value: Any) -> Iterator[str]:
    """Every piece of text a learner reads in a block (not its ids or seed source)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _text_of(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, SourceLocation):
        for field in dataclasses.fields(value):
            if field.name not in ("id", "key", "response_key", "source", "kind"):
                yield from _text_of(getattr(value, field.name))


def _check_notice_topics(session: Session, notice_line: int, diagnostics: Diagnostics) -> None:
    """Warn when a support notice names a topic (trauma, risk...) its session never mentions."""
    notices: list[tuple[SourceLocation, str]] = []
    if session.support_notice is not None:
        notice = session.support_notice
        where = SourceLocation(session.location.path, notice_line)
        notices.append((where, " ".join((notice.title, notice.about, notice.text))))
    rest: list[str] = [session.title, session.aim, *session.objectives]
    for block in session.blocks:
        if isinstance(block, Notice) and block.style == "support":
            notices.append((block.location, f"{block.title} {block.markdown}"))
        else:
            rest.extend(_text_of(block))
    mentioned = " ".join(rest)
    for where, text in notices:
        named: dict[str, str] = {}
        for match in _NOTICE_TOPIC.finditer(text):
            stem = next(t for t in NOTICE_TOPICS if match.group().lower().startswith(t))
            named.setdefault(stem, match.group())
        for stem, word in named.items():
            if not re.search(rf"\b{re.escape(stem)}", mentioned, re.IGNORECASE):
                diagnostics.warning(
                    where,
                    "session.notice-topic",
                    f"the support notice on session '{session.id}' names '{word}', which "
                    "the session never mentions: say what this session may bring up in "
                    "its own words (support_notice: {about: ...})",
                )


def _load_session(
    path: Path,
    number: int,
    settings: CourseSettings,
    source_text: str,
    diagnostics: Diagnostics,
    drafts: list[Draft],
) -> Session | None:
    shown = display_path(path)
    parsed = _read_markdown(path, settings, diagnostics, drafts)
    if parsed is None or parsed.front_matter is None:
        return None
    values = read_fields(parsed.front_matter, SESSION_FIELDS, shown, 1, "session", diagnostics)
    if values is None or any(f.name not in values for f in SESSION_FIELDS if f.required):
        return None
    front = parsed.front_matter
    at = SourceLocation(shown, 1)
    if not quote_in_source(values["aim"], source_text):
        diagnostics.error(
            SourceLocation(shown, front.line_of("aim")),
            "session.aim-not-in-source",
            "the aim must be quoted verbatim from the seed text",
        )
    objectives = []
    for item, line in zip(
        values["objectives"], getattr(values["objectives"], "item_lines", []), strict=False
    ):
        if not isinstance(item, str) or not item.strip():
            diagnostics.error(
                SourceLocation(shown, line), "session.bad-objective", "every objective must be text"
            )
        else:
            objectives.append(item)
    is_scored = any(isinstance(block, Question) for block in parsed.blocks)
    mastery = values["mastery_score"]
    if mastery is _UNSET:
        mastery = settings.mastery_score if is_scored else None
    elif mastery is not None and not is_scored:
        # Moodle's "mastery score overrides status" would mark such a SCO failed.
        diagnostics.error(
            SourceLocation(shown, front.line_of("mastery_score")),
            "session.mastery-without-questions",
            f"session '{values['id']}' sets a mastery score but has no "
            "knowledge-check question to score",
        )
    notice_line = front.line_of("support_notice")
    notice = _session_notice(
        values["support_notice"], SourceLocation(shown, notice_line), settings, diagnostics
    )
    if values["review"]:
        drafts.append(
            _review_draft(
                SourceLocation(shown, front.line_of("review")),
                f"session '{values['id']}'",
                values["review"],
            )
        )
    session = Session(
        id=values["id"],
        number=number,
        title=values["title"],
        aim=normalize_space(values["aim"]),
        objectives=tuple(objectives),
        blocks=parsed.blocks,
        mastery_score=mastery,
        support_notice=notice,
        review=values["review"],
        location=at,
    )
    _check_notice_topics(session, notice_line, diagnostics)
    return session


def _load_page(
    path: Path, settings: CourseSettings, diagnostics: Diagnostics, drafts: list[Draft]
) -> Page | None:
    shown = display_path(path)
    parsed = _read_markdown(path, settings, diagnostics, drafts)
    if parsed is None or parsed.front_matter is None:
        return None
    values = read_fields(parsed.front_matter, PAGE_FIELDS, shown, 1, "page", diagnostics)
    if values is None or any(f.name not in values for f in PAGE_FIELDS if f.required):
        return None
    for block in parsed.blocks:
        if isinstance(block, Question):
            diagnostics.error(
                block.location,
                "page.question",
                "pages are not scored: move the question into a session",
            )
    if values["review"]:
        drafts.append(
            _review_draft(
                SourceLocation(shown, parsed.front_matter.line_of("review")),
                f"page '{values['id']}'",
                values["review"],
            )
        )
    return Page(
        values["id"], values["title"], parsed.blocks, values["review"], SourceLocation(shown, 1)
    )


def _check_ids(sessions: list[Session], pages: list[Page], diagnostics: Diagnostics) -> None:
    """Ids key LMS tracking data and LTI records, so each must name one thing in the course."""
    seen: dict[str, SourceLocation] = {}
    for session in sessions:
        if session.id in seen:
            diagnostics.error(
                session.location,
                "id.duplicate",
                f"duplicate session id '{session.id}' (first used at {seen[session.id]})",
            )
        seen.setdefault(session.id, session.location)
    for page in pages:
        if page.id in seen:
            diagnostics.error(
                page.location,
                "id.duplicate",
                f"duplicate id '{page.id}' (first used at {seen[page.id]})",
            )
        seen.setdefault(page.id, page.location)
    block_ids: dict[str, SourceLocation] = {}
    for container in [*sessions, *pages]:
        for block in container.blocks:
            block_id = getattr(block, "id", None)
            if block_id is None:
                continue
            if block_id in block_ids:
                diagnostics.error(
                    block.location,
                    "id.duplicate",
                    f"duplicate id '{block_id}' (first used at {block_ids[block_id]})",
                )
            block_ids.setdefault(block_id, block.location)


def _check_sources(sessions: list[Session], source_text: str, diagnostics: Diagnostics) -> None:
    for session in sessions:
        for question in session.questions:
            if not quote_in_source(question.source, source_text):
                diagnostics.error(
                    question.location,
                    "question.source-not-in-seed",
                    f"question '{question.id}': its source is not a verbatim "
                    "quote of the seed text",
                )


def check_content(content_dir: str | os.PathLike) -> tuple[Course | None, Diagnostics]:
    """Read and check everything; return the course (None if unusable) and all diagnostics."""
    root = Path(content_dir)
    diagnostics = Diagnostics()
    course_path = root / "course.yml"
    shown = display_path(course_path)
    if not course_path.is_file():
        diagnostics.error(
            SourceLocation(shown, 1), "course.missing", f"no course.yml in {display_path(root)}"
        )
        return None, diagnostics
    data = load_yaml(course_path.read_text(encoding="utf-8"), shown, 1, diagnostics)
    if data is None:
        return None, diagnostics
    read = read_settings(data, shown, diagnostics)
    if read is None or any(k not in read[0] for k in ("id", "title")):
        return None, diagnostics
    values, settings, drafts = read
    source_path = root / values["source"]
    if not source_path.is_file():
        diagnostics.error(
            SourceLocation(shown, data.line_of("source")),
            "course.no-source",
            f"the seed text {display_path(source_path)} does not exist",
        )
        source_text = ""
    else:
        source_text = normalize_space(source_path.read_text(encoding="utf-8"))

    session_paths = sorted((root / "sessions").glob("*.md"))
    if not session_paths:
        diagnostics.error(
            SourceLocation(shown, 1),
            "course.no-sessions",
            f"no sessions in {display_path(root / 'sessions')}",
        )
    sessions = [
        session
        for number, path in enumerate(session_paths, start=1)
        if (session := _load_session(path, number, settings, source_text, diagnostics, drafts))
    ]
    pages = [
        page
        for path in sorted((root / "pages").glob("*.md"))
        if (page := _load_page(path, settings, diagnostics, drafts))
    ]
    _check_ids(sessions, pages, diagnostics)
    if source_text:
        _check_sources(sessions, source_text, diagnostics)
    # Sessions are numbered by file order; renumber densely if a file failed to load.
    sessions = [replace(session, number=n) for n, session in enumerate(sessions, start=1)]
    course = Course(
        id=values["id"],
        title=values["title"],
        description=values["description"],
        version=str(values["version"]),
        settings=settings,
        sessions=tuple(sessions),
        pages=tuple(pages),
        source_text=source_text,
        location=SourceLocation(shown, 1),
        drafts=tuple(sorted(drafts, key=lambda draft: draft.location)),
    )
    return course, diagnostics


def load_course(content_dir: str | os.PathLike, strict: bool = False) -> Course:
    """The course model, or ``AuthoringError`` carrying every problem found."""
    course, diagnostics = check_content(content_dir)
    if course is None or diagnostics.has_errors(strict):
        raise AuthoringError(diagnostics)
    return course


__all__ = ["check_content", "load_course", "quote_in_source", "Notice"]
