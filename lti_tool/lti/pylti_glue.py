"""Everything that adapts pylti1p3 (pylti1p3next) to this tool, in one module.

* ``DatabaseToolConf``: registrations and deployments from the database, the tool's
  signing key from ``KeyStore``.
* ``CacheLaunchStorage`` / ``ToolSessionService``: launch data in the shared cache
  (``lti_tool.cache``), never in a cookie-backed session.
* ``ToolCookieService``: the OIDC state cookie as ``SameSite=None; Secure; Partitioned``.
* ``ToolOIDCLogin`` and ``ToolMessageLaunch``: pylti1p3's flow with the checks it
  lacks — ``aud``/``azp``/``iss`` verified, ``target_link_uri`` required, each OIDC
  state and nonce bound together and single-use, and LTI platform storage as the
  state's home when the browser keeps no cookie.
* ``ToolDynamicRegistration``: LTI Dynamic Registration towards one platform.

Views use these through ``LtiServices`` (``services()``), built per request.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import requests
from flask import current_app, request, url_for
from pylti1p3.contrib.flask import (
    FlaskCookieService,
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
    FlaskSessionService,
)
from pylti1p3.deployment import Deployment as PyltiDeployment
from pylti1p3.dynamic_registration import DynamicRegistration
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.launch_data_storage.cache import CacheDataStorage
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfAbstract
from sqlalchemy.orm import Session

from .. import db
from ..cache import Cache
from ..keys import KeyStore, SigningKey
from ..models import Deployment, Platform
from ..registrations import RegistrationCache, find_platform, origin_of, register_platform
from ..security import same_text
from . import claims_schema
from .outbound import GuardedSession

log = logging.getLogger(__name__)

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
SUPPORTED_MESSAGES = {RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST}
STATE_TTL = 600  # seconds between login initiation and launch
CLOCK_LEEWAY = 60  # seconds of clock skew accepted on iat/exp
KEY_SET_TTL = 3600  # platform JWKS cached this long; an unknown kid refetches once
KEY_SET_MEMORY_TTL = 300  # and kept in each process's memory this long
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
]


class LaunchRefused(LtiException):
    """A launch or login the tool will not accept; ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 403, new_window_url: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        #: Where a browser that blocked our cookie can start the launch again, top-level.
        self.new_window_url = new_window_url


class PlatformStorageNeeded(Exception):
    """No state cookie came back, but the state lives in the platform's storage."""

    def __init__(self, *, target: str, origin: str, key: str, new_window_url: str | None) -> None:
        super().__init__(key)
        self.target = target
        self.origin = origin
        self.key = key
        self.new_window_url = new_window_url


def http_session() -> requests.Session:
    """The guarded session for every request to a platform (see ``outbound``)."""
    return GuardedSession(current_app.config["LTI_OUTBOUND_ALLOWED_NETWORKS"])


# ---------------------------------------------------------------------------
# Tool configuration from the database.


class ToolRegistration(Registration):
    """A registration whose tool key is read only when something signs with it.

    Verifying a launch needs the platform's key, never the tool's: reading (and
    decrypting) the tool's key on every login and launch would be wasted work.
    """

    def __init__(self, signing_key: Callable[[], SigningKey]) -> None:
        super().__init__()
        self._signing_key = signing_key

    def get_tool_private_key(self) -> str:
        return self._signing_key().private_pem

    def get_tool_public_key(self) -> str:
        return self._signing_key().public_pem


