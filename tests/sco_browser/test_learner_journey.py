"""A learner works through every session against scorm-again's SCORM 1.2 API, leaves, comes back.

The learner acts only through accessible roles and labels; the assertions read
the LMS side: the calls the SCO made and the data model they left behind.
"""

from __future__ import annotations

import html
import re

import pytest
from playwright.sync_api import expect

from scormgen.package.scorm.suspend import worst_case_suspend_data_length
from scormgen.render.markdown import render_inline
from tests.sco_browser.conftest import COURSE
from tests.sco_browser.lms import (
    CMI_IDENTIFIER,
    CMI_TIME,
    CMI_TIMESPAN,
    Lms,
    first_launch,
    relaunch,
    sco_url,
)

pytestmark = pytest.mark.browser

REFLECTION_TEXT = "I hope to learn how to listen well.\nAnd to look after myself."


def accessible_text(markdown: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", str(render_inline(markdown))))


def expected_response(question, right: bool) -> str:
    """The SCORM 1.2 student_response (RTE 3.4.4) for the answer ``answer_question`` gives."""
    return ",".join(answer_keys(question, right))


def answer_keys(question, right: bool) -> list[str]:
    if question.question_type == "matching":
        keys = [p.response_key for p in question.pairs]
        chosen = keys if right else keys[1:] + keys[:1]
        return [f"{p.key}.{k}" for p, k in zip(question.pairs, chosen, strict=True)]
    correct = [o.key for o in question.options if o.correct]
    if right:
        return correct
    if question.question_type == "multiple":
        wrong = [o.key for o in question.options if not o.correct]
        return wrong or [question.options[0].key]
    return [next(o.key for o in question.options if not o.correct)]


def correct_pattern(question) -> str:
    if question.question_type == "matching":
        return ",".join(f"{p.key}.{p.response_key}" for p in question.pairs)
    keys = ",".join(question.correct_keys)
    return "{" + keys + "}" if question.question_type == "multiple" else keys


def answer_question(content, number: int, question, right: bool) -> None:
    region = content.get_by_role("region", name=f"Knowledge check {number}", exact=True)
    keys = answer_keys(question, right)
    if question.question_type == "matching":
        responses = {p.response_key: p.response for p in question.pairs}
        for pair, chosen in zip(question.pairs, keys, strict=True):
            region.get_by_label(pair.premise, exact=True).select_option(
                label=responses[chosen.split(".")[1]]
            )
    else:
        for option in question.options:
            if question.question_type == "multiple":
                box = region.get_by_role("checkbox", name=option.text, exact=True)
                box.set_checked(option.key in keys)
            elif option.key in keys:
                region.get_by_role("radio", name=option.text, exact=True).check()
    region.get_by_role("button", name="Check answer").click()
    expect(region.get_by_role("status")).to_contain_text("Correct." if right else "Not quite.")


def write_reflection(content, reflection, text: str) -> None:
    region = content.locator(f"#r-{reflection.id}")
    region.get_by_label(accessible_text(reflection.prompt), exact=True).fill(text)
    region.get_by_role("button", name="Save reflection").click()
    expect(region.get_by_role("status")).to_contain_text("Saved in this browser")


def interactions(cmi: dict) -> list[dict]:
    """scorm-again's JSON of cmi.interactions: records keyed "0", "1", ... in order."""
    records = cmi["interactions"]
    return [records[key] for key in sorted(records, key=int) if key.isdigit()]


def scroll_to_top(lms: Lms, section_id: str) -> int:
    """Scroll the SCO's page so that the section ``section_id`` starts at the top of the view;
    returns where it then starts (0 unless the page ends too soon)."""
    return lms.frame().evaluate(
        """id => {
          const section = document.getElementById(id);
          section.scrollIntoView({ block: "start", behavior: "instant" });  // no smooth scrolling
          return Math.round(section.getBoundingClientRect().top);
        }""",
        section_id,
    )


def assert_clean_calls(calls: list[dict]) -> None:
    names = [c["name"] for c in calls]
    assert names[0] == "LMSInitialize", "LMSInitialize must come before any other call"
    assert names.count("LMSInitialize") == 1
    assert names.count("LMSFinish") == 1
    finish = names.index("LMSFinish")
    assert all(n in ("LMSGetLastError", "LMSGetErrorString") for n in names[finish + 1 :])
    failed = [c for c in calls if c["error"] != "0"]
    assert not failed, f"LMS calls with an error code: {failed}"
    # LMSSetValue only for values that changed: never the same value twice in a row.
    last: dict[str, str] = {}
    for call in calls:
        if call["name"] == "LMSSetValue":
            element, value = call["args"]
            assert last.get(element) != value, f"{element} set again to the same {value!r}"
            last[element] = value


def assert_interaction(record: dict, question, right: bool) -> None:
    types = {"single": "choice", "multiple": "choice", "true_false": "true-false"}
    assert record["id"] == question.id and CMI_IDENTIFIER.match(record["id"])
    assert record["type"] == types.get(question.question_type, "matching")
    assert record["student_response"] == expected_response(question, right)
    assert record["correct_responses"]["0"]["pattern"] == correct_pattern(question)
    assert record["result"] == ("correct" if right else "wrong")
    assert record["weighting"] == str(question.weighting)
    assert CMI_TIMESPAN.match(record["latency"]), record["latency"]
    assert CMI_TIME.match(record["time"]), record["time"]


@pytest.mark.parametrize("session", COURSE.sessions, ids=lambda s: s.id)
def test_learner_answers_leaves_and_resumes(context, site, session):
    lms = Lms.open(context, site)
    questions = session.questions
    first_visit, last_visit = questions[:-1], questions[-1:]

    # First visit: every question but the last answered wrong, then right; a reflection.
    lms.launch(sco_url(session), first_launch(session))
    for number, question in enumerate(first_visit, start=1):
        answer_question(lms.content, number, question, right=False)
        answer_question(lms.content, number, question, right=True)
    if session.reflections:
        write_reflection(lms.content, session.reflections[0], REFLECTION_TEXT)
    # The learner scrolls back up to the last check they answered, and leaves from there.
    place = f"q-{first_visit[-1].id}"
    assert scroll_to_top(lms, place) == 0, "the section can be brought to the top of the view"
    lms.leave()

    calls, cmi = lms.calls(), lms.cmi()
    assert_clean_calls(calls)
    commits = [c for c in calls if c["name"] == "LMSCommit"]
    save_points = 2 * len(first_visit) + bool(session.reflections) + 1
    assert 1 <= len(commits) <= save_points + 1, "LMSCommit only at save points"
    core = cmi["core"]
    assert core["lesson_status"] == "incomplete"
    assert core["exit"] == "suspend"
    assert core["score"]["raw"] == "", "no score (and so no mastery override) until all is answered"
    assert CMI_TIMESPAN.match(core["session_time"])
    assert core["lesson_location"] == place, "the section at the top of the view when leaving"
    suspend = cmi["suspend_data"]
    assert 0 < len(suspend) <= worst_case_suspend_data_length(COURSE, session) <= 4096
    records = interactions(cmi)
    expected = len(first_visit) * 2 + bool(session.reflections)
    assert len(records) == expected
    for index, question in enumerate(first_visit):
        assert_interaction(records[2 * index], question, right=False)
        assert_interaction(records[2 * index + 1], question, right=True)
    if session.reflections:
        reflection = records[-1]
        assert reflection["id"] == session.reflections[0].id
        assert reflection["type"] == "fill-in"
        assert reflection["result"] == "neutral"
        assert reflection["student_response"] == "", "private mode: no personal text to the LMS"
        assert "listen" not in suspend

    # Second visit: the LMS hands back what it stored; the page is as the learner left it.
    lms.launch(sco_url(session), relaunch(session, cmi))
    assert lms.page.evaluate("() => API.cmi.core.entry") == "resume"
    content = lms.content
    expect(content.get_by_text("Welcome back")).to_be_visible()
    for number, question in enumerate(first_visit, start=1):
        region = content.get_by_role("region", name=f"Knowledge check {number}", exact=True)
        expect(region.get_by_role("status")).to_contain_text("Correct.")
        if question.question_type != "matching":
            role = "checkbox" if question.question_type == "multiple" else "radio"
            for option in question.options:
                box = region.get_by_role(role, name=option.text, exact=True)
                (expect(box).to_be_checked if option.correct else expect(box).not_to_be_checked)()
    if session.reflections:
        box = content.locator(f"#r-{session.reflections[0].id}").get_by_role("textbox")
        expect(box).to_have_value(REFLECTION_TEXT)
    focused = lms.frame().evaluate("() => document.activeElement && document.activeElement.id")
    assert focused == place, "coming back, the learner is where they left"

    for question in last_visit:
        number = len(questions)
        answer_question(content, number, question, right=False)
        answer_question(content, number, question, right=True)
    content.get_by_role("button", name="Finish session").click()
    expect(content.get_by_role("status").filter(has_text="finished")).to_be_visible()

    calls, cmi = lms.calls(), lms.cmi()
    assert_clean_calls(calls)
    core = cmi["core"]
    if questions:
        assert core["score"] == {"raw": "100", "min": "0", "max": "100"} | {
            k: v for k, v in core["score"].items() if k not in ("raw", "min", "max")
        }
    assert core["lesson_status"] == ("passed" if session.mastery_score is not None else "completed")
    assert core["exit"] == ""
    assert len(cmi["suspend_data"]) <= 4096
    records = interactions(cmi)
    for index, question in enumerate(last_visit):
        assert_interaction(records[2 * index], question, right=False)
        assert_interaction(records[2 * index + 1], question, right=True)
    assert not lms.console_errors


def test_wrong_answers_fail_against_the_lms_mastery_score(context, site):
    session = next(s for s in COURSE.sessions if s.mastery_score is not None)
    lms = Lms.open(context, site)
    initial = first_launch(session)
    initial["student_data"] = {"mastery_score": "100"}  # the LMS's value wins over the page's
    lms.launch(sco_url(session), initial)
    for number, question in enumerate(session.questions, start=1):
        answer_question(lms.content, number, question, right=number > 1)
    lms.content.get_by_role("button", name="Finish session").click()
    core = lms.cmi()["core"]
    assert core["lesson_status"] == "failed"
    assert int(core["score"]["raw"]) < 100
    assert core["exit"] == ""
    assert_clean_calls(lms.calls())
    assert not lms.console_errors
