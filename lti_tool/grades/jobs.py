"""The job queue that runs grade deliveries: huey.

Why huey: its storages match the tool's deployments one for one — ``SqliteHuey`` (a
file in the instance folder, no extra service) by default, ``RedisHuey`` when
``REDIS_URL`` is set — and its consumer runs as threads, so the embedded setup can
deliver inside the web process while larger ones run ``lti-tool worker``. It
schedules tasks for a time (backoff) and runs periodic tasks (the sweep).
dramatiq needs a Redis or RabbitMQ broker even for the embedded case; procrastinate
needs PostgreSQL.

Jobs carry only an outbox row id ("deliver row N"); the row stays the truth (see
``lti_tool.grades.delivery``). So a lost or duplicated job is harmless: a duplicate
finds the row claimed or done. A worker killed mid-job takes its job with it: each claim
has scheduled a watch job for the end of its lease, which delivers the row then (see
``lti_tool.grades.delivery``); the sweep (every minute) enqueues rows whose job went
missing anyway (e.g. enqueued while the queue was down).

``GRADE_WORKER`` says who consumes the queue: ``embedded`` (consumer threads in each
web process, started with the first grade the process releases), ``external`` (only
``lti-tool worker`` processes) or ``off`` (nothing is enqueued; the tests drive
delivery themselves).
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from sqlalchemy import event, make_url
from sqlalchemy.orm import Session

from ..config import ConfigError
from .delivery import LEASE, Deliverer, RetryPolicy

log = logging.getLogger(__name__)

EXTENSION = "lti_tool.grades.jobs"
WORKER_MODES = ("embedded", "external", "off")
SESSION_KEY = "lti_tool.grades.enqueue"
#: A due row with no job on it for this long is enqueued again by the sweep.
SWEEP_GRACE = timedelta(seconds=60)


class EmbeddedConsumer(Consumer):
    """huey's consumer as daemon threads of a web process: the server owns the signals."""

    def _set_signal_handlers(self) -> None:
        pass


class GradeJobs:
    """The queue of one app, its two tasks, and the consumer that runs them."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.huey = make_huey(app)
        self._consumer: Consumer | None = None
        self._consumer_pid: int | None = None
        self._lock = threading.Lock()

        @self.huey.task(name="lti_tool.grades.deliver")
        def deliver(delivery_pk: int) -> None:
            with app.app_context():
                again = deliverer(app).deliver(delivery_pk)
            if again is not None:
                self.enqueue(delivery_pk, eta=again)

        @self.huey.periodic_task(crontab(minute="*"), name="lti_tool.grades.sweep")
        def sweep() -> None:
            with app.app_context():
                stale = deliverer(app).sweep(SWEEP_GRACE)
            for delivery_pk in stale:
                self.enqueue(delivery_pk)
            if stale:
                log.info("grade sweep: enqueued %s deliveries again", len(stale))

        self.deliver_task = deliver
        self.sweep_task = sweep

    def enqueue(self, delivery_pk: int, eta: datetime | None = None) -> None:
        """A job to deliver row ``delivery_pk`` now, or at ``eta`` (naive UTC)."""
        if eta is None:
            self.deliver_task(delivery_pk)
        else:
            self.deliver_task.schedule(args=(delivery_pk,), eta=eta)

    def consumer(self, threads: int = 1, embedded: bool = False) -> Consumer:
        kind = EmbeddedConsumer if embedded else Consumer
        return kind(self.huey, workers=threads, worker_type="thread", max_delay=2.0)

    def start_embedded(self) -> None:
        """Start consumer threads in this process, once (again in a forked child)."""
        with self._lock:
            if self._consumer is not None and self._consumer_pid == os.getpid():
                return
            self._consumer = self.consumer(embedded=True)
            self._consumer_pid = os.getpid()
            self._consumer.start()
            log.info("grade delivery: consumer thread started in process %s", os.getpid())

    def stop(self) -> None:
        with self._lock:
            if self._consumer is not None:
                self._consumer.stop(graceful=True)
                self._consumer = None


def make_huey(app: Flask) -> Huey:
    """``RedisHuey`` when ``REDIS_URL`` is set, else ``SqliteHuey`` in ``queue_file``.

    ``GRADE_QUEUE_NAME`` (app config only, default ``lti_tool.grades``) keeps the jobs
    of several tools, or of parallel tests, apart in one Redis.
    """
    name = app.config.get("GRADE_QUEUE_NAME", "lti_tool.grades")
    if app.config.get("REDIS_URL"):
        return RedisHuey(name, url=app.config["REDIS_URL"], results=False, utc=True)
    if make_url(app.config["DATABASE_URL"]).get_backend_name() != "sqlite":
        # A shared database but a queue on this host's disk: jobs enqueued by the web
        # processes of one host reach only the workers of that host; the others' grades
        # wait for the sweep (a minute or more).
        log.warning(
            "grade queue: a file on this host (%s) although the database is shared; "
            "with processes on several hosts, set REDIS_URL",
            queue_file(app),
        )
    return SqliteHuey(name, filename=queue_file(app), results=False, utc=True)


def queue_file(app: Flask) -> str:
    """``grade_jobs.sqlite`` beside the tool's SQLite database, else in the instance folder."""
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return str(Path(url.database).resolve().parent / "grade_jobs.sqlite")
    return os.path.join(app.instance_path, "grade_jobs.sqlite")


