"""The schema exists only through the migrations, and they match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from lti_tool import create_app, db
from lti_tool.models import Base

from .conftest import tool_settings


def test_the_migrated_schema_matches_the_models(app):
    with app.app_context(), db.engine().connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)

    assert differences == []


def test_creating_the_app_creates_no_table(database):
    app = create_app(tool_settings(database))

    with app.app_context():
        assert [
            t for t in inspect(db.engine()).get_table_names() if t in Base.metadata.tables
        ] == []


def test_db_upgrade_creates_the_schema_and_a_signing_key(database):
    from .conftest import ToolRunner

    runner = ToolRunner({"LTI_TOOL_ENV": "testing", "SECRET_KEY": "s", **database})

    result = runner.invoke(["db", "upgrade"])

    assert result.exit_code == 0, result.output
    assert "Database at head" in result.output
    assert "created" in runner.invoke(["keys", "list"]).output


def test_migrations_downgrade_to_nothing_and_up_again(app):
    with app.app_context():
        db.downgrade(db.engine(), "base")
        assert set(inspect(db.engine()).get_table_names()) <= {"alembic_version"}
        db.upgrade(db.engine())
        assert set(Base.metadata.tables) <= set(inspect(db.engine()).get_table_names())
