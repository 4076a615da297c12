"""Drafts never reach learners by accident: counted by check and build, refused by a release.

Each kind of draft marker is recorded with the ``file:line`` an author would open;
``--release`` turns every one into an error and writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from scormgen.cli import main
from scormgen.diagnostics import AuthoringError
from scormgen.load.loader import check_content
from tests.scormgen.conftest import fake_build
from tests.scormgen.content_fixture import COURSE_YML, RELEASE_COURSE_YML, SESSION_MD, write_course

SESSION_FILE = "content/sessions/01-what-is-recovery.md"
SHIPPED_CONTENT = Path(__file__).resolve().parents[2] / "content"

pytestmark = pytest.mark.usefixtures("in_tmp_path")

DRAFTED_SESSION = (
    SESSION_MD.replace("objectives:", "review: course team\nobjectives:", 1)
    .replace(
        "Some prose about recovery.\n",
        "Some prose about recovery.\n\n"
        "```notice\nstyle: draft\ntitle: Awaiting the course team\ntext: To be written.\n```\n",
    )
    .replace(
        "prompts:\n  - Why might boundaries become blurred?\n",
        "prompts:\n  - Why might boundaries become blurred?\n"
        "note: Follow your organisation's policy.\nreview: course team\n",
    )
)
DRAFT_PAGE = """\
---
id: useful-resources
title: Useful Resources
review: course team
---

