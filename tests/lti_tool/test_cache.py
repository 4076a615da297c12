"""The launch cache shared by every thread and process: database or Redis."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from lti_tool import db
from lti_tool.cache import DatabaseCache, RedisCache


@pytest.fixture(params=["database", "redis"])
def cache(request, app):
    if request.param == "database":
        with app.app_context():
            return DatabaseCache(db.engine())
    return RedisCache(request.getfixturevalue("redis_url"), prefix=f"test-{uuid.uuid4().hex}:")


def test_a_value_set_can_be_read_back(cache):
    cache.set("k", {"nonce": "n", "list": [1, 2]}, 60)

    assert cache.get("k") == {"nonce": "n", "list": [1, 2]}


def test_setting_a_key_again_replaces_its_value(cache):
    cache.set("k", 1, 60)
    cache.set("k", 2, 60)

    assert cache.get("k") == 2


def test_an_expired_value_is_gone(cache):
    cache.set("k", "v", 1)
    time.sleep(1.1)

    assert cache.get("k") is None
    assert cache.take("k") is None


def test_take_returns_a_value_once(cache):
    cache.set("k", "v", 60)

    assert cache.take("k") == "v"
    assert cache.take("k") is None
    assert cache.get("k") is None


def test_of_many_threads_taking_the_same_key_exactly_one_gets_it(cache):
    cache.set("state", "s", 60)
    results: list[object] = []
    barrier = threading.Barrier(8)

    def take():
        barrier.wait()
        results.append(cache.take("state"))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results.count("s") == 1


def test_the_app_uses_redis_when_redis_url_is_set(database, redis_url):
    from lti_tool import create_app

    from .conftest import tool_settings

    app = create_app(tool_settings(database, REDIS_URL=redis_url))

    assert isinstance(app.extensions["lti_tool.cache"], RedisCache)


def test_writes_to_the_database_cache_now_and_then_sweep_out_expired_rows(app, monkeypatch):
    """Expired OIDC states of logins never finished would otherwise pile up: one write in
    fifty also deletes every expired row (here made certain)."""
    from sqlalchemy import select

    from lti_tool.models import CacheEntry

    with app.app_context():
        cache = DatabaseCache(db.engine())
        cache.set("abandoned", "state", 1)
        time.sleep(1.1)
        monkeypatch.setattr(DatabaseCache, "PURGE_PROBABILITY", 1.0)
        cache.set("fresh", "state", 60)

        with db.engine().connect() as connection:
            keys = connection.execute(select(CacheEntry.key)).scalars().all()

    assert "abandoned" not in keys
    assert "fresh" in keys
