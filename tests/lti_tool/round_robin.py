"""A small round-robin reverse proxy for the scale-out tests and ``bench/load.py``: a WSGI app
sending each request to the next backend in turn, headers and body passed through, recording
which backend served it. Serve it threaded (werkzeug in a test; gunicorn in the benchmark,
``gunicorn "tests.lti_tool.round_robin:from_env()"`` with ``ROUND_ROBIN_BACKENDS``)."""

from __future__ import annotations

import http.client
import itertools
import os
import threading
from dataclasses import dataclass, field

from werkzeug.wrappers import Request, Response

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "trailer"}


@dataclass
class RoundRobin:
    """A WSGI app sending each request to the next of ``backends`` (``host:port``)."""

    backends: list[str]
    record: bool = True
    served: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, backend

    def __post_init__(self) -> None:
        self._turn = itertools.cycle(self.backends)
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            backend = next(self._turn)
            if self.record:
                self.served.append((request.method, request.path, backend))
        headers = {k: v for k, v in request.headers if k.lower() not in HOP_BY_HOP}
        target = environ.get("REQUEST_URI") or environ.get("RAW_URI") or request.full_path
        connection = http.client.HTTPConnection(backend, timeout=60)
        try:
            connection.request(request.method, target, body=request.get_data(), headers=headers)
            answer = connection.getresponse()
            body = answer.read()
        finally:
            connection.close()
        passed = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP]
        response = Response(body, answer.status)
        response.headers.clear()
        response.headers.extend(passed)
        return response(environ, start_response)

    def backends_of(self, since: int = 0) -> list[str]:
        return [backend for _method, _path, backend in self.served[since:]]


def alternating(backends: list[str]) -> bool:
    return len(backends) >= 2 and all(a != b for a, b in itertools.pairwise(backends))


def from_env() -> RoundRobin:
    """The proxy over ``ROUND_ROBIN_BACKENDS`` (space-separated ``host:port``), recording
    nothing (a long benchmark would keep every request)."""
    return RoundRobin(os.environ["ROUND_ROBIN_BACKENDS"].split(), record=False)
