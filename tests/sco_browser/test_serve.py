"""``scormgen serve``: edit a session, see it in the LMS frame without reloading; errors in a panel."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from scormgen.load import check_content
from scormgen.serve import start_serve
from tests.sco_browser.harness import CONTENT

SESSION_ID = "what-is-recovery"
SESSION_FILE = Path("sessions") / "02-what-is-recovery.md"
#: Where an edit goes: the first paragraph of the session.
ANCHOR = "## About this session\n"


def edit(path: Path, text: str, paragraph: str) -> str:
    """``text`` with ``paragraph`` at the top of the session, saved to ``path``."""
    edited = text.replace(ANCHOR, f"{ANCHOR}\n{paragraph}\n", 1)
    path.write_text(edited, encoding="utf-8")
    return edited


def break_yaml(path: Path, text: str) -> None:
    path.write_text(text.replace("title: What is Recovery?", "title: [What is Recovery?", 1))


def sco_frame(page):
    return next(f for f in page.frames if "/pkg/" in f.url)


def open_session(context, address: str):
    page = context.new_page()
    page.goto(f"{address}#sco={SESSION_ID}")
    expect(page.frame_locator("#sco").get_by_role("heading", level=1)).to_contain_text(
        "What is Recovery?"
    )
    return page


def save_and_wait(page, path: Path, text: str, paragraph: str) -> tuple[str, float]:
    """Save an edit; return the new text and the seconds until the frame shows it."""
    started = time.perf_counter()
    edited = edit(path, text, paragraph)
    page.frame_locator("#sco").get_by_text(paragraph, exact=True).wait_for(state="attached")
    return edited, time.perf_counter() - started


@pytest.fixture
def served(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    lines: list[str] = []
    serving = start_serve(content, echo=lines.append)
    try:
        yield serving, content, lines
    finally:
        serving.close()


@pytest.mark.browser
def test_a_saved_edit_appears_on_the_same_session_and_scroll_then_errors_come_and_go(
    context, served
):
    serving, content, lines = served
    path = content / SESSION_FILE
    original = path.read_text(encoding="utf-8")
    page = open_session(context, serving.address)
    sco_frame(page).evaluate("window.scrollTo(0, 400)")

    edited, _ = save_and_wait(page, path, original, "A paragraph saved while serving.")

    expect(page.locator("#sco-select")).to_have_value("1")
    assert page.url.endswith(f"#sco={SESSION_ID}")
    sco_frame(page).wait_for_function("Math.abs(window.scrollY - 400) <= 1", timeout=2000)
    expect(page.locator("#serve-errors")).to_be_hidden()

    break_yaml(path, edited)
    panel = page.locator("#serve-errors")
    expect(panel).to_be_visible()
    _course, diagnostics = check_content(content)
    [error] = [str(d) for d in diagnostics.errors]
    assert f"{SESSION_FILE.name}:" in error
    expect(panel).to_contain_text(error)
    assert error in lines
    expect(
        page.frame_locator("#sco").get_by_text("A paragraph saved while serving.")
    ).to_have_count(1)

    path.write_text(edited, encoding="utf-8")
    expect(panel).to_be_hidden()
    assert lines[-1].endswith("(errors fixed)")


@pytest.mark.browser
def test_budgets_per_session_and_reset_learner_starting_afresh(context, served):
    serving, _content, _lines = served
    page = open_session(context, serving.address)
    budgets = page.locator("#serve-budgets")
    expect(budgets.locator(f'tr[data-session="{SESSION_ID}"]')).to_contain_text("/ 4096")
    expect(budgets.locator("tr[data-session]")).to_have_count(len(serving.live.build.budgets))

    page.evaluate("window.localStorage.setItem('scormgen:course:preview-learner', '{}')")
    page.get_by_role("button", name="Relaunch (as the LMS would next time)").click()
    expect(page.locator("#core")).not_to_contain_text("ab-initio")
    page.get_by_role("button", name="Reset learner").click()
    expect(page.locator("#core")).to_contain_text("cmi.core.entryab-initio")
    expect(page.locator("#serve-status")).to_have_text("Learner reset")
    assert page.evaluate("Object.keys(window.localStorage)") == []
