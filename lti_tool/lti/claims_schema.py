"""The shape of the id_token claims the tool reads, checked before anything uses them.

pylti1p3 and our own code read claims by key and expect types; a platform (or a forger
before the signature is checked) can send anything JSON allows. Two checks, each
returning a short reason or ``None``:

* ``identity_problem``: the claims that pick the registration (``iss``, ``aud``, ``azp``),
  checked before the signature, since they decide which key verifies it.
* ``launch_problem``: every other claim the tool reads, checked after the signature.

Ids follow LTI 1.3 core (``sub``, deployment, context and resource link ids are at most
255 ASCII characters); display text may be any length and is shortened where stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"

MAX_ID = 255
MAX_URL = 2048
MAX_TEXT = 10_000
ASCII_ID = re.compile(r"^[\x20-\x7e]+$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _id_problem(name: str, value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return f"{name} must be a non-empty string"
    if len(value) > MAX_ID or not ASCII_ID.match(value):
        return f"{name} must be at most {MAX_ID} printable ASCII characters"
    return None


def _text_problem(name: str, value: Any, limit: int = MAX_TEXT) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        return f"{name} must be a string of at most {limit} characters"
    return None


def _object_problem(name: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, Mapping):
        return f"{name} must be a JSON object"
    return None


def _url_problem(name: str, value: Any) -> str | None:
    if value is None or value == "":
        return None  # absent (Moodle sends "lineitem": "" once a tool made its own column)
    if not isinstance(value, str) or len(value) > MAX_URL or not ASCII_ID.match(value):
        return f"{name} must be a URL of at most {MAX_URL} ASCII characters"
    return None


def identity_problem(body: Mapping[str, Any]) -> str | None:
    problem = _id_problem("iss", body.get("iss"))
    if problem:
        return problem
    aud = body.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if not audiences or any(_id_problem("aud", item) for item in audiences):
        return "aud must be a client id or a list of client ids"
    if "azp" in body:
        return _id_problem("azp", body["azp"])
    return None


def launch_problem(body: Mapping[str, Any]) -> str | None:
    """The first thing wrong with the verified claims, or ``None``."""
    checks = [
        _id_problem("sub", body.get("sub")),
        _id_problem("deployment_id", body.get(CLAIM + "deployment_id")),
        _text_problem("message_type", body.get(CLAIM + "message_type"), MAX_ID),
        _url_problem("target_link_uri", body.get(CLAIM + "target_link_uri")),
        *(_text_problem(name, body.get(name)) for name in ("name", "given_name", "family_name")),
        _roles_problem(body.get(CLAIM + "roles")),
        _object_problem("custom", body.get(CLAIM + "custom")),
        _context_problem(body.get(CLAIM + "context")),
        _link_problem(body.get(CLAIM + "resource_link")),
        _services_problem(body),
    ]
    return next((problem for problem in checks if problem), None)


def _roles_problem(roles: Any) -> str | None:
    if roles is None:
        return None
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        return "roles must be a list of strings"
    return None


def _context_problem(context: Any) -> str | None:
    if context is None:
        return None
    if not isinstance(context, Mapping) or not context.get("id"):
        # LTI 1.3 core 5.4.1: a context claim must carry an id; two courses without one
        # would share every record of the tool.
        return "the context claim has no id"
    return (
        _id_problem("context id", context.get("id"))
        or _text_problem("context title", context.get("title"))
        or _text_problem("context label", context.get("label"))
    )


def _link_problem(link: Any) -> str | None:
    if link is None:
        return None
    return (
        _object_problem("resource_link", link)
        or _id_problem("resource_link id", link.get("id"))
        or _text_problem("resource_link title", link.get("title"))
    )


def _services_problem(body: Mapping[str, Any]) -> str | None:
    presentation = body.get(CLAIM + "launch_presentation")
    settings = body.get(DL_SETTINGS)
    ags = body.get(AGS)
    nrps = body.get(NRPS)
    problem = (
        _object_problem("launch_presentation", presentation)
        or _object_problem("deep_linking_settings", settings)
        or _object_problem("AGS endpoint", ags)
        or _object_problem("NRPS", nrps)
    )
    if problem:
        return problem
    scope = (ags or {}).get("scope")
    if scope is not None and not (
        isinstance(scope, list) and all(isinstance(item, str) for item in scope)
    ):
        return "the AGS scope must be a list of strings"
    return (
        _url_problem("return_url", (presentation or {}).get("return_url"))
        or _url_problem("deep_link_return_url", (settings or {}).get("deep_link_return_url"))
        or _url_problem("lineitems", (ags or {}).get("lineitems"))
        or _url_problem("lineitem", (ags or {}).get("lineitem"))
        or _url_problem("context_memberships_url", (nrps or {}).get("context_memberships_url"))
    )


def clean_text(value: Any, limit: int = 255) -> str:
    """Display text as stored: control characters (NUL included) dropped, then shortened."""
    if not isinstance(value, str):
        return ""
    return CONTROL.sub("", value)[:limit]


def registration_problem(client_id: Any, deployment_id: Any) -> str | None:
    """What is wrong with a Dynamic Registration answer's ids, or ``None``."""
    return _id_problem("client_id", client_id) or (
        _id_problem("deployment_id", str(deployment_id)) if deployment_id is not None else None
    )
