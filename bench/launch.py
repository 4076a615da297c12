"""Launch benchmark of the LTI tool: complete LTI 1.3 launches per second, and the p50/p95 time
of one launch, against the test platform of ``tests/lti_platform`` over loopback HTTP.

One launch is what a learner's browser does: the login initiation (GET /lti/login, answered
with a redirect), the platform's authorization endpoint (answered with the id_token form),
and the launch POST (/lti/launch, answered with the landing page). Reported per launch:

- ``launch p50/p95``: the three requests end to end, as the client sees them;
- ``tool p50/p95``: the tool's share, the login and launch requests alone.

The platform's keys are cached by the tool: a warm-up runs first, and the platform counts
its JWKS requests during the measured launches (``jwks``; expected 0).

Configurations: SQLite and PostgreSQL; the tool in one process (threaded werkzeug) or under
gunicorn with 2 workers and Redis as the shared cache. The tool always runs in a process of its
own, the platform and the clients in this one. Every loop is bounded by a launch count and a
time limit; all traffic stays on 127.0.0.1.

    .venv/bin/python bench/launch.py                       # every configuration
    .venv/bin/python bench/launch.py --db sqlite --server single --launches 200
    .venv/bin/python bench/launch.py --versus-example      # issue 13: against PyLTI1p3's example

``--versus-example`` runs the same platform sequence (login initiation, authorization, id_token
POST) against this tool (on SQLite and on PostgreSQL, or the one ``--db`` names) and against a
baseline as small as the PyLTI1p3 Flask example (``bench/pylti1p3_baseline``, PyLTI1p3 2.0.0 in a
virtual environment of its own made on first use in ``bench/.venv-pylti1p3``), each under
gunicorn with one sync worker, in rounds of sequential launches whose order changes from round
to round; it prints the median and p95 per launch end to end and for the tool's two answers,
the example's median over each one's, and the SQL statements this tool issues per login and
per launch (on PostgreSQL also the round trips, from libpq's protocol trace).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench._clients import stop, wait_answers  # noqa: E402
from tests.lti_platform import Platform, start_launch  # noqa: E402
from tests.lti_platform.model import DEFAULT_USERS  # noqa: E402

POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
SECRET = "bench-secret-key"


@dataclass
class Result:
    name: str
    launches: int
    failures: int
    seconds: float
    launch_ms: list[float]
    tool_ms: list[float]
    jwks_requests: int
    first_failure: str = ""

    @property
    def per_second(self) -> float:
        return (self.launches - self.failures) / self.seconds if self.seconds else 0.0


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ----------------------------------------------------------------------------- the tool


@contextmanager
def database(kind: str) -> Iterator[dict[str, str]]:
    """Settings for an empty database of ``kind``, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="lti-bench-") as folder:
            yield {"DATABASE_URL": f"sqlite:///{folder}/tool.sqlite"}
        return
    from tests.lti_tool.databases import temporary_postgres_schema

    with temporary_postgres_schema(POSTGRES_URL, "lti_bench_") as settings:
        yield settings


def prepare_tool(settings: dict[str, str], platform: Platform, tool_url: str) -> str:
    """Migrate the database and register the platform in it, as an administrator would;
    returns the client id the platform gave the tool."""
    from lti_tool import create_app, db
    from lti_tool.keys import KeyStore
    from tests.lti_tool.registering import register_in_tool

    app = create_app(settings)
    with app.app_context():
        db.upgrade(db.engine())
        KeyStore(db.get_session()).signing_key()  # the tool's key pair, made on first run
        tool = platform.register_tool_at(tool_url)
    register_in_tool(app, platform, tool.client_id)
    app.extensions["lti_tool.engine"].dispose()
    return tool.client_id


