"""Error pages: a clear message and a 4xx (or 503) status, never a traceback or the tool's content.

A service the tool depends on out of reach (Redis restarting, PostgreSQL connections dropped
or refused) is no bug of the request: 503 with ``Retry-After`` (RFC 9110 §15.6.4, §10.2.3), so
that the learner, a proxy or a load balancer tries again, instead of a 500.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MESSAGES = {
    400: "The request was incomplete or malformed.",
    401: "This page needs a launch from your course. Open the activity again from your course.",
    403: "You do not have access to this page.",
    404: "There is nothing here.",
    405: "This address does not accept that kind of request.",
    413: "The request is too large.",
    422: "Some fields need correcting.",
    503: "The tool is briefly unavailable. Please try again in a moment.",
}

#: Seconds a client should wait before trying again after a 503.
RETRY_AFTER_SECONDS = 5


def unavailable_errors() -> tuple[type[Exception], ...]:
    """Exceptions meaning a service is out of reach for now, not that the request is wrong."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    errors: list[type[Exception]] = [OperationalError, PoolTimeout]
    try:
        import redis
    except ImportError:  # pragma: no cover - Redis is optional
        pass
    else:
        errors += [redis.ConnectionError, redis.TimeoutError]
    return tuple(errors)


def error_page(
    status: int,
    message: str | None = None,
    title: str | None = None,
    new_window_url: str | None = None,
    dialog_close: bool = False,
):
    body = render_template(
        "error.html",
        status=status,
        new_window_url=new_window_url,
        dialog_close=dialog_close,
        title=title or ("Not allowed" if status in (401, 403) else "Something is wrong"),
        message=message or MESSAGES.get(status, "The request could not be completed."),
    )
    return body, status


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        body, status = error_page(status, MESSAGES.get(status))
        # Keep what the exception says in headers: 405's Allow, 401's WWW-Authenticate.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return body, status, headers

    def unavailable(error: Exception):
        # Logged by type only: a driver's message may name hosts or carry a statement.
        log.warning("service unavailable: %s", type(error).__name__)
        body, status = error_page(503, title="Briefly unavailable")
        return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    for error_type in unavailable_errors():
        app.register_error_handler(error_type, unavailable)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):  # pragma: no cover - exercised only by bugs
        log.exception("unhandled error")
        return error_page(500, "Something went wrong in the tool. Please try again.", "Error")
