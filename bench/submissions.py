"""Assignment benchmark of the LTI tool: concurrent learners autosaving an essay, then submitting,
over loopback HTTP, launched from the test platform of ``tests/lti_platform``.

Each learner launches the first assessment task once (a real LTI 1.3 launch), then, for
``--duration`` seconds, autosaves every ``--interval`` seconds as the page's script does
(``POST …/draft`` with ``Authorization: Bearer`` and ``X-CSRF-Token``, the text growing by a
sentence each time, naming the revision it started from), and finally submits (``POST
…/submit``, the page's form with its one-time key). The submit is sent a second time with the
same key, as a browser retrying after a lost answer would: it must not make a second version.

Measured: writes per second (autosaves and submits), p50/p95 latency of each, failures; then
the integrity count, read straight from the database: every learner's submitted essay stored
exactly once, with the text sent.

Configurations: SQLite with the tool in one process (threaded werkzeug), and PostgreSQL with
gunicorn (2 workers) and Redis. Targets on a 2-core machine: autosave p95 < 100 ms, submit
p95 < 200 ms.

    .venv/bin/python bench/submissions.py                     # the two configurations
    .venv/bin/python bench/submissions.py --db sqlite --clients 20 --duration 20
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench._clients import (  # noqa: E402
    PLACEMENT,
    REQUEST_KEY,
    SENTENCE,
    SETUP_LABELS,
    add_learners,
    add_setup_options,
    chosen_setups,
    launch_page,
    stored_counts,
    tool_settings,
)
from bench.launch import (  # noqa: E402
    REDIS_URL,
    database,
    free_port,
    percentile,
    prepare_tool,
    tool_process,
)
from tests.lti_platform import Platform  # noqa: E402

ESSAY = "recovery-story-essay"


@dataclass
class Learner:
    number: int
    url: str
    token: str
    csrf: str
    request_key: str
    session: requests.Session
    revision: int = 0
    text: str = ""
    autosave_ms: list[float] = field(default_factory=list)
    submit_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def autosave(self) -> None:
        self.text += f"({self.number}.{len(self.autosave_ms)}) " + SENTENCE
        answer = self.session.post(
            self.url + "/draft",
            data={"body": self.text, "revision": str(self.revision)},
            headers={
                "Authorization": f"Bearer {self.token}",
                "X-CSRF-Token": self.csrf,
                "Accept": "application/json",
            },
        )
        if answer.status_code != 200:
            raise RuntimeError(f"autosave answered {answer.status_code}")
        self.revision = answer.json()["revision"]

    def submit(self) -> None:
        answer = self.session.post(
            self.url + "/submit",
            data={
                "lti_token": self.token,
                "csrf_token": self.csrf,
                "request_key": self.request_key,
                "body": self.text,
            },
        )
        if answer.status_code != 200 or "Your receipt is" not in answer.text:
            raise RuntimeError(f"submit answered {answer.status_code}")


def join(platform: Platform, tool_url: str, clients: int) -> list[Learner]:
    """The learners launch the activity once each; their pages carry the tokens."""
    platform.resource_link("course-1", "activity-1", custom={"activity": f"assignment:{ESSAY}"})
    learners = []
    for number, user in enumerate(add_learners(platform, clients)):
        page = launch_page(platform, user, "course-1", "activity-1")
        learners.append(
            Learner(
                number,
                f"{tool_url}/assignments/{page.number(PLACEMENT)}",
                page.token,
                page.csrf,
                page.number(REQUEST_KEY),
                requests.Session(),
            )
        )
    return learners


def timed(learner: Learner, action, into: list[float]) -> None:
    started = time.perf_counter()
    try:
        action()
        into.append((time.perf_counter() - started) * 1000)
    except Exception as error:  # counted and reported, not raised
        learner.failures.append(f"{type(error).__name__}: {error}")


def work(learner: Learner, duration: float, interval: float) -> None:
    """Autosave every ``interval`` seconds for ``duration`` seconds, then submit (twice)."""
    pace = random.Random(learner.number)
    time.sleep(pace.uniform(0, interval))  # learners do not all start at once
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        timed(learner, learner.autosave, learner.autosave_ms)
        time.sleep(interval)
    timed(learner, learner.submit, learner.submit_ms)
    timed(learner, learner.submit, learner.submit_ms)  # a retry after a lost answer


def integrity(db_settings: dict[str, str], learners: list[Learner]) -> tuple[int, int, int, int]:
    """(learners, essays stored exactly once as sent, missing or altered, duplicated)."""
    from lti_tool.assignments.models import Submission

    sent = [learner.text.strip() for learner in learners]
    counts = stored_counts(db_settings, Submission.body, sent)
    exact = sum(1 for text in sent if counts[text] == 1)
    missing = sum(1 for text in sent if counts[text] == 0)
    return len(learners), exact, missing, len(learners) - exact - missing


def bench(db_kind: str, server: str, args: argparse.Namespace) -> dict:
    port = free_port()
    tool_url = f"http://127.0.0.1:{port}"
    with Platform() as platform, database(db_kind) as db_settings:
        # The outbox rows are written; delivery is not measured.
        settings = tool_settings(
            tool_url, db_settings, LTI_LOGIN_RATE_LIMIT_PER_ISSUER="off", GRADE_WORKER="off"
        )
        if server == "gunicorn":
            settings["REDIS_URL"] = REDIS_URL
        prepare_tool(settings, platform, tool_url)
        with tool_process(server, port, settings):
            learners = join(platform, tool_url, args.clients)
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=len(learners)) as pool:
                list(pool.map(lambda one: work(one, args.duration, args.interval), learners))
            elapsed = time.perf_counter() - started
        counts = integrity(db_settings, learners)
    autosaves = [ms for one in learners for ms in one.autosave_ms]
    submits = [ms for one in learners for ms in one.submit_ms]
    failures = [f for one in learners for f in one.failures]
    return {
        "seconds": elapsed,
        "autosave": autosaves,
        "submit": submits,
        "failures": failures,
        "integrity": counts,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_setup_options(parser)
    parser.add_argument("--clients", type=int, default=50, help="concurrent learners")
    parser.add_argument("--duration", type=float, default=60, help="seconds of autosaving")
    parser.add_argument("--interval", type=float, default=5, help="seconds between autosaves")
    args = parser.parse_args(argv)
    configurations = chosen_setups(args)
    print(
        f"Assignment autosave and submit over loopback: {args.clients} concurrent learners, "
        f"an autosave every {args.interval:g} s for {args.duration:g} s, then submit "
        f"(sent twice), {os.cpu_count()} cores"
    )
    print(
        f"{'database':<10} {'tool server':<32} {'what':<8} {'requests':>8} {'fail':>4}"
        f" {'writes/s':>8} {'p50 ms':>7} {'p95 ms':>7}"
    )
    failed = False
    for db_kind, server in configurations:
        label = SETUP_LABELS[server]
        result = bench(db_kind, server, args)
        for what in ("autosave", "submit"):
            ms = result[what]
            print(
                f"{db_kind:<10} {label:<32} {what:<8} {len(ms):>8}"
                f" {len(result['failures']) if what == 'autosave' else '':>4}"
                f" {len(ms) / result['seconds']:>8.1f} {percentile(ms, 0.5):>7.1f}"
                f" {percentile(ms, 0.95):>7.1f}",
                flush=True,
            )
        learners, exact, missing, wrong = result["integrity"]
        print(
            f"    integrity: {learners} learners, {exact} essays stored exactly once as sent, "
            f"{missing} missing or altered, {wrong} duplicated",
            flush=True,
        )
        if result["failures"]:
            print(f"    first failure: {result['failures'][0][:300]}", flush=True)
        failed = failed or bool(result["failures"]) or exact != learners
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
