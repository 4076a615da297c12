"""Fixtures for the SCO runtime tests: rendered course pages served to headless Chromium."""

from __future__ import annotations

import pytest

from scormgen.load.loader import load_course
from tests.browser import expect_timeout, launch_chromium
from tests.sco_browser.harness import CONTENT, serve_course

# Resolved from the repository, so that the suite runs from any working directory.
COURSE = load_course(CONTENT)

# Each expectation here waits for one page's own reaction: Playwright's default is plenty.
EXPECT_TIMEOUT_MS = 5_000


@pytest.fixture(autouse=True)
def expect_timeout_of_this_suite():
    with expect_timeout(EXPECT_TIMEOUT_MS):
        yield


@pytest.fixture(scope="session")
def course():
    return COURSE


@pytest.fixture(scope="session")
def site(tmp_path_factory, course):
    """Base address of a local server with every page of the course and the test LMS."""
    with serve_course(tmp_path_factory.mktemp("site"), course, course.sessions, True) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module: starting it costs more than most tests."""
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 900, "height": 900})
    yield context
    context.close()