def serve_single(port: int) -> None:
    """``--serve-single``: the tool alone in this process, on a threaded werkzeug server."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    from lti_tool import create_app

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: object) -> None:
            pass

    make_server(
        "127.0.0.1", port, create_app(), threaded=True, request_handler=Quiet
    ).serve_forever()


@contextmanager
def tool_process(server: str, port: int, settings: dict[str, str]) -> Iterator[None]:
    env = {**os.environ, **settings}
    if server == "single":
        command = [sys.executable, str(Path(__file__).resolve()), "--serve-single", str(port)]
    else:
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "lti_tool:create_app()",
        ]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    try:
        wait_answers(f"http://127.0.0.1:{port}/lti/jwks.json", process, within=30)
        yield
    finally:
        stop(process)


# ----------------------------------------------------------------------------- the launches


#: What this tool's launch page holds (the example's differs: ``timed_launch``'s ``marker``).
LAUNCH_PAGE = 'id="launch-user"'


def run_launches(
    platform: Platform, count: int, concurrency: int, time_limit: float
) -> tuple[list[tuple[float, float]], list[str], float]:
    """``count`` launches on ``concurrency`` client threads, stopping early at ``time_limit``."""
    deadline = time.monotonic() + time_limit

    def task(number: int) -> tuple[float, float] | str:
        if time.monotonic() > deadline:
            return "skipped: time limit"
        try:
            return timed_launch(platform, None, LAUNCH_PAGE, number)
        except Exception as error:  # a failed launch is counted and reported, not raised
            return f"{type(error).__name__}: {error}"

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        outcomes = list(pool.map(task, range(count)))
    elapsed = time.perf_counter() - started
    timings = [outcome for outcome in outcomes if isinstance(outcome, tuple)]
    failures = [outcome for outcome in outcomes if isinstance(outcome, str)]
    return timings, failures, elapsed


def bench(db_kind: str, server: str, args: argparse.Namespace) -> Result:
    name = f"{db_kind:<10} {'1 process (werkzeug, threaded)' if server == 'single' else 'gunicorn, 2 workers + Redis':<32}"
    port = free_port()
    tool_url = f"http://127.0.0.1:{port}"
    with Platform() as platform, database(db_kind) as db_settings:
        settings = {
            "LTI_TOOL_ENV": "development",
            "SECRET_KEY": SECRET,
            "LTI_TOOL_URL": tool_url,
            # One client address makes every launch: the per-address limit would throttle
            # the benchmark, not measure the tool.
            "LTI_LOGIN_RATE_LIMIT_PER_ADDRESS": "off",
            "LTI_LOGIN_RATE_LIMIT_PER_ISSUER": "off",
            **db_settings,
        }
        if server == "gunicorn":
            settings["REDIS_URL"] = REDIS_URL
        prepare_tool(settings, platform, tool_url)
        with tool_process(server, port, settings):
            _, warmup_failures, _ = run_launches(platform, args.warmup, args.concurrency, 60)
            if warmup_failures:
                return Result(
                    name,
                    args.warmup,
                    len(warmup_failures),
                    1,
                    [],
                    [],
                    0,
                    first_failure=warmup_failures[0],
                )
            jwks_before = platform.recorded.jwks_requests
            timings, failures, elapsed = run_launches(
                platform, args.launches, args.concurrency, args.time_limit
            )
            jwks_during = platform.recorded.jwks_requests - jwks_before
    return Result(
        name,
        len(timings) + len(failures),
        len(failures),
        elapsed,
        [total for total, _ in timings],
        [tool for _, tool in timings],
        jwks_during,
        first_failure=failures[0] if failures else "",
    )


# ----------------------------------------------------------------------------- versus the example

EXAMPLE = "PyLTI1p3 example"
BASELINE_VENV = ROOT / "bench" / ".venv-pylti1p3"
BASELINE_APP = ROOT / "bench" / "pylti1p3_baseline"
BASELINE_REQUIREMENTS = ["PyLTI1p3==2.0.0", "flask>=3,<4", "flask-caching>=2,<3", "gunicorn>=22"]


def baseline_python() -> Path:
    """The baseline's own virtual environment (PyLTI1p3 2.0.0), made on first use."""
    python = BASELINE_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(BASELINE_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *BASELINE_REQUIREMENTS], check=True
        )
    return python


