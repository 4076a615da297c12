"""Pages on their own: WCAG 2.1 AA by axe-core, the no-LMS mode, reflections kept per learner."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from playwright.sync_api import expect

from scormgen.package.scorm.suspend import worst_case_suspend_data_length
from scormgen.render.pages import page_path
from tests.sco_browser.conftest import COURSE
from tests.sco_browser.harness import AXE, serve_course
from tests.sco_browser.lms import Lms, first_launch, sco_url
from tests.sco_browser.test_learner_journey import accessible_text, interactions

pytestmark = pytest.mark.browser

PAGES = [sco_url(s) for s in COURSE.sessions] + ["/" + page_path(p) for p in COURSE.pages]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, { runOnly: { type: 'tag', values: tags } })", AXE_TAGS
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
    ]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("width", [320, 1280])
def test_page_has_no_wcag21_aa_violation(context, site, path, width):
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 800})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(site + path)
    # Feedback and status states are part of the page too: check one question answered.
    checks = page.get_by_role("button", name="Check answer")
    if checks.count():
        checks.first.click()
    assert axe_violations(page) == []
    # Reflow (WCAG 1.4.10): nothing wider than the viewport at 320 CSS pixels.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    assert not errors


def test_without_an_lms_progress_stays_in_this_browser(context, site):
    session = COURSE.sessions[0]
    page = context.new_page()
    page.goto(site + sco_url(session))
    expect(page.get_by_text("No learning management system found")).to_be_visible()
    question = session.questions[0]
    region = page.get_by_role("region", name="Knowledge check 1", exact=True)
    right = [o for o in question.options if o.correct] if question.options else []
    for option in right:
        role = "checkbox" if question.question_type == "multiple" else "radio"
        region.get_by_role(role, name=option.text, exact=True).check()
    if right:
        region.get_by_role("button", name="Check answer").click()
        expect(region.get_by_role("status")).to_contain_text("Correct.")
    page.reload()
    if right:
        expect(region.get_by_role("status")).to_contain_text("Correct.")
        role = "checkbox" if question.question_type == "multiple" else "radio"
        expect(region.get_by_role(role, name=right[0].text, exact=True)).to_be_checked()


def test_reflections_are_kept_per_learner_and_downloadable(context, site):
    session = next(s for s in COURSE.sessions if s.reflections)
    reflection = session.reflections[0]
    label = accessible_text(reflection.prompt)
    lms = Lms.open(context, site)
    lms.launch(sco_url(session), first_launch(session))
    lms.content.get_by_label(label, exact=True).fill("Only learner one may read this.")
    lms.content.locator(f"#r-{reflection.id}").get_by_role("button", name="Save reflection").click()
    with lms.page.expect_download() as download:
        lms.content.get_by_role("button", name="Download my reflections (text file)").last.click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Only learner one may read this." in text
    assert label in text
    lms.leave()

    # Another learner on the same browser: nothing of learner one's.
    other = first_launch(session)
    other["core"]["student_id"] = "learner-2"
    lms.launch(sco_url(session), other)
    expect(lms.content.get_by_label(label, exact=True)).to_have_value("")
    with lms.page.expect_download() as download:
        lms.content.get_by_role("button", name="Download my reflections (text file)").last.click()
    assert "Only learner one" not in Path(download.value.path()).read_text(encoding="utf-8")
    assert not lms.console_errors


def test_a_learner_can_delete_their_reflections_from_this_browser(context, site):
    session = next(s for s in COURSE.sessions if s.reflections)
    reflection = session.reflections[0]
    label = accessible_text(reflection.prompt)
    lms = Lms.open(context, site)
    lms.launch(sco_url(session), first_launch(session))
    region = lms.content.locator(f"#r-{reflection.id}")
    lms.content.get_by_label(label, exact=True).fill("Nobody else should read this.")
    region.get_by_role("button", name="Save reflection").click()

    lms.page.once("dialog", lambda dialog: dialog.dismiss())
    region.get_by_role("button", name="Delete my reflections from this browser").click()
    expect(lms.content.get_by_label(label, exact=True)).to_have_value(
        "Nobody else should read this."
    )

    lms.page.once("dialog", lambda dialog: dialog.accept())
    region.get_by_role("button", name="Delete my reflections from this browser").click()
    expect(region.get_by_role("status")).to_have_text(
        "Your reflections of this course were deleted from this browser."
    )
    expect(lms.content.get_by_label(label, exact=True)).to_have_value("")
    lms.leave()

    # Coming back, nothing of the text is left in the browser.
    lms.launch(sco_url(session), first_launch(session))
    expect(lms.content.get_by_label(label, exact=True)).to_have_value("")
    with lms.page.expect_download() as download:
        lms.content.get_by_role("button", name="Download my reflections (text file)").last.click()
    assert "Nobody else" not in Path(download.value.path()).read_text(encoding="utf-8")
    assert not lms.console_errors


@pytest.fixture(scope="module")
def text_mode_site(tmp_path_factory):
    """The course with reflections_to_lms: text, served on its own."""
    settings = dataclasses.replace(COURSE.settings, reflections_to_lms="text")
    course = dataclasses.replace(COURSE, settings=settings)
    with serve_course(tmp_path_factory.mktemp("text-mode"), course, course.sessions, False) as base:
        yield course, base


def test_text_mode_worst_case_matches_the_build_time_simulation(context, text_mode_site):
    """Every check answered with its longest response, every reflection far past 255 characters."""
    course, base = text_mode_site
    session = max(course.sessions, key=lambda s: worst_case_suspend_data_length(course, s))
    lms = Lms.open(context, base)
    lms.launch(sco_url(session), first_launch(session))
    content = lms.content
    for number, question in enumerate(session.questions, start=1):
        region = content.get_by_role("region", name=f"Knowledge check {number}", exact=True)
        if question.question_type == "matching":
            for pair in question.pairs:
                region.get_by_label(pair.premise, exact=True).select_option(label=pair.response)
        elif question.question_type == "multiple":
            for option in question.options:
                region.get_by_role("checkbox", name=option.text, exact=True).check()
        else:
            region.get_by_role("radio").first.check()
        region.get_by_role("button", name="Check answer").click()
    # Astral characters (two UTF-16 units each) and line breaks: the cut must respect both.
    long_text = ("Line one \U0001f600 é\n" * 400)[: session.reflections[0].max_length]
    for reflection in session.reflections:
        box = content.locator(f"#r-{reflection.id}")
        box.get_by_role("textbox").fill(long_text[: reflection.max_length])
        box.get_by_role("button", name="Save reflection").click()
        expect(box.get_by_role("status")).to_contain_text("marked as cut")
    content.get_by_role("button", name="Finish session").click()
    cmi = lms.cmi()
    # Lengths in UTF-16 code units, as JavaScript and the LMS runtimes count them.
    written = len(cmi["suspend_data"].encode("utf-16-le")) // 2
    assert written == worst_case_suspend_data_length(course, session)
    for record in interactions(cmi):
        if record["type"] == "fill-in":
            response = record["student_response"]
            assert len(response.encode("utf-16-le")) // 2 <= 255
            assert response.endswith("\u2026")
            assert "\n" not in response
            response.encode("utf-8")  # raises on a lone surrogate half: never cut inside a pair
    assert not lms.console_errors
