"""Where the grade queue lives, seen from a deployment: a file beside a SQLite database (one
host), Redis otherwise; a file queue under a shared database is named in a warning, since the
jobs of one host's web processes would reach only that host's workers."""

from __future__ import annotations

import logging

from lti_tool.grades.jobs import make_huey


def test_a_file_queue_under_a_shared_database_is_warned_about(app, database, caplog):
    caplog.set_level(logging.WARNING, logger="lti_tool.grades.jobs")
    app.config["REDIS_URL"] = None

    make_huey(app)

    warned = [r.getMessage() for r in caplog.records if r.name == "lti_tool.grades.jobs"]
    if database["DATABASE_URL"].startswith("sqlite"):
        assert warned == []
    else:
        (warning,) = warned
        assert "a file on this host" in warning and "set REDIS_URL" in warning


def test_a_redis_queue_is_no_file_and_no_warning(app, redis_url, caplog):
    caplog.set_level(logging.WARNING, logger="lti_tool.grades.jobs")
    app.config["REDIS_URL"] = redis_url

    huey = make_huey(app)

    assert type(huey).__name__ == "RedisHuey"
    assert not [r for r in caplog.records if r.name == "lti_tool.grades.jobs"]
