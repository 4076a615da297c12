"""What a launch costs the database, so that it cannot creep back up (issue 13).

Counted on the tool's engine (the launch cache is in the database when there is no Redis):
a login initiation reads the registry's version stamp (the registration itself is kept in
the process) and stores its state; a launch takes the state, reads the stamp, lets its
commit skip the wait for the disk (``PRAGMA synchronous`` on SQLite, ``SET LOCAL
synchronous_commit`` on PostgreSQL: see ``LaunchRecorder``), upserts the user, course,
activity and membership, and opens the launch session. The platform's key set comes from
memory.

The database launch cache also purges expired entries on one write in fifty (an amortised
sweep, not part of any one launch's cost): the counts here pin that chance to zero, and a
test of its own shows the sweep runs.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.lti_platform import LEARNER, launch, start_launch

LOGIN_STATEMENTS = 2
LAUNCH_STATEMENTS = 8


@pytest.fixture
def statements(connected, monkeypatch):
    from lti_tool.cache import DatabaseCache

    monkeypatch.setattr(DatabaseCache, "PURGE_PROBABILITY", 0.0)
    launch(connected.platform)  # the first launch fetches the platform's keys
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement.split()[0].upper())

    # The tool's engine, and the launch cache's own (SQLite: the same file, other connections).
    engines = {connected.app.extensions["lti_tool.engine"]}
    engines.add(getattr(connected.app.extensions["lti_tool.cache"], "_engine", None))
    engines.discard(None)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    yield seen
    for engine in engines:
        event.remove(engine, "before_cursor_execute", count)


def test_a_login_initiation_issues_two_sql_statements(connected, statements):
    start_launch(connected.platform, user=LEARNER)

    assert len(statements) == LOGIN_STATEMENTS, statements


def test_a_launch_issues_eight_sql_statements(connected, statements):
    attempt = start_launch(connected.platform, user=LEARNER)
    statements.clear()

    assert attempt.post().status_code == 200

    assert len(statements) == LAUNCH_STATEMENTS, statements


def test_a_repeated_launch_costs_the_same(connected, statements):
    start_launch(connected.platform, user=LEARNER).post()
    statements.clear()

    attempt = start_launch(connected.platform, user=LEARNER)
    assert len(statements) == LOGIN_STATEMENTS
    statements.clear()
    assert attempt.post().status_code == 200

    assert len(statements) == LAUNCH_STATEMENTS, statements


def test_a_registration_changed_by_another_process_is_seen_at_the_next_launch(connected, runner):
    """Registrations are kept in each process; a change anywhere bumps the version they
    are kept under, so the next launch reads the new one (here: a deployment added by the
    CLI, as an administrator does when Canvas reports one after registration)."""
    from tests.lti_platform import replace_tool

    assert launch(connected.platform).status_code == 200  # the registration is now kept
    config = connected.platform.tool_config()
    result = runner.invoke(
        [
            "platform",
            "add",
            "--issuer",
            config["issuer"],
            "--client-id",
            config["client_id"],
            "--auth-login-url",
            config["auth_login_url"],
            "--auth-token-url",
            config["auth_token_url"],
            "--key-set-url",
            config["key_set_url"],
            "--deployment-id",
            "added-later",
        ]
    )
    assert result.exit_code == 0, result.output
    replace_tool(connected.platform, connected.client_id, deployment_id="added-later")

    assert launch(connected.platform).status_code == 200
