"""The test platform's Python API: register tools, start launches, craft id_tokens, inspect what
tools sent. The HTTP endpoints (``app.py``) are thin views over this object."""

from __future__ import annotations

import secrets
import ssl
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from . import claims as c
from .claims import OMIT, apply_overrides, encode
from .keys import SigningKey, jwks, session_key
from .model import (
    DEFAULT_USERS,
    LEARNER,
    AccessToken,
    Course,
    LoginIntent,
    ResourceLink,
    ToolRegistration,
    User,
)
from .server import RunningServer, start_server

PRODUCT_FAMILY_CODE = "lti-test-platform"
REQUIRED_AUTH_PARAMS = (
    "scope",
    "response_type",
    "response_mode",
    "prompt",
    "client_id",
    "redirect_uri",
    "login_hint",
    "state",
    "nonce",
)


class PlatformError(Exception):
    """A request the platform refuses; ``error`` is the OAuth 2 / OIDC error code."""

    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True)
class AuthResponse:
    """The platform's answer to an OIDC authentication request (LTI Core §5.1.1.3, OIDC Core
    §3.2.2.5 form_post): the fields it auto-posts to the tool's ``redirect_uri``."""

    action: str
    fields: dict[str, str]

    @property
    def id_token(self) -> str | None:
        return self.fields.get("id_token")

    @property
    def state(self) -> str | None:
        return self.fields.get("state")

    @property
    def error(self) -> str | None:
        return self.fields.get("error")


@dataclass
class Recorded:
    """Everything tools sent to the platform, newest last, for assertions."""

    auth_requests: list[dict[str, Any]] = field(default_factory=list)
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    service_requests: list[dict[str, Any]] = field(default_factory=list)
    registrations: list[dict[str, Any]] = field(default_factory=list)
    deep_link_responses: list[dict[str, Any]] = field(default_factory=list)
    jwks_requests: int = 0


@dataclass(frozen=True)
class ScoreFault:
    """How the platform answers one score POST that a test scripted to go wrong: an HTTP
    ``status`` (with ``Retry-After`` if given), or a connection dropped without an answer
    (before the score is recorded, or after: the tool then never learns it arrived)."""

    status: int | None = None
    retry_after: int | None = None
    drop: bool = False
    after_recording: bool = False


