"""Where the scormgen tests find the shipped course and the reference files beside the
repository, resolved from this file so that the suite runs from any working directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: The shipped course.
CONTENT = REPO / "content"
#: Read-only reference material beside the repository: official schemas, sample packages.
SHARED = REPO.parent / "shared"


def shared_file(*parts: str) -> Path:
    """``SHARED/<parts>``. Without it the test is skipped, except under CI (``CI`` set),
    which always has the shared files: there a missing one fails the test."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} is missing: the shared reference files are not beside the repository"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path
