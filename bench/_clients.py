"""What the tool's benchmarks share: simulated learners (made on the test platform of
``tests/lti_platform``, launched for real, their pages' tokens read), the tool's settings for a
benchmark, the processes of the two-process setup (gunicorn tools, the round-robin proxy of
the scale-out tests, ``lti-tool worker``) and the database counts of the integrity checks.

Import it after the script has put the repository on ``sys.path`` (as the scripts do).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.lti_platform import Platform, User, start_launch
from tests.lti_platform.claims import ROLE_LEARNER

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-key"
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))

DISCUSSION = re.compile(r'data-discussion="(\d+)"')
PLACEMENT = re.compile(r'data-placement="(\d+)"')
TOKEN = re.compile(r'name="lti_token" value="([^"]+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
REQUEST_KEY = re.compile(r'name="request_key" value="([^"]+)"')
POST_ID = re.compile(r'id="post-(\d+)"')
REVISION = re.compile(r'data-revision="(\d+)"')

#: A discussion post's Markdown (a list and a quotation, as learners write).
POST_TEXT = (
    "Boundaries blur when the *same people* meet in different roles. I would:\n\n"
    "- agree what the relationship is at the outset\n- revisit it when things change\n\n"
    "> clarity and negotiation at the outset\n"
)
#: One sentence of an essay; autosaves add one at a time.
SENTENCE = (
    "My recovery began when someone who had been there listened without judging, and peer "
    "support showed me that hope, control and opportunity can be rebuilt one step at a time. "
)


# ----------------------------------------------------------------------------- learners


def add_learners(platform: Platform, count: int, prefix: str = "bench") -> list[User]:
    """``count`` learners known to the platform, ``<prefix>-0`` … (their LTI ``sub``)."""
    return [
        platform.add_user(
            User(
                f"{prefix}-{number}",
                f"Learner {number}",
                "Learner",
                str(number),
                f"{prefix}{number}@example.edu",
                (ROLE_LEARNER,),
            )
        )
        for number in range(count)
    ]


@dataclass
class Page:
    """A page of the tool after a launch: its text and the tokens later requests carry."""

    text: str
    #: For a launch: the tool's share, its answers to the login and to the id_token POST.
    tool_ms: float = 0.0

    @property
    def token(self) -> str:
        return TOKEN.search(self.text).group(1)

    @property
    def csrf(self) -> str:
        return CSRF.search(self.text).group(1)

    def number(self, pattern: re.Pattern[str]) -> str:
        """The first group of ``pattern`` (e.g. ``DISCUSSION``); an error if the page lacks it."""
        match = pattern.search(self.text)
        if match is None:
            raise RuntimeError(f"the page has no {pattern.pattern!r}: {self.text[:300]!r}")
        return match.group(1)


def launch_page(
    platform: Platform,
    user: User,
    course: str,
    link: str,
    session: requests.Session | None = None,
) -> Page:
    """A complete LTI launch of ``link`` in ``course`` by ``user``; the tool's page."""
    attempt = start_launch(platform, session, user=user, course_id=course, resource_link_id=link)
    answer = attempt.post()
    if answer.status_code != 200 or 'name="lti_token"' not in answer.text:
        raise RuntimeError(f"launch answered {answer.status_code}: {answer.text[:300]!r}")
    tool = attempt.login_response.elapsed + answer.elapsed
    return Page(answer.text, tool.total_seconds() * 1000)


# ----------------------------------------------------------------------------- the tool


def tool_settings(tool_url: str, database: dict[str, str], **overrides: str) -> dict[str, str]:
    """A benchmark's tool: development mode (plain HTTP on loopback), at ``tool_url``.

    The per-address login limit is off: every simulated learner comes from 127.0.0.1,
    where real ones come from their own addresses. The per-issuer limit stays.
    """
    return {
        "LTI_TOOL_ENV": "development",
        "SECRET_KEY": SECRET,
        "LTI_TOOL_URL": tool_url,
        "LTI_LOGIN_RATE_LIMIT_PER_ADDRESS": "off",
        "GRADE_WORKER": "off",
        **database,
        **overrides,
    }