class DatabaseToolConf(ToolConfAbstract[FlaskRequest]):
    """Registrations keyed by issuer *and* client id (many clients per issuer)."""

    def __init__(self, session: Session, keys: KeyStore) -> None:
        self._session = session
        self._keys = keys
        self._signing_key: SigningKey | None = None
        self._platforms: dict[tuple[str, str | None], Platform | None] = {}
        self._registrations: RegistrationCache = current_app.extensions["lti_tool.registrations"]
        #: The registration last looked up: whose origins may frame this request's page.
        self.found_platform: Platform | None = None

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def signing_key(self) -> SigningKey:
        if self._signing_key is None:
            self._signing_key = self._keys.signing_key()
        return self._signing_key

    def platform(self, iss: str, client_id: str | None) -> Platform | None:
        """The registration, looked up once per request (pylti1p3 asks several times)."""
        if not isinstance(iss, str) or not (client_id is None or isinstance(client_id, str)):
            return None
        key = (iss, client_id)
        if key not in self._platforms:
            self._platforms[key] = self._registrations.find(self._session, iss, client_id)
        found = self._platforms[key]
        if found is not None:
            self.found_platform = found
        return found

    def _registration(self, platform: Platform | None) -> Registration | None:
        if platform is None:
            return None
        return (
            ToolRegistration(self.signing_key)
            .set_issuer(platform.issuer)
            .set_client_id(platform.client_id)
            .set_auth_login_url(platform.auth_login_url)
            .set_auth_token_url(platform.auth_token_url)
            .set_auth_audience(platform.auth_audience)  # type: ignore[arg-type]
            .set_key_set_url(platform.key_set_url)
        )

    def find_registration_by_issuer(self, iss, *args, **kwargs):
        return self._registration(self.platform(iss, None))

    def find_registration_by_params(self, iss, client_id, *args, **kwargs):
        return self._registration(self.platform(iss, client_id))

    def find_deployment(self, iss, deployment_id):
        return None  # never used: every issuer may have many clients

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        found = self.deployment(iss, client_id, deployment_id)
        return None if found is None else PyltiDeployment().set_deployment_id(deployment_id)

    def deployment(self, iss: str, client_id: str, deployment_id: str) -> Deployment | None:
        """One of the registration's deployments, from the registration already loaded."""
        platform = self.platform(iss, client_id)
        if platform is None:
            return None
        return next((d for d in platform.deployments if d.deployment_id == deployment_id), None)

    def get_jwks(self, iss=None, client_id=None, **kwargs):
        return self._keys.jwks()


# ---------------------------------------------------------------------------
# Launch data, state and cookies.


class CacheLaunchStorage(CacheDataStorage):
    """pylti1p3's launch storage on our shared cache, with no session-id cookie.

    pylti1p3 would key launch data by a session cookie over HTTPS; in a third-party
    iframe that cookie may never come back. Launch data is instead found by its
    random launch id, which only the signed launch token carries.
    """

    def __init__(self, cache: Cache) -> None:
        super().__init__()
        self._cache = cache

    def get_session_cookie_name(self):
        return None


class KeySetStorage(CacheLaunchStorage):
    """Platform key sets: in this process's memory first, then the shared cache.

    A key set is public and changes rarely; reading it from the database or Redis on
    every launch costs a round trip for nothing. Each process keeps what it read for at
    most ``KEY_SET_MEMORY_TTL`` seconds; a launch signed with an unknown ``kid`` clears
    both layers and refetches (``ToolMessageLaunch.get_public_key``).
    """

    _memory: dict[str, tuple[float, Any]] = {}
    _lock = threading.Lock()

    def get_value(self, key):
        now = time.monotonic()
        with self._lock:
            found = self._memory.get(key)
        if found is not None and found[0] > now:
            return found[1]
        value = super().get_value(key)
        if value is not None:
            with self._lock:
                self._memory[key] = (now + KEY_SET_MEMORY_TTL, value)
        return value

    def set_value(self, key, value, exp=None):
        with self._lock:
            if value is None:
                self._memory.pop(key, None)
            else:
                self._memory[key] = (
                    time.monotonic() + min(exp or KEY_SET_MEMORY_TTL, KEY_SET_MEMORY_TTL),
                    value,
                )
        super().set_value(key, value, exp)


class ToolSessionService(FlaskSessionService):
    """Launch data only: state and nonce are handled by ``ToolOIDCLogin``/``ToolMessageLaunch``."""

    def save_nonce(self, nonce: str) -> None:
        pass

    def set_state_valid(self, state: str, id_token_hash: str) -> None:
        pass

    def check_state_is_valid(self, state: str, id_token_hash: str) -> bool:
        return False


