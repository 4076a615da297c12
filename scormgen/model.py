"""The course model: what the loader produces and every later stage reads.

Everything here is an immutable value. The packaging stage (scormgen) and the
LTI tool read these objects, never the files under ``content/``, so an
authoring change reaches both through one loader and one set of checks.

Every object that an author wrote carries the ``SourceLocation`` it came from,
so a problem found at any later stage can still name ``file:line``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

QuestionKind = Literal["single", "multiple", "true_false", "matching"]
ReflectionPolicy = Literal["private", "text"]


@dataclass(frozen=True, order=True)
class SourceLocation:
    """Where an authored thing came from: a path as the author sees it and a 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Contact:
    """One place a learner can turn to for support (name plus how to reach it)."""

    name: str
    details: str


@dataclass(frozen=True)
class SupportNotice:
    """The notice shown on sessions that may bring up difficult feelings.

    The course sets the title, the general ``text`` and the contacts; a session adds
    ``about``, what in that session may be difficult, so each notice speaks of its own
    session (``Session.support_notice`` is the course's notice with the session's words).
    """

    title: str
    text: str  # Markdown
    contacts: tuple[Contact, ...] = ()
    crisis_contacts: tuple[Contact, ...] = ()  # out of hours or in a crisis
    about: str = ""  # Markdown: what in this session may be difficult
    review: str | None = None  # who must still fill in or confirm the contacts


@dataclass(frozen=True)
class CourseSettings:
    """Course-wide settings from ``content/course.yml`` (see ``scormgen.load.settings``)."""

    mastery_score: int | None
    reflections_to_lms: ReflectionPolicy
    reflection_max_length: int
    support_notice: SupportNotice
    organization: str
    language: str
    #: Markdown shown on every scenario discussion of the LTI tool ("" when unset).
    discussion_ground_rules: str = ""


# ---------------------------------------------------------------------------
# Blocks: the pieces a session page is made of, in authored order.


@dataclass(frozen=True)
class TextBlock:
    """Markdown prose between interaction blocks."""

    markdown: str
    location: SourceLocation
    kind: Literal["text"] = field(default="text", init=False)


@dataclass(frozen=True)
class Notice:
    """A highlighted box: ``support`` uses the course's support notice, ``draft`` marks unreviewed text."""

    style: Literal["info", "support", "draft"]
    markdown: str
    location: SourceLocation
    title: str = ""
    kind: Literal["notice"] = field(default="notice", init=False)


@dataclass(frozen=True)
class Reflection:
    """A private writing prompt. Its text is the learner's own; see ``CourseSettings.reflections_to_lms``."""

    id: str
    prompt: str  # Markdown
    max_length: int
    required: bool
    location: SourceLocation
    guidance: str = ""  # Markdown
    kind: Literal["reflection"] = field(default="reflection", init=False)


@dataclass(frozen=True)
class Option:
    """One answer option of a choice question; ``key`` is its SCORM 1.2 response character."""

    id: str
    key: str  # single character 0-9 a-z, assigned in authored order
    text: str
    correct: bool
    feedback: str
    location: SourceLocation


@dataclass(frozen=True)
class MatchPair:
    """One premise of a matching question and the response that belongs with it."""

    id: str
    key: str  # single character for the premise (source)
    premise: str
    response: str
    response_key: str  # single character for the response (target)
    location: SourceLocation


@dataclass(frozen=True)
class Question:
    """A knowledge-check question. ``source`` quotes the seed sentence its answer rests on."""

    id: str
    question_type: QuestionKind
    prompt: str  # Markdown
    options: tuple[Option, ...]  # single, multiple; true_false has two: "true" and "false"
    pairs: tuple[MatchPair, ...]  # matching only
    source: str
    weighting: int
    feedback_correct: str
    feedback_wrong: str
    location: SourceLocation
    kind: Literal["question"] = field(default="question", init=False)

    @property
    def correct_keys(self) -> tuple[str, ...]:
        return tuple(option.key for option in self.options if option.correct)


@dataclass(frozen=True)
class Scenario:
    """A boundary scenario for discussion; the LTI tool hosts the discussion itself."""

    id: str
    title: str
    situation: str  # Markdown
    commentary: str  # Markdown, shown after the learner has posted
    prompts: tuple[str, ...]  # discussion questions
    location: SourceLocation
    note: str = ""  # Markdown, shown after the commentary (e.g. a safety note)
    review: str | None = None  # who must still review drafted text (the note)
    kind: Literal["scenario"] = field(default="scenario", init=False)


@dataclass(frozen=True)
class RubricCriterion:
    id: str
    title: str
    description: str
    points: int
    location: SourceLocation


@dataclass(frozen=True)
class Assignment:
    """A written assignment submitted through the LTI tool."""

    id: str
    title: str
    brief: str  # Markdown
    word_limit: int | None
    rubric: tuple[RubricCriterion, ...]
    review: str | None  # who must still review a drafted brief, e.g. "course team"
    location: SourceLocation
    kind: Literal["assignment"] = field(default="assignment", init=False)

    @property
    def points_possible(self) -> int:
        return sum(criterion.points for criterion in self.rubric)


Block = TextBlock | Notice | Reflection | Question | Scenario | Assignment


# ---------------------------------------------------------------------------
# Sessions and the course.


@dataclass(frozen=True)
class Session:
    """One session of the course: one SCO in the packages."""

    id: str
    number: int  # 1-based position in the course
    title: str
    aim: str  # verbatim from the seed
    objectives: tuple[str, ...]
    blocks: tuple[Block, ...]
    mastery_score: int | None  # None: completion only (no knowledge check, or none set)
    support_notice: SupportNotice | None  # the course's notice in this session's words
    review: str | None
    location: SourceLocation

    def _of(self, kind: type) -> tuple:
        return tuple(block for block in self.blocks if isinstance(block, kind))

    @property
    def questions(self) -> tuple[Question, ...]:
        return self._of(Question)

    @property
    def reflections(self) -> tuple[Reflection, ...]:
        return self._of(Reflection)

    @property
    def scenarios(self) -> tuple[Scenario, ...]:
        return self._of(Scenario)

    @property
    def assignments(self) -> tuple[Assignment, ...]:
        return self._of(Assignment)

    @property
    def is_scored(self) -> bool:
        return bool(self.questions)


@dataclass(frozen=True)
class Page:
    """A page outside the session sequence (the Useful Resources page)."""

    id: str
    title: str
    blocks: tuple[Block, ...]
    review: str | None
    location: SourceLocation


@dataclass(frozen=True)
class Draft:
    """Something not ready for learners: text marked for review, or support contacts unset.

    ``scormgen build --release`` refuses a course that has any; other builds count them.
    """

    location: SourceLocation
    code: str  # release.draft, release.no-support-contacts, release.no-crisis-contacts
    message: str


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    description: str
    version: str
    settings: CourseSettings
    sessions: tuple[Session, ...]
    pages: tuple[Page, ...]
    source_text: str  # the seed text every question's ``source`` quotes
    location: SourceLocation
    drafts: tuple[Draft, ...] = ()  # in file and line order

    @property
    def scenarios(self) -> tuple[Scenario, ...]:
        return tuple(s for session in self.sessions for s in session.scenarios)

    @property
    def assignments(self) -> tuple[Assignment, ...]:
        return tuple(a for session in self.sessions for a in session.assignments)

    def session(self, session_id: str) -> Session:
        for session in self.sessions:
            if session.id == session_id:
                return session
        raise KeyError(session_id)
