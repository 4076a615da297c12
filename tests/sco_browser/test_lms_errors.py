"""When the LMS refuses a call, the SCO asks why, tells the designer, and the learner loses nothing.

SCORM 1.2 (RTE 3.3.3) lets every call fail with "false"; LMS players do refuse
values (a full database, a read-only element, a dropped session). The SCO must
then read ``LMSGetLastError``, log the reason in the console, keep the
learner's input on the page and carry on.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.sco_browser.conftest import COURSE
from tests.sco_browser.lms import Lms, first_launch, sco_url
from tests.sco_browser.test_learner_journey import (
    REFLECTION_TEXT,
    accessible_text,
    answer_question,
    interactions,
    write_reflection,
)

pytestmark = pytest.mark.browser

# Wraps the (already logging) API: refuse matching LMSSetValue calls with error 405, and the
# first LMSCommit with 101, the way an LMS reports them: "false", then the code on request.
REFUSING_LMS = """
({ refuseSetPattern }) => {
  const api = window.API;
  const setValue = api.LMSSetValue, commit = api.LMSCommit, lastError = api.LMSGetLastError;
  let forced = null;
  let commits = 0;
  window.refused = [];
  api.LMSSetValue = (element, value) => {
    if (new RegExp(refuseSetPattern).test(element)) {
      forced = "405";
      window.refused.push(element);
      window.calls.push({ name: "LMSSetValue", args: [element, String(value)], result: "false",
                          error: "405" });
      return "false";
    }
    forced = null;
    return setValue(element, value);
  };
  api.LMSCommit = (arg) => {
    commits += 1;
    if (commits === 1) {
      forced = "101";
      window.calls.push({ name: "LMSCommit", args: [String(arg)], result: "false", error: "101" });
      return "false";
    }
    forced = null;
    return commit(arg);
  };
  api.LMSGetLastError = () => {
    const code = forced === null ? lastError() : forced;
    window.calls.push({ name: "LMSGetLastError", args: [], result: String(code), error: "0" });
    forced = null;
    return code;
  };
}
"""


def test_refused_values_are_reported_and_the_learner_keeps_working(context, site):
    session = next(s for s in COURSE.sessions if s.questions and s.reflections)
    lms = Lms.open(context, site)
    warnings: list[str] = []
    lms.page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    lms.launch(sco_url(session), first_launch(session))
    lms.page.evaluate(REFUSING_LMS, {"refuseSetPattern": r"\.student_response$"})

    question = session.questions[0]
    answer_question(lms.content, 1, question, right=True)
    write_reflection(lms.content, session.reflections[0], REFLECTION_TEXT)

    calls = lms.calls()
    refused_at = next(
        i for i, c in enumerate(calls) if c["name"] == "LMSSetValue" and c["result"] == "false"
    )
    assert calls[refused_at + 1]["name"] == "LMSGetLastError", "the SCO asks why straight away"
    assert any("LMS error 405" in w and "student_response" in w for w in warnings)
    assert any("LMSCommit failed: LMS error 101" in w for w in warnings)

    # The commit is retried, and what the LMS did accept reached it.
    lms.page.wait_for_function(
        "() => window.calls.filter(c => c.name === 'LMSCommit' && c.result === 'true').length > 0",
        timeout=5000,
    )
    interaction = interactions(lms.cmi())[0]
    assert interaction["id"] == question.id
    assert interaction["result"] == "correct"

    # Nothing the learner gave is lost on the page.
    region = lms.content.get_by_role("region", name="Knowledge check 1", exact=True)
    expect(region.get_by_role("status")).to_contain_text("Correct.")
    label = accessible_text(session.reflections[0].prompt)
    expect(lms.content.get_by_label(label, exact=True)).to_have_value(REFLECTION_TEXT)
    assert not lms.console_errors
