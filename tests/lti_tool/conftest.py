"""Fixtures for the tool's tests: ``app``, ``client``, ``runner`` (flaskr style), the
database backends, and ``live_tool`` / ``connected`` for launches over real HTTP against
the test platform of ``tests/lti_platform``.

Every test that uses ``app`` runs on SQLite and on PostgreSQL (``postgres`` mark). The
PostgreSQL runs use a schema of their own, dropped afterwards, so parallel runs never
meet. Without PostgreSQL or Redis the tests that need them are skipped, except in CI
(``CI`` set), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from click.testing import CliRunner
from flask import Flask

from lti_tool import create_app, db
from lti_tool.cli import main
from tests.lti_platform import Platform, RunningServer
from tests.lti_tool.databases import temporary_postgres_schema
from tests.lti_tool.registering import register_in_tool

POSTGRES_URL = os.environ.get(
    "LTI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("LTI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "test-secret-key"


def unavailable(what: str, error: Exception) -> None:
    message = f"{what} is not reachable: {error}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    import psycopg

    plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        psycopg.connect(plain, connect_timeout=3).close()
    except psycopg.Error as error:
        unavailable("PostgreSQL", error)
    return POSTGRES_URL


@pytest.fixture
def postgres_schema(postgres_url: str) -> Iterator[dict[str, str]]:
    """A fresh schema for one test, dropped afterwards."""
    with temporary_postgres_schema(postgres_url, "lti_test_") as settings:
        yield settings


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, tmp_path) -> dict[str, str]:
    """Settings for one empty database of each backend."""
    if request.param == "sqlite":
        return {"DATABASE_URL": f"sqlite:///{tmp_path / 'tool.sqlite'}"}
    return request.getfixturevalue("postgres_schema")


@pytest.fixture
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        unavailable("Redis", error)
    return REDIS_URL


def tool_settings(database: dict[str, str], **overrides: object) -> dict[str, object]:
    # GRADE_WORKER off: released grades wait in the outbox; grade tests deliver them.
    return {
        "LTI_TOOL_ENV": "testing",
        "SECRET_KEY": SECRET,
        "GRADE_WORKER": "off",
        **database,
        **overrides,
    }


@pytest.fixture
def files_dir(tmp_path) -> str:
    """Where the test's tool keeps learners' attached files (outside the instance folder)."""
    return str(tmp_path / "assignment_files")


@pytest.fixture
def app(database, files_dir) -> Iterator[Flask]:
    """The tool on a migrated, empty database."""
    app = create_app(tool_settings(database, ASSIGNMENT_FILES_DIR=files_dir))
    with app.app_context():
        db.upgrade(db.engine())
    yield app
    app.extensions["lti_tool.engine"].dispose()


@pytest.fixture
def client(app: Flask):
    return app.test_client()


class ToolRunner:
    """``lti-tool`` run in-process against the test's database."""

    def __init__(self, env: dict[str, str]) -> None:
        self._runner = CliRunner()
        self._env = env

    def invoke(self, args: list[str], **env: str):
        return self._runner.invoke(main, args, env={**self._env, **env}, catch_exceptions=False)


@pytest.fixture
def runner(app: Flask, database, files_dir) -> ToolRunner:
    env = {
        "LTI_TOOL_ENV": "testing",
        "SECRET_KEY": SECRET,
        "ASSIGNMENT_FILES_DIR": files_dir,
        **database,
    }
    return ToolRunner({key: str(value) for key, value in env.items()})


@pytest.fixture
def live_tool(app: Flask, serve_wsgi) -> RunningServer:
    """The tool over real HTTP as ``http://localhost:<port>`` (another site than the platform)."""
    return serve_wsgi(app, host_name="localhost")


@dataclass
class Connected:
    """A platform and the tool, each registered with the other."""

    platform: Platform
    tool: RunningServer
    app: Flask

    @property
    def client_id(self) -> str:
        return self.platform.tool().client_id

    @property
    def deployment_id(self) -> str:
        return self.platform.tool().deployment_id


def connect(app: Flask, platform: Platform, tool: RunningServer, **register_kwargs) -> Connected:
    """Register the tool in ``platform`` and the platform in the tool, as administrators do."""
    platform.register_tool_at(tool.url, **register_kwargs)
    register_in_tool(app, platform, register_kwargs.get("client_id"))
    return Connected(platform, tool, app)


@pytest.fixture
def connected(app: Flask, lti_platform: Platform, live_tool: RunningServer) -> Connected:
    return connect(app, lti_platform, live_tool)
