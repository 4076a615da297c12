"""Scale-out (issue 10): two tool processes under gunicorn (two workers each) share one
PostgreSQL schema and one Redis behind a round-robin proxy, so that consecutive requests of
one learner land on different processes; Redis restarted and PostgreSQL connections dropped
under them.

The proxy is the tests' own (``round_robin.py``): a threaded werkzeug app that sends each
request to the next backend in turn, headers and body passed through, and records which
backend served it.
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.lti_platform import LEARNER, SECOND_LEARNER, launch

from . import test_assignment_http as assignments
from . import test_discussion_http as discussions
from .conftest import POSTGRES_URL, SECRET, Connected, connect
from .helpers import csrf_token, launch_token
from .round_robin import RoundRobin, alternating

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
START_WITHIN = 60  # seconds for a process (gunicorn, redis-server) to answer


@pytest.fixture
def database(postgres_schema: dict[str, str]) -> dict[str, str]:
    """PostgreSQL only: processes on one host share a server, not a SQLite file."""
    return postgres_schema


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], bool], what: str, within: float = START_WITHIN) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within} s: {what}")
        time.sleep(0.1)


# ------------------------------------------------------------------ the processes


@dataclass
class Cluster:
    connected: Connected
    proxy: RoundRobin
    application_name: str
    processes: list[subprocess.Popen]


def start_tool(env: dict[str, str], log: Path, started: list[subprocess.Popen]) -> str:
    """``host:port`` of a new gunicorn tool, once it answers; ``started`` gets its process at
    once, so that the fixture stops it even when it never answers."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"]
            + ["--graceful-timeout", "3", "lti_tool:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    started.append(process)

    def answers() -> bool:
        assert process.poll() is None, log.read_text()[-2000:]
        try:  # a worker still booting may keep the first request waiting
            return requests.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
        except (requests.ConnectionError, requests.Timeout):
            return False

    wait_until(answers, f"gunicorn answers on port {port}")
    return f"127.0.0.1:{port}"


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def start_cluster(app, database, lti_platform, serve_wsgi, files_dir, tmp_path):
    """``start_cluster(redis_url)`` → two gunicorn tools behind the proxy, registered."""
    started: list[subprocess.Popen] = []

    def start(redis_url: str) -> Cluster:
        application_name = "lti_scale_" + uuid.uuid4().hex[:12]
        env = {
            **os.environ,
            "LTI_TOOL_ENV": "testing",
            "SECRET_KEY": SECRET,
            "GRADE_WORKER": "off",
            "DATABASE_URL": f"{database['DATABASE_URL']}?application_name={application_name}",
            "DATABASE_SCHEMA": database["DATABASE_SCHEMA"],
            "REDIS_URL": redis_url,
            "ASSIGNMENT_FILES_DIR": files_dir,
        }
        backends = [start_tool(env, tmp_path / f"tool-{number}.log", started) for number in (1, 2)]
        proxy = RoundRobin(backends)
        connected = connect(app, lti_platform, serve_wsgi(proxy, host_name="localhost"))
        return Cluster(connected, proxy, application_name, started[-2:])

    yield start
    for process in started:
        stop(process)


@pytest.fixture
def private_redis(tmp_path) -> Iterator[tuple[str, Callable[[], None], Callable[[], None]]]:
    """A Redis of this test's own, never the shared one: ``(url, stop, start)``. It keeps its
    data across a restart, as compose's does (``--appendonly yes``): launch sessions live
    there, and without it every learner would have to open the activity again."""
    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "yes", "--appendfsync", "always", "--dir", str(tmp_path)]
    running: list[subprocess.Popen] = []

    def start() -> None:
        running.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))
        wait_until(lambda: redis_answers(port), "redis-server answers")

    def stop_it() -> None:
        stop(running[-1])

    start()
    yield f"redis://127.0.0.1:{port}/0", stop_it, start
    for process in running:
        stop(process)


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def assert_fails_cleanly(response: requests.Response) -> None:
    """A retryable error page: 503 with Retry-After, no traceback, nothing of the tool's."""
    assert response.status_code == 503, (response.status_code, response.text[:300])
    assert response.headers.get("Retry-After", "").isdigit()
    assert "Traceback" not in response.text and "redis" not in response.text.lower()


# ------------------------------------------------------------------ 1. two processes


