"""Chromium profiles for the cookie situations a learner's browser can be in.

Measured with Debian's Chromium 156 (tests/lti_browser/test_profiles.py keeps checking it):

- ``third-party-blocked``: a fresh profile, as Chromium ships. Unpartitioned cookies of a site
  framed by another site are refused; ``Partitioned`` (CHIPS) cookies are kept. Neither
  ``--test-third-party-cookie-phaseout`` nor ``--disable-features=PartitionedCookies`` changes
  that, so no flag is needed to get this case.
- ``third-party-allowed``: the profile preference ``profile.cookie_controls_mode = 0`` (the
  "Allow third-party cookies" setting) lets unpartitioned framed cookies through as well.
- ``framed-cookies-blocked``: a cookie content-setting exception for the tool's site when the
  top-level site is the platform's (``http://localhost:*,http://127.0.0.1:*`` → block): every
  cookie of the framed tool is refused, partitioned or not, while the tool opened in a window
  of its own keeps its cookies. This is the browser that platform storage and "open in a new
  window" exist for (as Safari and strict privacy settings behave).

Profiles are persistent contexts (a preference file is the only way to set these), launched
with the shared flags and binary of ``tests/browser.py``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from tests.browser import CHROMIUM_FLAGS

ALLOWED = "third-party-allowed"
BLOCKED = "third-party-blocked"
FRAMED_BLOCKED = "framed-cookies-blocked"
MODES = (ALLOWED, BLOCKED, FRAMED_BLOCKED)

PREFERENCES: dict[str, dict] = {
    ALLOWED: {"profile": {"cookie_controls_mode": 0}},
    BLOCKED: {},
    FRAMED_BLOCKED: {
        "profile": {
            "content_settings": {
                "exceptions": {"cookies": {"http://localhost:*,http://127.0.0.1:*": {"setting": 2}}}
            }
        }
    },
}


class Profiles:
    """Lazily launched persistent Chromium contexts, one per mode, for the whole session."""

    def __init__(self, playwright, executable: str):
        self._playwright = playwright
        self._executable = executable
        self._contexts: dict[str, object] = {}
        self._tmp = tempfile.TemporaryDirectory(prefix="lti-chromium-")

    def context(self, mode: str):
        if mode not in self._contexts:
            profile = Path(self._tmp.name) / mode
            (profile / "Default").mkdir(parents=True)
            (profile / "Default" / "Preferences").write_text(json.dumps(PREFERENCES[mode]))
            context = self._playwright.chromium.launch_persistent_context(
                str(profile),
                executable_path=self._executable,
                args=CHROMIUM_FLAGS,
                headless=True,
                viewport={"width": 1000, "height": 900},
            )
            context.set_default_timeout(15_000)
            self._contexts[mode] = context
        return self._contexts[mode]

    def close(self) -> None:
        for context in self._contexts.values():
            context.close()
        self._tmp.cleanup()
