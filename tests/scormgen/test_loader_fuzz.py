"""Whatever an author types, the loader answers with diagnostics, never a traceback."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scormgen.load.loader import check_content
from tests.scormgen.content_fixture import COURSE_YML, SESSION_MD, write_course

# Characters that matter to YAML, Markdown fences and our block syntax.
EDIT_ALPHABET = st.sampled_from(list("abc:-[]{}#`~'\"|>\n \t*&!%@,?0123456789.…é"))

edit = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, 2000), st.integers(1, 40)),
    st.tuples(st.just("insert"), st.integers(0, 2000), st.text(EDIT_ALPHABET, max_size=20)),
    st.tuples(st.just("duplicate_line"), st.integers(0, 200), st.just(None)),
    st.tuples(st.just("swap_lines"), st.integers(0, 200), st.integers(0, 200)),
)


def apply(text: str, operation) -> str:
    kind, a, b = operation
    if kind == "delete":
        a %= len(text) + 1
        return text[:a] + text[a + b :]
    if kind == "insert":
        a %= len(text) + 1
        return text[:a] + b + text[a:]
    lines = text.split("\n")
    a %= len(lines)
    if kind == "duplicate_line":
        lines.insert(a, lines[a])
    else:
        b %= len(lines)
        lines[a], lines[b] = lines[b], lines[a]
    return "\n".join(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edit, min_size=1, max_size=6), st.booleans())
def test_random_edits_never_raise(edits, edit_course_file):
    session, course = SESSION_MD, COURSE_YML
    for operation in edits:
        if edit_course_file:
            course = apply(course, operation)
        else:
            session = apply(session, operation)
    with tempfile.TemporaryDirectory() as folder:
        content = write_course(Path(folder), session, course)
        result, diagnostics = check_content(content)
        edited = course if edit_course_file else session
        last_line = edited.count("\n") + 1
        for diagnostic in diagnostics:
            assert 1 <= diagnostic.location.line <= last_line + 1, str(diagnostic)
            assert diagnostic.message
        if result is None:
            assert diagnostics.errors, "an unusable course always says why"
