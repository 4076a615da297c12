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

import functools
import json
import random
import time
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Engine, bindparam, delete, event, select
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
    """Values as JSON rows in ``cache_entries``; each call is its own short transaction.

    The statements are built once per dialect (building and hashing an upsert costs more
    than running it). On an engine whose connections commit each statement themselves
    (``autocommit``, as ``make_cache`` makes it) a call is that one statement: no separate
    BEGIN or COMMIT (on PostgreSQL, two round trips fewer per call).
    """

    PURGE_PROBABILITY = 0.02

    def __init__(self, engine: Engine, *, autocommit: bool = False) -> None:
        self._engine = engine
        self._statements = _statements(engine.dialect.name)
        self._connect = engine.connect if autocommit else engine.begin

    def get(self, key: str) -> Any:
        now = time.time()
        with self._connect() as connection:
            row = connection.execute(self._statements.get, {"key": key}).first()
        if row is None or (row.expires_at is not None and row.expires_at <= now):
            return None
        return json.loads(row.value)

    def set(self, key: str, value: Any, exp: int | None = None) -> None:
        now = time.time()
        values = {"key": key, "value": json.dumps(value), "expires_at": now + exp if exp else None}
        with self._connect() as connection:
            connection.execute(self._statements.set, values)
            if random.random() < self.PURGE_PROBABILITY:
                connection.execute(self._statements.purge, {"now": now})

    def take(self, key: str) -> Any:
        now = time.time()
        with self._connect() as connection:
            row = connection.execute(self._statements.take, {"key": key}).first()
        if row is None or (row.expires_at is not None and row.expires_at <= now):
            return None
        return json.loads(row.value)

    def delete(self, key: str) -> None:
        with self._connect() as connection:
            connection.execute(self._statements.delete, {"key": key})


@dataclass(frozen=True)
class _Statements:
    get: Any
    set: Any
    take: Any
    delete: Any
    purge: Any


@functools.cache
def _statements(dialect_name: str) -> _Statements:
    """The cache's statements for one dialect, with their values as bound parameters."""
    key = bindparam("key")
    insert = (postgresql if dialect_name == "postgresql" else sqlite).insert(CacheEntry)
    upsert = insert.values(
        key=key, value=bindparam("value"), expires_at=bindparam("expires_at")
    ).on_conflict_do_update(
        index_elements=[CacheEntry.key],
        set_={"value": insert.excluded.value, "expires_at": insert.excluded.expires_at},
    )
    return _Statements(
        get=select(CacheEntry.value, CacheEntry.expires_at).where(CacheEntry.key == key),
        set=upsert,
        take=delete(CacheEntry)
        .where(CacheEntry.key == key)
        .returning(CacheEntry.value, CacheEntry.expires_at),
        delete=delete(CacheEntry).where(CacheEntry.key == key),
        purge=delete(CacheEntry).where(CacheEntry.expires_at < bindparam("now")),
    )


def make_cache(redis_url: str | None, engine: Engine, schema: str | None = None) -> Cache:
    if redis_url:
        return RedisCache(redis_url)
    if engine.url.database in (None, "", ":memory:"):
        return DatabaseCache(engine)
    from .db import make_engine

    # Same database and table, on connections of their own that commit each statement
    # without waiting for the disk (see ``make_engine``).
    url = engine.url.render_as_string(hide_password=False)
    own = make_engine(url, schema=schema, ephemeral=True, autocommit=True)
    # Its connections close with the tool's (tests dispose of an app's engine after use).
    event.listen(engine, "engine_disposed", lambda _engine: own.dispose())
    return DatabaseCache(own, autocommit=True)
