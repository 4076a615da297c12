"""LTI 1.3 vocabulary and id_token crafting, good and bad.

Claim names follow LTI Core 1.3 §5 (resource link launch), Deep Linking 2.0 §4.4, AGS 2.0 §3.1
and NRPS 2.0 §3.6. ``encode`` signs a payload with any key and any of the algorithms an attacker
would try (``none``, ``HS256`` keyed with the platform's public key); ``tamper`` changes a signed
token's payload while keeping its signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt

from .keys import SigningKey

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
CLAIM_MESSAGE_TYPE = LTI + "message_type"
CLAIM_VERSION = LTI + "version"
CLAIM_DEPLOYMENT_ID = LTI + "deployment_id"
CLAIM_TARGET_LINK_URI = LTI + "target_link_uri"
CLAIM_RESOURCE_LINK = LTI + "resource_link"
CLAIM_ROLES = LTI + "roles"
CLAIM_CONTEXT = LTI + "context"
CLAIM_TOOL_PLATFORM = LTI + "tool_platform"
CLAIM_LAUNCH_PRESENTATION = LTI + "launch_presentation"
CLAIM_CUSTOM = LTI + "custom"
CLAIM_AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
CLAIM_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
CLAIM_DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
CLAIM_DL_CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
CLAIM_DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"

RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"

ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
ROLE_LEARNER = ROLE + "Learner"
ROLE_INSTRUCTOR = ROLE + "Instructor"
ROLE_TEACHING_ASSISTANT = ROLE + "Instructor#TeachingAssistant"
ROLE_CONTENT_DEVELOPER = ROLE + "ContentDeveloper"
ROLE_MENTOR = ROLE + "Mentor"
ROLE_ADMINISTRATOR = ROLE + "Administrator"
INSTITUTION_ROLE_ADMINISTRATOR = (
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
)
SYSTEM_ROLE_ADMINISTRATOR = "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator"
COURSE_OFFERING = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE)
ALL_SCOPES = (*AGS_SCOPES, SCOPE_NRPS)


class _Omit:
    def __repr__(self) -> str:
        return "OMIT"


OMIT: Any = _Omit()
"""A claim override value that removes the claim from the token (for missing-claim tests)."""


def apply_overrides(claims: dict[str, Any], overrides: dict[str, Any] | None) -> dict[str, Any]:
    """``claims`` with ``overrides`` applied; an override of ``OMIT`` deletes that claim."""
    result = dict(claims)
    for name, value in (overrides or {}).items():
        if value is OMIT:
            result.pop(name, None)
        else:
            result[name] = value
    return result


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64_json(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def encode(
    payload: dict[str, Any],
    key: SigningKey,
    *,
    alg: str = "RS256",
    kid: str | None | Any = None,
    headers: dict[str, Any] | None = None,
) -> str:
    """Sign ``payload`` as a JWT.

    ``alg="RS256"`` (or RS384/RS512) signs with ``key`` properly. ``alg="none"`` makes an unsigned
    token (RFC 7519 §6). ``alg="HS256"`` is the algorithm-confusion attack: an HMAC keyed with
    the *public* PEM of ``key``, which a verifier that trusts the header's ``alg`` would accept.
    ``kid`` defaults to the key's own; pass ``OMIT`` to leave it out.
    """
    header: dict[str, Any] = {"typ": "JWT", "alg": alg}
    if kid is not OMIT:
        header["kid"] = key.kid if kid is None else kid
    header.update(headers or {})
    if alg == "none":
        return f"{_b64_json(header)}.{_b64_json(payload)}."
    if alg.startswith("HS"):
        signing_input = f"{_b64_json(header)}.{_b64_json(payload)}".encode()
        digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
        mac = hmac.new(key.public_pem.encode(), signing_input, digest).digest()
        return f"{signing_input.decode()}.{_b64(mac)}"
    extra = {k: v for k, v in header.items() if k not in ("alg", "typ")}
    return jwt.encode(payload, key.private_key, algorithm=alg, headers=extra)


def tamper(token: str, changes: dict[str, Any]) -> str:
    """``token`` with its payload changed by ``changes`` (``OMIT`` deletes) and its original
    signature kept: what an attacker who edits a captured id_token sends."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return f"{header}.{_b64_json(apply_overrides(claims, changes))}.{signature}"


def unverified_claims(token: str) -> dict[str, Any]:
    """The payload of ``token`` without checking its signature (for assertions in tests)."""
    return jwt.decode(token, options={"verify_signature": False})