class ToolCookieService(FlaskCookieService):
    """State cookies that survive a cross-site iframe: ``SameSite=None; Secure; Partitioned``.

    Over plain HTTP (development and tests only) each cookie also gets a plain
    "legacy" twin without ``Secure`` (web.dev's SameSite fallback recipe): browsers
    keep the ``Secure`` one on ``localhost``, HTTP clients without a browser's
    secure-context rules (Python's cookie jar) keep the twin.
    """

    LEGACY_SUFFIX = "-legacy"

    def __init__(self, flask_request_wrapper, *, production: bool) -> None:
        super().__init__(flask_request_wrapper)
        self._production = production

    def get_cookie(self, name):
        value = super().get_cookie(name)
        if value is None and not self._production:
            value = self._request.get_cookie(self._get_key(name) + self.LEGACY_SUFFIX)
        return value

    def update_response(self, response):
        plain_http = not request.is_secure and not self._production
        for key, data in self._cookie_data_to_set.items():
            common = {"value": data["value"], "max_age": data["exp"], "httponly": True}
            response.set_cookie(
                key, secure=True, samesite="None", partitioned=True, path="/lti/", **common
            )
            if plain_http:
                response.set_cookie(key + self.LEGACY_SUFFIX, path="/lti/", **common)

    def expire(self, response, name: str) -> None:
        """Remove the cookie ``name`` (and its twin): a used state cookie only takes room.

        Left to its max-age, every launch would add one, and a browser that launches
        often would soon send a Cookie header larger than servers accept.
        """
        key = self._get_key(name)
        response.delete_cookie(key, path="/lti/", secure=True, samesite="None", partitioned=True)
        if not self._production:
            response.delete_cookie(key + self.LEGACY_SUFFIX, path="/lti/")


# ---------------------------------------------------------------------------
# Login initiation.


def state_key(state: str) -> str:
    return "lti-state:" + state


