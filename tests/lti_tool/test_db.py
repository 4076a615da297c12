"""The database layer: what reaches logs and pages when the database refuses something."""

from __future__ import annotations

from lti_tool import db


def test_a_database_error_never_quotes_the_values_it_was_given(app):
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    secret = "an essay about my own recovery"
    with app.app_context(), db.engine().begin() as connection:
        statement = text(
            "INSERT INTO users (issuer, sub, name, created_at) VALUES (:i, :s, :n, :c)"
        )
        values = {"i": "https://lms", "s": "1", "n": secret, "c": "2026-01-01 00:00:00"}
        connection.execute(statement, values)
        try:
            connection.execute(statement, values)
        except IntegrityError as error:
            assert secret not in str(error)
        else:
            raise AssertionError("the second insert should break the unique constraint")
