"""The build-time worst case of cmi.suspend_data (the browser tests compare it with sco.js)."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from scormgen.load.loader import load_course
from scormgen.model import MatchPair, Option, Question, Reflection, SourceLocation
from scormgen.package.scorm.suspend import (
    SUSPEND_LIMIT,
    worst_case_suspend_data,
    worst_case_suspend_data_length,
)
from tests.scormgen.paths import CONTENT

COURSE = load_course(CONTENT)
AT = SourceLocation("x.md", 1)
KEYS = "abcdefghijklmnopqrstuvwxyz0123456789"


def question(kind: str, size: int) -> Question:
    options = tuple(Option(str(i), KEYS[i], "t", i == 0, "", AT) for i in range(size))
    pairs = tuple(MatchPair(str(i), KEYS[i], "p", "r", KEYS[i], AT) for i in range(size))
    if kind == "true_false":
        options = (Option("true", "t", "True", True, "", AT), Option("false", "f", "F", 0, "", AT))
    return Question(
        "q", kind, "?", options if kind != "matching" else (), pairs if kind == "matching" else (),
        "", 1, "", "", AT,
    )  # fmt: skip


def session_with(blocks, policy="private"):
    settings = dataclasses.replace(COURSE.settings, reflections_to_lms=policy)
    course = dataclasses.replace(COURSE, settings=settings)
    return course, dataclasses.replace(COURSE.sessions[0], blocks=tuple(blocks))


def test_every_shipped_session_fits_in_cmi_suspend_data_in_both_modes():
    for policy in ("private", "text"):
        course, _ = session_with([], policy)
        for session in COURSE.sessions:
            assert worst_case_suspend_data_length(course, session) <= SUSPEND_LIMIT


def test_private_reflections_cost_one_character_and_text_ones_the_cut_text():
    reflection = Reflection("r", "?", 2000, False, AT)
    course, session = session_with([reflection])
    base = worst_case_suspend_data_length(*session_with([]))
    assert worst_case_suspend_data_length(course, session) == base + 1
    course, session = session_with([reflection], "text")
    # "73:" (255 in base 36) and the 255 characters the LMS receives.
    assert worst_case_suspend_data_length(course, session) == base + 3 + 255


def test_the_worst_case_answers_every_option_and_every_premise():
    course, session = session_with([question("multiple", 36), question("matching", 5)])
    data = worst_case_suspend_data(course, session)
    assert data.split("|")[2] == KEYS + ",abcde"


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["single", "multiple", "true_false", "matching"]), st.integers(2, 36)
        ),
        max_size=12,
    ),
    st.integers(0, 6),
    st.sampled_from(["private", "text"]),
)
def test_length_is_the_sum_of_its_parts(questions, reflections, policy):
    blocks = [question(kind, size) for kind, size in questions]
    blocks += [Reflection(f"r{i}", "?", 3000, False, AT) for i in range(reflections)]
    course, session = session_with(blocks, policy)
    answers = sum(size if kind in ("multiple", "matching") else 1 for kind, size in questions)
    commas = max(len(questions) - 1, 0)
    stored = reflections * (258 if policy == "text" else 1)
    flags = 1 if questions else 2
    expected = 7 + 1 + flags + 1 + answers + commas + 1 + stored
    assert worst_case_suspend_data_length(course, session) == expected