class ToolOIDCLogin(FlaskOIDCLogin):
    cookie_check_template_name = "lti/cookie_check.html"

    def __init__(self, *args: Any, cache: Cache, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cache = cache
        self.storage_target: str | None = None
        self.state: str | None = None
        self.auth_origin: str | None = None

    def set_state_cookie(self, response) -> None:
        """Put the state cookie prepared by ``get_redirect_object`` on our own ``response``."""
        self._cookie_service.update_response(response)

    def redirect(self, launch_url: str, js_redirect: bool = False):
        self.validate_oidc_login()  # refuse unknown platforms before any cookie check page
        return super().redirect(launch_url, js_redirect)

    def _prepare_redirect_url(self, launch_url: str) -> str:
        url = super()._prepare_redirect_url(launch_url)
        query = parse_qs(urlsplit(url).query)
        self.state = query["state"][0]
        self.auth_origin = origin_of(self._registration.get_auth_login_url() or "")
        # The state's nonce, bound together and consumed together at launch.
        self._cache.set(
            state_key(self.state),
            {
                "nonce": query["nonce"][0],
                "iss": self._registration.get_issuer(),
                "client_id": self._registration.get_client_id(),
                "storage_target": self.storage_target,
                "storage_origin": self.auth_origin,
                # To restart this login in a new window if the frame keeps no state.
                "login_params": self.get_cookies_allowed_js_check_params()[1],
            },
            STATE_TTL,
        )
        return url


# ---------------------------------------------------------------------------
# The launch.


#: Stands for the guarded HTTP session of a launch until it needs one.
_GUARDED_SESSION_ON_FIRST_USE: Any = object()


@functools.lru_cache(maxsize=64)
def public_key(jwk: str) -> Any:
    """The key object of a platform's JWK (given as canonical JSON), made once per process:
    what PyJWT verifies with, without parsing a PEM on every launch."""
    return jwt.PyJWK(json.loads(jwk)).key


def new_window_url(entry: dict[str, Any]) -> str | None:
    """Where a browser that kept no state in the frame can start the launch again, top-level."""
    params = entry.get("login_params")
    if not params:
        return None
    return moodle_activity_url(params) or url_for("lti.login", **params)


def moodle_activity_url(params: dict[str, str]) -> str | None:
    """Moodle's own launch page for the activity, when the login came from Moodle.

    Moodle's ``lti_message_hint`` is JSON naming the activity (``cmid``) and a one-time
    launch id that its authorization endpoint has already used up, so repeating the login
    in a new window ends on "Invalid request". Its ``/mod/lti/launch.php?id=<cmid>`` starts
    a fresh launch, top-level, where the tool's cookie is first-party.
    """
    try:
        hint = json.loads(params.get("lti_message_hint") or "")
    except ValueError:
        return None
    cmid = hint.get("cmid") if isinstance(hint, dict) else None
    if isinstance(cmid, bool) or not str(cmid or "").isdigit():
        return None
    issuer = params.get("iss") or ""
    if origin_of(issuer) is None:
        return None
    return f"{issuer.rstrip('/')}/mod/lti/launch.php?id={int(cmid)}"


class ToolMessageLaunch(FlaskMessageLaunch):
    def __init__(
        self, *args: Any, cache: Cache | None = None, tool_origin: str = "", **kwargs: Any
    ) -> None:
        # pylti1p3 makes a plain requests.Session unless given one; ours (``http_session``)
        # is made on first use instead: a launch whose platform keys are kept sends nothing.
        if kwargs.get("requests_session") is None:
            kwargs["requests_session"] = _GUARDED_SESSION_ON_FIRST_USE
        super().__init__(*args, **kwargs)
        self._cache = cache  # None only for a launch restored from the cache
        self._tool_origin = tool_origin
        self._state_entry: dict[str, Any] = {}

    @property
    def _requests_session(self) -> requests.Session:
        if self._http is _GUARDED_SESSION_ON_FIRST_USE:
            self._http = http_session()
        return self._http

    @_requests_session.setter
    def _requests_session(self, session) -> None:
        self._http = session

    def validate(self):
        """pylti1p3's checks, reordered and completed; the nonce is consumed last-but-one."""
        if self._restored:
            raise LaunchRefused("A restored launch can't be validated.", 400)
        self._validated = True
        try:
            return (
                self.validate_state()
                .validate_jwt_format()
                .validate_registration()
                .validate_jwt_signature()
                .validate_nonce()
                .validate_deployment()
                .validate_message()
                .save_launch_data()
            )
        except Exception:
            self._validated = False
            raise

    def validate_state(self):
        """The state must be this browser's: its cookie, or its copy in platform storage."""
        state = self._get_request_param("state")
        if not state:
            raise LaunchRefused("The launch carries no state.", 400)
        self._get_id_token()
        # Taken, not read: whatever follows, this state has had its one use (a replay finds
        # nothing), and the nonce check below needs no second trip to the cache.
        entry = self._cache.take(state_key(state))
        if entry is None:
            raise LaunchRefused("This launch has expired or has already been used.")
        self._state_entry = entry
        # Whose frame this page is in, for its frame-ancestors even when it is a refusal.
        self._tool_config.platform(entry.get("iss"), entry.get("client_id"))
        cookie = self._cookie_service.get_cookie(state)
        if cookie is not None and same_text(cookie, state):
            return self
        if entry.get("storage_target"):
            proof = self._get_request_param("lti_storage_value")
            if proof is None:
                # The relay page posts again with the platform's copy: keep the state for it.
                self._cache.set(state_key(state), entry, STATE_TTL)
                raise PlatformStorageNeeded(
                    target=entry["storage_target"],
                    origin=entry["storage_origin"],
                    key="state_" + state,
                    new_window_url=new_window_url(entry),
                )
            # Only our own relay page may present the platform's copy: a cross-site
            # form could post the same fields, but browsers mark it cross-site.
            same_origin = request.headers.get("Sec-Fetch-Site") == "same-origin"
            if same_origin and same_text(proof, state):
                return self
            raise LaunchRefused("The platform's storage did not confirm this launch.")
        raise LaunchRefused(
            "This launch was not started from this browser (its state cookie is missing).",
            new_window_url=new_window_url(entry),
        )

    def save_launch_data(self):
        """Keep a deep-linking request's claims to sign its answer later; a resource link
        launch needs nothing kept (its pages carry the launch token)."""
        if self._get_jwt_body().get(CLAIM + "message_type") == DEEP_LINKING_REQUEST:
            return super().save_launch_data()
        return self

    def validate_jwt_format(self):
        """Three base64url parts whose header and body are JSON objects, ``iss`` a string."""
        parts = self._get_id_token().split(".")
        if len(parts) != 3:
            raise LaunchRefused("The id_token is not a JWT (it must have 3 parts).", 400)
        try:
            header = json.loads(self.urlsafe_b64decode(parts[0]))
            body = json.loads(self.urlsafe_b64decode(parts[1]))
        except (ValueError, UnicodeError, binascii.Error) as error:
            raise LaunchRefused("The id_token can't be decoded.", 400) from error
        if not isinstance(header, dict) or not isinstance(body, dict):
            raise LaunchRefused("The id_token's header and body must be JSON objects.", 400)
        problem = claims_schema.identity_problem(body)
        if problem:
            raise LaunchRefused(f"The id_token is malformed: {problem}", 400)
        self._jwt = {"header": header, "body": body}
        return self

    def fetch_public_key(self, key_set_url: str):
        """The platform's key set; what went wrong is logged, the page says only that."""
        try:
            key_set = super().fetch_public_key(key_set_url)
        except LtiException as error:
            log.warning("cannot read the key set of %s: %s", self._registration.get_issuer(), error)
            raise LaunchRefused(
                "The platform's public keys could not be read. Ask its administrator to "
                "check the tool's registration.",
                401,
            ) from error
        keys = key_set.get("keys") if isinstance(key_set, dict) else None
        if not isinstance(keys, list) or not all(isinstance(key, dict) for key in keys):
            log.warning("the key set of %s is not a JWKS", self._registration.get_issuer())
            raise LaunchRefused("The platform's public keys are not a valid key set.", 401)
        return key_set

    def get_public_key(self):
        """The platform key for the token's ``kid``; an unknown kid refetches the JWKS once."""
        try:
            return self._platform_key()
        except LtiException as error:
            if "Unable to find public key" not in str(error):
                raise
            url = self._registration.get_key_set_url()
            throttle = "lti-jwks-refetch:" + (url or "")
            if not url or self._cache.get(throttle):
                raise
            self._cache.set(throttle, True, 60)
            self._public_key_cache_data_storage.set_value(self._key_set_cache_key(url), None, 1)
            self._registration.set_key_set(None)
            return self._platform_key()

    def _platform_key(self):
        """pylti1p3's ``get_public_key`` (same lookup by ``kid`` and ``alg``, same errors),
        answering a key object kept per process instead of a PEM: pylti1p3 converts the
        JWK to PEM with jwcrypto and PyJWT parses the PEM back, on every launch."""
        key_set = self._registration.get_key_set()
        if not key_set:
            url = self._registration.get_key_set_url() or ""
            if not url.startswith(("http://", "https://")):
                raise LtiException("The public key set URL is invalid: " + url)
            key_set = self.fetch_public_key(url)
            self._registration.set_key_set(key_set)
        header = self._jwt.get("header", {})
        kid, alg = header.get("kid"), header.get("alg")
        if not kid:
            raise LtiException("JWT KID not found")
        if not alg:
            raise LtiException("JWT ALG not found")
        for key in key_set["keys"]:
            if key.get("kid") == kid and key.get("alg", "RS256") == alg:
                try:
                    return public_key(json.dumps(key, sort_keys=True)), alg
                except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError) as error:
                    raise LtiException("Can't convert JWT key to PEM format") from error
        raise LtiException("Unable to find public key")

    @staticmethod
    def _key_set_cache_key(url: str) -> str:
        """The key pylti1p3's ``fetch_public_key`` caches a key set under."""
        return "key-set-url-" + hashlib.md5(url.encode("utf-8")).hexdigest()

    def validate_jwt_signature(self):
        public_key, alg = self.get_public_key()
        if alg not in ("RS256", "RS384", "RS512"):
            raise LaunchRefused(f"The id_token algorithm {alg!r} is not accepted.", 401)
        client_id = self._registration.get_client_id()
        try:
            body = jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=[alg],
                audience=client_id,
                issuer=self._registration.get_issuer(),
                leeway=CLOCK_LEEWAY,
                options={"require": ["iss", "aud", "exp", "iat", "nonce"]},
            )
        except jwt.InvalidTokenError as error:
            raise LaunchRefused(f"The id_token is not valid: {error}", 401) from error
        aud = body["aud"]
        azp = body.get("azp")
        # LTI 1.3 security framework §5.1.3: several audiences need azp = our client id.
        if (isinstance(aud, list) and len(aud) > 1 and azp is None) or (
            azp is not None and azp != client_id
        ):
            raise LaunchRefused("The id_token's authorized party (azp) is not this tool.", 401)
        # Checked once verified, before any claim reaches pylti1p3 or the database.
        problem = claims_schema.launch_problem(body)
        if problem:
            raise LaunchRefused(f"The launch is malformed: {problem}", 400)
        self._jwt["body"] = body  # from now on, only the verified claims
        return self

    def get_client_id(self) -> str:
        """The registration to check against: ``azp`` when present, else the first ``aud``."""
        body = self._get_jwt_body()
        return body.get("azp") or super().get_client_id()

    def validate_nonce(self):
        entry = self._state_entry
        nonce = self._get_jwt_body().get("nonce")
        if not same_text(nonce, str(entry.get("nonce", ""))):
            raise LaunchRefused("The id_token's nonce does not belong to this login.")
        if (
            entry.get("iss") != self._registration.get_issuer()
            or entry.get("client_id") != self._registration.get_client_id()
        ):
            raise LaunchRefused("The id_token comes from another platform than the login.")
        return self

    def validate_deployment(self):
        try:
            return super().validate_deployment()
        except LtiException as error:
            raise LaunchRefused(str(error)) from error

    def validate_message(self):
        body = self._get_jwt_body()
        message_type = body.get(CLAIM + "message_type")
        if message_type not in SUPPORTED_MESSAGES:
            raise LaunchRefused(f"The message type {message_type!r} is not supported.", 400)
        target = body.get(CLAIM + "target_link_uri")
        if not target:
            raise LaunchRefused("The launch lacks the target_link_uri claim.", 400)
        if origin_of(target) != self._tool_origin:
            raise LaunchRefused("The launch's target_link_uri is not this tool.", 400)
        try:
            return super().validate_message()
        except LtiException as error:
            raise LaunchRefused(f"The launch is incomplete: {error}", 400) from error

    def platform_key(self) -> tuple[str, str]:
        return self._registration.get_issuer(), self._registration.get_client_id()