```notice
style: draft
text: Resources to come.
```
"""
DRAFT_ASSIGNMENT = """
```assignment
id: essay
title: An essay
brief: Write an essay.
review: course team
```
"""


def line_of(text: str, needle: str) -> int:
    return text.split("\n").index(needle) + 1


def drafted_course(tmp_path: Path, course: str = RELEASE_COURSE_YML) -> Path:
    return write_course(
        tmp_path,
        DRAFTED_SESSION + DRAFT_ASSIGNMENT,
        course=course,
        extra={"pages/resources.md": DRAFT_PAGE},
    )


def drafts_of(content: Path) -> list[str]:
    course, diagnostics = check_content(content)
    assert not diagnostics.has_errors(), [str(d) for d in diagnostics]
    return [f"{d.location}: {d.message} [{d.code}]" for d in course.drafts]


def test_every_review_marker_and_draft_notice_is_a_draft_at_its_line(tmp_path):
    session = DRAFTED_SESSION + DRAFT_ASSIGNMENT
    assignment_review = len(session.split("\n")) - 2
    assert drafts_of(drafted_course(tmp_path)) == [
        "content/pages/resources.md:4: page 'useful-resources' is marked 'review: course "
        "team': a release ships no drafts [release.draft]",
        "content/pages/resources.md:7: draft notice: a release ships no drafts [release.draft]",
        f"{SESSION_FILE}:{line_of(session, 'review: course team')}: session 'what-is-recovery' "
        "is marked 'review: course team': a release ships no drafts [release.draft]",
        f"{SESSION_FILE}:{line_of(session, '```notice')}: draft notice 'Awaiting the course "
        "team': a release ships no drafts [release.draft]",
        f"{SESSION_FILE}:{line_of(session, 'note: Follow your organisation' + chr(39) + 's policy.') + 1}: "
        "scenario 'john-and-the-roofer' is marked 'review: course team': a release ships no "
        "drafts [release.draft]",
        f"{SESSION_FILE}:{assignment_review}: assignment 'essay' is marked 'review: course "
        "team': a release ships no drafts [release.draft]",
    ]


def test_support_settings_under_review_or_without_contacts_are_drafts(tmp_path):
    course = COURSE_YML + "support_notice:\n  review: course team\n"
    assert drafts_of(write_course(tmp_path, course=course)) == [
        "content/course.yml:4: the support notice names no contacts: learners would not be "
        "told where to get support (support_notice: contacts) [release.no-support-contacts]",
        "content/course.yml:4: the support notice names no out-of-hours or crisis contacts "
        "(support_notice: crisis_contacts) [release.no-crisis-contacts]",
        "content/course.yml:5: the support notice is marked 'review: course team': a release "
        "ships no drafts [release.draft]",
    ]


def test_a_course_without_any_support_notice_settings_has_no_contacts(tmp_path):
    codes = [line.rsplit("[", 1)[1] for line in drafts_of(write_course(tmp_path))]
    assert codes == ["release.no-support-contacts]", "release.no-crisis-contacts]"]


def test_crisis_contacts_are_read_into_the_notice(tmp_path):
    course, _ = check_content(write_course(tmp_path, course=RELEASE_COURSE_YML))
    [crisis] = course.settings.support_notice.crisis_contacts
    assert (crisis.name, crisis.details) == (
        "Out-of-hours line",
        "The number the institution names",
    )
    assert course.drafts == ()


def test_a_crisis_contact_needs_its_details(tmp_path):
    course = COURSE_YML + "support_notice:\n  crisis_contacts:\n    - name: Crisis line\n"
    write_course(tmp_path, course=course)
    _course, diagnostics = check_content("content")
    assert [str(d) for d in diagnostics] == [
        "content/course.yml:6: error: contact has no 'details' field [contact.missing-field]"
    ]


def test_a_scenario_note_is_in_the_model(tmp_path):
    course, _ = check_content(drafted_course(tmp_path))
    [scenario] = course.scenarios
    assert (scenario.note, scenario.review) == ("Follow your organisation's policy.", "course team")


# --- Builds ------------------------------------------------------------------------


def test_a_release_build_refuses_every_draft_and_writes_nothing(tmp_path):
    content = drafted_course(tmp_path, course=COURSE_YML)
    with pytest.raises(AuthoringError) as raised:
        fake_build(content, tmp_path / "dist", release=True)
    assert not (tmp_path / "dist").exists(), "a refused release writes nothing"
    codes = [d.code for d in raised.value.diagnostics]
    assert codes.count("release.draft") == 6
    assert "release.no-support-contacts" in codes and "release.no-crisis-contacts" in codes
    assert all(d.level == "error" for d in raised.value.diagnostics)


def test_a_release_build_of_a_finished_course_writes_the_packages(tmp_path):
    content = write_course(tmp_path, course=RELEASE_COURSE_YML)
    result = fake_build(content, tmp_path / "dist", release=True)
    assert result.packages and result.course.drafts == ()


def test_a_release_build_is_strict(tmp_path):
    content = write_course(tmp_path, course=RELEASE_COURSE_YML + "mastry_score: 70\n")
    with pytest.raises(AuthoringError):
        fake_build(content, tmp_path / "dist", release=True)
    assert not (tmp_path / "dist").exists()


def test_a_normal_build_with_drafts_goes_on(tmp_path):
    content = drafted_course(tmp_path)
    result = fake_build(content, tmp_path / "dist")
    assert result.packages
    assert len(result.course.drafts) == 6


def test_cli_build_prints_how_many_drafts_remain(tmp_path, fake_stages):
    drafted_course(tmp_path)
    result = CliRunner().invoke(main, ["build", "content", "-o", "out"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1] == (
        "6 drafts remain (text marked for review, support contacts unset): a release build "
        "refuses them; 'scormgen check --release' lists them with file:line"
    )


def test_cli_release_build_lists_each_draft_and_exits_1(tmp_path, fake_stages):
    drafted_course(tmp_path)
    result = CliRunner().invoke(main, ["build", "content", "-o", "out", "--release"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "content/pages/resources.md:4: error: page 'useful-resources' is marked 'review: "
        "course team': a release ships no drafts [release.draft]"
    )
    assert lines[-1] == "Error: 6 errors in the content; nothing written"
    assert not (tmp_path / "out").exists()


def test_cli_check_reports_the_count_and_lists_with_release(tmp_path):
    write_course(tmp_path, course=COURSE_YML + "support_notice:\n  review: course team\n")
    result = CliRunner().invoke(main, ["check", "content"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "3 drafts remain (text marked for review, support contacts unset): a release build "
        "refuses them; 'scormgen check --release' lists them with file:line"
    )
    released = CliRunner().invoke(main, ["check", "content", "--release"])
    assert released.exit_code == 1
    assert released.stderr.splitlines() == [
        "content/course.yml:4: error: the support notice names no out-of-hours or crisis "
        "contacts (support_notice: crisis_contacts) [release.no-crisis-contacts]",
        "content/course.yml:4: error: the support notice names no contacts: learners would not "
        "be told where to get support (support_notice: contacts) [release.no-support-contacts]",
        "content/course.yml:5: error: the support notice is marked 'review: course team': a "
        "release ships no drafts [release.draft]",
        "Error: 3 errors in the content; nothing written",
    ]


def test_one_draft_is_counted_in_the_singular(tmp_path):
    write_course(
        tmp_path,
        course=RELEASE_COURSE_YML.replace(
            "support_notice:", "support_notice:\n  review: course team"
        ),
    )
    result = CliRunner().invoke(main, ["check", "content"])
    assert result.stdout.splitlines()[-1].startswith("1 draft remains (")
    assert result.stdout.splitlines()[-1].endswith(
        "refuses it; 'scormgen check --release' lists it with file:line"
    )


def test_the_shipped_course_is_not_releasable_until_the_course_team_signs_off():
    course, _ = check_content(SHIPPED_CONTENT)
    codes = {draft.code for draft in course.drafts}
    assert codes == {"release.draft", "release.no-support-contacts", "release.no-crisis-contacts"}


def test_the_discussion_ground_rules_come_from_course_yml_and_a_review_marks_a_draft():
    course, diagnostics = check_content(SHIPPED_CONTENT)

    assert not diagnostics.has_errors()
    assert "confidentiality, participation and commitment" in (
        course.settings.discussion_ground_rules
    )
    assert any("discussion ground rules" in draft.message for draft in course.drafts)
