"""LTI Advantage services of one platform registration: access tokens, AGS, NRPS.

``PlatformServices.of(session, platform)`` talks to one registered platform:

* Access tokens (LTI Security §4.1, RFC 7523): a client assertion signed with the
  tool's key from ``KeyStore``, its ``aud`` the platform's ``auth_audience`` if set,
  else the token URL it is posted to (Canvas refuses any other). Tokens are kept in
  the shared cache (``lti_tool.cache``) per platform and scope set, for their
  lifetime less ``TOKEN_MARGIN``; a service that answers 401 (token expired or
  revoked early) gets one more try with a new token.
* AGS 2.0: ``line_item_url`` finds or creates the line item of a resource link and
  remembers it; ``post_score`` posts a score to it.
* NRPS 2.0: ``roster`` reads a course's members, every ``Link: rel="next"`` page.

Every request goes through ``pylti_glue.http_session()`` (timeouts, outbound checks).
Failures raise ``ServiceError`` whose text is a short reason fit for logs and for
instructors: a status and the platform's error code, never a body, score or token.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from flask import current_app
from pylti1p3.exception import LtiServiceException
from pylti1p3.registration import Registration
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy.orm import Session

from ..cache import Cache
from ..keys import KeyStore, SigningKey
from ..models import Context, Platform, ResourceLink
from .pylti_glue import http_session

log = logging.getLogger(__name__)

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEM_CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE = "application/vnd.ims.lis.v1.score+json"
MEMBERSHIP_CONTAINER = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"

#: Canvas' score extension (Canvas LTI docs, "Score Publish Service").
CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"

#: Seconds before its announced expiry that a cached access token is no longer used.
TOKEN_MARGIN = 60
#: Pages of line items or members read at most (a platform that links pages in a loop).
MAX_PAGES = 200

_ERROR_CODE = re.compile(r"^[A-Za-z0-9_.:-]{1,40}$")


class ServiceError(Exception):
    """A platform service failed. ``str()`` is a short reason, safe to store and show.

    ``status`` is the HTTP status, ``None`` when no answer came (connection error,
    timeout); ``retry_after`` the seconds a 429/503 asked us to wait, if it said.
    """

    def __init__(self, reason: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.status = status
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        """Worth trying again later: no answer, the platform's fault, throttling or a token.

        401 counts: it comes only after one retry with a fresh token, so the platform's
        token service or its clock is at fault, or the token was revoked meanwhile.
        """
        return self.status is None or self.status >= 500 or self.status in (401, 408, 429)


@dataclass(frozen=True)
class Member:
    """A course member as NRPS lists them; ``user_id`` is the platform's ``sub``."""

    user_id: str
    name: str
    roles: tuple[str, ...]
    status: str