# ---------------------------------------------------------------------------
# Dynamic registration.


class ToolDynamicRegistration(DynamicRegistration):
    """Registers this tool with the platform whose openid-configuration URL we were given."""

    description = "Scenario discussions and assignments of the Peer Support Training course."

    def __init__(
        self,
        session: Session,
        *,
        tool_url: str,
        openid_configuration: str,
        registration_token: str | None,
        allow_insecure: bool,
    ) -> None:
        self._session = session
        self._tool_url = tool_url
        self._openid_configuration = openid_configuration
        self._registration_token = registration_token
        self._allow_insecure = allow_insecure
        self.client_name = current_app.config["LTI_TOOL_NAME"]
        self.platform: Platform | None = None

    def get_request_session(self):
        return http_session()

    def get_initiate_login_uri(self):
        return self._tool_url + "/lti/login"

    def get_jwks_uri(self):
        return self._tool_url + "/lti/jwks.json"

    def get_redirect_uris(self):
        return [self._tool_url + "/lti/launch"]

    def get_target_link_uri(self):
        return self._tool_url + "/lti/launch"

    def get_domain(self):
        return urlsplit(self._tool_url).netloc

    def get_logo_uri(self):
        return self._tool_url + "/static/logo.svg"

    def get_scopes(self):
        return AGS_SCOPES

    def get_claims(self):
        return ["iss", "sub", "name", "given_name", "family_name"]

    def get_messages(self):
        return [
            {
                "type": DEEP_LINKING_REQUEST,
                "target_link_uri": self._tool_url + "/lti/launch",
                "label": self.client_name,
            }
        ]

    def get_openid_configuration_endpoint(self):
        return self._openid_configuration

    def get_registration_token(self):
        return self._registration_token

    def get_openid_configuration(self):
        url = self._openid_configuration
        if not self._allowed_url(url):
            raise LaunchRefused("The openid_configuration URL must use HTTPS.", 400)
        configuration = super().get_openid_configuration()
        if not isinstance(configuration, dict):
            raise LaunchRefused("The platform's openid-configuration is not a JSON object.", 400)
        # LTI-DR §3.5.1: the issuer's URL must prefix the configuration URL's origin.
        issuer_origin = origin_of(configuration.get("issuer"))
        if issuer_origin is None or not self._platform_origin(origin_of(url), issuer_origin):
            raise LaunchRefused(
                "The openid-configuration's issuer does not match where it was served from.", 400
            )
        for field in ENDPOINTS:
            endpoint = configuration.get(field)
            if not self._allowed_url(endpoint):
                raise LaunchRefused(f"The platform's {field} is missing or not HTTPS.", 400)
            # Endpoints elsewhere than the issuer would let whoever can place one JSON file
            # on the LMS's origin choose where launches are verified from.
            if not self._platform_origin(origin_of(endpoint), issuer_origin):
                raise LaunchRefused(
                    f"The platform's {field} is not on the issuer's origin "
                    "(an administrator can trust it: LTI_TRUSTED_PLATFORM_ORIGINS).",
                    400,
                )
        if not isinstance(configuration.get(PLATFORM_CONFIGURATION, {}), dict):
            raise LaunchRefused("The platform's LTI configuration is not a JSON object.", 400)
        return configuration

    def _platform_origin(self, origin: str | None, issuer_origin: str) -> bool:
        trusted = current_app.config["LTI_TRUSTED_PLATFORM_ORIGINS"]
        return origin is not None and (origin == issuer_origin or origin in trusted)

    def _allowed_url(self, url: object) -> bool:
        origin = origin_of(url) if isinstance(url, str) else None
        return origin is not None and (origin.startswith("https://") or self._allow_insecure)

    def complete_registration(self, openid_configuration, openid_registration):
        if not isinstance(openid_registration, dict):
            raise LaunchRefused("The platform's registration answer is not a JSON object.", 400)
        tool_configuration = openid_registration.get(TOOL_CONFIGURATION)
        client_id = openid_registration.get("client_id")
        if isinstance(client_id, int) and not isinstance(client_id, bool):
            client_id = str(client_id)
        deployment_id = (tool_configuration or {}).get("deployment_id")
        if not isinstance(tool_configuration, dict) or claims_schema.registration_problem(
            client_id, deployment_id
        ):
            raise LaunchRefused(
                "The platform's registration answer lacks a valid client_id or deployment_id.",
                400,
            )
        issuer = openid_configuration["issuer"]
        if find_platform(self._session, issuer, client_id) is not None:
            # Re-registering an existing client would replace where its launches are
            # verified from: an administrator does that deliberately, with the CLI.
            raise LaunchRefused(
                "This platform is already registered with that client id. To change its "
                "registration, the tool's administrator uses 'lti-tool platform add'.",
                409,
            )
        platform_configuration = openid_configuration.get(PLATFORM_CONFIGURATION) or {}
        name = platform_configuration.get("product_family_code")
        self.platform = register_platform(
            self._session,
            issuer=issuer,
            client_id=client_id,
            auth_login_url=openid_configuration["authorization_endpoint"],
            auth_token_url=openid_configuration["token_endpoint"],
            auth_audience=_optional_url(openid_configuration.get("authorization_server")),
            key_set_url=openid_configuration["jwks_uri"],
            deployment_ids=[str(deployment_id)] if deployment_id else [],
            name=name if isinstance(name, str) else "",
            frame_origins=[origin_of(self._openid_configuration) or ""],
        )
        self._session.commit()
        return self.platform

    def register(self):
        try:
            return super().register()
        except LaunchRefused:
            raise
        except AssertionError as error:
            log.info("registration answer not understood: %s", error)
            raise LaunchRefused("The platform's answer is not an LTI registration.", 400) from error
        except LtiServiceException as error:
            log.warning("registration refused by the platform: %s", error)
            raise LaunchRefused("The platform refused the registration.", 400) from error
        except (requests.RequestException, LtiException, ValueError, TypeError) as error:
            # Details (addresses, answers) go to the log only: shown to whoever holds the
            # link, they would map the network the tool can reach.
            log.warning("registration failed: %s: %s", type(error).__name__, error)
            raise LaunchRefused("The platform could not be reached or understood.", 400) from error


