"""The real job queue (huey) delivers released grades: consumer threads in the web process
(the embedded default: a SQLite queue file beside the database, or Redis), and the
``lti-tool worker`` command. Nothing here moves a clock: these tests wait, briefly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from lti_tool import create_app, db
from lti_tool.config import ConfigError
from lti_tool.grades.jobs import grade_jobs, init_app, queue_file
from lti_tool.grades.models import GradeDelivery

from .conftest import connect, tool_settings
from .test_grades_delivery import Course, launched_course

WAIT = 30  # seconds; a delivery takes well under one


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {WAIT} s: {what}")
        time.sleep(0.1)


@pytest.fixture(params=["sqlite queue", "redis queue"])
def embedded(request, app: Flask, connected) -> Iterator[Course]:
    """The course with ``GRADE_WORKER=embedded``: each release is delivered in the background."""
    if request.param == "redis queue":
        app.config["REDIS_URL"] = request.getfixturevalue("redis_url")
    # Its own queue: on PostgreSQL the SQLite queue file is the instance folder's.
    app.config["GRADE_QUEUE_NAME"] = "lti_tool.grades.test-" + uuid.uuid4().hex[:8]
    app.config.update(GRADE_WORKER="embedded", GRADE_RETRY_SECONDS=0)
    course = launched_course(connected)
    yield course
    jobs = grade_jobs(app)
    jobs.stop()
    jobs.huey.flush()


def delivered(course: Course, delivery_pk: int) -> Callable[[], bool]:
    return lambda: course.row(delivery_pk).state == "delivered"


def test_an_embedded_worker_delivers_a_grade_once_it_is_committed(embedded):
    delivery_pk = embedded.release()

    wait_until(delivered(embedded, delivery_pk), "the grade is delivered")

    (score,) = embedded.platform.scores_for(embedded.line_item)
    assert score["scoreGiven"] == 8


def test_the_queue_retries_a_grade_the_platform_failed_to_take(embedded):
    embedded.platform.fail_next_scores(2, status=502)

    delivery_pk = embedded.release()

    wait_until(delivered(embedded, delivery_pk), "the grade is delivered")
    assert [post["status"] for post in embedded.score_posts()] == [502, 502, 204]
    assert embedded.row(delivery_pk).attempts == 3


def test_a_starting_worker_sweeps_up_grades_left_pending_by_a_restart(embedded):
    embedded.app.config["GRADE_WORKER"] = "off"  # nothing delivers: the process then stops
    grade_jobs(embedded.app).stop()  # (the launch's first request had started delivery)
    delivery_pk = embedded.release()
    with embedded.app.app_context():
        session = db.get_session()
        row = session.get(GradeDelivery, delivery_pk)
        row.next_attempt_at -= timedelta(minutes=5)  # due long ago, its job lost
        session.commit()

    embedded.app.config["GRADE_WORKER"] = "embedded"
    init_app(embedded.app)  # the next process starts: its scheduler sweeps at once

    wait_until(delivered(embedded, delivery_pk), "the swept grade is delivered")


def test_an_unknown_worker_mode_is_a_configuration_error(app):
    app.config["GRADE_WORKER"] = "sometimes"

    with pytest.raises(ConfigError, match="GRADE_WORKER must be one of embedded, external, off"):
        init_app(app)


def test_the_sqlite_queue_lives_beside_a_sqlite_database(app, database):
    if "sqlite" not in database["DATABASE_URL"]:
        assert queue_file(app) == os.path.join(app.instance_path, "grade_jobs.sqlite")
    else:
        database_file = Path(database["DATABASE_URL"].removeprefix("sqlite:///"))
        assert Path(queue_file(app)) == database_file.parent / "grade_jobs.sqlite"


def test_lti_tool_worker_delivers_grades_released_by_the_web_process(
    tmp_path, lti_platform, live_worker_tool
):
    app, tool = live_worker_tool
    course = launched_course(connect(app, lti_platform, tool))
    env = {**os.environ, **{key: str(value) for key, value in worker_settings(tmp_path).items()}}
    worker = subprocess.Popen(
        [sys.executable, "-c", "from lti_tool.cli import main; main()", "worker", "--threads", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        delivery_pk = course.release()
        wait_until(delivered(course, delivery_pk), "the worker process delivers the grade")
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=15)
        finally:
            if worker.poll() is None:
                worker.kill()
    assert len(course.platform.scores_for(course.line_item)) == 1


def worker_settings(tmp_path: Path) -> dict[str, object]:
    """A tool on a SQLite file whose grades only ``lti-tool worker`` delivers."""
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'tool.sqlite'}"}
    return tool_settings(database, GRADE_WORKER="external")


@pytest.fixture
def live_worker_tool(tmp_path, serve_wsgi) -> Iterator[tuple[Flask, object]]:
    app = create_app(worker_settings(tmp_path))
    with app.app_context():
        db.upgrade(db.engine())
    yield app, serve_wsgi(app)
    app.extensions["lti_tool.engine"].dispose()
