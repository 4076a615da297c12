"""A throwaway PostgreSQL schema, for tests and the launch benchmark alike."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def temporary_postgres_schema(url: str, prefix: str) -> Iterator[dict[str, str]]:
    """Tool settings for a new, empty schema on ``url``; the schema is dropped afterwards."""
    from sqlalchemy import create_engine, text

    schema = prefix + uuid.uuid4().hex[:12]
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield {"DATABASE_URL": url, "DATABASE_SCHEMA": schema}
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
