"""OpenID Connect endpoints: key set, discovery, authorization, Dynamic Registration."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, render_template_string, request

from . import claims as c
from .lms import Platform, PlatformError

oidc = Blueprint("oidc", __name__)

FORM_POST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Launching…</title></head>
<body><main>
<form id="lti-form-post" method="post" action="{{ action }}">
{% for name, value in fields.items() %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}<noscript><button type="submit">Continue</button></noscript>
</form>
<script>document.getElementById("lti-form-post").submit();</script>
</main></body></html>"""


def platform() -> Platform:
    return current_app.extensions["lti_platform"]


@oidc.get("/jwks")
def key_set():
    lms = platform()
    with lms.lock:
        lms.recorded.jwks_requests += 1
    return jsonify(lms.jwks())


@oidc.get("/.well-known/openid-configuration")
def openid_configuration():
    return jsonify(platform().openid_configuration())


@oidc.route("/auth", methods=["GET", "POST"])
def authorize():
    """OIDC authentication request → auto-submitting form_post to the tool (LTI Security §5.1.1)."""
    params = {**request.args.to_dict(), **request.form.to_dict()}
    answer = platform().authorize(params)
    return render_template_string(FORM_POST_PAGE, action=answer.action, fields=answer.fields)


def _same_host(url: str, domain: str) -> bool:
    parts = urlsplit(url)
    return parts.netloc == domain or parts.hostname == domain


def _validate_registration(body: dict[str, Any]) -> list[str]:
    """Problems with a tool's registration request (LTI DR §3.5.1), empty when acceptable."""
    problems = []
    config = body.get(c.TOOL_CONFIGURATION)
    if not isinstance(config, dict):
        return [f"{c.TOOL_CONFIGURATION} is required"]
    if body.get("application_type") != "web":
        problems.append("application_type must be web")
    if "id_token" not in (body.get("response_types") or []):
        problems.append("response_types must include id_token")
    grants = body.get("grant_types") or []
    if not {"implicit", "client_credentials"} <= set(grants):
        problems.append("grant_types must include implicit and client_credentials")
    if body.get("token_endpoint_auth_method") != "private_key_jwt":
        problems.append("token_endpoint_auth_method must be private_key_jwt")
    for name in ("client_name", "initiate_login_uri", "jwks_uri"):
        if not body.get(name):
            problems.append(f"{name} is required")
    redirect_uris = body.get("redirect_uris")
    if not isinstance(redirect_uris, list) or not redirect_uris:
        problems.append("redirect_uris must be a non-empty list")
        redirect_uris = []
    domain = config.get("domain")
    if not domain:
        problems.append("domain is required")
    if not config.get("target_link_uri"):
        problems.append("target_link_uri is required")
    if domain:
        urls = [body.get("initiate_login_uri"), body.get("jwks_uri"), config.get("target_link_uri")]
        for url in [*urls, *redirect_uris]:
            if url and not _same_host(url, domain):
                problems.append(f"{url} is not on the tool's domain {domain}")
    return problems


@oidc.post("/register")
def register():
    """The registration endpoint of LTI Dynamic Registration §3.5–3.6: one use per token."""
    lms = platform()
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    with lms.lock:
        if not token or lms.registration_tokens.get(token) is not False:
            raise PlatformError("invalid_token", "unknown or used registration token", 401)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="invalid_client_metadata", error_description="JSON required"), 400
    problems = _validate_registration(body)
    if problems:
        lms.recorded.registrations.append({"request": body, "problems": problems})
        return jsonify(error="invalid_client_metadata", error_description="; ".join(problems)), 400
    with lms.lock:
        if lms.registration_tokens.get(token) is not False:
            raise PlatformError("invalid_token", "unknown or used registration token", 401)
        lms.registration_tokens[token] = True
    config = body[c.TOOL_CONFIGURATION]
    deep_link_url = next(
        (
            message.get("target_link_uri")
            for message in config.get("messages", [])
            if message.get("type") == c.DEEP_LINKING_REQUEST
        ),
        None,
    )
    requested = set((body.get("scope") or "").split())
    tool = lms.register_tool(
        login_url=body["initiate_login_uri"],
        redirect_uris=body["redirect_uris"],
        target_link_uri=config["target_link_uri"],
        jwks_url=body["jwks_uri"],
        deep_link_url=deep_link_url,
        client_id=f"dr-{secrets.token_hex(6)}",
        name=body["client_name"],
        scopes=tuple(scope for scope in c.ALL_SCOPES if scope in requested),
        registration_request=body,
    )
    lms.recorded.registrations.append({"request": body, "client_id": tool.client_id})
    answer = {
        **body,
        "client_id": tool.client_id,
        "scope": " ".join(tool.scopes),
        c.TOOL_CONFIGURATION: {**config, "deployment_id": tool.deployment_id},
    }
    return jsonify(answer), 200