def baseline_config(folder: Path, platform: Platform, tool) -> Path:
    """The baseline's registration file and key pair, as the example keeps them."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = folder / "private.key"
    public = folder / "public.key"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    config = folder / "tool.json"
    config.write_text(
        json.dumps(
            {
                platform.issuer: [
                    {
                        "default": True,
                        "client_id": tool.client_id,
                        "auth_login_url": platform.auth_login_url,
                        "auth_token_url": platform.auth_token_url,
                        "key_set_url": platform.key_set_url,
                        "private_key_file": str(private),
                        "public_key_file": str(public),
                        "deployment_ids": [tool.deployment_id],
                    }
                ]
            }
        )
    )
    return config


@contextmanager
def gunicorn_process(
    python: Path, app: str, port: int, env: dict[str, str], cwd: Path, ready_path: str
) -> Iterator[None]:
    command = [
        str(python.with_name("gunicorn")),
        "--workers",
        "1",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        app,
    ]
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=cwd)
    try:
        wait_answers(f"http://127.0.0.1:{port}{ready_path}", process, any_status=True)
        yield
    finally:
        stop(process)


def timed_launch(
    platform: Platform, client_id: str | None, marker: str, number: int
) -> tuple[float, float]:
    """One complete launch (a fresh browser): (end to end, the tool's two answers) in ms.

    A fresh cookie jar per launch: the tool leaves each launch's OIDC state cookies in the
    browser until they expire (5 minutes), so one client reused for hundreds of launches
    would measure an ever-growing Cookie header, and gunicorn refuses it (431) after ~80.
    ``client_id`` ``None``: the platform's only tool.
    """
    started = time.perf_counter()
    with requests.Session() as session:
        attempt = start_launch(
            platform,
            session,
            client_id=client_id,
            user=DEFAULT_USERS[number % len(DEFAULT_USERS)],
            course_id=f"course-{number % 5}",
            resource_link_id=f"activity-{number % 3}",
        )
        answer = attempt.post()
    if answer.status_code != 200 or marker not in answer.text:
        raise RuntimeError(f"launch answered {answer.status_code}: {answer.text[:200]!r}")
    tool = (attempt.login_response.elapsed + answer.elapsed).total_seconds() * 1000
    return (time.perf_counter() - started) * 1000, tool


@dataclass
class Cost:
    """What one login and one launch ask of the database (in process, keys already kept)."""

    login_statements: int
    launch_statements: int
    login_round_trips: int | None = None  # PostgreSQL only: answers waited for
    launch_round_trips: int | None = None

    def describe(self) -> str:
        text = f"{self.login_statements} per login, {self.launch_statements} per launch"
        if self.login_round_trips is not None:
            text += (
                f"; round trips to PostgreSQL (BEGIN, COMMIT and pings included):"
                f" {self.login_round_trips} per login, {self.launch_round_trips} per launch"
            )
        return text


def request_cost(platform: Platform, db_kind: str) -> Cost:
    """SQL statements this tool issues for one login and one launch, and on PostgreSQL
    the round trips (counted in libpq's protocol trace: one per ``ReadyForQuery``)."""
    from sqlalchemy import event

    from lti_tool import create_app
    from tests.lti_platform import start_server

    with database(db_kind) as db_settings, tempfile.TemporaryDirectory() as folder:
        settings = {
            "LTI_TOOL_ENV": "development",
            "SECRET_KEY": SECRET,
            "GRADE_WORKER": "off",
            "LTI_LOGIN_RATE_LIMIT_PER_ADDRESS": "off",
            "LTI_LOGIN_RATE_LIMIT_PER_ISSUER": "off",
            **db_settings,
        }
        app = create_app(settings)
        # The tool's engine and the launch cache's (same database, other connections).
        cache_engine = getattr(app.extensions["lti_tool.cache"], "_engine", None)
        engines = {app.extensions["lti_tool.engine"], cache_engine} - {None}
        trace_path = Path(folder) / "libpq.trace"
        trace = trace_path.open("w")
        if db_kind == "postgresql":
            for engine in engines:
                event.listen(
                    engine,
                    "connect",
                    lambda connection, _record: connection.pgconn.trace(trace.fileno()),
                )
        server = start_server(app)
        try:
            client_id = prepare_tool(settings, platform, server.url)
            timed_launch(platform, client_id, LAUNCH_PAGE, 0)  # keys fetched
            seen: list[str] = []
            for engine in engines:
                event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))

            def round_trips() -> int:
                trace.flush()
                return trace_path.read_text().count("\tReadyForQuery")

            before = round_trips()
            attempt = start_launch(platform, client_id=client_id)
            login, login_trips = len(seen), round_trips() - before
            attempt.post()
            launch, launch_trips = len(seen) - login, round_trips() - before - login_trips
        finally:
            server.stop()
            trace.close()
            app.extensions["lti_tool.engine"].dispose()
        if db_kind != "postgresql":
            return Cost(login, launch)
        return Cost(login, launch, login_trips, launch_trips)


