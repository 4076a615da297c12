"""What a SCORM 1.2 runtime would reject, found at build time with the content's file:line.

These run on the course as it will be packaged, after the build options
(``--mastery-score``, ``--session``) have been applied, so a limit that only
an option can break is still caught before anything is written.

One check lives elsewhere on purpose: a question with more than 36 options is
reported by the loader (``question.too-many-options`` in ``scormgen.load.blocks``),
which must refuse it anyway because it cannot assign response characters to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from scormgen.diagnostics import Diagnostics
from scormgen.model import Course, Question, Reflection, Session

#: cmi.suspend_data is CMIString4096 (SCORM 1.2 RTE 3.4.2, 3.4.4).
SUSPEND_DATA_LIMIT = 4096

# CMIIdentifier (SCORM 1.2 RTE 3.4.2): "An alphanumeric group of characters with no
# white space or unprintable characters in it. Maximum of 255 characters." LMS
# runtimes test it as printable ASCII without space (Moodle's scorm_12.js:
# [\u0021-\u007E]{0,255}); an empty id cannot name an interaction.
CMI_IDENTIFIER = re.compile(r"^[\x21-\x7e]{1,255}$")

#: CMIIdentifier's maximum length (SCORM 1.2 RTE 3.4.2).
INTERACTION_ID_LIMIT = 255
#: A budget at or above this share of its limit is shown with a warning (``scormgen serve``).
BUDGET_WARNING_SHARE = 0.8

SuspendLength = Callable[[Course, Session], int]


def interaction_ids(session: Session) -> Iterable[tuple[str, Question | Reflection]]:
    """The ``cmi.interactions.n.id`` each block of the session records under.

    Knowledge checks and reflections are both recorded as interactions (reflections as
    ``fill-in`` with result ``neutral``); the runtime uses the stable content id.
    """
    for block in session.blocks:
        if isinstance(block, Question | Reflection):
            yield block.id, block


def check_interaction_ids(session: Session, diagnostics: Diagnostics) -> None:
    for interaction_id, block in interaction_ids(session):
        if not CMI_IDENTIFIER.match(interaction_id):
            diagnostics.error(
                block.location,
                "scorm.interaction-id",
                f"interaction id {interaction_id!r} is not a SCORM 1.2 CMIIdentifier "
                "(1-255 printable ASCII characters, no spaces)",
            )


def check_mastery_score(session: Session, diagnostics: Diagnostics) -> None:
    # The loader reports this for a session file; a build option can still cause it.
    if session.mastery_score is not None and not session.is_scored:
        diagnostics.error(
            session.location,
            "scorm.mastery-without-questions",
            f"session '{session.id}' has mastery score {session.mastery_score} but no "
            "knowledge-check question: LMSs that let the mastery score override the "
            "status would mark every learner failed",
        )


def check_suspend_data(
    course: Course, session: Session, suspend_length: SuspendLength, diagnostics: Diagnostics
) -> None:
    length = suspend_length(course, session)
    if length > SUSPEND_DATA_LIMIT:
        diagnostics.error(
            session.location,
            "scorm.suspend-data-too-long",
            f"session '{session.id}' can need {length} characters of suspend_data "
            f"(every question answered, every stored text at its maximum); SCORM 1.2 "
            f"allows {SUSPEND_DATA_LIMIT}: lower the reflections' max_length or split "
            "the session",
        )


def check_course(
    course: Course, sessions: Iterable[Session], suspend_length: SuspendLength
) -> Diagnostics:
    """Every SCORM 1.2 runtime limit that ``sessions`` of ``course`` would break."""
    diagnostics = Diagnostics()
    for session in sessions:
        check_interaction_ids(session, diagnostics)
        check_mastery_score(session, diagnostics)
        check_suspend_data(course, session, suspend_length, diagnostics)
    return diagnostics


@dataclass(frozen=True)
class SessionBudget:
    """How much of SCORM 1.2's room a session uses, for an author to see while writing."""

    session_id: str
    title: str
    interactions: int  # questions and reflections, each a cmi.interactions.n
    suspend_data: int  # worst case, characters, against SUSPEND_DATA_LIMIT
    longest_id: str  # the longest interaction id, against INTERACTION_ID_LIMIT

    @property
    def warnings(self) -> tuple[str, ...]:
        """One sentence per limit reached or close (``BUDGET_WARNING_SHARE``)."""
        found = []
        for what, used, limit in (
            ("suspend_data", self.suspend_data, SUSPEND_DATA_LIMIT),
            ("interaction id", len(self.longest_id), INTERACTION_ID_LIMIT),
        ):
            if used > limit:
                found.append(f"{what}: {used} of {limit} characters, over the limit")
            elif used >= BUDGET_WARNING_SHARE * limit:
                found.append(f"{what}: {used} of {limit} characters, close to the limit")
        return tuple(found)


def session_budget(
    course: Course, session: Session, suspend_length: SuspendLength
) -> SessionBudget:
    """The session's budget, measured as ``check_course`` measures it."""
    ids = [interaction_id for interaction_id, _ in interaction_ids(session)]
    return SessionBudget(
        session_id=session.id,
        title=session.title,
        interactions=len(ids),
        suspend_data=suspend_length(course, session),
        longest_id=max(ids, key=len, default=""),
    )
