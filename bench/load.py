"""Load test of the LTI tool (issue 10): simulated learners launching, reading and posting in
scenario discussions, autosaving and submitting essays, over loopback HTTP, against the
two-process setup and, side by side, one process on SQLite.

The generator is locust, used as a library (its ``Environment`` and local runner, driven
from here): each learner is a locust user (a greenlet) with think times between requests.
Chosen over an asyncio generator of our own: its users, think times and spawn are what a
load test needs, its cost per request is small next to the tool's, and a hand-written
generator would have to be trusted before the tool's figures could be. Latencies are taken
from locust's request events, unrounded, for the measured window only.

Learners (``--users``, default 200) are in sections of 25, each with its course, a scenario
discussion graded on participation (target 3 posts: each of a learner's first three posts
releases a grade, delivered to the platform through AGS) and an essay assignment. Each
learner launches both on arrival (during the warm-up), then, after a think time of
``--think-min`` to ``--think-max`` seconds (uniform; default 2 to 8 s, a busy class: pages
are read, a sentence is typed) picks one of:

===========  ======  ===============================================================
kind         weight  request
===========  ======  ===============================================================
launch       1       a complete LTI launch of one of the two activities again (login
                     initiation, the platform's authorization, the id_token POST; the
                     tool's share, its two answers, is printed too)
read         5       the discussion page (POST /discussions/<id>)
post         1       a new post, answered with the page
autosave     4       the essay's draft (POST …/draft, JSON, as the page's script)
submit       1       hand the essay in as a new version (POST …/submit)
===========  ======  ===============================================================

Setups: *two processes*, two gunicorn tools (2 workers, 4 threads each) behind the
scale-out tests' round-robin proxy (gunicorn, 64 threads), PostgreSQL and Redis, grades
delivered by one ``lti-tool worker``; *one process*, the tool on SQLite in a threaded
werkzeug server, grades delivered by its embedded worker. The test platform and locust share
this process. Afterwards the integrity check reads the database: every post and submission
the tool accepted is stored exactly once; every grade is delivered (none pending or failed)
and the platform received each delivered grade exactly once.

CPU: user + system time of the tool's processes (web and worker), the proxy and the
PostgreSQL backends serving the tool, over the measured window, per tool request.

    .venv/bin/python bench/load.py                                  # both setups, 200 learners
    .venv/bin/python bench/load.py --users 40 --warmup 10 --duration 20 --setup sqlite
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import gevent

# locust patches the standard library (gevent) on import: first, before requests and sockets.
import locust  # noqa: I001
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from locust.env import Environment  # noqa: E402

from bench._clients import (  # noqa: E402
    DISCUSSION,
    PLACEMENT,
    POST_TEXT,
    REQUEST_KEY,
    REVISION,
    SENTENCE,
    Page,
    add_learners,
    launch_page,
    processes,
    stored_counts,
    tool_settings,
)
from bench.launch import database, free_port, percentile, prepare_tool  # noqa: E402
from tests.lti_platform import Platform  # noqa: E402

KINDS = ("launch", "read", "post", "autosave", "submit")
#: Of a launch, the tool's two answers (login, id_token POST), without the platform's page.
TOOL_SHARE = "launch: the tool's part"
SECTION = 25  # learners per course section
SCENARIO = "scenario-john-roofer"
ESSAY = "recovery-story-essay"
GRADING_TARGET = 3
REDIS_URL = os.environ.get("BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/13")
HOST_CORES = 4
HOST_BUSY = 0.7  # the share of a host's CPU to plan for (headroom for bursts)


@dataclass
class Run:
    """What the learners of one setup share, and what they record."""

    url: str
    platform: Platform
    think: tuple[float, float]
    learners: list
    numbers: itertools.count = field(default_factory=itertools.count)
    posts: list[str] = field(default_factory=list)  # bodies the tool accepted
    essays: list[str] = field(default_factory=list)
    measuring: bool = False
    ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    warmup_errors: list[str] = field(default_factory=list)
    load: list[float] = field(default_factory=list)  # the host's load average, start and end

    def record(self, name: str, response_time: float, exception: Exception | None, **_) -> None:
        if not self.measuring:
            if exception is not None:
                self.warmup_errors.append(f"{name}: {exception}")
            return
        if exception is not None:
            self.errors[name].append(str(exception)[:300])
        else:
            self.ms[name].append(response_time)


def learner_class(run: Run) -> type[locust.FastHttpUser]:
    class Learner(locust.FastHttpUser):
        host = run.url
        wait_time = locust.between(*run.think)

        def on_start(self) -> None:
            self.number = next(run.numbers)
            self.user = run.learners[self.number]
            section = self.number // SECTION
            self.course = f"load-course-{section}"
            self.discussion_link = f"discussion-{section}"
            self.essay_link = f"essay-{section}"
            self.posted = 0
            self.essay = ""
            self.revision = 0
            self.versions = 0
            self.discussion_url = self.essay_url = None  # until a launch succeeds
            self.open_discussion()
            self.open_essay()

        def launched(self, link: str) -> Page | None:
            """A launch as the learner's browser makes it (a fresh one: its own cookies)."""
            started = time.perf_counter()
            page, error = None, None
            try:
                with requests.Session() as browser:
                    page = launch_page(run.platform, self.user, self.course, link, browser)
            except Exception as failure:  # counted, not raised
                error = failure
            self.environment.events.request.fire(
                request_type="LTI",
                name="launch",
                response_time=(time.perf_counter() - started) * 1000,
                response_length=len(page.text) if page else 0,
                exception=error,
                context={},
            )
            if page is not None and run.measuring:
                run.ms[TOOL_SHARE].append(page.tool_ms)
            return page

        def open_discussion(self) -> None:
            page = self.launched(self.discussion_link)
            if page is not None:
                self.discussion_url = f"{run.url}/discussions/{page.number(DISCUSSION)}"
                self.discussion_form = {"lti_token": page.token, "csrf_token": page.csrf}

        def open_essay(self) -> None:
            page = self.launched(self.essay_link)
            if page is not None:
                self.essay_url = f"{run.url}/assignments/{page.number(PLACEMENT)}"
                self.essay_token, self.essay_csrf = page.token, page.csrf
                self.request_key = page.number(REQUEST_KEY)

        @locust.task(1)
        def relaunch(self) -> None:
            random.choice([self.open_discussion, self.open_essay])()

        @locust.task(5)
        def read(self) -> None:
            if self.discussion_url is None:
                return self.open_discussion()
            with self.client.post(
                self.discussion_url, data=self.discussion_form, name="read", catch_response=True
            ) as answer:
                if answer.status_code != 200 or "data-discussion" not in answer.text:
                    answer.failure(f"read answered {answer.status_code}")

        @locust.task(1)
        def post(self) -> None:
            if self.discussion_url is None:
                return self.open_discussion()
            body = f"Load post {self.user.id}-{self.posted}. {POST_TEXT}"
            with self.client.post(
                self.discussion_url + "/posts",
                data={**self.discussion_form, "body": body},
                name="post",
                catch_response=True,
            ) as answer:
                if answer.status_code != 200 or f"Load post {self.user.id}-{self.posted}." not in (
                    answer.text
                ):
                    answer.failure(f"post answered {answer.status_code}")
                    return
            self.posted += 1
            run.posts.append(body.strip())

        @locust.task(4)
        def autosave(self) -> None:
            if self.essay_url is None:
                return self.open_essay()
            text = self.essay + f"({self.revision}) " + SENTENCE
            with self.client.post(
                self.essay_url + "/draft",
                data={"body": text, "revision": str(self.revision)},
                headers={
                    "Authorization": f"Bearer {self.essay_token}",
                    "X-CSRF-Token": self.essay_csrf,
                    "Accept": "application/json",
                },
                name="autosave",
                catch_response=True,
            ) as answer:
                if answer.status_code != 200:
                    answer.failure(f"autosave answered {answer.status_code}")
                    return
                self.revision = answer.json()["revision"]
            self.essay = text

        @locust.task(1)
        def submit(self) -> None:
            if self.essay_url is None:
                return self.open_essay()
            self.versions += 1
            text = f"{self.essay}Version {self.versions} by {self.user.id}."
            with self.client.post(
                self.essay_url + "/submit",
                data={
                    "lti_token": self.essay_token,
                    "csrf_token": self.essay_csrf,
                    "request_key": self.request_key,
                    "body": text,
                },
                name="submit",
                catch_response=True,
            ) as answer:
                if answer.status_code != 200 or "Your receipt is" not in answer.text:
                    answer.failure(f"submit answered {answer.status_code}")
                    return
                page = Page(answer.text)
                self.request_key = page.number(REQUEST_KEY)
                self.revision = int(page.number(REVISION))  # the draft is what was submitted
            self.essay = text + " "
            run.essays.append(text.strip())

    return Learner


