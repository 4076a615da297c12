"""Pytest fixtures for the test LTI platform; ``tests/conftest.py`` loads them as a plugin.

- ``lti_platform``: a fresh platform on a free port of 127.0.0.1 for each test.
- ``lti_platform_factory``: more platforms in one test (several LMSs using one tool).
- ``serve_wsgi``: serve any WSGI app (the tool) over real HTTP, by default as ``localhost``.
- ``platform_key`` / ``attacker_key``: the session's RSA keys (generated once).
- ``tls_certificate``: a self-signed certificate for serving over HTTPS; ``platform_ssl_context``
  (none by default: plain HTTP) is what the platforms of a test are served with.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator

import pytest

from .keys import SigningKey, session_key
from .lms import Platform
from .server import RunningServer, start_server
from .tls import Certificate, self_signed_certificate


@pytest.fixture(scope="session")
def platform_key() -> SigningKey:
    return session_key("platform")


@pytest.fixture(scope="session")
def attacker_key() -> SigningKey:
    """A key published nowhere: what signs a forged id_token."""
    return session_key("attacker")


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory) -> Certificate:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def platform_ssl_context() -> ssl.SSLContext | None:
    """How the test's platforms are served: plain HTTP, unless a test module overrides this."""
    return None


@pytest.fixture
def lti_platform_factory(platform_ssl_context) -> Iterator[Callable[..., Platform]]:
    started: list[Platform] = []

    def make(**kwargs) -> Platform:
        kwargs.setdefault("ssl_context", platform_ssl_context)
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
