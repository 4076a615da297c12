"""Serve a WSGI application over real HTTP on loopback, in a background thread."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class QuietRequestHandler(WSGIRequestHandler):
    """No access log line per request: tests and the benchmark read their own output."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class RunningServer:
    """A WSGI app listening on ``127.0.0.1:port``, reachable at ``url`` (whose host may be a name
    such as ``localhost`` so that a browser sees a different site than ``127.0.0.1``)."""

    server: BaseWSGIServer
    thread: threading.Thread
    url: str

    @property
    def port(self) -> int:
        return self.server.server_port

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def start_server(
    app, *, host_name: str = "127.0.0.1", ssl_context: ssl.SSLContext | None = None
) -> RunningServer:
    """Start ``app`` on a free port of 127.0.0.1 with a threaded werkzeug server.

    ``host_name`` is only the name put in ``url``: ``localhost`` resolves to the same address
    but is a different *site* for a browser's cookie and storage partitioning rules. With
    ``ssl_context`` (see ``tls.py``) the server speaks HTTPS and ``url`` says so.
    """
    server = make_server(
        "127.0.0.1",
        0,
        app,
        threaded=True,
        request_handler=QuietRequestHandler,
        ssl_context=ssl_context,
    )
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.02},
        name=f"wsgi-{host_name}",
        daemon=True,
    )
    thread.start()
    scheme = "https" if ssl_context else "http"
    return RunningServer(server, thread, f"{scheme}://{host_name}:{server.server_port}")


@contextmanager
def serving(app, *, host_name: str = "127.0.0.1") -> Iterator[RunningServer]:
    """Context manager form of ``start_server``: the server stops when the block ends."""
    running = start_server(app, host_name=host_name)
    try:
        yield running
    finally:
        running.stop()
