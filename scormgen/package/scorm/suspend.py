"""The worst case of a session's ``cmi.suspend_data``, computed at build time.

SCORM 1.2 caps ``cmi.suspend_data`` at 4096 characters (RTE 3.4.2.9,
CMIString4096). ``scormgen/render/runtime/sco.js`` encodes a page's state as::

    <format><fingerprint>|<flags>|<answer>,<answer>,...|<reflections>

(see ``encodeSuspend`` there). This module builds the longest string that
encoder can produce for a session: every question answered with its longest
response, both flags set, every reflection saved and, when the course sends
reflection text to the LMS, every text at the 255 characters the LMS receives
(a reflection's full text stays in the learner's browser). Lengths count
UTF-16 code units, as JavaScript's ``String.length`` and the LMS runtimes do.
The browser tests check that this matches what sco.js writes for that case.
"""

from __future__ import annotations

from scormgen.model import Course, Page, Question, Reflection, Session
from scormgen.render.pages import SUSPEND_FORMAT

SUSPEND_LIMIT = 4096
# What a 'text'-mode reflection sends and stores: CMIFeedback, 255 characters (RTE 3.4.4).
LMS_TEXT_LIMIT = 255
FINGERPRINT_LENGTH = 6


def to_base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if number == 0:
            return text


def longest_answer(question: Question) -> str:
    """The longest answer code sco.js stores for a question."""
    if question.question_type == "matching":
        return "".join(pair.response_key for pair in question.pairs)
    if question.question_type == "multiple":
        return "".join(option.key for option in question.options)
    return question.options[0].key if question.options else "a"


def worst_case_suspend_data(course: Course, session: Session | Page) -> str:
    """The longest ``cmi.suspend_data`` the runtime can write for ``session``."""
    questions = [b for b in session.blocks if isinstance(b, Question)]
    reflections = [b for b in session.blocks if isinstance(b, Reflection)]
    answers = ",".join(longest_answer(q) for q in questions)
    if course.settings.reflections_to_lms == "text":
        text = "x" * LMS_TEXT_LIMIT
        stored = "".join(f"{to_base36(len(text))}:{text}" for _ in reflections)
    else:
        stored = "1" * len(reflections)
    fingerprint = "0" * FINGERPRINT_LENGTH
    # "f": finished; "e": end of page seen, which only a page without questions records.
    flags = "f" if questions else "fe"
    return f"{SUSPEND_FORMAT}{fingerprint}|{flags}|{answers}|{stored}"


def worst_case_suspend_data_length(course: Course, session: Session | Page) -> int:
    """Length in characters (UTF-16 code units) of the worst case; the build refuses > 4096."""
    return len(worst_case_suspend_data(course, session).encode("utf-16-le")) // 2
