"""What makes a launch cheap (issue 13) without making it less safe.

A launch's record commits without waiting for the disk only when the launch sessions live
in the same database, and only for its own transaction; the launch cache's connections
never wait for it; a pooled PostgreSQL connection is pinged only when the server has
spoken since its last use, and one the server closed is still replaced; a launch whose
platform keys are kept opens no HTTP session.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, event, text

from lti_tool import db
from lti_tool.launches import LaunchRecorder
from lti_tool.lti import pylti_glue
from tests.lti_platform import launch

from .conftest import tool_settings

SQLITE_FULL, SQLITE_NORMAL = 2, 1


def durability(connection) -> str | int:
    if connection.dialect.name == "sqlite":
        return connection.exec_driver_sql("PRAGMA synchronous").scalar_one()
    return connection.exec_driver_sql("SHOW synchronous_commit").scalar_one()


def statements_of(app):
    seen: list[str] = []
    event.listen(
        app.extensions["lti_tool.engine"],
        "before_cursor_execute",
        lambda _conn, _cursor, statement, *_args: seen.append(statement),
    )
    return seen


def test_a_relaxed_commit_is_relaxed_for_its_own_transaction_only(app):
    with app.app_context():
        session = db.new_session()
        db.relax_durability(session)
        relaxed = durability(session.connection())
        session.commit()
        session.close()
        with db.engine().connect() as connection:  # the pool's one connection, back again
            after = durability(connection)
        dialect = db.engine().dialect.name

    if dialect == "sqlite":
        assert (relaxed, after) == (SQLITE_NORMAL, SQLITE_FULL)
    else:
        assert (relaxed, after) == ("off", "on")


def test_the_launch_cache_commits_without_waiting_for_the_disk(app):
    cache = app.extensions["lti_tool.cache"]
    cache.set("k", "v", 60)

    with cache._engine.connect() as connection:
        assert durability(connection) in (SQLITE_NORMAL, "off")
    assert cache.take("k") == "v"
    assert cache.take("k") is None


def test_a_launch_record_waits_for_the_disk_when_redis_holds_the_sessions(database, redis_url):
    from lti_tool import create_app

    app = create_app(tool_settings(database, REDIS_URL=redis_url))
    try:
        with app.app_context():
            db.upgrade(db.engine())
            session = db.get_session()
            assert LaunchRecorder(session)._durable
    finally:
        app.extensions["lti_tool.engine"].dispose()


def test_a_launch_record_does_not_wait_for_the_disk_when_the_sessions_are_beside_it(
    connected,
):
    seen = statements_of(connected.app)

    assert launch(connected.platform).status_code == 200

    relaxing = [s for s in seen if "synchronous" in s]
    assert len(relaxing) == 1, seen


def test_a_launch_whose_platform_keys_are_kept_opens_no_http_session(connected, monkeypatch):
    assert launch(connected.platform).status_code == 200  # keys fetched (a session opened)
    opened: list[object] = []
    real = pylti_glue.http_session
    monkeypatch.setattr(pylti_glue, "http_session", lambda: opened.append(1) or real())

    assert launch(connected.platform).status_code == 200

    assert opened == []


# ------------------------------------------------------------------ PostgreSQL pre-ping


@pytest.fixture
def pg_engine(postgres_url):
    """An engine as the tool makes it, counting the pings that reach the server."""
    engine = db.make_engine(postgres_url)
    pings: list[object] = []
    dialect = engine.dialect

    def counted_ping(connection) -> bool:
        pings.append(connection)
        return type(dialect).do_ping(dialect, connection)

    dialect.do_ping = db._ping_when_readable(counted_ping)  # type: ignore[method-assign]
    engine.pings = pings  # type: ignore[attr-defined]
    yield engine
    engine.dispose()


def test_an_idle_postgresql_connection_is_reused_without_a_ping(pg_engine):
    for _ in range(4):
        with pg_engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    assert pg_engine.pings == []


def test_a_postgresql_connection_closed_by_the_server_is_pinged_and_replaced(
    pg_engine, postgres_url
):
    with pg_engine.connect() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    admin = create_engine(postgres_url)
    try:
        with admin.begin() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()
    time.sleep(0.2)  # the server's farewell reaches the socket

    with pg_engine.connect() as connection:
        replaced = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()

    assert len(pg_engine.pings) == 1
    assert replaced != pid