# ----------------------------------------------------------------------------- one setup


@dataclass
class Outcome:
    setup: str
    seconds: float
    ms: dict[str, list[float]]
    errors: dict[str, list[str]]
    warmup_errors: list[str]
    integrity: dict[str, int]
    cpu: dict[str, float]  # seconds, by part
    load: list[float]

    @property
    def tool_requests(self) -> int:
        """HTTP requests the tool answered: a launch is two (login and the id_token POST)."""
        answered = {kind: len(self.ms[kind]) + len(self.errors[kind]) for kind in KINDS}
        return sum(answered.values()) + answered["launch"]


def place_activities(platform: Platform, users: int) -> None:
    for section in range((users + SECTION - 1) // SECTION):
        course = f"load-course-{section}"
        platform.resource_link(
            course,
            f"discussion-{section}",
            custom={
                "activity": f"scenario:{SCENARIO}",
                "grading": "participation",
                "grading_target": str(GRADING_TARGET),
            },
        )
        platform.resource_link(
            course, f"essay-{section}", custom={"activity": f"assignment:{ESSAY}"}
        )


def cpu_seconds(pids: set[int]) -> dict[int, float]:
    """user + system CPU seconds of each of ``pids`` still running."""
    seconds = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        seconds[pid] = times.user + times.system
    return seconds


def tree(root: int) -> set[int]:
    try:
        process = psutil.Process(root)
        return {root, *(child.pid for child in process.children(recursive=True))}
    except psutil.Error:
        return set()


def postgres_backends(database_settings: dict[str, str], application_name: str) -> set[int]:
    if "postgresql" not in database_settings["DATABASE_URL"]:
        return set()
    from sqlalchemy import create_engine, text

    from bench.launch import POSTGRES_URL

    engine = create_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            return set(
                connection.execute(
                    text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                    {"name": application_name},
                ).scalars()
            )
    finally:
        engine.dispose()


def drive(run: Run, args: argparse.Namespace, parts: dict[str, callable]) -> tuple[float, dict]:
    """Spawn the learners, warm up, measure; returns the window's seconds and CPU by part."""
    environment = Environment(user_classes=[learner_class(run)], host=run.url)
    environment.events.request.add_listener(run.record)
    runner = environment.create_local_runner()
    runner.start(args.users, spawn_rate=max(1.0, args.users / max(1.0, args.warmup / 2)))
    gevent.sleep(args.warmup)
    before = {name: cpu_seconds(pids()) for name, pids in parts.items()}
    run.load = [os.getloadavg()[0]]
    run.measuring = True
    started = time.perf_counter()
    gevent.sleep(args.duration)
    run.measuring = False
    seconds = time.perf_counter() - started
    after = {name: cpu_seconds(pids()) for name, pids in parts.items()}
    run.load.append(os.getloadavg()[0])
    runner.quit()
    cpu = {
        name: sum(used - before[name].get(pid, 0.0) for pid, used in after[name].items())
        for name in parts
    }
    return seconds, cpu


def settle_grades(database_settings: dict[str, str], within: float = 120) -> None:
    """Wait until no grade is pending (the worker delivers what the run released)."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from lti_tool.db import make_engine
    from lti_tool.grades.models import PENDING, GradeDelivery

    engine = make_engine(
        database_settings["DATABASE_URL"], schema=database_settings.get("DATABASE_SCHEMA")
    )
    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline:
            with Session(engine) as session:
                pending = session.scalar(select(func.count()).where(GradeDelivery.state == PENDING))
            if not pending:
                return
            gevent.sleep(0.5)
    finally:
        engine.dispose()


def check(run: Run, database_settings: dict[str, str]) -> dict[str, int]:
    """The integrity counts (see the module's docstring)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from lti_tool.assignments.models import Submission
    from lti_tool.db import make_engine
    from lti_tool.discussions.models import Post
    from lti_tool.grades.delivery import iso
    from lti_tool.grades.models import GradeDelivery
    from lti_tool.models import User

    posts = stored_counts(database_settings, Post.body, run.posts)
    essays = stored_counts(database_settings, Submission.body, run.essays)
    engine = make_engine(
        database_settings["DATABASE_URL"], schema=database_settings.get("DATABASE_SCHEMA")
    )
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(GradeDelivery.state, User.sub, GradeDelivery.released_at).join(
                    User, User.id == GradeDelivery.user_pk
                )
            ).all()
    finally:
        engine.dispose()
    received = defaultdict(int)
    for score in run.platform.scores_for():
        received[(score["userId"], score["timestamp"])] += 1
    delivered = [(sub, iso(released)) for state, sub, released in rows if state == "delivered"]
    superseded = [(sub, iso(released)) for state, sub, released in rows if state == "superseded"]
    known = {(sub, iso(released)) for _state, sub, released in rows}
    return {
        "posts": len(run.posts),
        "posts once": sum(1 for count in posts.values() if count == 1),
        "posts lost": sum(1 for count in posts.values() if count == 0),
        "posts twice": sum(1 for count in posts.values() if count > 1),
        "essays": len(run.essays),
        "essays once": sum(1 for count in essays.values() if count == 1),
        "essays lost": sum(1 for count in essays.values() if count == 0),
        "essays twice": sum(1 for count in essays.values() if count > 1),
        "grades": len(rows),
        "delivered": len(delivered),
        "superseded": sum(1 for state, *_ in rows if state == "superseded"),
        "pending": sum(1 for state, *_ in rows if state == "pending"),
        "failed": sum(1 for state, *_ in rows if state == "failed"),
        "received once": sum(1 for key in delivered if received.get(key) == 1),
        "received twice": sum(1 for key in delivered if received.get(key, 0) > 1),
        "not received": sum(1 for key in delivered if key not in received),
        # Superseded while its POST was under way: sent, then replaced by the later grade.
        "superseded, received": sum(1 for key in superseded if key in received),
        "received, unknown": len(set(received) - known),
    }


def bench(setup: str, args: argparse.Namespace) -> Outcome:
    proxy_port = free_port()
    url = f"http://127.0.0.1:{proxy_port}"
    application_name = "lti_load_" + uuid.uuid4().hex[:8]
    kind = "postgresql" if setup == "postgresql" else "sqlite"
    with Platform() as platform, database(kind) as db_settings, processes() as started:
        if setup == "postgresql":
            import redis

            redis.Redis.from_url(REDIS_URL).flushdb()  # the load test's own database
            db_settings = {
                **db_settings,
                "DATABASE_URL": f"{db_settings['DATABASE_URL']}?application_name={application_name}",
            }
            settings = tool_settings(url, db_settings, REDIS_URL=REDIS_URL, GRADE_WORKER="external")
        else:
            settings = tool_settings(url, db_settings, GRADE_WORKER="embedded")
        prepare_tool(settings, platform, url)
        learners = add_learners(platform, args.users, prefix="load")
        place_activities(platform, args.users)  # courses enrol the platform's users
        run = Run(url, platform, (args.think_min, args.think_max), learners)
        if setup == "postgresql":
            tools = [free_port(), free_port()]
            web = [started.tool(f"tool-{n}", port, settings) for n, port in enumerate(tools)]
            worker = started.worker(settings)
            proxy = started.proxy(proxy_port, tools)
            parts = {
                "tool": lambda: set().union(*(tree(p.pid) for p in web)),
                "worker": lambda: tree(worker.pid),
                "proxy": lambda: tree(proxy.pid),
                "postgresql": lambda: postgres_backends(db_settings, application_name),
            }
        else:
            single = started.single(proxy_port, settings)
            parts = {"tool": lambda: tree(single.pid)}
        parts["locust and the platform"] = lambda: {os.getpid()}
        seconds, cpu = drive(run, args, parts)
        settle_grades(db_settings)
        integrity = check(run, db_settings)
    label = (
        "PostgreSQL + Redis, 2 tools behind a proxy"
        if setup == "postgresql"
        else "SQLite, 1 process"
    )
    return Outcome(label, seconds, run.ms, run.errors, run.warmup_errors, integrity, cpu, run.load)


# ----------------------------------------------------------------------------- the report


def report(outcomes: list[Outcome], args: argparse.Namespace) -> bool:
    print(
        f"\n{args.users} learners, {args.duration:g} s measured after {args.warmup:g} s of "
        f"warm-up; think time {args.think_min:g}-{args.think_max:g} s; {os.cpu_count()} cores "
        "shared by locust, the platform, the proxy, the databases and the tool"
    )
    print(
        f"{'setup':<44} {'kind':<9} {'requests':>8} {'errors':>6} {'req/s':>6}"
        f" {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    )
    good = True
    for outcome in outcomes:
        total = 0
        for kind in KINDS:
            ms, errors = outcome.ms[kind], outcome.errors[kind]
            total += len(ms) + len(errors)
            p95 = percentile(ms, 0.95)
            good = good and not errors and p95 < 250
            print(
                f"{outcome.setup:<44} {kind:<9} {len(ms) + len(errors):>8} {len(errors):>6}"
                f" {(len(ms) + len(errors)) / outcome.seconds:>6.1f}"
                f" {percentile(ms, 0.5):>7.1f} {p95:>7.1f} {percentile(ms, 0.99):>7.1f}"
            )
            if errors:
                print(f"    first error: {errors[0]}")
            if kind == "launch":
                share = outcome.ms[TOOL_SHARE]
                print(
                    f"    of which the tool's two answers (login, id_token POST): p50 "
                    f"{percentile(share, 0.5):.1f}, p95 {percentile(share, 0.95):.1f}, p99 "
                    f"{percentile(share, 0.99):.1f} ms"
                )
        print(f"{outcome.setup:<44} {'all':<9} {total:>8} {'':>6} {total / outcome.seconds:>6.1f}")
        if outcome.warmup_errors:
            print(f"    warm-up errors: {len(outcome.warmup_errors)}: {outcome.warmup_errors[0]}")
        i = outcome.integrity
        print(
            f"    integrity: posts accepted {i['posts']}, stored once {i['posts once']}, lost "
            f"{i['posts lost']}, twice {i['posts twice']}; essays accepted {i['essays']}, "
            f"stored once {i['essays once']}, lost {i['essays lost']}, twice {i['essays twice']}"
        )
        print(
            f"    grades: released {i['grades']}, delivered {i['delivered']} (received once "
            f"{i['received once']}, twice {i['received twice']}, not received "
            f"{i['not received']}), superseded {i['superseded']} (of which sent before a "
            f"later grade replaced them {i['superseded, received']}), pending {i['pending']}, "
            f"failed {i['failed']}; scores of no released grade {i['received, unknown']}"
        )
        good = good and i["posts"] == i["posts once"] and i["essays"] == i["essays once"]
        good = good and i["delivered"] == i["received once"] and not i["pending"] + i["failed"]
        good = good and not i["received, unknown"]
        requests_answered = outcome.tool_requests
        tool_cpu = outcome.cpu["tool"] + outcome.cpu.get("worker", 0.0)
        per_request = tool_cpu / requests_answered * 1000 if requests_answered else float("nan")
        parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in outcome.cpu.items())
        print(
            f"    CPU over the window: {parts}; tool (web and worker) {per_request:.1f} ms per "
            f"tool request ({requests_answered} requests, a launch counting two); the host's "
            f"load average {outcome.load[0]:.1f} at the start, {outcome.load[-1]:.1f} at the end"
        )
        per_learner = tool_cpu / outcome.seconds / args.users  # CPU seconds per learner-second
        if "postgresql" in outcome.cpu:
            serving = tool_cpu + outcome.cpu["proxy"] + outcome.cpu["postgresql"]
            everything = serving / outcome.seconds / args.users
            print(
                f"    one {HOST_CORES}-core host at {HOST_BUSY:.0%} CPU runs the tool for about "
                f"{HOST_CORES * HOST_BUSY / per_learner:,.0f} learners working like these "
                f"(PostgreSQL and Redis elsewhere); about "
                f"{HOST_CORES * HOST_BUSY / everything:,.0f} with the proxy and PostgreSQL on it"
            )
        else:
            print(
                f"    one process on SQLite uses one core at most (one interpreter, one writer): "
                f"about {HOST_BUSY / per_learner:,.0f} learners working like these"
            )
    return good


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--setup", choices=["both", "postgresql", "sqlite"], default="both", help="which setup"
    )
    parser.add_argument("--users", type=int, default=200, help="simulated learners")
    parser.add_argument("--duration", type=float, default=120, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=30, help="seconds before measuring")
    parser.add_argument("--think-min", type=float, default=2.0, help="shortest think time, s")
    parser.add_argument("--think-max", type=float, default=8.0, help="longest think time, s")
    args = parser.parse_args(argv)
    setups = ["postgresql", "sqlite"] if args.setup == "both" else [args.setup]
    outcomes = [bench(setup, args) for setup in setups]
    return 0 if report(outcomes, args) else 1


if __name__ == "__main__":
    raise SystemExit(main())
