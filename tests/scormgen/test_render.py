"""The render stage: session pages and assets from the course model."""

from __future__ import annotations

import dataclasses
import json
import re

from scormgen.load.loader import load_course
from scormgen.model import (
    Contact,
    Notice,
    Option,
    Question,
    Reflection,
    SourceLocation,
    SupportNotice,
    TextBlock,
)
from scormgen.render.pages import ASSETS, render_package_files, session_path
from tests.scormgen.paths import CONTENT

COURSE = load_course(CONTENT)
AT = SourceLocation("content/sessions/99-test.md", 1)
URL_REFERENCE = re.compile(rb"https?:|//[A-Za-z0-9]")


def with_blocks(*blocks, **settings):
    """The shipped course cut to its first session, holding ``blocks``."""
    session = dataclasses.replace(COURSE.sessions[0], blocks=tuple(blocks))
    course_settings = dataclasses.replace(COURSE.settings, **settings)
    return dataclasses.replace(COURSE, sessions=(session,), settings=course_settings), session


def page_of(course, session) -> str:
    return render_package_files(course, [session], False).files[session_path(session)].decode()


def script_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="sco-data">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_rendering_twice_gives_byte_identical_files():
    first = render_package_files(COURSE, COURSE.sessions, True)
    second = render_package_files(COURSE, COURSE.sessions, True)
    assert first.files == second.files
    assert list(first.files) == sorted(first.files)


def test_every_session_is_a_sco_whose_files_start_with_its_launch_page():
    rendered = render_package_files(COURSE, COURSE.sessions, include_pages=False)
    assert [sco.identifier for sco in rendered.scos] == [s.id for s in COURSE.sessions]
    for sco, session in zip(rendered.scos, COURSE.sessions, strict=True):
        assert sco.launch == f"sco/{session.number:02d}-{session.id}/index.html"
        assert sco.files == (sco.launch, *ASSETS)
        assert sco.mastery_score == session.mastery_score
        assert all(name in rendered.files for name in sco.files)
    assert set(rendered.files) == {*ASSETS, *(sco.launch for sco in rendered.scos)}


def test_pages_become_scos_only_when_asked_for():
    with_pages = render_package_files(COURSE, COURSE.sessions[:1], include_pages=True)
    assert len(with_pages.scos) == 1 + len(COURSE.pages)
    assert all(sco.mastery_score is None for sco in with_pages.scos[1:])


def test_a_single_session_package_holds_only_that_session():
    session = COURSE.sessions[2]
    rendered = render_package_files(COURSE, [session], include_pages=False)
    assert [sco.launch for sco in rendered.scos] == [session_path(session)]


def test_shipped_files_reference_nothing_outside_the_package():
    rendered = render_package_files(COURSE, COURSE.sessions, True)
    for name, data in rendered.files.items():
        assert not URL_REFERENCE.search(data), f"{name} has an external reference"
        assert b"../../assets/" in data or name.startswith("assets/")


def test_author_text_cannot_inject_markup():
    evil = "<script>alert(1)</script>"
    course, session = with_blocks(
        TextBlock(markdown=f"Hello {evil} <img src=x onerror=alert(1)>", location=AT),
        Question(
            id="q1",
            question_type="single",
            prompt=f"Which? {evil}",
            options=(
                Option("a", "a", f"<b>{evil}</b>", True, f"feedback {evil}", AT),
                Option("b", "b", "Other", False, "", AT),
            ),
            pairs=(),
            source="",
            weighting=1,
            feedback_correct="</script><script>alert(2)</script>",
            feedback_wrong="",
            location=AT,
        ),
    )
    html = page_of(course, session)
    assert "<script>alert" not in html
    assert "<img" not in html
    assert html.count("<script") == 2  # the data block and sco.js, nothing else
    data = script_data(html)
    assert data["questions"][0]["feedback"]["correct"] == "</script><script>alert(2)</script>"


