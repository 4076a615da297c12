"""Pytest fixtures for the test LTI platform; ``tests/conftest.py`` loads them as a plugin.

- ``lti_platform``: a fresh platform on a free port of 127.0.0.1 for each test.
- ``lti_platform_factory``: more platforms in one test (several LMSs using one tool).
- ``serve_wsgi``: serve any WSGI app (the tool) over real HTTP, by default as ``localhost``.
- ``platform_key`` / ``attacker_key``: the session's RSA keys (generated once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from .keys import SigningKey, session_key
from .lms import Platform
from .server import RunningServer, start_server


@pytest.fixture(scope="session")
def platform_key() -> SigningKey:
    return session_key("platform")


@pytest.fixture(scope="session")
def attacker_key() -> SigningKey:
    """A key published nowhere: what signs a forged id_token."""
    return session_key("attacker")


@pytest.fixture
def lti_platform_factory() -> Iterator[Callable[..., Platform]]:
    started: list[Platform] = []

    def make(**kwargs) -> Platform:
        platform = Platform(**kwargs).start()
        started.append(platform)
        return platform

    yield make
    for platform in started:
        platform.stop()


@pytest.fixture
def lti_platform(lti_platform_factory) -> Platform:
    """A running platform with no tool registered yet (``register_tool``/``register_tool_at``)."""
    return lti_platform_factory()


@pytest.fixture
def serve_wsgi() -> Iterator[Callable[..., RunningServer]]:
    """``serve_wsgi(app, host_name="localhost")`` → a running server; all stop after the test."""
    running: list[RunningServer] = []

    def serve(app, host_name: str = "localhost") -> RunningServer:
        server = start_server(app, host_name=host_name)
        running.append(server)
        return server

    yield serve
    for server in running:
        server.stop()
