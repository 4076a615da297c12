"""A grade worker killed with SIGKILL while the LMS holds its score POST (issue 10): another
worker delivers the grade, and the LMS keeps it once.

Two worker processes (``run_worker``, what ``lti-tool worker`` runs) on one PostgreSQL schema
and one Redis queue; the web process releases the grade. The test platform's score endpoint
holds the first POST until the test lets it go; the worker whose name is on the row's lease
(``host:pid:…``) is killed meanwhile. The other worker's watch job (scheduled by the killed
worker's claim, due when its lease ends) delivers the grade.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator

import pytest

from lti_tool.grades.delivery import iso
from lti_tool.grades.jobs import grade_jobs
from tests.lti_platform import LEARNER, Platform

from .conftest import tool_settings
from .test_grades_delivery import Course, launched_course
from .test_scale_out import wait_until

pytestmark = pytest.mark.postgres

LEASE_SECONDS = 4  # the workers' lease: what the survivor waits before taking over
WAIT = 60  # seconds, for anything that should take a few


@pytest.fixture
def database(postgres_schema: dict[str, str]) -> dict[str, str]:
    """PostgreSQL only: worker processes share the web process's database server."""
    return postgres_schema


class HeldScore:
    """WSGI middleware over the test platform: the first score POST is held until
    ``let_go`` is set. ``after_recording``: the first score the platform *takes* is held
    after it was recorded (the tool never learns it arrived); else the first POST is held
    unread by the platform, which never takes it."""

    def __init__(self, app, *, after_recording: bool) -> None:
        self.app = app
        self.after_recording = after_recording
        self.held = threading.Event()
        self.let_go = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] != "POST" or not environ["PATH_INFO"].endswith("/scores"):
            return self.app(environ, start_response)
        if self.after_recording:
            answered: list[tuple] = []
            body = b"".join(self.app(environ, lambda *answer: answered.append(answer)))
            if not answered[0][0].startswith("204") or not self._take():
                start_response(*answered[0])  # e.g. a 401 for a stale token: passed on
                return [body]
        elif not self._take():
            return self.app(environ, start_response)
        else:
            environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        self.held.set()
        self.let_go.wait(WAIT)
        start_response("504 Gateway Timeout", [("Content-Length", "0")])
        return [b""]  # to a worker long dead

    def _take(self) -> bool:
        """True once: this is the request to hold."""
        with self._lock:
            first = not self.held.is_set()
            self.held.set()
            return first


def hold_first_score(platform: Platform, *, after_recording: bool) -> HeldScore:
    server = platform._server.server  # the platform's werkzeug server (tests/lti_platform)
    held = HeldScore(server.app, after_recording=after_recording)
    server.app = held
    return held


@pytest.fixture
def queue(app, redis_url) -> Iterator[dict[str, object]]:
    """A Redis queue of this test's own; the web process enqueues, only workers consume."""
    settings = {
        "REDIS_URL": redis_url,
        "GRADE_QUEUE_NAME": "lti_tool.grades.test-" + uuid.uuid4().hex[:8],
        "GRADE_WORKER": "external",
        "GRADE_LEASE_SECONDS": LEASE_SECONDS,
    }
    app.config.update(settings)
    yield settings
    grade_jobs(app).huey.flush()


@pytest.fixture
def start_worker(database, files_dir, queue, tmp_path) -> Iterator[Callable[[], subprocess.Popen]]:
    """``start_worker()``: a worker process consuming the test's queue with one thread."""
    config = tool_settings(database, ASSIGNMENT_FILES_DIR=files_dir, **queue)
    code = (
        "import json, os\n"
        "from lti_tool import create_app\n"
        "from lti_tool.grades.jobs import run_worker\n"
        "run_worker(create_app(json.loads(os.environ['WORKER_CONFIG'])), threads=1)\n"
    )
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        with (tmp_path / f"worker-{len(started) + 1}.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-c", code],
                env={**os.environ, "WORKER_CONFIG": json.dumps(config)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def holder_pid(course: Course, delivery_pk: int) -> int:
    owner = course.row(delivery_pk).lease_owner
    assert owner is not None, "the held score's row has no lease"
    return int(owner.split(":")[1])


@pytest.mark.parametrize("taken", [False, True], ids=["score-never-taken", "score-taken"])
def test_a_worker_killed_mid_delivery_is_replaced_and_the_lms_keeps_the_grade_once(
    connected, queue, start_worker, taken
):
    course = launched_course(connected)
    held = hold_first_score(course.platform, after_recording=taken)
    workers = {process.pid: process for process in (start_worker(), start_worker())}

    delivery_pk = course.release()
    assert held.held.wait(WAIT), "no worker posted the score"
    killed = workers.pop(holder_pid(course, delivery_pk))
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=10)
    held.let_go.set()
    (survivor,) = workers.values()

    wait_until(
        lambda: course.row(delivery_pk).state == "delivered", "the other worker delivers", WAIT
    )

    row = course.row(delivery_pk)
    assert row.attempts == 2 and row.lease_owner is None
    assert survivor.poll() is None
    scores = course.platform.scores_for(course.line_item)
    result = course.platform.results[course.line_item][LEARNER.id]
    assert result["scoreGiven"] == 8 and result["timestamp"] == iso(row.released_at)
    if not taken:
        (score,) = scores  # exactly once
    else:
        # Taken, but its answer never reached the worker: no tool can tell this from a
        # lost POST. The second copy is identical, timestamp included: the gradebook keeps
        # one result, the same grade.
        first, second = scores
        assert first == second
