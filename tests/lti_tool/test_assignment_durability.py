"""Submitting is durable: a tool process killed (SIGKILL) between the learner pressing Submit
and the answer leaves either the version saved and shown at the next launch, or no version and
the learner told (their browser got no answer, and the page they return to shows no receipt),
never a silent loss; the draft saved before is there either way, and pressing Submit again with
the same form makes one version, not two.

The process that dies is a real ``lti_tool`` server in a subprocess on the test's database; a
hook in that process (this test's code, not the tool's) kills it right before or right after
the submit's transaction commits.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.lti_platform import LEARNER

from .conftest import tool_settings
from .helpers import csrf_token, launch_token
from .test_assignment_http import REQUEST_KEY, open_as, place

ROOT = Path(__file__).resolve().parents[2]

#: A tool server that kills itself (SIGKILL) before or after a submit's commit.
CRASHING_TOOL = r"""
import json, os, signal, sys

from flask import request
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from lti_tool import create_app

settings, moment = json.loads(sys.argv[1]), sys.argv[2]
app = create_app(settings)


from lti_tool.assignments.models import Submission


def note_submission(session, _flush_context):
    if any(isinstance(row, Submission) for row in session.new):
        session.info["submission"] = True


def die(session):
    # Only the commit that writes the version (the cache has sessions of its own), and the
    # real one: SQLAlchemy also fires after_commit when a SAVEPOINT is released.
    if session.in_nested_transaction():
        return
    if session.info.pop("submission", False) and request.path.endswith("/submit"):
        os.kill(os.getpid(), signal.SIGKILL)


event.listen(Session, "after_flush", note_submission)
event.listen(Session, moment + "_commit", die)
server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


@pytest.fixture
def crashing_tool(database, files_dir):
    """``start(moment)`` → the URL of a tool process that dies at ``before``/``after`` commit."""
    started: list[subprocess.Popen] = []

    def start(moment: str) -> str:
        settings = tool_settings(database, ASSIGNMENT_FILES_DIR=files_dir)
        process = subprocess.Popen(
            [sys.executable, "-c", CRASHING_TOOL, json.dumps(settings), moment],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        port = process.stdout.readline().strip()
        assert port.isdigit(), "the tool process did not start"
        return f"http://127.0.0.1:{port}"

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


@pytest.fixture
def course(connected):
    place(connected.platform)
    return connected


def press_submit(tool_url: str, lee, body: str) -> requests.Response | None:
    """Submit as the page's form does; ``None`` when no answer came (the process died)."""
    try:
        return requests.post(
            f"{tool_url}/assignments/{lee.placement}/submit",
            data={
                "lti_token": launch_token(lee.page),
                "csrf_token": csrf_token(lee.page),
                "request_key": REQUEST_KEY.search(lee.page).group(1),
                "body": body,
            },
            timeout=30,
        )
    except requests.ConnectionError:
        return None


def test_killed_right_after_the_commit_the_version_is_kept_and_shown(course, crashing_tool):
    lee = open_as(course, LEARNER)
    lee.autosave("My essay, nearly done")

    answer = press_submit(crashing_tool("after"), lee, "My essay, done")

    assert answer is None  # the process died before answering
    again = open_as(course, LEARNER)
    assert "Your submitted versions" in again.text()
    assert "Version 1:" in again.text() and "receipt" in again.text()
    # Pressing Submit again (same form) finds the version instead of making a second.
    retried = press_submit(course.tool.url, lee, "My essay, done")
    assert retried.status_code == 200
    assert "Version 1 was submitted" in retried.text
    assert "Version 2" not in retried.text


def test_killed_right_before_the_commit_nothing_is_half_saved_and_the_draft_is_kept(
    course, crashing_tool
):
    lee = open_as(course, LEARNER)
    lee.autosave("My essay, nearly done")

    answer = press_submit(crashing_tool("before"), lee, "My essay, done")

    assert answer is None  # the browser shows the learner that no answer came
    again = open_as(course, LEARNER)
    assert "Your submitted versions" not in again.text()
    assert "My essay, nearly done" in again.page  # the autosaved draft
    retried = press_submit(course.tool.url, lee, "My essay, done")
    assert "Version 1 was submitted" in retried.text
