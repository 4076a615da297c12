"""Platform registrations, their deployments, and one-time registration tokens.

The public entry point for scripts and tests that register a platform by hand::

    from lti_tool.registrations import register_platform
    register_platform(
        session,
        issuer="https://moodle.example.edu",
        client_id="abc123",
        auth_login_url="https://moodle.example.edu/mod/lti/auth.php",
        auth_token_url="https://moodle.example.edu/mod/lti/token.php",
        key_set_url="https://moodle.example.edu/mod/lti/certs.php",
        deployment_ids=["1"],
    )
    session.commit()
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import uuid
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload, selectinload

from .models import CacheEntry, Deployment, Platform, RegistrationToken, utcnow


class RegistrationError(ValueError):
    """A registration is incomplete or contradicts one already stored."""


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL, else ``None``."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def register_platform(
    session: Session,
    *,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str,
    deployment_ids: Iterable[str] = (),
    auth_audience: str | None = None,
    name: str = "",
    frame_origins: Iterable[str] = (),
    require_https: bool = False,
) -> Platform:
    """Create or update the registration (``issuer``, ``client_id``) and add deployments.

    The caller commits. Existing deployments are kept; new ids are added. With
    ``require_https`` (production) every endpoint must be an https:// URL.
    """
    for field, value in {
        "issuer": issuer,
        "client_id": client_id,
        "auth_login_url": auth_login_url,
        "auth_token_url": auth_token_url,
        "key_set_url": key_set_url,
    }.items():
        if not value:
            raise RegistrationError(f"{field} is required")
    for field, url in {
        "auth_login_url": auth_login_url,
        "auth_token_url": auth_token_url,
        "key_set_url": key_set_url,
    }.items():
        if origin_of(url) is None:
            raise RegistrationError(f"{field} must be an absolute http(s) URL: {url!r}")
        if require_https and not url.startswith("https://"):
            raise RegistrationError(f"{field} must use https:// in production: {url!r}")
    extra_origins = []
    for origin in frame_origins:
        checked = origin_of(origin)
        if checked is None:
            raise RegistrationError(f"frame origin must be an http(s) origin: {origin!r}")
        extra_origins.append(checked)

    platform = find_platform(session, issuer, client_id)
    if platform is None:
        platform = Platform(issuer=issuer, client_id=client_id)
        session.add(platform)
    platform.name = name or platform.name or issuer
    platform.auth_login_url = auth_login_url
    platform.auth_token_url = auth_token_url
    platform.auth_audience = auth_audience or None
    platform.key_set_url = key_set_url
    known_origins = platform.frame_origins.split() if platform.frame_origins else []
    platform.frame_origins = " ".join(dict.fromkeys([*known_origins, *extra_origins]))
    known = {deployment.deployment_id for deployment in platform.deployments}
    for deployment_id in deployment_ids:
        if deployment_id and deployment_id not in known:
            platform.deployments.append(Deployment(deployment_id=deployment_id))
            known.add(deployment_id)
    session.flush()
    return platform


def find_platform(session: Session, issuer: str, client_id: str | None) -> Platform | None:
    """The registration for ``issuer`` and ``client_id``, with its deployments (one query).

    Without a client id (some platforms omit it from login initiation) the issuer's
    registration is returned only when it is the issuer's only one.
    """
    query = select(Platform).options(joinedload(Platform.deployments))
    if client_id:
        return (
            session.execute(query.where(Platform.issuer == issuer, Platform.client_id == client_id))
            .unique()
            .scalar_one_or_none()
        )
    platforms = session.execute(query.where(Platform.issuer == issuer)).unique().scalars().all()
    return platforms[0] if len(platforms) == 1 else None


def find_deployment(
    session: Session, issuer: str, client_id: str, deployment_id: str
) -> Deployment | None:
    return session.scalar(
        select(Deployment)
        .join(Platform)
        .where(
            Platform.issuer == issuer,
            Platform.client_id == client_id,
            Deployment.deployment_id == deployment_id,
        )
    )


# ---------------------------------------------------------------------------
# Registrations cached in each process, invalidated by a version stamp in the database.

#: The row of ``cache_entries`` whose value changes whenever a registration or deployment
#: does (in the same transaction), in whichever process or command changed it.
REGISTRY_VERSION = "registry-version"


_VERSION_QUERY = select(CacheEntry.value).where(CacheEntry.key == REGISTRY_VERSION)


class RegistrationCache:
    """Registrations (with their deployments) kept between requests of one process.

    Every login and launch reads its platform's registration; loading it costs far more
    than reading one small row. Each request reads the registry's version stamp (one
    primary-key lookup) and uses the kept registration while the stamp is unchanged. Kept
    objects are detached from their session (nothing a request does can expire them);
    code that changes a registration loads its own copy (``find_platform``).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str | None], tuple[str | None, Platform | None]] = {}

    def find(self, session: Session, issuer: str, client_id: str | None) -> Platform | None:
        # Read on a connection of its own, outside any transaction: a login needs nothing
        # else from the database, and a transaction for this one row would cost a BEGIN
        # and a ROLLBACK, two more round trips to PostgreSQL (SQLite's driver opens none
        # for a read, and switching its mode back and forth costs more than the read).
        bind = session.get_bind()
        with bind.connect() as connection:
            if bind.dialect.name != "sqlite":
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            version = connection.scalar(_VERSION_QUERY)
        with self._lock:
            kept = self._entries.get((issuer, client_id))
        if kept is not None and kept[0] == version:
            return kept[1]
        found = find_platform(session, issuer, client_id)
        if found is not None:
            session.expunge(found)  # its deployments follow (cascade)
        with self._lock:
            self._entries[(issuer, client_id)] = (version, found)
        return found


