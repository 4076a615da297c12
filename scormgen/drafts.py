"""Drafts never reach learners by accident: what a release refuses.

The loader records every draft marker as ``Course.drafts`` with its ``file:line``:
``review:`` on a session, page, scenario, assignment or the support notice, every
``style: draft`` notice, and a support notice without contacts or without
out-of-hours/crisis contacts. ``scormgen check`` and a normal build count them; a
release (``scormgen build --release``, ``scormgen check --release``, and any other
package format built for release) refuses the course while one remains.
"""

from __future__ import annotations

from scormgen.diagnostics import Diagnostics
from scormgen.model import Course


def release_diagnostics(course: Course) -> Diagnostics:
    """One error per draft that a release would ship, in file and line order."""
    diagnostics = Diagnostics()
    for draft in course.drafts:
        diagnostics.error(draft.location, draft.code, draft.message)
    return diagnostics


def drafts_summary(course: Course) -> str:
    """How many drafts remain, for a check or a build that goes on; empty if none."""
    count = len(course.drafts)
    if not count:
        return ""
    return (
        f"{count} draft{'s' if count != 1 else ''} remain{'s' if count == 1 else ''} "
        "(text marked for review, support contacts unset): a release build refuses "
        f"{'them' if count != 1 else 'it'}; 'scormgen check --release' lists "
        f"{'them' if count != 1 else 'it'} with file:line"
    )
