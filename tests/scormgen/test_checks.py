"""What a SCORM 1.2 runtime would reject is a build error with the content's file and line."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scormgen.build import build
from scormgen.diagnostics import AuthoringError
from scormgen.load.loader import load_course
from scormgen.package.scorm.checks import check_course
from tests.scormgen.conftest import fake_render, short_suspend_data
from tests.scormgen.content_fixture import SESSION_MD, write_course

SESSION_FILE = "content/sessions/01-what-is-recovery.md"

pytestmark = pytest.mark.usefixtures("in_tmp_path")


def build_errors(tmp_path, session=SESSION_MD, suspend_length=short_suspend_data, **options):
    content = write_course(tmp_path, session)
    with pytest.raises(AuthoringError) as raised:
        build(
            content,
            tmp_path / "dist",
            render=fake_render,
            suspend_length=suspend_length,
            **options,
        )
    assert not (tmp_path / "dist").exists(), "a failed build must write nothing"
    return [str(d) for d in raised.value.diagnostics]


def test_interaction_id_that_is_not_a_cmi_identifier(tmp_path):
    # The loader only accepts slugs, so break the model the way a later stage could.
    course = load_course(write_course(tmp_path))
    session = course.sessions[0]
    question = replace(session.questions[0], id="recovery aim")
    session = replace(
        session, blocks=tuple(question if b is session.questions[0] else b for b in session.blocks)
    )
    diagnostics = check_course(course, [session], short_suspend_data)
    line = SESSION_MD.split("\n").index("```question") + 1
    assert [str(d) for d in diagnostics] == [
        f"{SESSION_FILE}:{line}: error: interaction id 'recovery aim' is not a SCORM 1.2 "
        "CMIIdentifier (1-255 printable ASCII characters, no spaces) [scorm.interaction-id]"
    ]


def test_question_with_more_than_36_options(tmp_path):
    options = "".join(f"  o{n}: Option {n}\n" for n in range(37))
    session = SESSION_MD.replace(
        "options:\n"
        "  a: The development of the recovery approach in mental health\n"
        "  b: The history of peer support organisations\n"
        "correct: a\n",
        f"options:\n{options}correct: o0\n",
    )
    line = session.split("\n").index("options:") + 1
    assert build_errors(tmp_path, session) == [
        f"{SESSION_FILE}:{line}: error: question 'recovery-aim' has 37 options; SCORM 1.2 "
        "allows at most 36 (responses are single characters 0-9, a-z) "
        "[question.too-many-options]"
    ]


def test_worst_case_suspend_data_over_4096_characters(tmp_path):
    errors = build_errors(tmp_path, suspend_length=lambda course, session: 5000)
    assert errors == [
        f"{SESSION_FILE}:1: error: session 'what-is-recovery' can need 5000 characters of "
        "suspend_data (every question answered, every stored text at its maximum); SCORM 1.2 "
        "allows 4096: lower the reflections' max_length or split the session "
        "[scorm.suspend-data-too-long]"
    ]


def test_suspend_data_of_exactly_4096_characters_is_fine(tmp_path):
    content = write_course(tmp_path)
    result = build(
        content,
        tmp_path / "dist",
        render=fake_render,
        suspend_length=lambda course, session: 4096,
    )
    assert result.packages


def test_mastery_score_on_a_session_without_questions_in_the_file(tmp_path):
    session = SESSION_MD.replace("objectives:", "mastery_score: 80\nobjectives:").split(
        "```question"
    )[0]
    line = session.split("\n").index("mastery_score: 80") + 1
    assert build_errors(tmp_path, session) == [
        f"{SESSION_FILE}:{line}: error: session 'what-is-recovery' sets a mastery score but "
        "has no knowledge-check question to score [session.mastery-without-questions]"
    ]


def test_mastery_score_on_a_session_without_questions_after_options(tmp_path):
    # However the build's options set it, an unscored SCO must not carry a mastery score.
    course = load_course(write_course(tmp_path))
    session = course.sessions[0]
    unscored = replace(
        session,
        blocks=tuple(b for b in session.blocks if b not in session.questions),
        mastery_score=70,
    )
    assert [str(d) for d in check_course(course, [unscored], short_suspend_data)] == [
        f"{SESSION_FILE}:1: error: session 'what-is-recovery' has mastery score 70 but no "
        "knowledge-check question: LMSs that let the mastery score override the status "
        "would mark every learner failed [scorm.mastery-without-questions]"
    ]


def test_the_mastery_score_option_leaves_unscored_sessions_completion_only(tmp_path):
    unscored = SESSION_MD.split("```question")[0]
    content = write_course(tmp_path, unscored)
    result = build(
        content,
        tmp_path / "dist",
        mastery_score=50,
        render=fake_render,
        suspend_length=short_suspend_data,
    )
    assert result.course.sessions[0].mastery_score is None


def test_every_problem_is_reported_at_once(tmp_path):
    second = (
        SESSION_MD.replace("id: what-is-recovery", "id: second-session")
        .replace("id: recovery-", "id: second-")
        .replace("id: john-and-the-roofer", "id: second-scenario")
    )
    content = write_course(tmp_path, extra={"sessions/02-second-session.md": second})
    with pytest.raises(AuthoringError) as raised:
        build(content, tmp_path / "dist", render=fake_render, suspend_length=lambda c, s: 9999)
    assert [d.code for d in raised.value.diagnostics] == ["scorm.suspend-data-too-long"] * 2