@contextmanager
def worktree(ref: str) -> Iterator[Path]:
    """A checkout of ``ref`` in a temporary folder (``git worktree``), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="lti-bench-ref-") as folder:
        tree = Path(folder) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "--quiet", str(tree), ref], cwd=ROOT, check=True
        )
        try:
            yield tree
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT)


def versus_example(args: argparse.Namespace) -> int:
    python = baseline_python()
    kinds = ["sqlite", "postgresql"] if args.db == "all" else [args.db]
    baseline_port = free_port()
    baseline_url = f"http://127.0.0.1:{baseline_port}"
    with contextlib.ExitStack() as stack:
        platform = stack.enter_context(Platform())
        costs = {kind: request_cost(platform, kind) for kind in kinds}
        contenders: dict[str, tuple[str, str]] = {}
        servers = []
        # This tool on each database; and, for each ``--also-at`` ref, as it was then (a
        # worktree of its own) on SQLite: what the changes since are worth, in the same run.
        tools = [(f"this tool, {kind}", kind, None) for kind in kinds]
        tools += [(f"this tool at {ref[:10]}", "sqlite", ref) for ref in args.also_at or []]
        for name, kind, ref in tools:
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            settings = {
                "LTI_TOOL_ENV": "development",
                "SECRET_KEY": SECRET,
                "LTI_TOOL_URL": url,
                "LTI_LOGIN_RATE_LIMIT_PER_ADDRESS": "off",
                "LTI_LOGIN_RATE_LIMIT_PER_ISSUER": "off",
                "GRADE_WORKER": "off",
                **stack.enter_context(database(kind)),
            }
            contenders[name] = (prepare_tool(settings, platform, url), LAUNCH_PAGE)
            code = ROOT if ref is None else stack.enter_context(worktree(ref))
            servers.append(
                (
                    Path(sys.executable),
                    "lti_tool:create_app()",
                    port,
                    settings,
                    code,
                    "/lti/jwks.json",
                )
            )
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lti-baseline-")))
        baseline = platform.register_tool(
            login_url=baseline_url + "/login/",
            redirect_uris=[baseline_url + "/launch/"],
            target_link_uri=baseline_url + "/launch/",
            name="PyLTI1p3 baseline",
        )
        config = baseline_config(folder, platform, baseline)
        contenders[EXAMPLE] = (baseline.client_id, 'id="baseline-user"')
        servers.append(
            (python, "app:app", baseline_port, {"BASELINE_CONFIG": str(config)}, BASELINE_APP, "/")
        )
        for server in servers:
            stack.enter_context(gunicorn_process(*server))
        timings: dict[str, list[tuple[float, float]]] = {name: [] for name in contenders}
        for client_id, marker in contenders.values():
            for number in range(args.warmup):
                timed_launch(platform, client_id, marker, number)
        # One PostgreSQL round trip (``SELECT 1`` from Python, as the tool waits for one),
        # timed between launches: what the tool's round trips cost under the same load.
        probe = None
        if "postgresql" in kinds:
            import psycopg

            probe = stack.enter_context(
                psycopg.connect(POSTGRES_URL.replace("+psycopg", ""), autocommit=True)
            )
        round_trip_ms: list[float] = []
        for round_number in range(args.rounds):
            # Launches interleaved, one of each in turn, so that every contender meets the
            # same load from the machine's other work; the order changes from round to
            # round, so that none always runs first, or right after another.
            shift = round_number % len(contenders)
            order = list(contenders)[shift:] + list(contenders)[:shift]
            if round_number % 2:
                order.reverse()
            for number in range(args.launches):
                for name in order:
                    client_id, marker = contenders[name]
                    timings[name].append(timed_launch(platform, client_id, marker, number))
                if probe is not None:
                    started = time.perf_counter()
                    probe.execute("SELECT 1").fetchone()
                    round_trip_ms.append((time.perf_counter() - started) * 1000)
    print(
        f"Complete LTI 1.3 launches, sequential, interleaved, {args.rounds} rounds of"
        f" {args.launches} each; gunicorn with 1 sync worker each; {os.cpu_count()} cores"
    )
    print(
        f"{'tool':<24} {'launches':>8} {'median ms':>10} {'p95 ms':>8}"
        f" {'tool median':>12} {'tool p95':>9} {'ratio':>6} {'tool ratio':>11}"
    )
    medians = {
        name: (
            statistics.median(end_to_end for end_to_end, _ in values),
            statistics.median(answers for _, answers in values),
        )
        for name, values in timings.items()
    }
    example = medians[EXAMPLE]
    for name, values in timings.items():
        total = [end_to_end for end_to_end, _ in values]
        tool = [answers for _, answers in values]
        print(
            f"{name:<24} {len(values):>8} {medians[name][0]:>10.1f}"
            f" {percentile(total, 0.95):>8.1f} {medians[name][1]:>12.1f}"
            f" {percentile(tool, 0.95):>9.1f} {example[0] / medians[name][0]:>6.2f}"
            f" {example[1] / medians[name][1]:>11.2f}"
        )
    print(
        "ratio: the example's median / this one's, end to end and for the tool's own two"
        " answers (goal: 2.00 or more)"
    )
    for kind, cost in costs.items():
        print(f"SQL statements of this tool on {kind}: {cost.describe()}")
    if round_trip_ms and {"this tool, sqlite", "this tool, postgresql"} <= set(medians):
        trip = statistics.median(round_trip_ms)
        cost = costs["postgresql"]
        trips = (cost.login_round_trips or 0) + (cost.launch_round_trips or 0)
        difference = medians["this tool, postgresql"][1] - medians["this tool, sqlite"][1]
        print(
            f"PostgreSQL over SQLite, the tool's answers: {difference:+.1f} ms;"
            f" {trips} round trips x {trip:.2f} ms (median SELECT 1 between launches)"
            f" = {trips * trip:.1f} ms"
        )
    return 0


def print_result(result: Result) -> None:
    print(
        f"{result.name} {result.launches:>8} {result.failures:>4} {result.per_second:>9.1f}"
        f" {percentile(result.launch_ms, 0.5):>8.1f} {percentile(result.launch_ms, 0.95):>8.1f}"
        f" {percentile(result.tool_ms, 0.5):>8.1f} {percentile(result.tool_ms, 0.95):>8.1f}"
        f" {result.jwks_requests:>5}",
        flush=True,
    )
    if result.first_failure:
        print(f"    first failure: {result.first_failure[:300]}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "all"], default="all")
    parser.add_argument("--server", choices=["single", "gunicorn", "all"], default="all")
    parser.add_argument("--launches", type=int, default=300, help="measured launches each")
    parser.add_argument("--warmup", type=int, default=20, help="launches before measuring")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--time-limit", type=float, default=90, help="seconds per measurement")
    parser.add_argument("--serve-single", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument(
        "--versus-example", action="store_true", help="against the PyLTI1p3 example (issue 13)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds of launches (versus)")
    parser.add_argument(
        "--also-at",
        action="append",
        metavar="GIT_REF",
        help="also this tool as it was at GIT_REF, on SQLite (versus; repeatable)",
    )
    args = parser.parse_args(argv)
    if args.serve_single:
        serve_single(args.serve_single)
        return 0
    if args.versus_example:
        return versus_example(args)
    databases = ["sqlite", "postgresql"] if args.db == "all" else [args.db]
    servers = ["single", "gunicorn"] if args.server == "all" else [args.server]
    print(
        f"LTI 1.3 launches over loopback: {args.launches} measured after {args.warmup} warm-up,"
        f" {args.concurrency} concurrent clients, {os.cpu_count()} cores"
    )
    print(
        f"{'database':<10} {'tool server':<32} {'launches':>8} {'fail':>4} {'launch/s':>9}"
        f" {'p50 ms':>8} {'p95 ms':>8} {'tool p50':>8} {'tool p95':>8} {'jwks':>5}"
    )
    failed = False
    for db_kind in databases:
        for server in servers:
            result = bench(db_kind, server, args)
            print_result(result)
            failed = failed or result.failures > 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
