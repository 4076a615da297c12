"""The loader turns content/ into the course model and reports every authoring mistake.

Each test writes a small course, breaks one thing, and checks the exact
``path:line: level: message [code]`` line an author would see.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from scormgen.cli import main
from scormgen.load.loader import check_content, load_course, quote_in_source
from scormgen.model import Question, Reflection, Scenario, TextBlock
from tests.scormgen.content_fixture import RELEASE_COURSE_YML, SESSION_MD, write_course

SESSION_FILE = "content/sessions/01-what-is-recovery.md"


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from tmp_path so diagnostics show author-relative paths like content/sessions/..."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def diagnostics_for(tmp_path: Path, session: str = SESSION_MD, **kwargs) -> list[str]:
    write_course(tmp_path, session, **kwargs)
    _course, diagnostics = check_content("content")
    return [str(d) for d in diagnostics]


def line_of(text: str, needle: str) -> int:
    return text.split("\n").index(needle) + 1


def test_a_valid_course_loads_into_the_model(tmp_path):
    course = load_course(write_course(tmp_path))
    assert course.id == "mini-course"
    [session] = course.sessions
    assert (session.id, session.number, session.title) == (
        "what-is-recovery",
        1,
        "What is Recovery?",
    )
    assert [type(b) for b in session.blocks] == [TextBlock, Question, Reflection, Scenario]
    question = session.questions[0]
    assert question.correct_keys == ("a",)
    assert question.location.path == SESSION_FILE
    assert question.location.line == line_of(SESSION_MD, "```question")
    assert session.mastery_score == 80, "a scored session takes the course's default mastery score"


def test_a_session_without_questions_has_no_mastery_score(tmp_path):
    start = SESSION_MD.index("```question")
    end = SESSION_MD.index("```reflection")
    course = load_course(write_course(tmp_path, SESSION_MD[:start] + SESSION_MD[end:]))
    assert course.sessions[0].mastery_score is None


def test_unknown_block_type_suggests_the_nearest(tmp_path):
    broken = SESSION_MD.replace("```reflection", "```reflecton")
    assert diagnostics_for(tmp_path, broken) == [
        f"{SESSION_FILE}:{line_of(broken, '```reflecton')}: error: unknown block type "
        "'reflecton' (did you mean 'reflection'?); known types: assignment, notice, question, "
        "reflection, scenario [block.unknown-type]"
    ]


def test_question_without_correct_answer(tmp_path):
    broken = SESSION_MD.replace("correct: a\n", "")
    assert diagnostics_for(tmp_path, broken) == [
        f"{SESSION_FILE}:{line_of(broken, '```question')}: error: question 'recovery-aim' has "
        "no correct answer [question.no-correct]"
    ]


def test_answer_key_naming_a_missing_option(tmp_path):
    broken = SESSION_MD.replace("correct: a\n", "correct: c\n")
    assert diagnostics_for(tmp_path, broken) == [
        f"{SESSION_FILE}:{line_of(broken, 'correct: c')}: error: question 'recovery-aim': the "
        "answer key names option 'c', which is not one of its options (a, b) "
        "[question.unknown-option]"
    ]


def test_duplicate_id_names_the_first_use(tmp_path):
    broken = SESSION_MD.replace("id: recovery-thoughts", "id: recovery-aim")
    first = line_of(broken, "```question")
    assert diagnostics_for(tmp_path, broken) == [
        f"{SESSION_FILE}:{line_of(broken, '```reflection')}: error: duplicate id 'recovery-aim' "
        f"(first used at {SESSION_FILE}:{first}) [id.duplicate]"
    ]


def test_bad_yaml_reports_the_line_inside_the_block(tmp_path):
    broken = SESSION_MD.replace("prompt: What does recovery mean to you?", "prompt: [unclosed")
    [message] = diagnostics_for(tmp_path, broken)
    assert message.startswith(
        f"{SESSION_FILE}:{line_of(broken, '```reflection') + 2}: error: bad YAML"
    )
    assert message.endswith("[yaml.syntax]")


def test_duplicate_yaml_key_is_an_error_not_a_silent_overwrite(tmp_path):
    broken = SESSION_MD.replace("id: recovery-thoughts\n", "id: recovery-thoughts\nid: other\n")
    [message] = diagnostics_for(tmp_path, broken)
    assert f"{SESSION_FILE}:{line_of(broken, 'id: other')}: error: bad YAML" in message
    assert "duplicate key 'id'" in message


def test_unknown_field_suggests_the_nearest(tmp_path):
    broken = SESSION_MD.replace("prompt: What does recovery", "promt: What does recovery")
    assert diagnostics_for(tmp_path, broken) == [
        f"{SESSION_FILE}:{line_of(broken, '```reflection')}: error: reflection has no 'prompt' "
        "field [reflection.missing-field]",
        f"{SESSION_FILE}:{line_of(broken, '```reflection') + 2}: error: unknown field 'promt' in "
        "reflection (did you mean 'prompt'?) [reflection.unknown-field]",
    ]


def test_unknown_course_setting_is_a_warning_with_a_suggestion(tmp_path):
    course = "id: mini-course\ntitle: Mini Course\nmastery_scor: 70\n"
    assert diagnostics_for(tmp_path, course=course) == [
        "content/course.yml:3: warning: unknown field 'mastery_scor' in course "
        "(did you mean 'mastery_score'?) [course.unknown-field]"
    ]


def test_question_source_must_quote_the_seed(tmp_path):
    broken = SESSION_MD.replace(
        "source: The aim of this session is to explore",
        "source: The aim of this course is to explore",
    )
    assert diagnostics_for(tmp_path, broken) == [
        f"{SESSION_FILE}:{line_of(broken, '```question')}: error: question 'recovery-aim': its "
        "source is not a verbatim quote of the seed text [question.source-not-in-seed]"
    ]


def test_source_quotes_may_elide_words_and_ignore_line_breaks():
    seed = "The aim of this session is to explore the development of the recovery approach."
    assert quote_in_source("The aim ... the recovery approach.", seed)
    assert quote_in_source("The aim of this\n  session", seed)
    assert not quote_in_source("the recovery approach ... The aim", seed), "parts keep their order"


def test_session_aim_must_be_verbatim_from_the_seed(tmp_path):
    broken = SESSION_MD.replace("mental health and to examine", "mental health and to study")
    assert diagnostics_for(tmp_path, broken) == [
        f"{SESSION_FILE}:4: error: the aim must be quoted verbatim from the seed text "
        "[session.aim-not-in-source]"
    ]


def test_mastery_score_on_a_session_with_nothing_scored(tmp_path):
    start, end = SESSION_MD.index("```question"), SESSION_MD.index("```reflection")
    broken = SESSION_MD[:start] + SESSION_MD[end:]
    broken = broken.replace("objectives:", "mastery_score: 70\nobjectives:")
    assert diagnostics_for(tmp_path, broken) == [
        f"{SESSION_FILE}:{line_of(broken, 'mastery_score: 70')}: error: session "
        "'what-is-recovery' sets a mastery score but has no knowledge-check question to score "
        "[session.mastery-without-questions]"
    ]


def test_too_many_options_for_scorm_single_character_responses(tmp_path):
    options = "".join(f"  o{i}: Option {i}\n" for i in range(37))
    broken = SESSION_MD.replace(
        "  a: The development of the recovery approach in mental health\n"
        "  b: The history of peer support organisations\n",
        options,
    ).replace("correct: a", "correct: o1")
    assert diagnostics_for(tmp_path, broken) == [
        f"{SESSION_FILE}:{line_of(broken, 'options:')}: error: question 'recovery-aim' has 37 "
        "options; SCORM 1.2 allows at most 36 (responses are single characters 0-9, a-z) "
        "[question.too-many-options]"
    ]


def test_external_links_are_refused_because_packages_are_offline(tmp_path):
    broken = SESSION_MD.replace("Some prose about recovery.", "See https://example.org for more.")
    assert diagnostics_for(tmp_path, broken) == [
        f"{SESSION_FILE}:{line_of(broken, 'See https://example.org for more.')}: error: external "
        "link in course text: packages must work offline; name the resource instead of linking "
        "it [text.external-url]"
    ]


def test_every_mistake_is_reported_in_one_run(tmp_path):
    broken = (
        SESSION_MD.replace("```reflection", "```reflecton")
        .replace("correct: a\n", "correct: z\n")
        .replace('title: "Scenario 1', 'titel: "Scenario 1')
    )
    codes = [message.rsplit("[", 1)[1] for message in diagnostics_for(tmp_path, broken)]
    assert codes == [
        "question.unknown-option]",
        "block.unknown-type]",
        "scenario.missing-field]",
        "scenario.unknown-field]",
    ]


def test_check_command_prints_every_error_and_exits_1_without_a_traceback(tmp_path):
    broken = SESSION_MD.replace("```reflection", "```reflecton").replace("correct: a\n", "")
    write_course(tmp_path, broken)
    result = CliRunner().invoke(main, ["check", "content"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.output.strip().split("\n")
    assert lines[-1] == "Error: 2 errors in the content; nothing written"
    assert all(line.startswith(f"{SESSION_FILE}:") for line in lines[:-1])


def test_check_command_passes_a_valid_course(tmp_path):
    write_course(tmp_path, course=RELEASE_COURSE_YML)
    result = CliRunner().invoke(main, ["check", "content"])
    assert result.exit_code == 0, result.output
    assert result.output.endswith("1 sessions, 1 questions, 1 scenarios, 0 assignments: OK\n")


def test_ids_come_from_authored_ids_not_positions(tmp_path):
    """LMS tracking data is keyed on ids, so moving a block must not rename anything."""
    first = load_course(write_course(tmp_path / "a"))
    question_block = SESSION_MD[SESSION_MD.index("```question") : SESSION_MD.index("```reflection")]
    moved = SESSION_MD.replace(question_block, "") + "\n" + question_block
    second = load_course(write_course(tmp_path / "b", moved))
    ids = lambda course: sorted(getattr(b, "id", "") for b in course.sessions[0].blocks)  # noqa: E731
    assert ids(first) == ids(second)
    assert (
        first.sessions[0].questions[0].correct_keys == second.sessions[0].questions[0].correct_keys
    )


SHIPPED_CONTENT = Path(__file__).resolve().parents[2] / "content"


def test_the_shipped_curriculum_loads_without_any_diagnostic():
    course, diagnostics = check_content(SHIPPED_CONTENT)
    assert [str(d) for d in diagnostics] == []
    assert course is not None
    assert len(course.sessions) == 11
    assert len(course.scenarios) == 4
    assert len(course.assignments) == 2
    assert [page.id for page in course.pages] == ["useful-resources"]


def test_the_shipped_sessions_follow_the_seed_order():
    course = load_course(SHIPPED_CONTENT)
    assert [s.title for s in course.sessions] == [
        "Course Introduction",
        "What is Recovery?",
        "Personal Recovery",
        "What is Peer Support?",
        "The Peer Relationship",
        "Review and Evaluation",
        "Use of Language and Communications",
        "Using Your Experiences Effectively",
        "Surviving and Thriving",
        "Positive Risk Taking and Boundaries",
        "Review and Evaluation",
    ]
    for session in course.sessions:
        assert 3 <= len(session.questions) <= 6, session.id
        assert session.reflections, session.id
    assert course.session("positive-risk-taking-and-boundaries").support_notice


def test_shipped_paths_are_author_relative_when_run_from_the_project(monkeypatch):
    monkeypatch.chdir(SHIPPED_CONTENT.parent)
    course = load_course("content")
    assert course.sessions[0].location.path == os.path.join(
        "content", "sessions", "01-course-introduction.md"
    )


def test_a_quote_that_is_mostly_ellipsis_is_not_a_quote():
    seed = "The aim of this session is to explore the development of the recovery approach."
    assert not quote_in_source("...", seed)
    assert not quote_in_source("the ... the", seed)
    assert quote_in_source("The aim ... recovery approach.", seed)


def test_answer_fields_that_the_question_type_ignores_are_errors(tmp_path):
    broken = SESSION_MD.replace("type: single", "type: matching").replace(
        "source: The aim",
        "pairs:\n  - premise: a\n    response: b\n  - premise: c\n    response: d\nsource: The aim",
    )
    assert diagnostics_for(tmp_path, broken) == [
        f"{SESSION_FILE}:{line_of(broken, 'options:')}: error: question 'recovery-aim': field "
        "'options' does not apply to a matching question [question.field-not-for-type]",
        f"{SESSION_FILE}:{line_of(broken, 'correct: a')}: error: question 'recovery-aim': field "
        "'correct' does not apply to a matching question [question.field-not-for-type]",
    ]


@pytest.mark.parametrize(
    "reference",
    [
        "https://example.org",
        "http://example.org/x",
        "//cdn.example.org/lib.js",
        "www.example.org",
        "mailto:help@example.org",
    ],
)
def test_external_references_anywhere_in_a_file_are_refused(tmp_path, reference):
    broken = SESSION_MD.replace(
        "prompt: What does recovery mean to you?", f"prompt: See {reference}"
    )
    [message] = diagnostics_for(tmp_path, broken)
    assert message.startswith(
        f"{SESSION_FILE}:{line_of(broken, f'prompt: See {reference}')}: error: external link"
    )


# --- Support notices in each session's own words ------------------------------------

NOTICE_COURSE_YML = """\
id: mini-course
title: Mini Course
source: source/seed.txt
support_notice:
  title: If this session brings up difficult feelings
  text: This session talks about trauma, suicidality and risk. Take breaks.