def _optional_url(value: object) -> str | None:
    return value if isinstance(value, str) and origin_of(value) else None


# ---------------------------------------------------------------------------
# Per-request assembly.


class LtiServices:
    """pylti1p3 objects for the current request, wired to the database and the cache."""

    def __init__(self, session: Session, cache: Cache) -> None:
        self.session = session
        self.cache = cache
        self.keys = KeyStore(session)
        self.tool_conf = DatabaseToolConf(session, self.keys)
        self.production = current_app.config["LTI_TOOL_ENV"] == "production"

    def tool_url(self) -> str:
        return current_app.config["LTI_TOOL_URL"] or request.host_url.rstrip("/")

    def launch_url(self) -> str:
        return self.tool_url() + url_for("lti.launch")

    def _request(self) -> FlaskRequest:
        return FlaskRequest(session={})

    def _common(self, flask_request: FlaskRequest) -> dict[str, Any]:
        storage = CacheLaunchStorage(self.cache)
        return {
            "session_service": ToolSessionService(flask_request),
            "cookie_service": ToolCookieService(flask_request, production=self.production),
            "launch_data_storage": storage,
        }

    def cookie_service(self) -> ToolCookieService:
        return ToolCookieService(self._request(), production=self.production)

    def oidc_login(self) -> ToolOIDCLogin:
        flask_request = self._request()
        login = ToolOIDCLogin(
            flask_request, self.tool_conf, cache=self.cache, **self._common(flask_request)
        )
        return login

    def message_launch(self) -> ToolMessageLaunch:
        flask_request = self._request()
        common = self._common(flask_request)
        launch = ToolMessageLaunch(
            flask_request,
            self.tool_conf,
            cache=self.cache,
            tool_origin=origin_of(self.tool_url()) or "",
            **common,
        )
        launch.set_public_key_caching(KeySetStorage(self.cache), KEY_SET_TTL)
        launch.set_launch_data_lifetime(current_app.config["LAUNCH_TOKEN_MAX_AGE"])
        return launch

    def restored_launch(self, launch_id: str) -> ToolMessageLaunch:
        flask_request = self._request()
        return ToolMessageLaunch.from_cache(  # type: ignore[return-value]
            launch_id,
            flask_request,
            self.tool_conf,
            **self._common(flask_request),
        )

    def dynamic_registration(
        self, openid_configuration: str, registration_token: str | None
    ) -> ToolDynamicRegistration:
        return ToolDynamicRegistration(
            self.session,
            tool_url=self.tool_url(),
            openid_configuration=openid_configuration,
            registration_token=registration_token,
            allow_insecure=current_app.config["LTI_ALLOW_INSECURE"],
        )


def services() -> LtiServices:
    return LtiServices(db.get_session(), current_app.extensions["lti_tool.cache"])
