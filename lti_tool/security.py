"""Identity after the launch, permissions, CSRF and security headers.

After a launch nothing depends on a cookie (browsers block third-party cookies in
the LMS iframe). The launch page carries a signed, short-lived *launch token*; the
tool's pages send it back in POSTed forms (``lti_token``) and in ``fetch`` calls
(``Authorization: Bearer …``), never in a URL, so it stays out of access logs, browser
history and ``Referer`` headers. Views declare what they need with ``@requires(Role.X)``;
the decorator loads ``g.launch`` and refuses everyone else.

A token is bound to its launch: it names the launch, and the launch's *session* must
still exist in the shared cache. Tokens live ``LAUNCH_TOKEN_MAX_AGE`` seconds (15 min by
default); an open page renews its token silently (``/lti/token``) until the session ends
(``LAUNCH_SESSION_MAX_AGE`` after the launch) or is revoked (``revoke_session``).
Everything a token names (platform, deployment, course, resource link) comes from the
verified launch; views check every id they are given against it.

CSRF: every POST must also carry ``csrf_token`` (form field or ``X-CSRF-Token``),
an HMAC of the launch token. Since neither value lives in a cookie, another site
cannot make a browser send them.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import wraps
from typing import Any

from flask import Flask, abort, current_app, g, request
from itsdangerous import BadData, URLSafeTimedSerializer

from .roles import Role

TOKEN_SALT = "lti_tool.launch"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MAX_TOKEN_LENGTH = 2048


def same_text(sent: Any, expected: str) -> bool:
    """Constant-time comparison that is simply false for non-text or non-ASCII input."""
    if not isinstance(sent, str):
        return False
    return hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode("utf-8"))


@dataclass(frozen=True)
class LaunchIdentity:
    """Who launched, from where: database ids, never the platform's raw claims."""

    launch_id: str
    platform_pk: int
    deployment_pk: int
    user_pk: int
    context_pk: int | None
    resource_link_pk: int | None
    role: int
    message_type: str

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


def _serializer() -> URLSafeTimedSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


@functools.lru_cache(maxsize=8)
def _serializer_for(secret_key: str | bytes) -> URLSafeTimedSerializer:
    """One serializer per secret, made once per process: every launch issues a token and
    every request after it reads one, and making the serializer costs more than using it."""
    return URLSafeTimedSerializer(secret_key, salt=TOKEN_SALT)


def _cache():
    return current_app.extensions["lti_tool.cache"]


def _session_key(launch_id: str) -> str:
    return "launch-session:" + launch_id


def start_session(identity: LaunchIdentity) -> str:
    """Open the launch's session and return its first token."""
    _cache().set(
        _session_key(identity.launch_id),
        {"user_pk": identity.user_pk, "started": time.time()},
        current_app.config["LAUNCH_SESSION_MAX_AGE"],
    )
    return issue_token(identity)


def revoke_session(launch_id: str) -> None:
    """End a launch's session: its tokens, current and renewed, stop working at once."""
    _cache().delete(_session_key(launch_id))


def issue_token(identity: LaunchIdentity) -> str:
    return _serializer().dumps(asdict(identity))


def _decode(token: str, max_age: int | None) -> LaunchIdentity | None:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        data = _serializer().loads(token, max_age=max_age)
        return LaunchIdentity(**data)
    except (BadData, TypeError, ValueError, UnicodeError):
        return None


def read_token(token: str) -> LaunchIdentity | None:
    """The identity in ``token``; ``None`` when forged, malformed, expired or revoked."""
    identity = _decode(token, current_app.config["LAUNCH_TOKEN_MAX_AGE"])
    if identity is None or _cache().get(_session_key(identity.launch_id)) is None:
        return None
    return identity


def platform_of_expired(token: str | None) -> int | None:
    """The platform of a genuine but expired token: only to let its error page be framed."""
    identity = _decode(token, None) if token else None
    return identity.platform_pk if identity else None


def renew_token(token: str) -> str | None:
    """A fresh token for the same launch while its session lasts; ``None`` otherwise."""
    identity = read_token(token)
    return issue_token(identity) if identity else None


def csrf_token(launch_token: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"csrf|" + launch_token.encode(), hashlib.sha256).hexdigest()


def token_from_request() -> str | None:
    """The token of a form post or of a ``fetch`` header; never from the query string."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[len("Bearer ") :].strip()
    return request.form.get("lti_token")


def requires(role: Role) -> Callable:
    """Declare the least role a view needs; loads ``g.launch`` and ``g.lti_token``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            token = token_from_request()
            identity = read_token(token) if token else None
            if identity is None:
                g.frame_platform_pk = platform_of_expired(token)
                abort(401)
            g.frame_platform_pk = identity.platform_pk
            if request.method in UNSAFE_METHODS:
                sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
                if not same_text(sent, csrf_token(token)):
                    abort(403)
            if identity.role_enum < role:
                abort(403)
            g.launch = identity
            g.lti_token = token
            return view(*args, **kwargs)

        wrapped.required_role = role  # type: ignore[attr-defined]
        return wrapped

    return decorator


# ---------------------------------------------------------------------------
# Security headers.

FRAME_POLICY_TTL = 30.0
CROSS_ORIGIN_PATHS = ("/lti/jwks.json", "/lti/canvas", "/static/logo.svg")


class FramePolicy:
    """Which origins may frame a page: those of the platform the page serves, and no other.

    A page after a launch (``g.frame_platform_pk``, set by ``requires`` and the LTI views)
    may be framed by that platform's registered origins only; a page that serves no
    platform, by nobody but the tool itself. Each platform's origins are re-read from
    the database at most every 30 s, or at once after ``invalidate()``.
    """

    def __init__(self, load: Callable[[int], list[str]]) -> None:
        self._load = load
        self._origins: dict[int, tuple[float, list[str]]] = {}

    def origins(self, platform_pk: int | None) -> list[str]:
        if platform_pk is None:
            return []
        found = self._origins.get(platform_pk)
        if found is None or time.monotonic() - found[0] > FRAME_POLICY_TTL:
            found = (time.monotonic(), self._load(platform_pk))
            self._origins[platform_pk] = found
        return found[1]

    def invalidate(self) -> None:
        self._origins = {}


def content_security_policy(frame_origins: list[str], form_origins: list[str]) -> str:
    ancestors = " ".join(["'self'", *frame_origins])
    forms = " ".join(["'self'", *form_origins])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"object-src 'none'; base-uri 'none'; form-action {forms}; frame-ancestors {ancestors}"
    )


def frame_policy() -> FramePolicy:
    return current_app.extensions["lti_tool.frame_policy"]


def init_app(app: Flask, policy: FramePolicy) -> None:
    app.extensions["lti_tool.frame_policy"] = policy

    @app.after_request
    def security_headers(response):
        origins = policy.origins(g.get("frame_platform_pk"))
        response.headers.setdefault("Content-Security-Policy", content_security_policy(origins, []))
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        response.headers["Cross-Origin-Resource-Policy"] = "same-site"
        if request.path.startswith(CROSS_ORIGIN_PATHS):
            # Read by platforms from their own origin: key set, Canvas configuration, and
            # the logo LMSs show beside the tool's name.
            response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if g.get("lti_token") or request.path.startswith("/lti/"):
            response.headers["Cache-Control"] = "no-store"
        return response
