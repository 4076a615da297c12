"""Recording a validated launch: who, in which course, at which activity.

``LaunchRecorder.record`` takes the verified claims of one launch and stores the
user, context, resource link and membership under the launching platform and
deployment, then returns the ``LaunchIdentity`` the tool's pages carry.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .lti.claims_schema import clean_text
from .models import Context, Deployment, Membership, Platform, ResourceLink, User, utcnow
from .roles import role_from_claims
from .security import LaunchIdentity

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"


def _text(value: Any, limit: int = 255) -> str:
    return clean_text(value, limit)


def link_parameters(claims: Mapping[str, Any]) -> dict[str, Any]:
    """The link's custom parameters, with ``activity`` from the launch URL's query when the
    platform sent none: Moodle's Common Cartridge import keeps a link's URL, not its custom
    parameters (the URL is verified to be this tool's before anything is recorded)."""
    custom = dict(claims.get(CLAIM + "custom") or {})
    if "activity" not in custom:
        query = parse_qs(urlsplit(str(claims.get(CLAIM + "target_link_uri") or "")).query)
        if query.get("activity"):
            custom["activity"] = query["activity"][0]
    return custom


def display_name(claims: Mapping[str, Any]) -> str:
    name = claims.get("name") or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if part
    )
    return _text(name)


class LaunchRecorder:
    def __init__(self, session: Session) -> None:
        self._session = session

    def record(self, launch_id: str, issuer: str, client_id: str, claims: Mapping[str, Any]):
        """Store the launch; retried once if a concurrent launch created the same rows."""
        try:
            return self._record(launch_id, issuer, client_id, claims)
        except IntegrityError:
            self._session.rollback()
            return self._record(launch_id, issuer, client_id, claims)

    def _record(
        self, launch_id: str, issuer: str, client_id: str, claims: Mapping[str, Any]
    ) -> LaunchIdentity:
        session = self._session
        deployment = session.scalar(
            select(Deployment)
            .join(Platform)
            .where(
                Platform.issuer == issuer,
                Platform.client_id == client_id,
                Deployment.deployment_id == claims[CLAIM + "deployment_id"],
            )
        )
        assert deployment is not None, "validated launches name a known deployment"

        user = session.scalar(select(User).where(User.issuer == issuer, User.sub == claims["sub"]))
        if user is None:
            user = User(issuer=issuer, sub=claims["sub"])
            session.add(user)
        user.name = display_name(claims) or user.name

        context = None
        context_claim = claims.get(CLAIM + "context") or {}
        if context_claim.get("id"):
            context = session.scalar(
                select(Context).where(
                    Context.deployment_id == deployment.id,
                    Context.context_id == str(context_claim["id"]),
                )
            )
            if context is None:
                context = Context(deployment_id=deployment.id, context_id=context_claim["id"])
                session.add(context)
            context.title = _text(context_claim.get("title")) or context.title
            context.label = _text(context_claim.get("label")) or context.label
            # The services' URLs as of the latest launch: platforms may move them.
            nrps = claims.get(NRPS_CLAIM) or {}
            context.nrps_url = nrps.get("context_memberships_url") or context.nrps_url
            ags = claims.get(AGS_CLAIM) or {}
            if ags:
                context.ags_lineitems_url = ags.get("lineitems") or context.ags_lineitems_url
                context.ags_scopes = " ".join(ags.get("scope") or [])

        link = None
        link_claim = claims.get(CLAIM + "resource_link") or {}
        if link_claim.get("id"):
            link = session.scalar(
                select(ResourceLink).where(
                    ResourceLink.deployment_id == deployment.id,
                    ResourceLink.resource_link_id == str(link_claim["id"]),
                )
            )
            if link is None:
                link = ResourceLink(deployment_id=deployment.id, resource_link_id=link_claim["id"])
                session.add(link)
            link.title = _text(link_claim.get("title")) or link.title
            link.ags_lineitem_url = (claims.get(AGS_CLAIM) or {}).get(
                "lineitem"
            ) or link.ags_lineitem_url
            link.custom = json.dumps(link_parameters(claims), sort_keys=True)
        session.flush()
        if link is not None and context is not None:
            link.context_pk = context.id

        role = role_from_claims(claims.get(CLAIM + "roles"))
        if context is not None:
            membership = session.scalar(
                select(Membership).where(
                    Membership.user_id == user.id, Membership.context_pk == context.id
                )
            )
            if membership is None:
                membership = Membership(user_id=user.id, context_pk=context.id)
                session.add(membership)
            membership.role = role.name.lower()
            membership.last_launch_at = utcnow()
        session.commit()
        return LaunchIdentity(
            launch_id=launch_id,
            platform_pk=deployment.platform_id,
            deployment_pk=deployment.id,
            user_pk=user.id,
            context_pk=context.id if context else None,
            resource_link_pk=link.id if link else None,
            role=int(role),
            message_type=str(claims.get(CLAIM + "message_type")),
        )
