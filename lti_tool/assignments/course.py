"""An assignment's texts (brief, rubric, draft notice, support notice), read from the course model.

The course comes from ``content/`` through the same cached loader the discussions use
(``lti_tool.discussions.course.course``); nothing of it is copied into the tool's database.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from scormgen.model import Assignment, Notice
from scormgen.render.markdown import render_block

from ..discussions.course import course


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    description: str
    points: int


@dataclass(frozen=True)
class AssignmentTexts:
    assignment: Assignment
    title: str
    brief: Markup
    #: The course team's draft notice (its title and text) when the brief is marked for review.
    draft_title: str | None
    draft_text: Markup | None
    rubric: tuple[Criterion, ...]
    word_limit: int | None
    support_title: str
    support_text: Markup
    support_contacts: tuple[tuple[str, str], ...]

    @property
    def points_possible(self) -> int:
        return sum(c.points for c in self.rubric)


def assignment(assignment_id: str) -> AssignmentTexts | None:
    loaded = course()
    if loaded is None:
        return None
    for session in loaded.sessions:
        draft_notice: Notice | None = None
        for block in session.blocks:
            if isinstance(block, Notice) and block.style == "draft":
                draft_notice = block
            if isinstance(block, Assignment) and block.id == assignment_id:
                return _texts(loaded, block, draft_notice)
    return None


def _texts(loaded, found: Assignment, notice: Notice | None) -> AssignmentTexts:
    support = loaded.settings.support_notice
    draft_title = draft_text = None
    if found.review:
        draft_title = (notice.title if notice else "") or f"Draft: awaiting the {found.review}"
        draft_text = render_block(notice.markdown) if notice else None
    return AssignmentTexts(
        assignment=found,
        title=found.title,
        brief=render_block(found.brief),
        draft_title=draft_title,
        draft_text=draft_text,
        rubric=tuple(Criterion(c.id, c.title, c.description, c.points) for c in found.rubric),
        word_limit=found.word_limit,
        support_title=support.title,
        support_text=render_block(support.text),
        support_contacts=tuple((c.name, c.details) for c in support.contacts),
    )