def test_a_launch_a_post_and_a_submission_cross_processes(start_cluster, redis_url):
    cluster = start_cluster(redis_url)
    course, proxy = cluster.connected, cluster.proxy
    discussions.place(course.platform, link="d1")
    assignments.place(course.platform, link="e1")

    response = launch(course.platform, user=LEARNER, course_id="c1", resource_link_id="d1")

    assert response.status_code == 200, response.text[:500]
    login, launched = proxy.served
    assert login[0] in ("GET", "POST") and launched[0] == "POST"
    assert login[2] != launched[2]  # login on one process, the launch on the other

    mark = len(proxy.served)
    lee = discussions.open_as(course, LEARNER, link="d1")
    lee.submit("/posts", body="Lee, across processes")
    sam = discussions.open_as(course, SECOND_LEARNER, link="d1")
    sam.submit("/posts", body="Sam, across processes")
    assert lee.status == sam.status == 200
    assert "Lee, across processes" in sam.page and "Sam, across processes" in sam.page
    assert alternating(proxy.backends_of(mark))

    mark = len(proxy.served)
    essay = assignments.open_as(course, LEARNER, link="e1")
    assert essay.autosave("A draft from one process").status_code == 200
    essay.hand_in("The essay, handed in through the other")
    assert essay.status == 200, essay.page[:500]
    assert "Version 1 was submitted" in essay.text()
    again = assignments.open_as(course, LEARNER, link="e1")
    assert "Your submitted versions" in again.text()
    assert alternating(proxy.backends_of(mark))
    assert set(proxy.backends_of()) == set(proxy.backends)


# ------------------------------------------------------------------ 2. Redis restarted


@dataclass
class Answer:
    kind: str  # "read" or "post"
    body: str
    started: float
    ended: float
    status: int
    retry_after: str
    text: str


@dataclass
class Traffic:
    """Learners' threads reading and posting without pause through the proxy until stopped;
    every answer recorded with when its request started and ended (``time.monotonic``)."""

    url: str
    forms: list[dict[str, str]]
    answers: list[Answer] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._run, args=(number, kind), daemon=True)
            for number, kind in enumerate(["post", "read"] * len(self.forms))
        ]

    def __enter__(self) -> Traffic:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopping.set()
        for thread in self._threads:
            thread.join(timeout=90)

    def _run(self, number: int, kind: str) -> None:
        form = self.forms[number // 2 % len(self.forms)]
        with requests.Session() as session:
            for count in itertools.count():
                if self.stopping.is_set():
                    return
                body = f"In flight {number}-{count}" if kind == "post" else ""
                path = "/posts" if kind == "post" else ""
                started = time.monotonic()
                answer = session.post(
                    self.url + path, data={**form, **({"body": body} if body else {})}, timeout=60
                )
                with self._lock:
                    self.answers.append(
                        Answer(
                            kind,
                            body,
                            started,
                            time.monotonic(),
                            answer.status_code,
                            answer.headers.get("Retry-After", ""),
                            answer.text,
                        )
                    )

    def count(self, status: int, since: float = 0.0) -> int:
        with self._lock:
            return sum(1 for a in self.answers if a.status == status and a.started >= since)


def test_requests_in_flight_when_redis_restarts_fail_retryably_and_leave_nothing_half_written(
    start_cluster, private_redis, database
):
    url, stop_redis, start_redis = private_redis
    cluster = start_cluster(url)
    course = cluster.connected
    discussions.place(course.platform)
    forms = [
        {"lti_token": launch_token(person.page), "csrf_token": csrf_token(person.page)}
        for person in (
            discussions.open_as(course, LEARNER),
            discussions.open_as(course, SECOND_LEARNER),
        )
    ]
    discussion = discussions.open_as(course, LEARNER).discussion
    schema = database["DATABASE_SCHEMA"]
    admin = create_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})

    try:
        with Traffic(f"{course.tool.url}/discussions/{discussion}", forms) as traffic:
            wait_until(lambda: traffic.count(200) >= 8, "the traffic flows", 60)
            with admin.connect() as locker:
                # Every request stops inside the tool on a lock held here: truly in flight.
                locker.execute(text("LOCK TABLE discussion_drafts IN ACCESS EXCLUSIVE MODE"))
                wait_until(
                    lambda: waiting_on_a_lock(admin, cluster.application_name) >= 2,
                    "requests wait inside the tool",
                    30,
                )
                stopped = time.monotonic()
                stop_redis()
                locker.rollback()  # the requests in flight go on, with Redis gone
            wait_until(lambda: traffic.count(503, since=stopped) >= 4, "503s while away", 60)
            restarted = time.monotonic()
            start_redis()
            wait_until(lambda: traffic.count(200, since=restarted) >= 8, "success again", 60)
        with admin.connect() as reader:
            stored = dict(
                reader.execute(
                    text("SELECT body, count(*) FROM discussion_posts GROUP BY body")
                ).all()
            )
    finally:
        admin.dispose()

    answers = traffic.answers
    assert {a.status for a in answers} <= {200, 503}, [a.status for a in answers]
    in_flight = [a for a in answers if a.started < stopped < a.ended]
    assert len(in_flight) >= 2
    for answer in answers:
        if answer.status == 503:
            assert answer.retry_after.isdigit()
            assert "Traceback" not in answer.text and "redis" not in answer.text.lower()
    for answer in answers:
        if answer.kind == "post":
            assert stored.get(answer.body, 0) == (1 if answer.status == 200 else 0), answer
    assert set(cluster.proxy.backends_of()) == set(cluster.proxy.backends)