def grade_jobs(app: Flask) -> GradeJobs:
    """The app's queue, made on first use."""
    jobs = app.extensions.get(EXTENSION)
    if jobs is None:
        jobs = app.extensions.setdefault(EXTENSION, GradeJobs(app))
    return jobs


def deliverer(app: Flask) -> Deliverer:
    """What a job runs; each claim schedules a watch job for the end of its lease.

    ``GRADE_LEASE_SECONDS`` (setting, default 120) is how long a claimed row is
    held: beyond one delivery's HTTP exchanges (token, line item, score: 15 s timeouts
    each), and how long a grade whose worker was killed waits before another sends it.
    """
    lease = timedelta(seconds=app.config.get("GRADE_LEASE_SECONDS", LEASE.total_seconds()))
    return Deliverer(
        app.extensions["lti_tool.sessionmaker"],
        policy=RetryPolicy.from_config(app.config),
        lease=lease,
        watch=lambda delivery_pk, at: grade_jobs(app).enqueue(delivery_pk, eta=at),
    )


def worker_mode(app: Flask) -> str:
    """``GRADE_WORKER``, checked."""
    mode = app.config.get("GRADE_WORKER", "embedded")
    if mode not in WORKER_MODES:
        raise ConfigError(f"GRADE_WORKER must be one of {', '.join(WORKER_MODES)}, not {mode!r}")
    return mode


def init_app(app: Flask) -> None:
    """Check ``GRADE_WORKER`` and, in ``embedded`` mode, start delivering in this process
    (also the sweep, so grades left pending by a restart go out without a new release)."""
    if worker_mode(app) == "embedded":
        grade_jobs(app).start_embedded()


# ---------------------------------------------------------------------------
# Enqueue after the caller's commit (transactional outbox).


def enqueue_after_commit(session: Session, delivery_pk: int) -> None:
    """Enqueue ``delivery_pk`` once ``session`` commits; forget it if it rolls back."""
    session.info.setdefault(SESSION_KEY, []).append(delivery_pk)


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    delivery_pks = session.info.pop(SESSION_KEY, None)
    if not delivery_pks:
        return
    if not has_app_context():
        log.warning("grades released outside an app context: the sweep will deliver them")
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        mode = worker_mode(app)
        if mode == "off":
            return
        jobs = grade_jobs(app)
        for delivery_pk in delivery_pks:
            jobs.enqueue(delivery_pk)
        if mode == "embedded":
            jobs.start_embedded()
    except ConfigError as error:
        log.error("grade deliveries not enqueued: %s", error)
    except Exception as error:  # the queue is down: the rows wait for the sweep
        log.warning("could not enqueue grade deliveries (%s); the sweep will", type(error).__name__)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(SESSION_KEY, None)


def run_worker(app: Flask, threads: int) -> None:
    """``lti-tool worker``: consume the app's queue in this process until a signal stops it."""
    worker_mode(app)
    grade_jobs(app).consumer(threads).run()