def wait_answers(
    url: str, process: subprocess.Popen, within: float = 60, *, any_status: bool = False
) -> None:
    """Wait until ``url`` answers (with success, or with anything when ``any_status``)."""
    deadline = time.monotonic() + within
    while True:
        try:
            if requests.get(url, timeout=10).ok or any_status:
                return
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer (exit {process.poll()})")
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Processes:
    """The processes of one setup, their output in ``log_dir`` (one file each, not mixed
    with the benchmark's report); all stopped, last first, when the ``with`` block ends."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        with (self.log_dir / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                command, env={**os.environ, **env}, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )
        self.started.append(process)
        return process

    def gunicorn(
        self,
        name: str,
        port: int,
        app: str,
        env: dict[str, str],
        *,
        workers: int = 2,
        threads: int = 4,
        probe: str = "/lti/jwks.json",
    ) -> subprocess.Popen:
        """gunicorn serving ``app`` (a factory call) on ``127.0.0.1:port``, once it answers."""
        command = [GUNICORN, "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
        command += ["--threads", str(threads), "--log-level", "warning", app]
        process = self.start(name, command, env)
        wait_answers(f"http://127.0.0.1:{port}{probe}", process)
        return process

    def tool(self, name: str, port: int, settings: dict[str, str]) -> subprocess.Popen:
        """The tool under gunicorn: 2 workers, 4 threads each (as compose runs it)."""
        return self.gunicorn(name, port, "lti_tool:create_app()", settings)

    def single(self, port: int, settings: dict[str, str]) -> subprocess.Popen:
        """The tool alone in one process, a threaded werkzeug server (``bench/launch.py``)."""
        command = [sys.executable, str(ROOT / "bench" / "launch.py"), "--serve-single", str(port)]
        process = self.start("tool", command, settings)
        wait_answers(f"http://127.0.0.1:{port}/lti/jwks.json", process)
        return process

    def proxy(self, port: int, backends: Iterable[int]) -> subprocess.Popen:
        """The scale-out tests' round-robin proxy in front of the tools on ``backends``."""
        env = {"ROUND_ROBIN_BACKENDS": " ".join(f"127.0.0.1:{port}" for port in backends)}
        app = "tests.lti_tool.round_robin:from_env()"
        # Clients keep their connection between requests, as browsers do: an idle one is
        # kept 75 s (nginx's default), not gunicorn's 2 s, which would close it under them.
        env["GUNICORN_CMD_ARGS"] = "--keep-alive 75"
        return self.gunicorn("proxy", port, app, env, workers=1, threads=64)

    def worker(self, settings: dict[str, str], threads: int = 2) -> subprocess.Popen:
        """``lti-tool worker``: delivers the grades the tools release."""
        lti_tool = str(Path(sys.executable).with_name("lti-tool"))
        return self.start("worker", [lti_tool, "worker", "--threads", str(threads)], settings)


@contextmanager
def processes() -> Iterator[Processes]:
    with tempfile.TemporaryDirectory(prefix="lti-bench-logs-") as folder:
        running = Processes(Path(folder))
        try:
            yield running
        finally:
            for process in reversed(running.started):
                stop(process)


# ----------------------------------------------------------------------------- integrity


def stored_counts(database: dict[str, str], column, texts: Iterable[str]) -> Counter[str]:
    """How many rows of ``column``'s table hold each of ``texts`` (0 for a missing one)."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from lti_tool.db import make_engine

    wanted = set(texts)
    engine = make_engine(database["DATABASE_URL"], schema=database.get("DATABASE_SCHEMA"))
    try:
        with Session(engine) as session:
            rows = session.execute(select(column, func.count()).group_by(column)).all()
    finally:
        engine.dispose()
    counts = Counter({text: 0 for text in wanted})
    counts.update({text: count for text, count in rows if text in wanted})
    return counts


# ----------------------------------------------------------------------------- setups

#: The setups a bench compares when none is named: the embedded default and production's.
DEFAULT_SETUPS = [("sqlite", "single"), ("postgresql", "gunicorn")]
SETUP_LABELS = {
    "single": "1 process (werkzeug, threaded)",
    "gunicorn": "gunicorn, 2 workers + Redis",
}


def add_setup_options(parser) -> None:
    """``--db`` and ``--server``: one setup; neither: ``DEFAULT_SETUPS``."""
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default=None)
    parser.add_argument("--server", choices=["single", "gunicorn"], default=None)


def chosen_setups(args) -> list[tuple[str, str]]:
    if args.db or args.server:
        return [(args.db or "sqlite", args.server or "single")]
    return list(DEFAULT_SETUPS)