def test_with_redis_stopped_a_login_fails_retryably_then_launches_succeed(
    start_cluster, private_redis
):
    url, stop_redis, start_redis = private_redis
    cluster = start_cluster(url)
    course = cluster.connected
    discussions.place(course.platform)

    stop_redis()
    login = requests.post(
        course.platform.tool().login_url,
        data=course.platform.login_initiation_params(
            user=LEARNER, course_id="c1", resource_link_id="a1"
        ),
        allow_redirects=False,
        timeout=30,
    )
    start_redis()

    assert_fails_cleanly(login)
    for _ in range(4):  # every worker of both processes, once Redis is back
        again = discussions.open_as(course, LEARNER)
    again.submit("/posts", body="Redis is back")
    assert again.status == 200
    assert "Redis is back" in again.page


# ------------------------------------------------------------------ 3. PostgreSQL dropped


def terminate_backends(application_name: str) -> int:
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            return len(
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        "AND application_name = :name"
                    ),
                    {"name": application_name},
                ).all()
            )
    finally:
        admin.dispose()


def test_dropped_database_connections_are_replaced_and_nothing_is_half_written(
    start_cluster, redis_url
):
    cluster = start_cluster(redis_url)
    course = cluster.connected
    discussions.place(course.platform)
    lee = discussions.open_as(course, LEARNER)
    lee.submit("/posts", body="Before the drop")
    for _ in range(3):  # every worker holds a pooled connection
        discussions.open_as(course, SECOND_LEARNER)

    assert terminate_backends(cluster.application_name) >= 2

    sam = discussions.open_as(course, SECOND_LEARNER)
    sam.submit("/posts", body="After the drop")
    for _ in range(4):
        assert discussions.open_as(course, LEARNER).status == 200
    assert sam.status == 200
    page = discussions.open_as(course, LEARNER).page
    assert page.count("Before the drop") == 1 and page.count("After the drop") == 1
    assert len(discussions.open_as(course, LEARNER).post_ids()) == 2


@pytest.mark.parametrize("failure", ["database", "redis"])
def test_a_service_out_of_reach_is_a_retryable_503_that_quotes_nothing(app, failure):
    import redis
    from sqlalchemy.exc import OperationalError

    @app.get("/_test/unavailable")
    def unavailable():
        if failure == "database":
            raise OperationalError("SELECT secret_essay", {}, Exception("server closed"))
        raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379")

    response = app.test_client().get("/_test/unavailable")

    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    page = response.get_data(as_text=True)
    assert "try again" in page
    assert "secret_essay" not in page and "6379" not in page and "Traceback" not in page


def test_a_post_whose_connection_is_dropped_mid_transaction_is_not_half_written(
    start_cluster, redis_url, database
):
    cluster = start_cluster(redis_url)
    course = cluster.connected
    discussions.place(course.platform)
    lee = discussions.open_as(course, LEARNER)
    form = {"lti_token": launch_token(lee.page), "csrf_token": csrf_token(lee.page)}
    url = f"{course.tool.url}/discussions/{lee.discussion}/posts"
    schema = database["DATABASE_SCHEMA"]
    admin = create_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    answers: list[requests.Response] = []

    def press_post() -> None:
        answers.append(requests.post(url, data={**form, "body": "Caught in the drop"}, timeout=60))

    try:
        with admin.connect() as locker:
            # The post's transaction waits on a lock held here, then its connection is dropped.
            locker.execute(text("LOCK TABLE discussion_drafts IN ACCESS EXCLUSIVE MODE"))
            pressing = threading.Thread(target=press_post)
            pressing.start()
            wait_until(
                lambda: waiting_on_a_lock(admin, cluster.application_name), "the post waits", 30
            )
            assert has_inserted_a_post(admin, cluster.application_name)
            assert terminate_backends(cluster.application_name) >= 1
            pressing.join(timeout=60)
            locker.rollback()
        with admin.connect() as reader:
            posts = reader.execute(text("SELECT count(*) FROM discussion_posts")).scalar_one()
    finally:
        admin.dispose()

    (answer,) = answers
    assert_fails_cleanly(answer)
    assert posts == 0  # nothing of the interrupted transaction was kept
    retried = requests.post(url, data={**form, "body": "Caught in the drop"}, timeout=60)
    assert retried.status_code == 200
    assert retried.text.count("Caught in the drop") == 1


def waiting_on_a_lock(admin, application_name: str) -> int:
    """How many of the tools' database sessions wait on a lock."""
    with admin.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
                    "AND wait_event_type = 'Lock'"
                ),
                {"name": application_name},
            ).scalar_one()
        )


def has_inserted_a_post(admin, application_name: str) -> bool:
    """The waiting transaction has already written to ``discussion_posts``."""
    with admin.connect() as connection:
        return bool(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks JOIN pg_stat_activity USING (pid) "
                    "WHERE application_name = :name AND wait_event_type = 'Lock' "
                    "AND relation = 'discussion_posts'::regclass "
                    "AND mode = 'RowExclusiveLock' AND granted"
                ),
                {"name": application_name},
            ).scalar_one()
        )