@event.listens_for(Session, "before_flush")
def _note_registry_changes(session: Session, _context, _instances) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(item, Platform | Deployment) for item in changed):
        session.info["registry_changed"] = True


@event.listens_for(Session, "after_flush")
def _stamp_registry_version(session: Session, _context) -> None:
    if not session.info.pop("registry_changed", False):
        return
    connection = session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = insert(CacheEntry).values(
        key=REGISTRY_VERSION, value=json.dumps(uuid.uuid4().hex), expires_at=None
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[CacheEntry.key], set_={"value": statement.excluded.value}
        )
    )


def all_platforms(session: Session) -> list[Platform]:
    return list(
        session.scalars(
            select(Platform).options(selectinload(Platform.deployments)).order_by(Platform.id)
        )
    )


def platform_origins(platform: Platform) -> list[str]:
    """The origins that may frame the tool for this platform."""
    candidates = [platform.issuer, platform.auth_login_url, *platform.frame_origins.split()]
    return list(dict.fromkeys(o for o in map(origin_of, candidates) if o))


def unknown_origins(platform: Platform, urls: Iterable[str | None]) -> list[str]:
    """The origins of ``urls`` that may not frame the tool for ``platform``.

    Canvas frames tools from each institution's own domain, which neither its issuer
    nor its login URL tells; a launch's ``return_url`` shows it, but a launch only
    reports it: an administrator allows it (``lti-tool platform allow-origin``).
    """
    known = platform_origins(platform)
    found = (origin_of(url) for url in urls if isinstance(url, str) and url)
    return list(dict.fromkeys(o for o in found if o and o not in known))


def allow_frame_origin(platform: Platform, origin: str) -> None:
    """Let ``origin`` frame the tool for ``platform`` (an administrator's decision)."""
    checked = origin_of(origin)
    if checked is None or checked != origin.rstrip("/"):
        raise RegistrationError(f"not an http(s) origin (scheme://host[:port]): {origin!r}")
    if checked not in platform_origins(platform):
        platform.frame_origins = " ".join([*platform.frame_origins.split(), checked])


# ---------------------------------------------------------------------------
# One-time registration tokens (``lti-tool register-url``).


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_registration_token(session: Session, valid_for: timedelta) -> str:
    """A new secret token; only its hash is stored. The caller commits."""
    token = secrets.token_urlsafe(32)
    session.add(RegistrationToken(token_hash=_hash(token), expires_at=utcnow() + valid_for))
    session.flush()
    return token


#: Registrations one token may try: a refused one gives the token back until then, so an
#: administrator can retry, but the link is no open-ended probe of what the tool can reach.
MAX_REGISTRATION_ATTEMPTS = 3


def consume_registration_token(session: Session, token: str | None) -> bool:
    """Use up ``token``: true once for a valid, unexpired, unused token, then never again."""
    if not token or not isinstance(token, str) or len(token) > 256:
        return False
    now = utcnow()
    result = session.execute(
        update(RegistrationToken)
        .where(
            RegistrationToken.token_hash == _hash(token),
            RegistrationToken.used_at.is_(None),
            RegistrationToken.expires_at > now,
            RegistrationToken.attempts < MAX_REGISTRATION_ATTEMPTS,
        )
        .values(used_at=now, attempts=RegistrationToken.attempts + 1)
    )
    session.commit()
    return result.rowcount == 1


def release_registration_token(session: Session, token: str) -> None:
    """Make a token usable again after a registration the platform refused.

    The token is consumed before the platform is contacted, so two registrations can
    never race on one link; when the platform says no, the administrator may retry
    with the same link instead of asking for a new one, up to
    ``MAX_REGISTRATION_ATTEMPTS`` tries in all.
    """
    session.execute(
        update(RegistrationToken)
        .where(
            RegistrationToken.token_hash == _hash(token),
            RegistrationToken.attempts < MAX_REGISTRATION_ATTEMPTS,
        )
        .values(used_at=None)
    )
    session.commit()
