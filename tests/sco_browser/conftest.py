"""Fixtures for the SCO runtime tests: rendered course pages served to headless Chromium."""

from __future__ import annotations

import pytest

from scormgen.loader import load_course
from scormgen.render import render_package_files
from tests.browser import launch_chromium
from tests.sco_browser.harness import serve, write_site

COURSE = load_course("content")


@pytest.fixture(scope="session")
def course():
    return COURSE


@pytest.fixture(scope="session")
def site(tmp_path_factory, course):
    """Base address of a local server with every page of the course and the test LMS."""
    root = tmp_path_factory.mktemp("site")
    write_site(root, render_package_files(course, course.sessions, include_pages=True).files)
    with serve(root) as base:
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
