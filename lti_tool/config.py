"""The tool's settings: one declared schema, read once from the environment.

``Settings.from_env()`` reads every variable the tool understands; ``create_app``
turns the result into Flask config. Nothing re-reads the environment per request.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

ENVIRONMENTS = ("production", "development", "testing")


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Environment variables (upper-case names) with their safe defaults."""

    #: ``production`` (default), ``development`` or ``testing``. Outside production the
    #: tool accepts plain-HTTP platforms and cookies without ``Secure`` on localhost.
    LTI_TOOL_ENV: str = "production"
    #: SQLAlchemy URL. Default: SQLite file ``lti_tool.sqlite`` in the Flask instance folder.
    DATABASE_URL: str | None = None
    #: Signs the launch tokens and CSRF tokens. Required in production.
    SECRET_KEY: str | None = None
    #: Redis for the launch cache shared by all processes; without it the cache lives
    #: in the database (shared by every thread and process that uses the same database).
    REDIS_URL: str | None = None
    #: The tool's public base URL, e.g. ``https://lti.example.edu``. Without it the
    #: tool derives URLs from each request (fine behind ``ProxyFix`` or in development).
    LTI_TOOL_URL: str | None = None
    #: Trust ``X-Forwarded-*`` from this many proxies (``ProxyFix``); 0 turns it off.
    PROXY_FIX: int = 0
    #: Seconds a launch token (the identity carried in pages after a launch) stays valid.
    LAUNCH_TOKEN_MAX_AGE: int = 3600
    #: Path of the course ``content/`` folder whose activities deep linking offers.
    COURSE_PATH: str | None = None
    #: PostgreSQL schema (search path) of the tool's tables; default: the server's.
    DATABASE_SCHEMA: str | None = None
    #: 1: show pylti1p3's cookie-check page before every login (detects blocked cookies
    #: up front, at the cost of one more page). 0: go straight to the platform; a launch
    #: whose cookie was blocked offers a new window or uses platform storage instead.
    LTI_COOKIE_CHECK: int = 0
    #: Tool name shown to platforms at registration.
    LTI_TOOL_NAME: str = "Peer Support Training"
    #: Who delivers grades to the LMS: ``embedded`` (threads in each web process, no extra
    #: service), ``external`` (only ``lti-tool worker`` processes) or ``off`` (tests).
    GRADE_WORKER: str = "embedded"
    #: Attempts to deliver one grade before it is marked failed (an instructor may retry).
    GRADE_DELIVERY_ATTEMPTS: int = 10
    #: Seconds before the first retry of a grade; doubled each time, with jitter.
    GRADE_RETRY_SECONDS: int = 30
    #: Longest wait in seconds between two attempts (a platform's ``Retry-After`` wins).
    GRADE_RETRY_MAX_SECONDS: int = 3600

    @classmethod
    def from_env(cls, environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for spec in fields(cls):
            raw = environ.get(spec.name)
            if raw is None or raw == "":
                continue
            values[spec.name] = int(raw) if spec.type == "int" else raw
        return cls(**values)  # type: ignore[arg-type]


def flask_config(settings: Settings, instance_path: str) -> dict[str, object]:
    """Check the settings and return the Flask config they imply."""
    env = settings.LTI_TOOL_ENV
    if env not in ENVIRONMENTS:
        raise ConfigError(f"LTI_TOOL_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    secret = settings.SECRET_KEY
    if not secret:
        if env == "production":
            raise ConfigError("SECRET_KEY must be set in production (LTI_TOOL_ENV=production)")
        secret = "insecure-development-key"
    database_url = settings.DATABASE_URL or (
        "sqlite:///" + str(Path(instance_path) / "lti_tool.sqlite")
    )
    return {
        "LTI_TOOL_ENV": env,
        "TESTING": env == "testing",
        "SECRET_KEY": secret,
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "LTI_TOOL_URL": (settings.LTI_TOOL_URL or "").rstrip("/") or None,
        "PROXY_FIX": settings.PROXY_FIX,
        "LAUNCH_TOKEN_MAX_AGE": settings.LAUNCH_TOKEN_MAX_AGE,
        "COURSE_PATH": settings.COURSE_PATH,
        "DATABASE_SCHEMA": settings.DATABASE_SCHEMA,
        "LTI_COOKIE_CHECK": bool(settings.LTI_COOKIE_CHECK),
        "LTI_TOOL_NAME": settings.LTI_TOOL_NAME,
        "GRADE_WORKER": settings.GRADE_WORKER,
        "GRADE_DELIVERY_ATTEMPTS": settings.GRADE_DELIVERY_ATTEMPTS,
        "GRADE_RETRY_SECONDS": settings.GRADE_RETRY_SECONDS,
        "GRADE_RETRY_MAX_SECONDS": settings.GRADE_RETRY_MAX_SECONDS,
        # Plain-HTTP platforms and non-Secure cookies: development and tests only.
        "LTI_ALLOW_INSECURE": env != "production",
        "MAX_CONTENT_LENGTH": 1024 * 1024,
    }
