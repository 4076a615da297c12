"""``/healthz``: may a load balancer or an orchestrator send this process traffic?

200 when the database answers, its schema is at the head of the migrations, and Redis
(when ``REDIS_URL`` is set) answers PING; 503 otherwise, naming the check that failed.
The body is small JSON meant for machines and for the operator reading it: it names
what failed and the kind of error, never a URL, a host or an error's own message (a
driver's message may quote its connection string). Details go to the log.

No launch token is needed and nothing is cached: each call checks again. Each check
is bounded (Redis: 2 s; the database: its driver's connect time-out), so a probe with
a time-out of a few seconds gets an answer.
"""

from __future__ import annotations

import functools
import logging

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import Engine, text

from . import db

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)

EXTENSION = "lti_tool.health"
#: Seconds Redis gets to connect and to answer PING.
REDIS_TIMEOUT = 2.0


class HealthChecks:
    """What ``/healthz`` checks, for one app: the migration heads are read from the
    migration scripts once, at the first check, and Redis gets a client (and pool) of
    its own with short time-outs rather than the launch cache's."""

    def __init__(self, engine: Engine, redis_client: object | None) -> None:
        self.engine = engine
        self.redis = redis_client

    @functools.cached_property
    def migration_heads(self) -> frozenset[str]:
        return frozenset(ScriptDirectory.from_config(db.alembic_config(self.engine)).get_heads())

    @classmethod
    def for_app(cls, app: Flask) -> HealthChecks:
        redis_client = None
        if app.config.get("REDIS_URL"):
            import redis

            redis_client = redis.Redis.from_url(
                app.config["REDIS_URL"],
                socket_connect_timeout=REDIS_TIMEOUT,
                socket_timeout=REDIS_TIMEOUT,
            )
        return cls(app.extensions["lti_tool.engine"], redis_client)

    def run(self) -> dict[str, str]:
        """Each check's result: ``ok``, ``not configured``, or what went wrong."""
        return {**self.database(), "redis": self.redis_ping()}

    def database(self) -> dict[str, str]:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
                current = frozenset(MigrationContext.configure(connection).get_current_heads())
        except Exception as error:  # any failure to reach the database is the answer
            log.warning("health: the database is unreachable (%s)", type(error).__name__)
            return {"database": f"unreachable ({type(error).__name__})", "migrations": "unknown"}
        if current == self.migration_heads:
            return {"database": "ok", "migrations": "ok"}
        found = ", ".join(sorted(current)) or "none"
        wanted = ", ".join(sorted(self.migration_heads))
        log.warning(
            "health: the database is at revision %s, the code at %s: run 'lti-tool db upgrade'",
            found,
            wanted,
        )
        return {"database": "ok", "migrations": f"database at {found}, code at {wanted}"}

    def redis_ping(self) -> str:
        if self.redis is None:
            return "not configured"
        try:
            self.redis.ping()  # type: ignore[attr-defined]
        except Exception as error:
            log.warning("health: Redis is unreachable (%s)", type(error).__name__)
            return f"unreachable ({type(error).__name__})"
        return "ok"


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = HealthChecks.for_app(app)
    app.register_blueprint(bp)


@bp.get("/healthz")
def healthz():
    checks = current_app.extensions[EXTENSION].run()
    healthy = all(result in ("ok", "not configured") for result in checks.values())
    response = jsonify({"status": "ok" if healthy else "failing", "checks": checks})
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
