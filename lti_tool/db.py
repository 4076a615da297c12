"""The database: one engine per app, one session per request, migrations.

``init_app`` builds the engine from ``DATABASE_URL``; ``get_session()`` gives the
request's session (closed at teardown). ``upgrade()`` applies the Alembic
migrations kept in ``lti_tool/migrations`` — the only way the schema is created.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, *, schema: str | None = None, ephemeral: bool = False) -> Engine:
    """An engine for ``url``; ``schema`` (PostgreSQL only) sets the search path.

    ``ephemeral`` (SQLite): connections for data the tool may lose on a power cut (the
    launch cache: OIDC states, launch sessions, key sets), committed without waiting for
    the disk (``synchronous = NORMAL``). SQLite sets this per connection, so the tool's
    own data, written through the main engine's connections, keeps ``FULL``: each of its
    commits syncs the write-ahead log, the cache's frames in it included.
    """
    connect_args: dict[str, object] = {}
    if url.startswith("sqlite"):
        connect_args["check_same_thread"] = False
    elif schema:
        connect_args["options"] = f"-csearch_path={schema}"
    # hide_parameters: a database error's message would otherwise quote the statement's
    # values (a post, an essay) wherever it is logged or shown.
    engine = create_engine(url, connect_args=connect_args, pool_pre_ping=True, hide_parameters=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            # Several processes share the file: wait for locks, let readers run.
            cursor.execute("PRAGMA busy_timeout = 10000")
            cursor.execute("PRAGMA foreign_keys = ON")
            if ":memory:" not in url and url != "sqlite://":
                cursor.execute("PRAGMA journal_mode = WAL")
                if ephemeral:
                    cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.close()

    return engine


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
