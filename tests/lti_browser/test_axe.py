"""The accessibility check itself finds what it is meant to find."""

from __future__ import annotations

import pytest

from .axe import axe_violations
from .profiles import BLOCKED

pytestmark = pytest.mark.browser


def test_axe_reports_an_unlabelled_field_and_a_missing_language(open_page):
    page = open_page(BLOCKED)
    page.set_content("<html><head><title>t</title></head><body><input type=text></body></html>")

    found = {violation["id"] for violation in axe_violations(page)}

    assert {"label", "html-has-lang"} <= found


def test_axe_passes_a_labelled_page(open_page):
    page = open_page(BLOCKED)
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main>'
        '<label for="f">Name</label><input id="f" type="text"></main></body></html>'
    )

    assert axe_violations(page) == []