def is_canvas(platform: Platform) -> bool:
    """Canvas needs its submission extension; its issuer or registered name says canvas."""
    return "canvas" in f"{platform.issuer} {platform.name}".lower()


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` (RFC 9110 §10.2.3): delay-seconds or an HTTP date; ``None`` if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def error_from_response(response: requests.Response | None, what: str) -> ServiceError:
    """A ``ServiceError`` naming ``what`` failed, its status and the platform's error code."""
    if response is None:
        return ServiceError(f"{what}: no answer")
    code = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(error, str) and _ERROR_CODE.match(error):
        code = f" ({error})"
    return ServiceError(
        f"{what}: HTTP {response.status_code}{code}",
        status=response.status_code,
        retry_after=retry_after_seconds(response.headers.get("Retry-After")),
    )


def with_path_suffix(url: str, suffix: str) -> str:
    """``url`` with ``suffix`` added to its path, its query kept (Moodle's line item URLs
    carry ``?type_id=…``; AGS §3.4: scores are posted to ``<line item>/scores``)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


def with_query(url: str, params: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    extra = urlencode(params)
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


class ToolServiceConnector(ServiceConnector):
    """pylti1p3's connector with tokens in the shared cache and one retry after a 401."""

    def __init__(
        self,
        platform: Platform,
        signing_key: SigningKey,
        cache: Cache,
        requests_session: requests.Session,
    ) -> None:
        registration = (
            Registration()
            .set_issuer(platform.issuer)
            .set_client_id(platform.client_id)
            .set_auth_token_url(platform.auth_token_url)
            .set_auth_audience(platform.auth_audience)  # type: ignore[arg-type]
            .set_tool_private_key(signing_key.private_pem)
            .set_tool_public_key(signing_key.public_pem)
        )
        super().__init__(registration, requests_session)
        # The platform by what it is (issuer and client id), not by a row id: two tool
        # installations, or schemas, sharing one Redis have rows of the same ids, and one
        # must never send grades with a token the platform issued to the other.
        self._platform_id = hashlib.sha256(
            f"{platform.issuer}\n{platform.client_id}".encode()
        ).hexdigest()[:24]
        self._cache = cache

    def _scope_key(self, scopes) -> str:
        digest = hashlib.sha256(" ".join(sorted(scopes)).encode()).hexdigest()[:24]
        return f"lti-access-token:{self._platform_id}:{digest}"

    def _get_cached_access_token(self, scope_key: str) -> str | None:
        return self._cache.get(scope_key)

    def _cache_access_token(self, scope_key: str, access_token: str, expires_in: float) -> None:
        try:
            lifetime = int(expires_in) - TOKEN_MARGIN
        except (TypeError, ValueError):
            lifetime = 0
        if lifetime > 0:
            self._cache.set(scope_key, access_token, lifetime)

    def forget_access_token(self, scopes) -> None:
        self._cache.delete(self._scope_key(sorted(scopes)))

    def get_access_token(self, scopes) -> str:
        try:
            return super().get_access_token(scopes)
        except LtiServiceException as error:
            raise error_from_response(error.response, "token request") from None
        except (requests.RequestException, KeyError, ValueError) as error:
            raise ServiceError(f"token request: {type(error).__name__}") from None

    def request(
        self,
        scopes: list[str],
        url: str,
        what: str,
        *,
        method: str = "GET",
        body: str | None = None,
        content_type: str | None = None,
        accept: str = "application/json",
    ) -> requests.Response:
        """A service request with a bearer token; after a 401 once more with a new token.

        Returns the 2xx response; anything else raises ``ServiceError`` naming ``what``.
        """
        for attempt in (1, 2):
            headers = {"Authorization": "Bearer " + self.get_access_token(scopes), "Accept": accept}
            if content_type:
                headers["Content-Type"] = content_type
            try:
                response = self._requests_session.request(method, url, data=body, headers=headers)
            except requests.RequestException as error:
                raise ServiceError(f"{what}: no answer ({type(error).__name__})") from None
            if response.status_code == 401 and attempt == 1:
                log.info("%s: token refused (401); retrying once with a new token", what)
                self.forget_access_token(scopes)
                continue
            if not response.ok:
                raise error_from_response(response, what)
            return response
        raise AssertionError("unreachable")


def json_body(response: requests.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ServiceError(f"{what}: the answer is not JSON") from None


class PlatformServices:
    """AGS and NRPS towards one platform registration."""

    def __init__(self, platform: Platform, connector: ToolServiceConnector) -> None:
        self.platform = platform
        self._connector = connector

    @classmethod
    def of(cls, session: Session, platform: Platform) -> PlatformServices:
        """Services with the tool's signing key, the app's cache and the shared HTTP policy."""
        connector = ToolServiceConnector(
            platform,
            KeyStore(session).signing_key(),
            current_app.extensions["lti_tool.cache"],
            http_session(),
        )
        return cls(platform, connector)

    # ------------------------------------------------------------------ AGS

    def line_item_url(
        self,
        link: ResourceLink,
        *,
        label: str,
        resource_id: str,
        tag: str,
        score_maximum: float,
    ) -> str:
        """The line item of ``link``: the platform's own, else found, else created.

        A found or created line item's URL is kept on the link (the caller commits), so
        it is looked for once. Raises ``ServiceError`` when the course has no AGS.
        """
        if link.ags_lineitem_url:
            return link.ags_lineitem_url
        context = link.context
        if context is None or not context.ags_lineitems_url:
            raise ServiceError("the course offers no grade service (no AGS line items URL)")
        found = self.find_line_item(
            context.ags_lineitems_url,
            resource_link_id=link.resource_link_id,
            resource_id=resource_id,
            tag=tag,
        )
        url = found or self.create_line_item(
            context.ags_lineitems_url,
            {
                "label": label,
                "scoreMaximum": score_maximum,
                "resourceLinkId": link.resource_link_id,
                "resourceId": resource_id,
                "tag": tag,
            },
        )
        link.ags_lineitem_url = url
        return url

    def find_line_item(
        self, lineitems_url: str, *, resource_link_id: str, resource_id: str, tag: str
    ) -> str | None:
        """The first line item of the course for this link, resource id and tag (AGS §3.2.5
        filters; checked here too, as some platforms ignore them)."""
        wanted = {"resourceLinkId": resource_link_id, "resourceId": resource_id, "tag": tag}
        url = with_query(
            lineitems_url,
            {"resource_link_id": resource_link_id, "resource_id": resource_id, "tag": tag},
        )
        for page in self._pages([SCOPE_LINEITEM], url, "line items", LINEITEM_CONTAINER):
            items = page if isinstance(page, list) else []
            for item in items:
                if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
                    continue
                if all(item.get(name) == value for name, value in wanted.items() if value):
                    return item["id"]
        return None

    def create_line_item(self, lineitems_url: str, line_item: Mapping[str, Any]) -> str:
        answer = self._connector.request(
            [SCOPE_LINEITEM],
            lineitems_url,
            "line item creation",
            method="POST",
            body=json.dumps({k: v for k, v in line_item.items() if v not in (None, "")}),
            content_type=LINEITEM,
            accept=LINEITEM,
        )
        body = json_body(answer, "line item creation")
        if not isinstance(body, Mapping) or not isinstance(body.get("id"), str):
            raise ServiceError("line item creation: the answer names no line item")
        return body["id"]

    def post_score(self, line_item_url: str, score: Mapping[str, Any]) -> None:
        """POST ``score`` to the line item's scores (AGS §3.4)."""
        self._connector.request(
            [SCOPE_SCORE],
            with_path_suffix(line_item_url, "/scores"),
            "score",
            method="POST",
            body=json.dumps(score),
            content_type=SCORE,
        )

    # ------------------------------------------------------------------ NRPS

    def members(self, memberships_url: str) -> list[Member]:
        """Every member of the course, across ``Link: rel="next"`` pages (NRPS §2.4.2)."""
        members = []
        for page in self._pages([SCOPE_NRPS], memberships_url, "roster", MEMBERSHIP_CONTAINER):
            listed = page.get("members") if isinstance(page, Mapping) else None
            for entry in listed or []:
                member = member_from_json(entry)
                if member is not None:
                    members.append(member)
        return members

    def _pages(self, scopes: list[str], url: str, what: str, accept: str) -> Iterator[Any]:
        seen: set[str] = set()
        next_url: str | None = url
        while next_url and next_url not in seen and len(seen) < MAX_PAGES:
            seen.add(next_url)
            answer = self._connector.request(scopes, next_url, what, accept=accept)
            yield json_body(answer, what)
            next_url = answer.links.get("next", {}).get("url")


def member_from_json(entry: Any) -> Member | None:
    if not isinstance(entry, Mapping) or not entry.get("user_id"):
        return None
    name = entry.get("name") or " ".join(
        str(part) for part in (entry.get("given_name"), entry.get("family_name")) if part
    )
    roles = entry.get("roles") if isinstance(entry.get("roles"), list) else []
    return Member(
        user_id=str(entry["user_id"]),
        name=str(name or ""),
        roles=tuple(str(role) for role in roles),
        status=str(entry.get("status") or "Active"),
    )


def roster(session: Session, context: Context) -> list[Member]:
    """The course's members from its NRPS service (``Context.nrps_url``).

    Raises ``ServiceError`` when the course has no membership service or it fails.
    Call it with no write pending in ``session``: the token cache may write to the
    database through its own connection, which SQLite would make wait for ``session``.
    """
    if not context.nrps_url:
        raise ServiceError("the course offers no membership service (NRPS)")
    platform = context.deployment.platform
    return PlatformServices.of(session, platform).members(context.nrps_url)
