"""The scenarios, ground rules and support notice, read from the course model only.

The texts come from ``content/`` (``COURSE_PATH``) through ``scormgen.loader.check_content``,
loaded once per app like ``lti_tool.activities``; nothing of them is copied into the tool.
A course with authoring errors has no scenarios here either.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from markupsafe import Markup

from scormgen.load import check_content
from scormgen.model import Course, Scenario
from scormgen.render.markdown import render_block

from .. import activities

log = logging.getLogger(__name__)

EXTENSION = "lti_tool.discussions.course"

#: Used while ``course.yml`` declares no ``discussion_ground_rules``: the Course
#: Introduction's expectations (confidentiality, participation, commitment) as they
#: apply to a discussion.
DEFAULT_GROUND_RULES = (
    "- **Confidentiality**: what others share here stays here. Do not repeat it, and do not "
    "name people who are not in the course.\n"
    "- **Respect**: everyone's experience is their own. Disagree with ideas kindly, never "
    "with the person.\n"
    "- **Share what you choose**: you never have to share more of your own story than you "
    "want to."
)


@dataclass(frozen=True)
class ScenarioTexts:
    scenario: Scenario
    situation: Markup
    commentary: Markup
    ground_rules: Markup
    support_title: str
    support_text: Markup
    support_contacts: tuple[tuple[str, str], ...]


def course() -> Course | None:
    if EXTENSION in current_app.extensions:
        return current_app.extensions[EXTENSION]
    path = activities.course_path()
    found = None
    if path is not None:
        loaded, diagnostics = check_content(path)
        if loaded is not None and not diagnostics.has_errors():
            found = loaded
        else:
            log.warning("the course at %s has authoring errors; no scenario is offered", path)
    current_app.extensions[EXTENSION] = found
    return found


def scenario(scenario_id: str) -> ScenarioTexts | None:
    """The texts of ``scenario_id``, rendered once per app (the course does not change)."""
    rendered = current_app.extensions.setdefault(EXTENSION + ".scenarios", {})
    if scenario_id not in rendered:
        rendered[scenario_id] = _scenario(scenario_id)
    return rendered[scenario_id]


def _scenario(scenario_id: str) -> ScenarioTexts | None:
    loaded = course()
    if loaded is None:
        return None
    for found in loaded.scenarios:
        if found.id == scenario_id:
            settings = loaded.settings
            rules = settings.discussion_ground_rules or DEFAULT_GROUND_RULES
            notice = settings.support_notice
            return ScenarioTexts(
                scenario=found,
                situation=render_block(found.situation),
                commentary=render_block(found.commentary),
                ground_rules=render_block(rules),
                support_title=notice.title,
                support_text=render_block(notice.text),
                support_contacts=tuple((c.name, c.details) for c in notice.contacts),
            )
    return None
