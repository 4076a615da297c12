"""``/healthz``: 200 when the database, its migrations and Redis are fine; 503 naming
what is not, without secrets; no launch needed; never cached."""

from __future__ import annotations

import socket

from lti_tool import create_app, db

from .conftest import tool_settings


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def migrated_app(database, **overrides):
    app = create_app(tool_settings(database, **overrides))
    with app.app_context():
        db.upgrade(db.engine())
    return app


def test_a_migrated_database_is_healthy(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "redis": "not configured"},
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_healthy_with_redis_configured_and_answering(database, redis_url):
    app = migrated_app(database, REDIS_URL=redis_url)

    response = app.test_client().get("/healthz")

    assert response.status_code == 200
    assert response.json["checks"]["redis"] == "ok"
    app.extensions["lti_tool.engine"].dispose()


def test_a_database_not_yet_migrated_is_unhealthy(database):
    app = create_app(tool_settings(database))

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.json["status"] == "failing"
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["migrations"].startswith("database at none, code at ")
    assert response.headers["Cache-Control"] == "no-store"
    app.extensions["lti_tool.engine"].dispose()


def test_a_database_behind_the_code_is_unhealthy(app, client):
    with app.app_context():
        db.downgrade(db.engine(), "-1")

    response = client.get("/healthz")

    assert response.status_code == 503
    assert "code at" in response.json["checks"]["migrations"]


def test_redis_unreachable_is_unhealthy_and_no_url_is_shown(database):
    url = f"redis://:hunter2-password@127.0.0.1:{closed_port()}/0"
    app = migrated_app(database, REDIS_URL=url)

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.json["checks"]["redis"] == "unreachable (ConnectionError)"
    assert response.json["checks"]["database"] == "ok"
    assert "hunter2" not in response.text and "127.0.0.1" not in response.text
    app.extensions["lti_tool.engine"].dispose()


def test_an_unreachable_database_is_unhealthy_and_no_url_is_shown():
    url = f"postgresql+psycopg://tool:hunter2-password@127.0.0.1:{closed_port()}/tool"
    app = create_app(tool_settings({"DATABASE_URL": url}))

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.json["checks"] == {
        "database": "unreachable (OperationalError)",
        "migrations": "unknown",
        "redis": "not configured",
    }
    assert "hunter2" not in response.text and "127.0.0.1" not in response.text


def test_health_needs_no_launch_and_accepts_only_get_and_head(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
