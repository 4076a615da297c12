"""LTI Advantage services: the token endpoint (client credentials with a signed assertion),
Assignment and Grade Services 2.0, Names and Role Provisioning 2.0, the Deep Linking return."""

from __future__ import annotations

import json
import socket
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import jwt
from flask import Blueprint, Response, current_app, jsonify, render_template_string, request

from . import claims as c
from .lms import Platform, PlatformError, ScoreFault

services = Blueprint("services", __name__)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEM_CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE = "application/vnd.ims.lis.v1.score+json"
RESULT_CONTAINER = "application/vnd.ims.lis.v2.resultcontainer+json"
MEMBERSHIP_CONTAINER = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
ACTIVITY_PROGRESS = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING_PROGRESS = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}
#: Canvas keeps a grade only for these; any other gradingProgress clears it.
COUNTED_GRADING = {"FullyGraded", "PendingManual"}
CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"

DEEP_LINK_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Content added</title></head>
<body><main><h1>Content added</h1><ul>
{% for item in items %}<li>{{ item.get("title") or item.get("url") or item.get("type") }}</li>
{% endfor %}</ul></main></body></html>"""


def platform() -> Platform:
    return current_app.extensions["lti_platform"]


def _json(body: Any, content_type: str, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type=content_type)


@services.after_request
def _record_service_request(response: Response) -> Response:
    """Keep every AGS and NRPS request with the status it got, for assertions."""
    if request.path.startswith(("/ags/", "/nrps/")):
        platform().recorded.service_requests.append(
            {
                "method": request.method,
                "path": request.path,
                "query": request.args.to_dict(),
                "content_type": request.content_type,
                "accept": request.headers.get("Accept"),
                "authorization": request.headers.get("Authorization"),
                "json": request.get_json(silent=True, force=True) if request.data else None,
                "status": response.status_code,
            }
        )
    return response


def verify_jwt_from_tool(token: str, *, audience: list[str] | str, lms: Platform):
    """Verify a JWT a tool signed (client assertion, deep linking response) against the tool's
    published keys. Returns ``(tool, claims)``; ``PlatformError('invalid_client')`` otherwise."""
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as error:
        raise PlatformError("invalid_client", f"not a JWT: {error}") from error
    client_id = unverified.get("iss")
    tool = lms.tools.get(client_id) if isinstance(client_id, str) else None
    if tool is None:
        raise PlatformError("invalid_client", f"unknown client {client_id!r}")
    if header.get("alg") != "RS256":
        raise PlatformError("invalid_client", f"alg {header.get('alg')!r} is not RS256")
    keys = lms.tool_jwks(tool).get("keys", [])
    kid = header.get("kid")
    candidates = [key for key in keys if kid is None or key.get("kid") == kid]
    if not candidates:
        raise PlatformError("invalid_client", f"no published key with kid {kid!r}")
    last_error: Exception | None = None
    for jwk in candidates:
        public_key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk))
        try:
            verified = jwt.decode(
                token,
                public_key,
                algorithms=["RS256"],
                audience=audience,
                options={"require": ["iss", "aud", "exp", "iat"]},
            )
        except jwt.PyJWTError as error:
            last_error = error
            continue
        return tool, verified
    raise PlatformError("invalid_client", f"assertion rejected: {last_error}")


def assertion_audiences(lms: Platform) -> list[str]:
    """What a client assertion's ``aud`` may be: the token URL, as Canvas requires
    ("aud: the Canvas OAuth2 token endpoint"), or the ``authorization_server`` the platform
    advertises for Dynamic Registration (LTI DR §3.4.1 tells tools to use it as ``aud``)."""
    advertised = lms.openid_configuration().get("authorization_server")
    return [lms.auth_token_url, *([advertised] if advertised else [])]


@services.post("/token")
def token():
    """OAuth 2 client credentials with a JWT client assertion (LTI Security §4.1, RFC 7523)."""
    lms = platform()
    form = request.form.to_dict()
    entry = {**form, "status": None}
    lms.recorded.token_requests.append(entry)
    try:
        if form.get("grant_type") != "client_credentials":
            raise PlatformError("unsupported_grant_type", "grant_type must be client_credentials")
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise PlatformError("invalid_request", "client_assertion_type must be jwt-bearer")
        assertion = form.get("client_assertion")
        if not assertion:
            raise PlatformError("invalid_request", "client_assertion is required")
        tool, claims = verify_jwt_from_tool(assertion, audience=assertion_audiences(lms), lms=lms)
        if claims.get("sub") != tool.client_id:
            raise PlatformError("invalid_client", "sub must be the client_id")
        jti = claims.get("jti")
        if not jti:
            raise PlatformError("invalid_client", "jti is required")
        with lms.lock:
            if jti in lms.seen_assertion_ids:
                raise PlatformError("invalid_client", "client assertion replayed")
            lms.seen_assertion_ids.add(jti)
        answer = lms.issue_access_token(tool.client_id, (form.get("scope") or "").split())
    except PlatformError as error:
        entry["status"] = 400 if error.error != "invalid_client" else 401
        entry["error"] = error.error
        return jsonify(error=error.error, error_description=error.description), entry["status"]
    entry["status"] = 200
    return jsonify(answer)


# ----------------------------------------------------------------------------- AGS


def _line_item(course_id: str, number: int, client_id: str) -> str:
    lms = platform()
    item_id = lms.url(f"/ags/{course_id}/lineitems/{number}")
    stored = lms.line_items.get(item_id)
    if stored is None or stored["course_id"] != course_id or stored["client_id"] != client_id:
        raise PlatformError("not_found", "no such line item", status=404)
    return item_id


@services.errorhandler(PlatformError)
def service_error(error: PlatformError):
    response = jsonify(error=error.error, error_description=error.description)
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = f'Bearer error="{error.error}"'
    return response


@services.route("/ags/<course_id>/lineitems", methods=["GET", "POST"])
def line_items(course_id: str):
    lms = platform()
    if request.method == "POST":
        grant = lms.check_access_token(request.headers.get("Authorization"), c.SCOPE_LINEITEM)
        body = request.get_json(silent=True, force=True)
        if not isinstance(body, dict) or not body.get("label"):
            raise PlatformError("invalid_request", "a line item needs a label")
        maximum = body.get("scoreMaximum")
        if not isinstance(maximum, int | float) or maximum <= 0:
            raise PlatformError("invalid_request", "scoreMaximum must be a positive number")
        lms.course(course_id)
        item = lms.create_line_item(course_id, body, client_id=grant.client_id)
        return _json(item, LINEITEM, 201)
    grant = lms.check_access_token(
        request.headers.get("Authorization"), c.SCOPE_LINEITEM, c.SCOPE_LINEITEM_READONLY
    )
    filters = {
        "resourceLinkId": request.args.get("resource_link_id"),
        "resourceId": request.args.get("resource_id"),
        "tag": request.args.get("tag"),
    }
    items = [
        lms.line_item_json(item_id)
        for item_id, stored in list(lms.line_items.items())
        if stored["course_id"] == course_id and stored["client_id"] == grant.client_id
        if all(value is None or stored.get(name) == value for name, value in filters.items())
    ]
    return _json(items, LINEITEM_CONTAINER)


@services.route("/ags/<course_id>/lineitems/<int:number>", methods=["GET", "PUT", "DELETE"])
def line_item(course_id: str, number: int):
    lms = platform()
    authorization = request.headers.get("Authorization")
    if request.method == "GET":
        grant = lms.check_access_token(authorization, c.SCOPE_LINEITEM, c.SCOPE_LINEITEM_READONLY)
        return _json(lms.line_item_json(_line_item(course_id, number, grant.client_id)), LINEITEM)
    grant = lms.check_access_token(authorization, c.SCOPE_LINEITEM)
    item_id = _line_item(course_id, number, grant.client_id)
    if request.method == "DELETE":
        with lms.lock:
            del lms.line_items[item_id]
        return Response(status=204)
    body = request.get_json(silent=True, force=True) or {}
    with lms.lock:
        lms.line_items[item_id].update({k: v for k, v in body.items() if k != "id"})
    return _json(lms.line_item_json(item_id), LINEITEM)


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO 8601 date-time with an offset (AGS §3.4.4), else ``None``."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _validate_score(score: Any) -> list[str]:
    """Problems with a score (AGS §3.4.x), empty when acceptable."""
    if not isinstance(score, dict):
        return ["the score must be a JSON object"]
    problems = []
    if not score.get("userId"):
        problems.append("userId is required")
    if score.get("activityProgress") not in ACTIVITY_PROGRESS:
        problems.append("activityProgress is missing or unknown")
    if score.get("gradingProgress") not in GRADING_PROGRESS:
        problems.append("gradingProgress is missing or unknown")
    if parse_timestamp(score.get("timestamp")) is None:
        problems.append("timestamp must be an ISO 8601 date-time with an offset")
    if "scoreGiven" in score:
        given, maximum = score.get("scoreGiven"), score.get("scoreMaximum")
        if not isinstance(given, int | float) or given < 0:
            problems.append("scoreGiven must be a number ≥ 0")
        if not isinstance(maximum, int | float) or maximum <= 0:
            problems.append("scoreMaximum must accompany scoreGiven and be > 0")
    extension = score.get(CANVAS_SUBMISSION)
    if extension is not None and not isinstance(extension, dict):
        problems.append(f"{CANVAS_SUBMISSION} must be an object")
    return problems


def keep_score(lms: Platform, item_id: str, score: dict[str, Any]) -> None:
    """Apply an accepted score to the gradebook as Canvas does (its AGS scores endpoint):

    * a score older than the kept result's ``timestamp`` is refused with 400 (an equal one
      is taken: a retry of the same score changes nothing);
    * the grade counts only with ``scoreGiven`` and ``gradingProgress`` FullyGraded or
      PendingManual; any other score clears the learner's grade;
    * every score is a new submission attempt unless the Canvas submission extension
      says ``new_submission: false`` (a grade-only update).
    """
    user_id = score["userId"]
    timestamp = parse_timestamp(score["timestamp"])
    extension = score.get(CANVAS_SUBMISSION) or {}
    with lms.lock:
        kept = lms.results.setdefault(item_id, {}).get(user_id)
        if kept is not None and timestamp < parse_timestamp(kept["timestamp"]):
            raise PlatformError(
                "invalid_request",
                f"Provided timestamp of {score['timestamp']} before last updated timestamp "
                f"of {kept['timestamp']}",
            )
        graded = "scoreGiven" in score and score["gradingProgress"] in COUNTED_GRADING
        attempts = (kept or {}).get("submission_attempts", 0)
        if extension.get("new_submission", True) is not False:
            attempts += 1
        lms.results[item_id][user_id] = {
            "userId": user_id,
            "scoreGiven": score["scoreGiven"] if graded else None,
            "scoreMaximum": score.get("scoreMaximum") if graded else None,
            "comment": score.get("comment"),
            "timestamp": score["timestamp"],
            "activityProgress": score["activityProgress"],
            "gradingProgress": score["gradingProgress"],
            "submitted_at": extension.get("submitted_at", (kept or {}).get("submitted_at")),
            "submission_attempts": attempts,
        }
        lms.scores[item_id].append(score)


def answer_fault(fault: ScoreFault) -> Response:
    """A scripted failure: an HTTP error, or the connection closed with no answer at all."""
    if fault.drop:
        # Half-close the socket: the tool reads end-of-stream instead of a status line,
        # and werkzeug's write of our response fails quietly as a dropped connection.
        request.get_data()  # read (and keep, for the record) the body before hanging up
        connection = request.environ["werkzeug.socket"]
        connection.shutdown(socket.SHUT_RDWR)
        return Response(status=444)  # nginx's "no response", for the recorded requests
    response = jsonify(error="scripted_fault", error_description=f"scripted {fault.status}")
    response.status_code = fault.status or 500
    if fault.retry_after is not None:
        response.headers["Retry-After"] = str(fault.retry_after)
    return response


@services.post("/ags/<course_id>/lineitems/<int:number>/scores")
def post_score(course_id: str, number: int):
    lms = platform()
    fault = lms.take_score_fault()
    if fault is not None and not fault.after_recording:
        return answer_fault(fault)
    grant = lms.check_access_token(request.headers.get("Authorization"), c.SCOPE_SCORE)
    item_id = _line_item(course_id, number, grant.client_id)
    if request.mimetype != SCORE:
        raise PlatformError("unsupported_media_type", f"Content-Type must be {SCORE}", 415)
    score = request.get_json(silent=True, force=True)
    problems = _validate_score(score)
    if problems:
        raise PlatformError("invalid_request", "; ".join(problems))
    if score["userId"] not in lms.course(course_id).members:
        raise PlatformError("invalid_request", f"{score['userId']} is not in {course_id}")
    keep_score(lms, item_id, score)
    if fault is not None:
        return answer_fault(fault)
    return Response(status=204)


@services.get("/ags/<course_id>/lineitems/<int:number>/results")
def results(course_id: str, number: int):
    lms = platform()
    grant = lms.check_access_token(request.headers.get("Authorization"), c.SCOPE_RESULT_READONLY)
    item_id = _line_item(course_id, number, grant.client_id)
    with lms.lock:
        kept = sorted(lms.results.get(item_id, {}).items())
    wanted = request.args.get("user_id")
    answer = [
        {
            "id": f"{item_id}/results/{user_id}",
            "scoreOf": item_id,
            "userId": user_id,
            "resultScore": result["scoreGiven"],
            "resultMaximum": result["scoreMaximum"],
            "comment": result["comment"],
        }
        for user_id, result in kept
        if wanted is None or user_id == wanted
    ]
    return _json(answer, RESULT_CONTAINER)


# ----------------------------------------------------------------------------- NRPS


@services.get("/nrps/<course_id>/memberships")
def memberships(course_id: str):
    """Context membership (NRPS 2.0 §2.1), paged with ``limit`` and a ``Link: rel="next"``."""
    lms = platform()
    lms.check_access_token(request.headers.get("Authorization"), c.SCOPE_NRPS)
    course = lms.courses.get(course_id)
    if course is None:
        raise PlatformError("not_found", "no such context", status=404)
    role = request.args.get("role")
    people = [lms.users[user_id] for user_id in course.members if user_id in lms.users]
    if role:
        people = [person for person in people if any(r.endswith(role) for r in person.roles)]
    limit = request.args.get("limit", type=int) or len(people) or 1
    page = request.args.get("page", default=0, type=int)
    chunk = people[page * limit : (page + 1) * limit]
    body = {
        "id": request.base_url,
        "context": {"id": course.id, "label": course.label, "title": course.title},
        "members": [
            {
                "status": "Active",
                "user_id": person.id,
                "name": person.name,
                "given_name": person.given_name,
                "family_name": person.family_name,
                "email": person.email,
                "roles": list(person.roles),
            }
            for person in chunk
        ],
    }
    response = _json(body, MEMBERSHIP_CONTAINER)
    if (page + 1) * limit < len(people):
        query = {**request.args.to_dict(), "limit": limit, "page": page + 1}
        response.headers["Link"] = f'<{request.base_url}?{urlencode(query)}>; rel="next"'
    return response


# ----------------------------------------------------------------------------- Deep Linking


@services.post("/deep_links/return")
def deep_link_return():
    """Receive an LtiDeepLinkingResponse (Deep Linking 2.0 §4.5) signed by the tool."""
    lms = platform()
    token = request.form.get("JWT", "")
    try:
        tool, claims = verify_jwt_from_tool(token, audience=lms.issuer, lms=lms)
        if claims.get(c.CLAIM_MESSAGE_TYPE) != c.DEEP_LINKING_RESPONSE:
            raise PlatformError("invalid_request", "message_type must be LtiDeepLinkingResponse")
        if claims.get(c.CLAIM_VERSION) != "1.3.0":
            raise PlatformError("invalid_request", "version must be 1.3.0")
        if claims.get(c.CLAIM_DEPLOYMENT_ID) != tool.deployment_id:
            raise PlatformError("invalid_request", "unknown deployment_id")
        if claims["exp"] < time.time():
            raise PlatformError("invalid_request", "expired")
    except PlatformError as error:
        lms.recorded.deep_link_responses.append({"error": error.error, "token": token})
        return render_template_string(
            "<!doctype html><html lang=en><title>Refused</title><main><h1>Refused</h1>"
            "<p>{{ e }}</p></main></html>",
            e=error.description,
        ), 400
    items = claims.get(c.CLAIM_DL_CONTENT_ITEMS, [])
    lms.recorded.deep_link_responses.append(
        {"client_id": tool.client_id, "claims": claims, "content_items": items}
    )
    return render_template_string(DEEP_LINK_PAGE, items=items)
