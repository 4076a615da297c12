"""In private mode the LMS learns that a reflection was written, never a word of it.

``reflections_to_lms: private`` (the shipped course's setting) keeps what learners write
about their own mental health in their browser. The SCO records a ``fill-in`` interaction
with no ``student_response``; no other element of the data model may carry the text either
(``cmi.comments``, ``suspend_data``, an interaction's id...), so the assertions read every
value the SCO gave the LMS.
"""

from __future__ import annotations

import json

import pytest

from tests.sco_browser.conftest import COURSE
from tests.sco_browser.lms import Lms, first_launch, sco_url
from tests.sco_browser.test_learner_journey import answer_question, write_reflection

pytestmark = pytest.mark.browser

# Each line carries a word found nowhere else, so that a cut, flattened or partial copy of
# the text is still recognised.
PRIVATE_TEXT = "Quokkamarine: what I keep to myself.\nAnd Zebrafinchly, my second line."
MARKERS = ("Quokkamarine", "Zebrafinchly")


def test_no_lms_call_carries_a_private_reflections_text(context, site):
    assert COURSE.settings.reflections_to_lms == "private"
    session = max(COURSE.sessions, key=lambda s: len(s.reflections))
    lms = Lms.open(context, site)
    lms.launch(sco_url(session), first_launch(session))

    for reflection in session.reflections:
        write_reflection(lms.content, reflection, PRIVATE_TEXT)
    for number, question in enumerate(session.questions, start=1):
        answer_question(lms.content, number, question, right=True)
    lms.content.get_by_role("button", name="Finish session").click()

    values = [c["args"] for c in lms.calls() if c["name"] == "LMSSetValue"]
    recorded = [element for element, value in values if value == "fill-in"]
    assert len(recorded) == len(session.reflections), "the LMS learns each was written"
    leaks = [(e, v) for e, v in values if any(m.lower() in v.lower() for m in MARKERS)]
    assert leaks == []
    data_model = json.dumps(lms.cmi()).lower()
    assert not [m for m in MARKERS if m.lower() in data_model]
    assert not lms.console_errors
