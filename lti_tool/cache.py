"""The launch cache: launch data, OIDC state and nonces, platform key sets.

Shared by every thread and process of the tool. Two backends:

* ``RedisCache`` when ``REDIS_URL`` is set: the choice for several processes or hosts.
* ``DatabaseCache`` otherwise: a table in the tool's own database. It is slower than
  memory but, unlike a per-process dictionary, it is shared by all the gunicorn
  workers and survives restarts, so a login served by one worker and the launch
  served by another still meet. Expired rows are purged as new ones are written.

``take(key)`` reads and deletes a key atomically: it is what makes each OIDC state
and nonce single-use.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any, Protocol

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from .models import CacheEntry


class Cache(Protocol):
    def get(self, key: str) -> Any: ...

    def set(self, key: str, value: Any, exp: int | None = None) -> None: ...

    def take(self, key: str) -> Any: ...

    def delete(self, key: str) -> None: ...


class RedisCache:
    """Values as JSON in Redis, under ``prefix``."""

    def __init__(self, url: str, prefix: str = "lti_tool:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def get(self, key: str) -> Any:
        raw = self._redis.get(self._prefix + key)
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: Any, exp: int | None = None) -> None:
        self._redis.set(self._prefix + key, json.dumps(value), ex=exp or None)

    def take(self, key: str) -> Any:
        raw = self._redis.getdel(self._prefix + key)
        return None if raw is None else json.loads(raw)

    def delete(self, key: str) -> None:
        self._redis.delete(self._prefix + key)


class DatabaseCache:
    """Values as JSON rows in ``cache_entries``; each call is its own short transaction."""

    PURGE_PROBABILITY = 0.02

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, key: str) -> Any:
        now = time.time()
        with self._engine.connect() as connection:
            row = connection.execute(
                select(CacheEntry.value, CacheEntry.expires_at).where(CacheEntry.key == key)
            ).first()
        if row is None or (row.expires_at is not None and row.expires_at <= now):
            return None
        return json.loads(row.value)

    def set(self, key: str, value: Any, exp: int | None = None) -> None:
        expires_at = time.time() + exp if exp else None
        values = {"key": key, "value": json.dumps(value), "expires_at": expires_at}
        dialect = postgresql if self._engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(CacheEntry).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=[CacheEntry.key],
            set_={"value": statement.excluded.value, "expires_at": statement.excluded.expires_at},
        )
        with self._engine.begin() as connection:
            connection.execute(statement)
            if random.random() < self.PURGE_PROBABILITY:
                connection.execute(delete(CacheEntry).where(CacheEntry.expires_at < time.time()))

    def take(self, key: str) -> Any:
        now = time.time()
        with self._engine.begin() as connection:
            row = connection.execute(
                delete(CacheEntry)
                .where(CacheEntry.key == key)
                .returning(CacheEntry.value, CacheEntry.expires_at)
            ).first()
        if row is None or (row.expires_at is not None and row.expires_at <= now):
            return None
        return json.loads(row.value)

    def delete(self, key: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(delete(CacheEntry).where(CacheEntry.key == key))


def make_cache(redis_url: str | None, engine: Engine) -> Cache:
    if redis_url:
        return RedisCache(redis_url)
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        from .db import make_engine

        # Same file and table, but connections that do not wait for the disk on commit.
        return DatabaseCache(
            make_engine(engine.url.render_as_string(hide_password=False), ephemeral=True)
        )
    return DatabaseCache(engine)
