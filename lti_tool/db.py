"""The database: one engine per app, one session per request, migrations.

``init_app`` builds the engine from ``DATABASE_URL``; ``get_session()`` gives the
request's session (closed at teardown). ``upgrade()`` applies the Alembic
migrations kept in ``lti_tool/migrations`` — the only way the schema is created.
"""

from __future__ import annotations

import select
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(
    url: str, *, schema: str | None = None, ephemeral: bool = False, autocommit: bool = False
) -> Engine:
    """An engine for ``url``; ``schema`` (PostgreSQL only) sets the search path.

    ``ephemeral``: connections for data the tool may lose on a power cut (the launch cache:
    OIDC states, launch sessions, key sets), committed without waiting for the disk:
    SQLite's ``synchronous = NORMAL``, PostgreSQL's ``synchronous_commit = off``. Both
    set this per connection, so the tool's own data, written through the main engine's
    connections, keeps waiting for the disk; and since both logs are written in order,
    each such commit also makes every ephemeral commit before it durable. A crash loses
    at most the last moments of ephemeral commits, never a part of one, never the file.

    ``autocommit``: each statement is its own transaction (no BEGIN, no COMMIT).
    """
    connect_args: dict[str, object] = {}
    sqlite_file = url.startswith("sqlite") and ":memory:" not in url and url != "sqlite://"
    if url.startswith("sqlite"):
        connect_args["check_same_thread"] = False
    else:
        options = [f"-csearch_path={schema}"] if schema else []
        if ephemeral:
            options.append("-csynchronous_commit=off")
        if options:
            connect_args["options"] = " ".join(options)
    # hide_parameters: a database error's message would otherwise quote the statement's
    # values (a post, an essay) wherever it is logged or shown.
    engine = create_engine(
        url,
        connect_args=connect_args,
        # A connection to a file cannot go stale; one over the network is checked for a
        # close by the server (a restart, pg_terminate_backend) before each use.
        pool_pre_ping=not url.startswith("sqlite"),
        hide_parameters=True,
        **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}),
    )
    if engine.dialect.name != "sqlite":
        engine.dialect.do_ping = _ping_when_readable(engine.dialect.do_ping)  # type: ignore[method-assign]
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "checkin")
        def _restore_durability(dbapi_connection, record):  # see relax_durability
            if record.info.pop(RELAXED, False) and dbapi_connection is not None:
                dbapi_connection.execute("PRAGMA synchronous = FULL")

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            # Several processes share the file: wait for locks, let readers run.
            cursor.execute("PRAGMA busy_timeout = 10000")
            cursor.execute("PRAGMA foreign_keys = ON")
            if sqlite_file:
                cursor.execute("PRAGMA journal_mode = WAL")
                if ephemeral:
                    cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.close()

    return engine


def _ping_when_readable(ping: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """The pool's pre-ping, sent only when the server has said something since the
    connection was last used.

    An idle connection's socket has nothing to read unless the server closed it (a
    restart, ``pg_terminate_backend``, an idle timeout: each sends its reason, then its
    end of stream) or sent a notice. Only then does the ping go out (``SELECT 1``; a
    closed connection fails it and the pool replaces it): a request no longer waits
    for one round trip per connection it checks out. A connection cut without a word
    (a network partition) goes unseen either way, until its next statement times out.
    """

    def ping_when_readable(dbapi_connection: Any) -> bool:
        try:
            poller = select.poll()
            poller.register(dbapi_connection.fileno(), select.POLLIN)
            if not poller.poll(0):
                return True
        except Exception:  # no socket to look at (a driver without one, a closed connection)
            pass  # ask the server, as the pool always did
        return ping(dbapi_connection)

    return ping_when_readable


#: Marks a SQLite connection whose next commits do not wait for the disk, until checkin.
RELAXED = "lti_tool.relaxed_durability"


def relax_durability(session: Session) -> None:
    """Let the commit of ``session``'s transaction return before the disk has it.

    For data that can be lost in a crash without harm (see ``LaunchRecorder``): a crash
    may lose the latest such commits, whole, never a part of one. PostgreSQL:
    ``SET LOCAL synchronous_commit = off``, for this transaction only. SQLite: ``PRAGMA
    synchronous = NORMAL`` on this connection until it goes back to the pool (the setting
    cannot change inside a transaction, so this must come before the transaction's first
    write, and is skipped after one).
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
    elif connection.dialect.name == "sqlite" and not _in_transaction(connection):
        connection.exec_driver_sql("PRAGMA synchronous = NORMAL")
        connection.info[RELAXED] = True


def _in_transaction(connection: Connection) -> bool:
    return bool(getattr(connection.connection.dbapi_connection, "in_transaction", True))


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], schema=app.config.get("DATABASE_SCHEMA"))
    app.extensions["lti_tool.engine"] = engine
    app.extensions["lti_tool.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(close_session)


def engine() -> Engine:
    return current_app.extensions["lti_tool.engine"]


def new_session() -> Session:
    """A session outside the request's own (the caller closes it)."""
    return current_app.extensions["lti_tool.sessionmaker"]()


def get_session() -> Session:
    """The session of the current app context, opened on first use."""
    if "db_session" not in g:
        g.db_session = new_session()
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the migrations up to ``revision`` on ``engine``'s database."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)
