"""The course team's review table of question sources always matches the content."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_docs_question_sources_is_up_to_date():
    result = subprocess.run(
        [sys.executable, "scripts/question_sources.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (
        "docs/question-sources.md is out of date: run "
        f".venv/bin/python scripts/question_sources.py\n{result.stdout}{result.stderr}"
    )
