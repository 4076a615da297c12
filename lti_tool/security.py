"""Identity after the launch, permissions, CSRF and security headers.

After a launch nothing depends on a cookie (browsers block third-party cookies in
the LMS iframe). The launch page carries a signed, short-lived *launch token*;
the tool's pages send it back in forms (``lti_token``), links (``?lti_token=``) and
``fetch`` calls (``Authorization: Bearer …``). Views declare what they need with
``@requires(Role.X)``; the decorator loads ``g.launch`` and refuses everyone else.

CSRF: every POST must also carry ``csrf_token`` (form field or ``X-CSRF-Token``),
an HMAC of the launch token. Since neither value lives in a cookie, another site
cannot make a browser send them.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import wraps
from typing import Any

from flask import Flask, abort, current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .roles import Role

TOKEN_SALT = "lti_tool.launch"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


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
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def issue_token(identity: LaunchIdentity) -> str:
    return _serializer().dumps(asdict(identity))


def read_token(token: str) -> LaunchIdentity | None:
    """The identity in ``token``, or ``None`` when it is forged, malformed or expired."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["LAUNCH_TOKEN_MAX_AGE"])
        return LaunchIdentity(**data)
    except (BadSignature, SignatureExpired, TypeError, ValueError):
        return None


def csrf_token(launch_token: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"csrf|" + launch_token.encode(), hashlib.sha256).hexdigest()


def token_from_request() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[len("Bearer ") :].strip()
    return request.form.get("lti_token") or request.args.get("lti_token")


def requires(role: Role) -> Callable:
    """Declare the least role a view needs; loads ``g.launch`` and ``g.lti_token``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            token = token_from_request()
            identity = read_token(token) if token else None
            if identity is None:
                abort(401)
            if request.method in UNSAFE_METHODS:
                sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
                if not hmac.compare_digest(sent, csrf_token(token)):
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

FRAME_ANCESTORS_TTL = 30.0


class FrameAncestors:
    """The registered platforms' origins, re-read from the database at most every 30 s."""

    def __init__(self, load: Callable[[], list[str]]) -> None:
        self._load = load
        self._origins: list[str] = []
        self._loaded_at = float("-inf")

    def get(self) -> list[str]:
        if time.monotonic() - self._loaded_at > FRAME_ANCESTORS_TTL:
            self._origins = self._load()
            self._loaded_at = time.monotonic()
        return self._origins

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")


def content_security_policy(frame_origins: list[str], form_origins: list[str]) -> str:
    ancestors = " ".join(["'self'", *frame_origins])
    forms = " ".join(["'self'", *form_origins])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"object-src 'none'; base-uri 'none'; form-action {forms}; frame-ancestors {ancestors}"
    )


def init_app(app: Flask, frame_ancestors: FrameAncestors) -> None:
    app.extensions["lti_tool.frame_ancestors"] = frame_ancestors

    @app.after_request
    def security_headers(response):
        origins = frame_ancestors.get()
        # Deep-linking responses are posted to the platform: let forms go there too.
        response.headers.setdefault(
            "Content-Security-Policy", content_security_policy(origins, origins)
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        response.headers["Cross-Origin-Resource-Policy"] = "same-site"
        if request.path.startswith("/lti/jwks.json") or request.path.startswith("/lti/canvas"):
            response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if g.get("lti_token") or request.path.startswith("/lti/"):
            response.headers["Cache-Control"] = "no-store"
        return response
