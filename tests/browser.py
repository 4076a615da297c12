"""Headless Chromium for the tests: Debian's ``chromium`` driven by Playwright.

Playwright's own browser download cannot run here (closed network), so the
tests always launch the system binary through ``executable_path``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


_playwright = None


def shared_playwright():
    """The one Playwright driver of the test run.

    Playwright's sync API runs an event loop on the calling thread, so a second
    ``sync_playwright()`` while another is open fails ("Sync API inside the asyncio
    loop"). Every browser test therefore shares this one; ``stop_playwright``
    (called at session end from ``tests/conftest.py``) closes it.
    """
    global _playwright
    if _playwright is None:
        from playwright.sync_api import sync_playwright

        _playwright = sync_playwright().start()
    return _playwright


def stop_playwright() -> None:
    global _playwright
    if _playwright is not None:
        _playwright.stop()
        _playwright = None


def require_chromium() -> str:
    """The Chromium binary; skip the test locally, fail it in CI, when there is none."""
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; scripts/test.sh installs it")
        pytest.skip("chromium is not installed")
    return executable


@contextmanager
def expect_timeout(milliseconds: float) -> Iterator[None]:
    """Playwright's ``expect`` timeout inside the block, its default (5 s) again after it.

    ``expect.set_options`` changes one setting for the whole process: set for good by one
    suite, it would change the waits of every suite that runs after it. Each suite sets its
    own, per test, with this (an autouse fixture in its conftest).
    """
    from playwright.sync_api import expect

    expect.set_options(timeout=milliseconds)
    try:
        yield
    finally:
        expect.set_options(timeout=None)


@contextmanager
def launch_chromium(extra_args: tuple[str, ...] = ()):
    """Yield a Playwright ``Browser`` on the system Chromium."""
    executable = require_chromium()
    browser = shared_playwright().chromium.launch(
        executable_path=executable, args=[*CHROMIUM_FLAGS, *extra_args], headless=True
    )
    try:
        yield browser
    finally:
        browser.close()
