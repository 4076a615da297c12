"""Alembic environment: run against the engine that ``lti_tool.db.upgrade`` passes in."""

from alembic import context

from lti_tool.models import Base

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