def test_page_data_carries_answer_keys_in_scorm_form():
    html = page_of(COURSE, COURSE.sessions[0])
    data = script_data(html)
    assert data["sco"] == COURSE.sessions[0].id
    assert data["mastery"] == COURSE.sessions[0].mastery_score
    for question, entry in zip(COURSE.sessions[0].questions, data["questions"], strict=True):
        assert entry["id"] == question.id
        assert entry["type"] in ("choice", "true-false", "matching")
        assert all(re.fullmatch(r"[0-9a-z]", key) for key in entry["keys"])


def test_reflection_privacy_text_follows_the_course_setting():
    reflection = Reflection("r1", "How are you?", 500, False, AT)
    private, session = with_blocks(reflection)
    assert "never what you wrote" in page_of(private, session)
    text_mode, session = with_blocks(reflection, reflections_to_lms="text")
    assert "first 255 characters are also sent" in page_of(text_mode, session)
    assert 'maxlength="500"' in page_of(text_mode, session)


def test_scenarios_and_assignments_name_the_lms_activity_without_linking_the_tool():
    """The LTI tool opens only through an LMS launch, so a package never links to it."""
    for session in (s for s in COURSE.sessions if s.scenarios or s.assignments):
        html = page_of(COURSE, session)
        assert "<a href" not in html.replace('<a class="skip-link" href="#main"', "")
        assert "activity in your learning management system" in html


def test_support_notice_appears_on_sessions_that_ask_for_it():
    notice = SupportNotice("If this session is hard", "Take breaks.", about="This session asks X.")
    session = dataclasses.replace(COURSE.sessions[0], support_notice=notice)
    html = page_of(COURSE, session)
    assert "If this session is hard" in html
    assert html.index("This session asks X.") < html.index("Take breaks.")
    plain = dataclasses.replace(COURSE.sessions[0], support_notice=None, blocks=())
    assert 'class="notice notice-support"' not in page_of(COURSE, plain)


def test_each_shipped_notice_speaks_of_its_own_session():
    for session in COURSE.sessions:
        if session.support_notice is None:
            continue
        html = page_of(COURSE, session)
        assert session.support_notice.about, session.id
        assert session.support_notice.about.split()[0] in html


def test_support_notice_lists_contacts_and_crisis_contacts_when_set():
    notice = SupportNotice(
        "Support",
        "Take breaks.",
        contacts=(Contact("Student wellbeing service", "Room 1.12"),),
        crisis_contacts=(Contact("National crisis line", "The number your institution names"),),
    )
    session = dataclasses.replace(COURSE.sessions[0], support_notice=notice)
    html = page_of(COURSE, session)
    assert "<li><strong>Student wellbeing service</strong>: Room 1.12</li>" in html
    assert ">Out of hours or in a crisis</h3>" in html
    assert "<strong>National crisis line</strong>: The number your institution names" in html
    assert "Draft:" not in html


def test_support_notice_without_crisis_contacts_has_no_crisis_heading():
    notice = SupportNotice("Support", "Take breaks.", contacts=(Contact("Service", "Room 1"),))
    session = dataclasses.replace(COURSE.sessions[0], support_notice=notice)
    assert "Out of hours or in a crisis" not in page_of(COURSE, session)


def test_support_notice_under_review_says_so_and_where_to_turn_meanwhile():
    notice = SupportNotice("Support", "Contact your service.", review="course team")
    session = dataclasses.replace(COURSE.sessions[0], support_notice=notice)
    html = page_of(COURSE, session)
    assert (
        "<strong>Draft:</strong> the support contacts in this notice await review by course "
        "team. Until they are added, use the services named above.</p>"
    ) in html


def test_a_support_block_may_title_the_course_notice_and_keeps_its_contacts():
    notice = SupportNotice("Session title", "Course text.", contacts=(Contact("Service", "Room"),))
    course, session = with_blocks(
        Notice(
            style="support", markdown="", title="If anything in the course is hard", location=AT
        ),
    )
    course = dataclasses.replace(
        course, settings=dataclasses.replace(course.settings, support_notice=notice)
    )
    html = page_of(course, session)
    assert ">If anything in the course is hard</h2>" in html
    assert "Session title" not in html
    assert "Course text." in html
    assert "<strong>Service</strong>: Room" in html
