"""The tool's settings: one declared schema, read once from the environment.

``Settings.from_env()`` reads every variable the tool understands; ``create_app``
turns the result into Flask config. Nothing re-reads the environment per request.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, fields
from pathlib import Path

ENVIRONMENTS = ("production", "development", "testing")
MIN_SECRET_BYTES = 32


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
    #: Signs the launch tokens and CSRF tokens. Required in production, at least 32 bytes
    #: (e.g. ``python -c "import secrets; print(secrets.token_urlsafe(48))"``). Outside
    #: production a random key is made once and kept in the instance folder.
    SECRET_KEY: str | None = None
    #: Redis for the launch cache shared by all processes; without it the cache lives
    #: in the database (shared by every thread and process that uses the same database).
    REDIS_URL: str | None = None
    #: The tool's public base URL, e.g. ``https://lti.example.edu``. Required in
    #: production; elsewhere, without it, URLs come from each request's ``Host``.
    LTI_TOOL_URL: str | None = None
    #: Trust ``X-Forwarded-*`` from this many proxies (``ProxyFix``); 0 turns it off.
    PROXY_FIX: int = 0
    #: Seconds a launch token (the identity carried in pages after a launch) stays valid;
    #: an open page renews it silently before then (``/lti/token``).
    LAUNCH_TOKEN_MAX_AGE: int = 900
    #: Seconds after the launch beyond which no renewal is given: open the activity again.
    LAUNCH_SESSION_MAX_AGE: int = 8 * 3600
    #: Fernet keys (comma-separated, newest first) that encrypt the tool's private keys in
    #: the database. Required in production. Rotation: put a new key first, run
    #: ``lti-tool keys reencrypt``, then drop the old key.
    LTI_KEY_ENCRYPTION_KEYS: str | None = None
    #: Networks (CIDR, space-separated) the tool may fetch from although they are private,
    #: loopback or link-local, e.g. ``10.20.0.0/16`` for an LMS on the campus network.
    #: Default: none in production, any elsewhere.
    LTI_OUTBOUND_ALLOWED_NETWORKS: str | None = None
    #: Origins (space-separated) a platform's endpoints may be on besides its issuer's, for
    #: Dynamic Registration: e.g. ``https://sso.canvaslms.com`` for Instructure's Canvas.
    LTI_TRUSTED_PLATFORM_ORIGINS: str = ""
    #: Login initiations allowed per client address and per issuer (``N per minute``;
    #: ``off`` disables the limit, e.g. for load tests).
    LTI_LOGIN_RATE_LIMIT_PER_ADDRESS: str = "120 per minute"
    LTI_LOGIN_RATE_LIMIT_PER_ISSUER: str = "3000 per minute"
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
    #: Seconds a worker holds a grade it is delivering; if it dies, another delivers the
    #: grade once this has passed. Keep it above one delivery's exchanges (token, line item,
    #: score: up to 15 s each): a shorter lease may make a slow delivery's grade go twice
    #: (an identical copy, which the LMS keeps once).
    GRADE_LEASE_SECONDS: int = 120
    #: Folder of learners' attached files, outside any served folder; default
    #: ``assignment_files`` in the instance folder. Back it up with the database.
    ASSIGNMENT_FILES_DIR: str | None = None
    #: Largest attached file, in bytes.
    ASSIGNMENT_FILE_MAX_BYTES: int = 10 * 1024 * 1024
    #: Files a learner may attach to one assignment's draft.
    ASSIGNMENT_FILES_PER_LEARNER: int = 5
    #: ``json`` (one JSON object per line, for a log collector) or ``text`` (for people).
    #: Default: ``json`` in production, ``text`` elsewhere.
    LOG_FORMAT: str | None = None

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


def instance_secret(instance_path: Path) -> str:
    """A random secret made on first use and kept (owner-only) in the instance folder."""
    path = instance_path / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def parse_networks(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    try:
        return [ipaddress.ip_network(item, strict=False) for item in value.split()]
    except ValueError as error:
        raise ConfigError(f"LTI_OUTBOUND_ALLOWED_NETWORKS: {error}") from error


def flask_config(settings: Settings, instance_path: str) -> dict[str, object]:
    """Check the settings and return the Flask config they imply."""
    env = settings.LTI_TOOL_ENV
    if env not in ENVIRONMENTS:
        raise ConfigError(f"LTI_TOOL_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    production = env == "production"
    if settings.GRADE_LEASE_SECONDS < 1:
        raise ConfigError(
            f"GRADE_LEASE_SECONDS must be a number of seconds above 0, "
            f"not {settings.GRADE_LEASE_SECONDS}"
        )
    secret = settings.SECRET_KEY
    if production:
        if not secret:
            raise ConfigError("SECRET_KEY must be set in production (LTI_TOOL_ENV=production)")
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(f"SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes in production")
        if not settings.LTI_TOOL_URL:
            raise ConfigError(
                "LTI_TOOL_URL must be set in production: the tool's public https:// base URL"
            )
        if not settings.LTI_KEY_ENCRYPTION_KEYS:
            raise ConfigError(
                "LTI_KEY_ENCRYPTION_KEYS must be set in production: it encrypts the tool's "
                "private keys in the database (see README, Security)"
            )
    elif not secret:
        # Never a key known from the source: a random one, kept for this instance folder.
        secret = instance_secret(Path(instance_path))
    networks = settings.LTI_OUTBOUND_ALLOWED_NETWORKS
    if networks is None:
        networks = "" if production else "0.0.0.0/0 ::/0"
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
        "GRADE_LEASE_SECONDS": settings.GRADE_LEASE_SECONDS,
        "ASSIGNMENT_FILES_DIR": settings.ASSIGNMENT_FILES_DIR,
        "ASSIGNMENT_FILE_MAX_BYTES": settings.ASSIGNMENT_FILE_MAX_BYTES,
        "ASSIGNMENT_FILES_PER_LEARNER": settings.ASSIGNMENT_FILES_PER_LEARNER,
        "LAUNCH_SESSION_MAX_AGE": settings.LAUNCH_SESSION_MAX_AGE,
        "LOG_FORMAT": settings.LOG_FORMAT or ("json" if production else "text"),
        "LTI_KEY_ENCRYPTION_KEYS": settings.LTI_KEY_ENCRYPTION_KEYS,
        "LTI_OUTBOUND_ALLOWED_NETWORKS": parse_networks(networks),
        "LTI_TRUSTED_PLATFORM_ORIGINS": settings.LTI_TRUSTED_PLATFORM_ORIGINS.split(),
        "LTI_LOGIN_RATE_LIMIT_PER_ADDRESS": settings.LTI_LOGIN_RATE_LIMIT_PER_ADDRESS,
        "LTI_LOGIN_RATE_LIMIT_PER_ISSUER": settings.LTI_LOGIN_RATE_LIMIT_PER_ISSUER,
        # Plain-HTTP platforms and non-Secure cookies: development and tests only.
        "LTI_ALLOW_INSECURE": env != "production",
        "MAX_CONTENT_LENGTH": 1024 * 1024,
    }