"""


def with_notice(front_matter: str) -> str:
    return SESSION_MD.replace("objectives:", f"{front_matter}\nobjectives:", 1)


def test_a_session_notice_adds_its_own_words_to_the_course_notice(tmp_path):
    session = with_notice("support_notice:\n  about: This session asks about your own story.")
    course = load_course(write_course(tmp_path, session))
    notice = course.sessions[0].support_notice
    assert notice.about == "This session asks about your own story."
    assert notice.title == "If this session brings up difficult feelings"
    assert notice.text == course.settings.support_notice.text


def test_a_session_notice_may_set_its_own_title(tmp_path):
    session = with_notice("support_notice:\n  about: Personal stories.\n  title: Take care")
    course = load_course(write_course(tmp_path, session))
    assert course.sessions[0].support_notice.title == "Take care"


def test_support_notice_false_or_absent_shows_none(tmp_path):
    course = load_course(write_course(tmp_path, with_notice("support_notice: false")))
    assert course.sessions[0].support_notice is None


def test_a_session_notice_needs_its_about(tmp_path):
    broken = with_notice("support_notice:\n  title: Take care")
    assert diagnostics_for(tmp_path, broken) == [
        f"{SESSION_FILE}:{line_of(broken, 'support_notice:')}: error: support_notice has no "
        "'about' field [support_notice.missing-field]"
    ]


def test_a_session_notice_of_the_wrong_kind_is_an_error(tmp_path):
    broken = with_notice("support_notice: sometimes")
    assert diagnostics_for(tmp_path, broken) == [
        f"{SESSION_FILE}:{line_of(broken, 'support_notice: sometimes')}: error: field "
        "'support_notice' of session must be true or false or a mapping [session.bad-type]"
    ]


def test_a_notice_naming_topics_its_session_never_mentions_is_a_warning(tmp_path):
    session = with_notice("support_notice: true")
    messages = diagnostics_for(tmp_path, session, course=NOTICE_COURSE_YML)
    line = line_of(session, "support_notice: true")
    assert messages == [
        f"{SESSION_FILE}:{line}: warning: the support notice on session 'what-is-recovery' "
        f"names '{word}', which the session never mentions: say what this session may bring "
        "up in its own words (support_notice: {about: ...}) [session.notice-topic]"
        for word in ("risk", "suicidality", "trauma")  # in message order, as printed
    ]


def test_a_notice_topic_the_session_mentions_is_fine(tmp_path):
    session = with_notice("support_notice: true").replace(
        "Some prose about recovery.",
        "This session deals with the difficult topics of trauma, suicidality and risk.",
    )
    assert diagnostics_for(tmp_path, session, course=NOTICE_COURSE_YML) == []


def test_a_session_notice_about_is_checked_for_topics_too(tmp_path):
    session = with_notice("support_notice:\n  about: This session talks about abuse.")
    line = line_of(session, "support_notice:")
    assert diagnostics_for(tmp_path, session) == [
        f"{SESSION_FILE}:{line}: warning: the support notice on session 'what-is-recovery' "
        "names 'abuse', which the session never mentions: say what this session may bring "
        "up in its own words (support_notice: {about: ...}) [session.notice-topic]"
    ]


def test_a_support_block_naming_an_unmentioned_topic_is_a_warning(tmp_path):
    block = "```notice\nstyle: support\ntext: This page talks about self-harm.\n```\n"
    session = SESSION_MD.replace("Some prose about recovery.\n", f"Some prose.\n\n{block}")
    assert diagnostics_for(tmp_path, session) == [
        f"{SESSION_FILE}:{line_of(session, '```notice')}: warning: the support notice on "
        "session 'what-is-recovery' names 'self-harm', which the session never mentions: say "
        "what this session may bring up in its own words (support_notice: {about: ...}) "
        "[session.notice-topic]"
    ]


def test_the_shipped_notices_name_only_what_their_sessions_mention():
    course, diagnostics = check_content(SHIPPED_CONTENT)
    assert [d for d in diagnostics if d.code == "session.notice-topic"] == []
    with_notice_ids = [s.id for s in course.sessions if s.support_notice]
    assert with_notice_ids == [
        "personal-recovery",
        "review-and-evaluation",
        "using-your-experiences-effectively",
        "surviving-and-thriving",
        "positive-risk-taking-and-boundaries",
    ]
    assert course.settings.support_notice.review == "course team"


# --- The shipped course keeps its promises (issue 14) -------------------------------

OPENING = (
    "The scenarios are designed to encourage you to think about the complex issues of "
    "boundaries. There are not necessarily any right or wrong answers, but a common theme "
    "is the need to ensure clarity and negotiation at the outset."
)


def _prose(session) -> str:
    return " ".join(
        " ".join(b.markdown.split()) for b in session.blocks if isinstance(b, TextBlock)
    )


def test_the_commentary_opening_comes_with_each_commentary_not_before_the_scenarios():
    course = load_course(SHIPPED_CONTENT)
    session = course.session("positive-risk-taking-and-boundaries")
    assert "a common theme" not in _prose(session)
    for scenario in session.scenarios:
        first, *rest = scenario.commentary.split("\n\n")
        assert " ".join(first.split()) == OPENING, scenario.id
        assert quote_in_source(rest[0], course.source_text), scenario.id
    assert all("common theme" not in q.prompt for q in session.questions)


def test_the_scenario_4_safety_note_awaits_the_course_team():
    course = load_course(SHIPPED_CONTENT)
    hug = next(s for s in course.scenarios if s.id == "scenario-kate-susanne-hug")
    assert hug.review == "course team"
    assert "organisation's policy" in hug.note and "supervision" in hug.note


def test_questions_sit_in_sessions_learners_have_reached():
    course = load_course(SHIPPED_CONTENT)
    home = {q.id: s.id for s in course.sessions for q in s.questions}
    assert home["peer-relationship-hope-trust-respect"] == "positive-risk-taking-and-boundaries"
    assert home["boundaries-common-theme"] == "final-review-and-evaluation"
    for session in course.sessions[:9]:
        for question in session.questions:
            assert "session 10" not in question.feedback_wrong, question.id


def test_sessions_with_unsourced_promises_carry_drafts_for_the_course_team():
    course = load_course(SHIPPED_CONTENT)
    drafted = {d.location.path.rsplit("/", 1)[-1] for d in course.drafts}
    for name in (
        "02-what-is-recovery.md",
        "03-personal-recovery.md",
        "05-the-peer-relationship.md",
        "10-positive-risk-taking-and-boundaries.md",
        "resources.md",
        "course.yml",
    ):
        assert name in drafted, name
