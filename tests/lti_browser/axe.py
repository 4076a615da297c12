"""axe-core (from the project's node_modules) run inside a page or frame: WCAG 2.1 A and AA."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

AXE_PATH = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@functools.cache
def axe_source() -> str:
    if not AXE_PATH.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{AXE_PATH} is missing: run npm ci")
        pytest.skip(f"{AXE_PATH} is missing: run npm ci")
    return AXE_PATH.read_text(encoding="utf-8")


def axe_violations(frame) -> list[dict]:
    """Run axe-core in ``frame`` (a Playwright Page or Frame) and return its violations.

    The source is evaluated through the DevTools protocol rather than added as a script tag,
    so the tool's Content-Security-Policy (``script-src 'self'``) stays in force.
    """
    if not frame.evaluate("typeof window.axe !== 'undefined'"):
        frame.evaluate(axe_source())
    return frame.evaluate(
        """(tags) => axe.run(document, {runOnly: {type: "tag", values: tags}})
            .then(result => result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(node => node.target.join(" ")),
            })))""",
        WCAG_21_AA,
    )


def assert_accessible(frame, page_name: str) -> None:
    violations = axe_violations(frame)
    report = "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'][:5])}"
        for v in violations
    )
    assert violations == [], f"{page_name} has WCAG 2.1 AA violations:\n{report}"
