"""Headless Chromium for the tests: Debian's ``chromium`` driven by Playwright.

Playwright's own browser download cannot run here (closed network), so the
tests always launch the system binary through ``executable_path``.
"""

from __future__ import annotations

import os
import shutil
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


@contextmanager
def launch_chromium(extra_args: tuple[str, ...] = ()):
    """Yield a Playwright ``Browser`` on the system Chromium; skip (locally) or fail (CI) without it."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; scripts/test.sh installs it")
        pytest.skip("chromium is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=[*CHROMIUM_FLAGS, *extra_args], headless=True
        )
        try:
            yield browser
        finally:
            browser.close()
