"""Discussion benchmark of the LTI tool: 20 concurrent learners against a scenario discussion of
200 posts, over loopback HTTP, launched from the test platform of ``tests/lti_platform``.

Each learner launches once (a real LTI 1.3 launch) and then works with the launch token, as
the pages do: every request is a POST carrying ``lti_token`` and ``csrf_token``.

- ``read``: POST /discussions/<id>, the whole discussion page (200+ posts, replies nested,
  pseudonyms, the visit recorded);
- ``post``: POST /discussions/<id>/posts, a new post or reply, answered with the page.

Setup (not measured): the learners launch and post until the discussion holds 200 posts
(every fifth one a reply). Then each measurement runs ``--clients`` client threads, one per
learner, until the request count or the time limit is reached. Each learner waits a think
time between an answer and their next request, uniformly from 0.5 to 1.5 × ``--think``
seconds (default 1 s: people read a page before they act); ``--think 0`` is a closed loop
with no pause, which measures saturation (p95 ≈ clients ÷ throughput) rather than what
learners see.

Configurations: SQLite with the tool in one process (threaded werkzeug), and PostgreSQL with
gunicorn (2 workers) and Redis; the others on request. Targets on a 2-core machine: read
p95 < 100 ms, post p95 < 150 ms.

    .venv/bin/python bench/discussion.py                          # the two configurations
    .venv/bin/python bench/discussion.py --db sqlite --server gunicorn --reads 200
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench._clients import (  # noqa: E402
    DISCUSSION,
    POST_ID,
    SETUP_LABELS,
    add_learners,
    add_setup_options,
    chosen_setups,
    launch_page,
    tool_settings,
)
from bench._clients import POST_TEXT as TEXT  # noqa: E402
from bench.launch import (  # noqa: E402
    REDIS_URL,
    database,
    free_port,
    percentile,
    prepare_tool,
    tool_process,
)
from tests.lti_platform import Platform  # noqa: E402

SCENARIO = "scenario-john-roofer"


@dataclass
class Learner:
    url: str
    token: str
    csrf: str
    session: requests.Session

    def submit(self, path: str, **fields: str) -> requests.Response:
        answer = self.session.post(
            self.url + path, data={"lti_token": self.token, "csrf_token": self.csrf, **fields}
        )
        if answer.status_code != 200:
            raise RuntimeError(f"{path} answered {answer.status_code}: {answer.text[:200]!r}")
        return answer


@dataclass
class Measured:
    what: str
    count: int
    failures: int
    seconds: float
    ms: list[float]
    first_failure: str = ""

    @property
    def per_second(self) -> float:
        return (self.count - self.failures) / self.seconds if self.seconds else 0.0


def join(platform: Platform, tool_url: str, clients: int) -> list[Learner]:
    """The learners launch the activity once each; their pages carry the tokens."""
    platform.resource_link("course-1", "activity-1", custom={"activity": f"scenario:{SCENARIO}"})
    learners = []
    for user in add_learners(platform, clients):
        page = launch_page(platform, user, "course-1", "activity-1")
        learners.append(
            Learner(
                f"{tool_url}/discussions/{page.number(DISCUSSION)}",
                page.token,
                page.csrf,
                requests.Session(),
            )
        )
    return learners


def seed(learners: list[Learner], posts: int) -> None:
    """Fill the discussion to ``posts`` posts; every learner posts first (post-first)."""
    root: list[str] = []
    for number in range(posts):
        learner = learners[number % len(learners)]
        if number >= len(learners) and number % 5 == 0 and root:
            learner.submit("/posts", body=f"Reply {number}. " + TEXT, parent=root[-1])
        else:
            page = learner.submit("/posts", body=f"Post {number}. " + TEXT).text
            root.append(max(POST_ID.findall(page), key=int))


def measure(
    what: str, learners: list[Learner], count: int, time_limit: float, think: float, action
) -> Measured:
    deadline = time.monotonic() + time_limit
    lock = threading.Lock()
    issued = 0

    def client(learner: Learner) -> list[float | str]:
        nonlocal issued
        outcomes: list[float | str] = []
        pauses = random.Random(id(learner))
        time.sleep(pauses.uniform(0, think))  # learners do not all start at once
        while time.monotonic() < deadline:
            with lock:
                if issued >= count:
                    break
                issued += 1
                number = issued
            started = time.perf_counter()
            try:
                action(learner, number)
                outcomes.append((time.perf_counter() - started) * 1000)
            except Exception as error:  # counted and reported, not raised
                outcomes.append(f"{type(error).__name__}: {error}")
            time.sleep(pauses.uniform(0.5 * think, 1.5 * think))
        return outcomes

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(learners)) as pool:
        results = [o for outcomes in pool.map(client, learners) for o in outcomes]
    elapsed = time.perf_counter() - started
    ms = [o for o in results if isinstance(o, float)]
    failures = [o for o in results if isinstance(o, str)]
    return Measured(what, len(results), len(failures), elapsed, ms, failures[0] if failures else "")


def bench(db_kind: str, server: str, args: argparse.Namespace) -> list[Measured]:
    port = free_port()
    tool_url = f"http://127.0.0.1:{port}"
    with Platform() as platform, database(db_kind) as db_settings:
        settings = tool_settings(
            tool_url, db_settings, LTI_LOGIN_RATE_LIMIT_PER_ISSUER="off", GRADE_WORKER="off"
        )
        if server == "gunicorn":
            settings["REDIS_URL"] = REDIS_URL
        prepare_tool(settings, platform, tool_url)
        with tool_process(server, port, settings):
            learners = join(platform, tool_url, args.clients)
            seed(learners, args.posts)
            reading = measure(
                "read",
                learners,
                args.reads,
                args.time_limit,
                args.think,
                lambda learner, _n: learner.submit(""),
            )
            posting = measure(
                "post",
                learners,
                args.writes,
                args.time_limit,
                args.think,
                lambda learner, n: learner.submit("/posts", body=f"Measured post {n}. " + TEXT),
            )
    return [reading, posting]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_setup_options(parser)
    parser.add_argument("--clients", type=int, default=20, help="concurrent learners")
    parser.add_argument("--posts", type=int, default=200, help="posts before measuring")
    parser.add_argument("--reads", type=int, default=400, help="measured page reads")
    parser.add_argument("--writes", type=int, default=100, help="measured posts")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between requests")
    parser.add_argument("--time-limit", type=float, default=90, help="seconds per measurement")
    args = parser.parse_args(argv)
    configurations = chosen_setups(args)
    print(
        f"Scenario discussion over loopback: {args.clients} concurrent learners, "
        f"{args.posts} posts seeded, think time {args.think:g} s, {os.cpu_count()} cores"
    )
    print(
        f"{'database':<10} {'tool server':<32} {'what':<5} {'requests':>8} {'fail':>4}"
        f" {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8}"
    )
    failed = False
    for db_kind, server in configurations:
        label = SETUP_LABELS[server]
        for result in bench(db_kind, server, args):
            print(
                f"{db_kind:<10} {label:<32} {result.what:<5} {result.count:>8} {result.failures:>4}"
                f" {result.per_second:>7.1f} {percentile(result.ms, 0.5):>8.1f}"
                f" {percentile(result.ms, 0.95):>8.1f}",
                flush=True,
            )
            if result.first_failure:
                print(f"    first failure: {result.first_failure[:300]}", flush=True)
            failed = failed or result.failures > 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