class Platform:
    """An LTI 1.3 platform (an LMS in miniature) for the tests.

    Create it, ``start()`` it (or use the ``lti_platform`` fixture), register the tool with
    ``register_tool`` or through Dynamic Registration, and give the tool ``tool_config()``.
    """

    def __init__(
        self,
        *,
        signing_key: SigningKey | None = None,
        published_keys: tuple[SigningKey, ...] | None = None,
        name: str = "Test LMS",
        product_family_code: str = PRODUCT_FAMILY_CODE,
        ssl_context: ssl.SSLContext | None = None,
    ):
        self.signing_key = signing_key or session_key("platform")
        self.published_keys = published_keys or (self.signing_key,)
        self.name = name
        self.product_family_code = product_family_code
        self.guid = uuid.uuid4().hex
        self.users: dict[str, User] = {user.id: user for user in DEFAULT_USERS}
        self.courses: dict[str, Course] = {}
        self.resource_links: dict[tuple[str, str], ResourceLink] = {}
        self.tools: dict[str, ToolRegistration] = {}
        self.intents: dict[str, LoginIntent] = {}
        self.line_items: dict[str, dict[str, Any]] = {}
        self.scores: dict[str, list[dict[str, Any]]] = {}
        #: The gradebook: line item id → user id → the result the platform keeps.
        self.results: dict[str, dict[str, dict[str, Any]]] = {}
        self.score_faults: deque[ScoreFault] = deque()
        #: Seconds an access token is valid (``expires_in``).
        self.token_lifetime = 3600
        self.access_tokens: dict[str, AccessToken] = {}
        self.registration_tokens: dict[str, bool] = {}
        self.seen_assertion_ids: set[str] = set()
        self.recorded = Recorded()
        self.lock = threading.RLock()
        self.base_url = ""
        self._server: RunningServer | None = None
        self._ssl_context = ssl_context  # None: plain HTTP
        self._line_item_counter = 0

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> Platform:
        """Serve the platform on a free port of 127.0.0.1; its issuer is its base URL."""
        from .app import create_platform_app

        self._server = start_server(
            create_platform_app(self), host_name="127.0.0.1", ssl_context=self._ssl_context
        )
        self.base_url = self._server.url
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Platform:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def issuer(self) -> str:
        return self.base_url

    @property
    def origin(self) -> str:
        return self.base_url

    @property
    def auth_login_url(self) -> str:
        return self.url("/auth")

    @property
    def auth_token_url(self) -> str:
        return self.url("/token")

    @property
    def key_set_url(self) -> str:
        return self.url("/jwks")

    def jwks(self) -> dict[str, Any]:
        return jwks(*self.published_keys)

    # ----------------------------------------------------------------- tools

    def register_tool(
        self,
        *,
        login_url: str,
        redirect_uris: list[str] | str,
        target_link_uri: str | None = None,
        jwks_url: str | None = None,
        jwks: dict[str, Any] | None = None,
        deep_link_url: str | None = None,
        client_id: str | None = None,
        deployment_id: str | None = None,
        name: str = "Test tool",
        scopes: tuple[str, ...] = c.ALL_SCOPES,
        registration_request: dict[str, Any] | None = None,
    ) -> ToolRegistration:
        """Register a tool, as an administrator does by hand in Moodle or Canvas."""
        uris = [redirect_uris] if isinstance(redirect_uris, str) else list(redirect_uris)
        tool = ToolRegistration(
            client_id=client_id or f"client-{secrets.token_hex(6)}",
            deployment_id=deployment_id or f"deployment-{secrets.token_hex(4)}",
            login_url=login_url,
            redirect_uris=uris,
            target_link_uri=target_link_uri or uris[0],
            jwks_url=jwks_url,
            jwks=jwks,
            deep_link_url=deep_link_url,
            name=name,
            scopes=tuple(scopes),
            registration_request=registration_request,
        )
        with self.lock:
            self.tools[tool.client_id] = tool
        return tool

    def register_tool_at(self, tool_url: str, **kwargs: Any) -> ToolRegistration:
        """Register a tool that uses the stable paths of issue 5 under ``tool_url``."""
        return self.register_tool(
            login_url=tool_url + "/lti/login",
            redirect_uris=[tool_url + "/lti/launch"],
            target_link_uri=tool_url + "/lti/launch",
            jwks_url=tool_url + "/lti/jwks.json",
            **kwargs,
        )

    def tool(self, client_id: str | None = None) -> ToolRegistration:
        """The registered tool with ``client_id``, or the only registered tool."""
        with self.lock:
            if client_id is not None:
                return self.tools[client_id]
            if len(self.tools) != 1:
                raise LookupError(f"{len(self.tools)} tools registered; name a client_id")
            return next(iter(self.tools.values()))

    def tool_config(self, client_id: str | None = None) -> dict[str, Any]:
        """What a tool stores about this platform for one registration (pylti1p3's fields)."""
        tool = self.tool(client_id)
        return {
            "issuer": self.issuer,
            "client_id": tool.client_id,
            "deployment_ids": [tool.deployment_id],
            "auth_login_url": self.auth_login_url,
            "auth_token_url": self.auth_token_url,
            "auth_audience": None,
            "key_set_url": self.key_set_url,
            "key_set": None,
        }

    # ----------------------------------------------------------------- people and places

    def add_user(self, user: User) -> User:
        with self.lock:
            self.users[user.id] = user
        return user

    def course(self, course_id: str, *, title: str | None = None) -> Course:
        """The course ``course_id``, created on first use with every known user enrolled."""
        with self.lock:
            if course_id not in self.courses:
                self.courses[course_id] = Course(
                    id=course_id,
                    title=title or f"Course {course_id}",
                    label=course_id.upper(),
                    members=list(self.users),
                )
            return self.courses[course_id]

    def resource_link(
        self,
        course_id: str,
        resource_link_id: str,
        *,
        client_id: str | None = None,
        title: str | None = None,
        custom: dict[str, str] | None = None,
        graded: bool = True,
    ) -> ResourceLink:
        """The activity ``resource_link_id`` of a course, created on first use; a graded
        activity gets a line item of its own, as Moodle and Canvas create one."""
        with self.lock:
            key = (course_id, resource_link_id)
            if key not in self.resource_links:
                self.course(course_id)
                link = ResourceLink(
                    id=resource_link_id,
                    course_id=course_id,
                    client_id=self.tool(client_id).client_id,
                    title=title or f"Activity {resource_link_id}",
                    custom=dict(custom or {}),
                )
                if graded:
                    item = self.create_line_item(
                        course_id,
                        {
                            "label": link.title,
                            "scoreMaximum": 100,
                            "resourceLinkId": resource_link_id,
                        },
                        client_id=link.client_id,
                    )
                    link.line_item_id = item["id"]
                self.resource_links[key] = link
            return self.resource_links[key]

    # ----------------------------------------------------------------- launches

    def login_initiation_params(
        self,
        *,
        user: User | str = LEARNER,
        course_id: str = "course-1",
        resource_link_id: str = "activity-1",
        message_type: str = c.RESOURCE_LINK_REQUEST,
        client_id: str | None = None,
        target_link_uri: str | None = None,
        storage_target: str | None = None,
        claims: dict[str, Any] | None = None,
        include_client_id: bool = True,
        include_deployment_id: bool = True,
    ) -> dict[str, str]:
        """Parameters of a third-party initiated login (LTI Core §4.1 / Security §5.1.1.1).

        The platform remembers the launch it means under a fresh ``lti_message_hint``; ``claims``
        overrides what the authorization endpoint will put in that launch's id_token.
        ``storage_target`` advertises LTI Platform Storage (``lti_storage_target``).
        """
        tool = self.tool(client_id)
        user_id = user.id if isinstance(user, User) else user
        if message_type == c.DEEP_LINKING_REQUEST:
            self.course(course_id)
            link_id = None
            target = target_link_uri or tool.deep_link_url or tool.target_link_uri
        else:
            self.resource_link(course_id, resource_link_id, client_id=tool.client_id)
            link_id = resource_link_id
            target = target_link_uri or tool.target_link_uri
        intent = LoginIntent(
            message_hint=f"hint-{secrets.token_urlsafe(12)}",
            user_id=user_id,
            client_id=tool.client_id,
            deployment_id=tool.deployment_id,
            message_type=message_type,
            target_link_uri=target,
            course_id=course_id,
            resource_link_id=link_id,
            claims=dict(claims or {}),
        )
        with self.lock:
            self.intents[intent.message_hint] = intent
        params = {
            "iss": self.issuer,
            "login_hint": user_id,
            "target_link_uri": target,
            "lti_message_hint": intent.message_hint,
        }
        if include_client_id:
            params["client_id"] = tool.client_id
        if include_deployment_id:
            params["lti_deployment_id"] = tool.deployment_id
        if storage_target:
            params["lti_storage_target"] = storage_target
        return params

    def login_initiation_url(self, **kwargs: Any) -> str:
        """The tool's login URL with the initiation parameters as a query (a GET initiation)."""
        params = self.login_initiation_params(**kwargs)
        tool = self.tool(kwargs.get("client_id"))
        separator = "&" if "?" in tool.login_url else "?"
        return tool.login_url + separator + urlencode(params)

    def course_launch_url(
        self,
        course_id: str = "course-1",
        resource_link_id: str = "activity-1",
        *,
        user: User | str = LEARNER,
        storage: str | None = None,
        login_method: str = "post",
        client_id: str | None = None,
        message_type: str = c.RESOURCE_LINK_REQUEST,
        storage_silent: bool = False,
    ) -> str:
        """The platform page where a person opens an activity: the tool framed in an iframe.

        ``storage`` is ``None`` (no platform storage), ``"_parent"`` (the page itself answers
        ``lti.*`` postMessages) or ``"post_message_forwarding"`` (a named sibling frame answers,
        as Canvas does). ``message_type=LtiDeepLinkingRequest`` opens the tool's content
        selection instead, as an instructor adding an activity does. ``storage_silent``
        advertises storage but never answers ``lti.put_data``/``lti.get_data`` (a broken or
        blocked platform frame).
        """
        user_id = user.id if isinstance(user, User) else user
        query = {"user": user_id, "login_method": login_method}
        if message_type != c.RESOURCE_LINK_REQUEST:
            query["message_type"] = message_type
        if storage:
            query["storage"] = storage
        if storage_silent:
            query["storage_silent"] = "1"
        if client_id:
            query["client_id"] = client_id
        return self.url(f"/course/{course_id}/launch/{resource_link_id}?{urlencode(query)}")

    def authorize(self, params: Mapping[str, str]) -> AuthResponse:
        """Answer an OIDC authentication request (LTI Security §5.1.1.2–3).

        Raises ``PlatformError`` when the request cannot be answered at the tool's
        ``redirect_uri`` at all (unknown client, unregistered redirect URI); other faults are
        answered at the redirect URI with ``error`` and ``state``, as OIDC requires.
        """
        params = dict(params)
        with self.lock:
            self.recorded.auth_requests.append(params)
        client_id = params.get("client_id", "")
        tool = self.tools.get(client_id)
        if tool is None:
            raise PlatformError("unauthorized_client", f"unknown client_id {client_id!r}")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in tool.redirect_uris:
            raise PlatformError("invalid_request", f"redirect_uri {redirect_uri!r} not registered")

        def refuse(error: str, description: str) -> AuthResponse:
            fields = {"error": error, "error_description": description}
            if params.get("state"):
                fields["state"] = params["state"]
            return AuthResponse(action=redirect_uri, fields=fields)

        missing = [name for name in REQUIRED_AUTH_PARAMS if not params.get(name)]
        if missing:
            return refuse("invalid_request", "missing " + ", ".join(missing))
        if "openid" not in params["scope"].split():
            return refuse("invalid_scope", "scope must include openid")
        if params["response_type"] != "id_token":
            return refuse("unsupported_response_type", "response_type must be id_token")
        if params["response_mode"] != "form_post":
            return refuse("invalid_request", "response_mode must be form_post")
        if params["prompt"] != "none":
            return refuse("invalid_request", "prompt must be none")
        intent = self.intents.get(params.get("lti_message_hint", ""))
        if intent is None or intent.client_id != client_id:
            return refuse("invalid_request", "unknown lti_message_hint")
        if intent.user_id != params["login_hint"]:
            return refuse("login_required", "login_hint is not the user of this launch")
        id_token = self.make_id_token(
            intent.claims,
            client_id=client_id,
            nonce=params["nonce"],
            user=intent.user_id,
            course_id=intent.course_id,
            resource_link_id=intent.resource_link_id or "",
            message_type=intent.message_type,
            target_link_uri=intent.target_link_uri,
        )
        return AuthResponse(
            action=redirect_uri, fields={"id_token": id_token, "state": params["state"]}
        )

    def launch_claims(
        self,
        *,
        nonce: str,
        client_id: str | None = None,
        user: User | str = LEARNER,
        course_id: str = "course-1",
        resource_link_id: str = "activity-1",
        message_type: str = c.RESOURCE_LINK_REQUEST,
        target_link_uri: str | None = None,
        now: int | None = None,
    ) -> dict[str, Any]:
        """The claims of a valid launch message (LTI Core §5.3–5.4, AGS §3.1, NRPS §3.6.1)."""
        tool = self.tool(client_id)
        person = self.users[user] if isinstance(user, str) else user
        course = self.course(course_id)
        now = int(time.time()) if now is None else now
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": tool.client_id,
            "azp": tool.client_id,
            "sub": person.id,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": person.name,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "email": person.email,
            c.CLAIM_MESSAGE_TYPE: message_type,
            c.CLAIM_VERSION: "1.3.0",
            c.CLAIM_DEPLOYMENT_ID: tool.deployment_id,
            c.CLAIM_ROLES: list(person.roles),
            c.CLAIM_CONTEXT: {
                "id": course.id,
                "label": course.label,
                "title": course.title,
                "type": [c.COURSE_OFFERING],
            },
            c.CLAIM_TOOL_PLATFORM: {
                "guid": self.guid,
                "name": self.name,
                "product_family_code": self.product_family_code,
                "version": "1.0",
            },
            c.CLAIM_LAUNCH_PRESENTATION: {
                "document_target": "iframe",
                "locale": "en",
                "return_url": self.url(f"/course/{course.id}"),
            },
            c.CLAIM_NRPS: {
                "context_memberships_url": self.url(f"/nrps/{course.id}/memberships"),
                "service_versions": ["2.0"],
            },
        }
        ags_scopes = [scope for scope in tool.scopes if scope in c.AGS_SCOPES]
        if ags_scopes:
            claims[c.CLAIM_AGS_ENDPOINT] = {
                "scope": ags_scopes,
                "lineitems": self.url(f"/ags/{course.id}/lineitems"),
            }
        if message_type == c.DEEP_LINKING_REQUEST:
            claims[c.CLAIM_TARGET_LINK_URI] = (
                target_link_uri or tool.deep_link_url or tool.target_link_uri
            )
            claims[c.CLAIM_DL_SETTINGS] = {
                "deep_link_return_url": self.url("/deep_links/return"),
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": True,
                "auto_create": True,
                "title": "Add an activity",
                "data": f"dl-{secrets.token_hex(4)}",
            }
        else:
            link = self.resource_link(course.id, resource_link_id, client_id=tool.client_id)
            claims[c.CLAIM_TARGET_LINK_URI] = target_link_uri or tool.target_link_uri
            claims[c.CLAIM_RESOURCE_LINK] = {"id": link.id, "title": link.title}
            claims[c.CLAIM_CUSTOM] = dict(link.custom)
            if c.CLAIM_AGS_ENDPOINT in claims and link.line_item_id:
                claims[c.CLAIM_AGS_ENDPOINT]["lineitem"] = link.line_item_id
        return claims

    def make_id_token(
        self,
        claims: dict[str, Any] | None = None,
        *,
        nonce: str | None = None,
        key: SigningKey | None = None,
        alg: str = "RS256",
        kid: Any = None,
        headers: dict[str, Any] | None = None,
        exp: int | None = None,
        iat: int | None = None,
        **launch: Any,
    ) -> str:
        """An id_token for a launch: valid by default, anything but valid on request.

        ``claims`` overrides claims (``OMIT`` removes one); ``key`` signs instead of the
        platform's key (``session_key("attacker")`` is published nowhere); ``alg`` may be
        ``none`` or ``HS256`` (see ``claims.encode``); ``exp``/``iat`` are absolute times.
        ``launch`` goes to ``launch_claims`` (``user``, ``course_id``, ``message_type``…).
        """
        payload = self.launch_claims(nonce=nonce or secrets.token_hex(16), **launch)
        if iat is not None:
            payload["iat"] = iat
        if exp is not None:
            payload["exp"] = exp
        payload = apply_overrides(payload, claims)
        return encode(payload, key or self.signing_key, alg=alg, kid=kid, headers=headers)

    def dynamic_registration_url(self, tool_initiation_url: str) -> str:
        """The URL an LMS administrator's browser opens to start Dynamic Registration
        (LTI DR §3.3), carrying a fresh one-time ``registration_token``."""
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.registration_tokens[token] = False
        separator = "&" if "?" in tool_initiation_url else "?"
        query = urlencode(
            {
                "openid_configuration": self.url("/.well-known/openid-configuration"),
                "registration_token": token,
            }
        )
        return tool_initiation_url + separator + query

    # ----------------------------------------------------------------- services

    def openid_configuration(self) -> dict[str, Any]:
        """The platform's OpenID configuration (LTI DR §3.4, OIDC Discovery §3)."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.auth_login_url,
            "registration_endpoint": self.url("/register"),
            "jwks_uri": self.key_set_url,
            "token_endpoint": self.auth_token_url,
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", *c.ALL_SCOPES],
            "response_types_supported": ["id_token"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
            "subject_types_supported": ["public", "pairwise"],
            "authorization_server": urlsplit(self.base_url).netloc,
            c.PLATFORM_CONFIGURATION: {
                "product_family_code": self.product_family_code,
                "version": "1.0",
                "messages_supported": [
                    {"type": c.RESOURCE_LINK_REQUEST},
                    {"type": c.DEEP_LINKING_REQUEST},
                ],
                "variables": ["Context.id", "ResourceLink.id", "User.id"],
            },
        }

    def tool_jwks(self, tool: ToolRegistration) -> dict[str, Any]:
        """The tool's public keys: its static key set, or fetched from its JWKS URL now
        (every time, so a rotated tool key is seen at once)."""
        if tool.jwks is not None:
            return tool.jwks
        if not tool.jwks_url:
            raise PlatformError("invalid_client", "the tool has no key set")
        response = requests.get(tool.jwks_url, timeout=10)
        if not response.ok:
            raise PlatformError("invalid_client", f"tool JWKS answered {response.status_code}")
        return response.json()

    def issue_access_token(self, client_id: str, scopes: list[str] | tuple[str, ...]) -> dict:
        tool = self.tool(client_id)
        granted = [scope for scope in scopes if scope in tool.scopes]
        if not granted:
            raise PlatformError("invalid_scope", "none of the requested scopes is granted")
        token = AccessToken(
            token=secrets.token_urlsafe(24),
            client_id=client_id,
            scopes=frozenset(granted),
            expires_at=time.time() + self.token_lifetime,
        )
        with self.lock:
            self.access_tokens[token.token] = token
        return {
            "access_token": token.token,
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "scope": " ".join(granted),
        }

    def check_access_token(self, authorization: str | None, *scopes: str) -> AccessToken:
        """The access token in an ``Authorization: Bearer`` header, if it grants one of
        ``scopes``; ``PlatformError`` (401/403) otherwise."""
        if not authorization or not authorization.startswith("Bearer "):
            raise PlatformError("invalid_token", "no bearer token", status=401)
        token = self.access_tokens.get(authorization.removeprefix("Bearer ").strip())
        if token is None or token.expires_at < time.time():
            raise PlatformError("invalid_token", "unknown or expired token", status=401)
        if not token.scopes.intersection(scopes):
            raise PlatformError("insufficient_scope", "token lacks the scope", status=403)
        return token

    def create_line_item(
        self, course_id: str, body: dict[str, Any], *, client_id: str
    ) -> dict[str, Any]:
        with self.lock:
            self._line_item_counter += 1
            item_id = self.url(f"/ags/{course_id}/lineitems/{self._line_item_counter}")
            item = {**body, "id": item_id}
            self.line_items[item_id] = {"course_id": course_id, "client_id": client_id, **item}
            self.scores[item_id] = []
        return item

    def line_item_json(self, item_id: str) -> dict[str, Any]:
        stored = self.line_items[item_id]
        return {k: v for k, v in stored.items() if k not in ("course_id", "client_id")}

    def scores_for(self, line_item_id: str | None = None) -> list[dict[str, Any]]:
        """Scores tools posted, to one line item (its id URL) or to all."""
        with self.lock:
            if line_item_id is not None:
                return list(self.scores.get(line_item_id, []))
            return [score for scores in self.scores.values() for score in scores]

    def line_item_for(self, course_id: str, resource_link_id: str) -> str | None:
        link = self.resource_links.get((course_id, resource_link_id))
        return link.line_item_id if link else None

    # ----------------------------------------------------------------- scripted faults

    def fail_next_scores(
        self, count: int = 1, *, status: int = 500, retry_after: int | None = None
    ) -> None:
        """Answer the next ``count`` score POSTs with ``status`` (after any already scripted)."""
        with self.lock:
            self.score_faults.extend([ScoreFault(status, retry_after)] * count)

    def drop_next_score_connections(self, count: int = 1, *, after_recording: bool = False) -> None:
        """Close the connection of the next ``count`` score POSTs without an answer."""
        with self.lock:
            self.score_faults.extend(
                [ScoreFault(drop=True, after_recording=after_recording)] * count
            )

    def take_score_fault(self) -> ScoreFault | None:
        with self.lock:
            return self.score_faults.popleft() if self.score_faults else None

    def expire_access_tokens(self) -> None:
        """Every token issued so far expires now (as if its lifetime had passed)."""
        with self.lock:
            for key, token in list(self.access_tokens.items()):
                self.access_tokens[key] = replace(token, expires_at=time.time() - 1)

    def revoke_access_tokens(self) -> None:
        """Every token issued so far is forgotten (an administrator revoked the tool's access)."""
        with self.lock:
            self.access_tokens.clear()

    def result(self, line_item_id: str, user_id: str) -> dict[str, Any] | None:
        """What the gradebook keeps for one user on one line item (``None``: nothing yet)."""
        with self.lock:
            kept = self.results.get(line_item_id, {}).get(user_id)
            return dict(kept) if kept else None


def replace_tool(platform: Platform, client_id: str, **changes: Any) -> ToolRegistration:
    """Change a registered tool's settings (e.g. its redirect URIs) in place."""
    with platform.lock:
        tool = replace(platform.tools[client_id], **changes)
        platform.tools[client_id] = tool
    return tool


__all__ = [
    "OMIT",
    "AuthResponse",
    "Platform",
    "PlatformError",
    "Recorded",
    "ScoreFault",
    "replace_tool",
]
