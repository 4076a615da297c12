"""Fixtures for the browser tests: Chromium profiles, and the tool served on ``localhost``
beside the test platform on ``127.0.0.1`` (two sites), each registered with the other."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from tests.browser import expect_timeout, require_chromium, shared_playwright
from tests.lti_platform import Platform, RunningServer

from .profiles import Profiles

# A storage launch is six navigations across two sites; on two loaded cores that can take
# longer than Playwright's default five seconds for an expectation.
EXPECT_TIMEOUT_MS = 15_000


@pytest.fixture(autouse=True)
def expect_timeout_of_this_suite() -> Iterator[None]:
    with expect_timeout(EXPECT_TIMEOUT_MS):
        yield


@pytest.fixture(scope="session")
def profiles() -> Iterator[Profiles]:
    executable = require_chromium()
    chromium_profiles = Profiles(shared_playwright(), executable)
    try:
        yield chromium_profiles
    finally:
        chromium_profiles.close()


@pytest.fixture
def open_page(profiles: Profiles) -> Iterator[Callable]:
    """``open_page(mode)`` → a new page of that profile, with no cookie left by other tests."""
    pages = []

    def open_(mode: str):
        context = profiles.context(mode)
        context.clear_cookies()
        page = context.new_page()
        pages.append(page)
        return page

    yield open_
    for page in pages:
        for popup in page.context.pages:
            if popup is not page and not popup.is_closed():
                popup.close()
        page.close()


@dataclass
class Deployment:
    """The platform and the tool, each registered with the other."""

    platform: Platform
    tool: RunningServer
    app: object


@dataclass
class ServedTool:
    app: object
    server: RunningServer


@pytest.fixture
def served_tool(tmp_path, serve_wsgi) -> Iterator[ServedTool]:
    """The tool on a migrated SQLite database, over HTTP as ``http://localhost:<port>``."""
    from lti_tool import create_app, db

    app = create_app(
        {
            "LTI_TOOL_ENV": "testing",
            "SECRET_KEY": "browser-test-secret",
            "GRADE_WORKER": "off",  # grade delivery is tested in tests/lti_tool
            "DATABASE_URL": f"sqlite:///{tmp_path / 'tool.sqlite'}",
        }
    )
    with app.app_context():
        db.upgrade(db.engine())
    yield ServedTool(app, serve_wsgi(app, host_name="localhost"))
    app.extensions["lti_tool.engine"].dispose()


@pytest.fixture
def deployment(lti_platform: Platform, served_tool: ServedTool) -> Deployment:
    """Registered by hand on both sides, as administrators do without Dynamic Registration."""
    from tests.lti_tool.registering import register_in_tool

    app, tool = served_tool.app, served_tool.server
    lti_platform.register_tool_at(tool.url)
    register_in_tool(app, lti_platform)
    return Deployment(lti_platform, tool, app)
