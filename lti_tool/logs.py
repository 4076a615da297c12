"""The tool's logs: one line per event, JSON in production, and one access line per request.

``LOG_FORMAT=json`` (the default in production) writes one JSON object per line, for a
log collector: ``time``, ``level``, ``logger``, ``message``, and inside a request its
``request_id``; the access line adds ``method``, ``path``, ``status`` and
``duration_ms``. ``LOG_FORMAT=text`` (the default elsewhere) writes the same as a line
for people.

What learners write must never reach a log, so the access line names the path only:
no query string (the one-time registration token travels in one), no form, no
header, no launch token. In JSON, an exception is logged as its type and stack
without its message: messages may quote the data that failed (SQLAlchemy's quote a
statement's parameters, i.e. a post or an essay).

The request id comes from the ``X-Request-Id`` header when that is a short safe token
(as proxies such as nginx's ``$request_id`` send), else it is made here; it is sent
back in the response's ``X-Request-Id`` and is on every line logged during the
request, so one request's lines can be found together across proxy and tool.

Logging is configured per process (it is global in Python): one handler of ours on
the root logger, to standard error, replaced when another app is made; any other
handler (gunicorn's, pytest's ``caplog``) is left alone. The root's level is lowered to
INFO (never raised), and the handler writes the tool's lines from INFO and other
libraries' from WARNING. No logger's own level is set, so ``caplog.set_level`` still
reaches every ``lti_tool`` logger.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
import traceback
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

from .config import ConfigError

FORMATS = ("json", "text")
#: A request id taken from the client or proxy: letters, digits, ``-``, ``_``, ``.``.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
ACCESS_LOGGER = "lti_tool.access"
#: Request fields an access line carries (as ``extra``), in output order.
REQUEST_FIELDS = ("method", "path", "status", "duration_ms")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

access_log = logging.getLogger(ACCESS_LOGGER)


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = (
                g.get("request_id", "-") if has_request_context() else "-"  # type: ignore[attr-defined]
            )
        return True


class ToolInfoOrWarning(logging.Filter):
    """The tool's lines from INFO; other libraries' (huey, alembic…) from WARNING.

    The development server (``lti-tool serve``, werkzeug) keeps its start-up lines
    ("Running on http://…") but not its per-request lines, which repeat the access line
    with the query string (werkzeug's ``WSGIRequestHandler.log``: ``ADDRESS - - [TIME] …``).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        top = record.name.split(".", 1)[0]
        if top == "werkzeug":
            return " - - [" not in str(record.msg)
        return record.levelno >= logging.WARNING or top == "lti_tool"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "-")
        if request_id != "-":
            entry["request_id"] = request_id
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info and record.exc_info[0] is not None:
            kind, _error, stack = record.exc_info
            entry["exception"] = kind.__name__
            entry["stack"] = "".join(traceback.format_tb(stack))
        return json.dumps(entry, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record comes (as ``logging.lastResort``
    does), so a test's or a server's replacement of it is honoured."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def formatter(log_format: str) -> logging.Formatter:
    if log_format not in FORMATS:
        raise ConfigError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}")
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure(log_format: str) -> logging.Handler:
    """Send this process's logs to standard error in ``log_format`` (see the module's doc)."""
    handler = StderrHandler()
    handler.setFormatter(formatter(log_format))
    handler.addFilter(ToolInfoOrWarning())
    handler.addFilter(RequestIdFilter())
    handler.lti_tool = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "lti_tool", False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    return handler


def request_id_from(header: str | None) -> str:
    if header and SAFE_REQUEST_ID.fullmatch(header):
        return header
    return secrets.token_hex(8)


def init_app(app: Flask) -> None:
    """Configure logging and log each request. Call first in ``create_app``, so that the
    request id is set before any other ``before_request`` function may refuse the request."""
    configure(app.config["LOG_FORMAT"])

    @app.before_request
    def start_request() -> None:
        g.request_id = request_id_from(request.headers.get("X-Request-Id"))
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        request_id = g.get("request_id") or request_id_from(None)
        response.headers["X-Request-Id"] = request_id
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        # Never the query string, the form or the headers; control characters (a %0A in
        # the URL) cannot start a forged line.
        path = CONTROL_CHARACTERS.sub("?", request.path)
        # Health probes come every few seconds: their successes only at DEBUG.
        quiet = path == "/healthz" and response.status_code == 200
        access_log.log(
            logging.DEBUG if quiet else logging.INFO,
            "%s %s %s %s ms",
            request.method,
            path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": duration_ms,
            },
        )
        return response
