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

from flask import current_app, has_app_context
from sqlalchemy import func, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached

from .cache import DatabaseCache
from .db import relax_durability
from .lti.claims_schema import clean_text
from .models import Context, Deployment, Membership, ResourceLink, User, utcnow
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


_STATEMENTS: dict[tuple, Any] = {}


def _sessions_in_database() -> bool:
    """Whether launch sessions live in the tool's database (no Redis configured)."""
    return has_app_context() and isinstance(
        current_app.extensions.get("lti_tool.cache"), DatabaseCache
    )


class LaunchRecorder:
    """One upsert per table (user, course, activity, membership) and one commit per launch.

    ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (SQLite 3.35+ and PostgreSQL) both
    finds and refreshes a row in one statement, and two concurrent first launches of the
    same person or course cannot collide. The upserts run as Core statements (the ORM's
    bulk-insert path costs more than the statement); the resource link comes back as a
    row and joins the session as a loaded object, so the pages that follow find it
    without a query.

    The commit does not wait for the disk (``db.relax_durability``) when the launch
    sessions live in the same database (no Redis): what a launch records is rewritten by
    every launch from the platform's claims, and the database's log keeps commits in
    order, so a crash that loses this commit also loses the launch session committed
    after it, and no token is left naming a row that is gone. With Redis holding the
    sessions, the commit waits for the disk as before. ``durable`` overrides the choice.
    """

    def __init__(self, session: Session, *, durable: bool | None = None) -> None:
        self._session = session
        self._insert = (
            postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        )
        self._durable = not _sessions_in_database() if durable is None else durable

    def record(
        self, launch_id: str, deployment: Deployment, issuer: str, claims: Mapping[str, Any]
    ) -> tuple[LaunchIdentity, ResourceLink | None]:
        """Store the launch; returns the identity its pages carry and its resource link."""
        if not self._durable:
            relax_durability(self._session)
        user_pk = self._upsert_user(issuer, claims)
        context_pk = self._upsert_context(deployment.id, claims)
        link = self._upsert_link(deployment.id, context_pk, claims)
        role = role_from_claims(claims.get(CLAIM + "roles"))
        if context_pk is not None:
            self._upsert(
                Membership,
                {"user_id": user_pk, "context_pk": context_pk},
                {"role": role.name.lower(), "last_launch_at": utcnow()},
            )
        self._session.commit()
        identity = LaunchIdentity(
            launch_id=launch_id,
            platform_pk=deployment.platform_id,
            deployment_pk=deployment.id,
            user_pk=user_pk,
            context_pk=context_pk,
            resource_link_pk=link.id if link else None,
            role=int(role),
            message_type=str(claims.get(CLAIM + "message_type")),
        )
        return identity, link

    def _upsert(self, model, keys: dict[str, Any], values: dict[str, Any], keep=(), returning=None):
        """Insert ``keys | values`` or update ``values``; ``keep`` names the columns whose
        stored value stays when the new one is empty. Returns the row's id, or the row as
        an object of the session when ``returning`` is its model."""
        statement = self._statement(model, tuple(keys), tuple(values), tuple(keep), returning)
        result = self._session.connection().execute(statement, {**keys, **values})
        if returning is None:
            return result.scalar_one()
        # The row as if loaded by a query: no pending change, in the session's identity map
        # (replacing the attributes of an instance already there), without a SELECT.
        row = returning(**result.one()._asdict())
        make_transient_to_detached(row)
        return self._session.merge(row, load=False)

    def _statement(self, model, keys: tuple, values: tuple, keep: tuple, returning):
        """The upsert for this shape, built once per process: building and hashing a new
        statement for every launch costs more than running it."""
        shape = (self._insert, model, keys, values, keep, returning)
        statement = _STATEMENTS.get(shape)
        if statement is None:
            table = model.__table__
            insert = self._insert(model)
            updates = {
                name: (
                    func.coalesce(func.nullif(insert.excluded[name], ""), table.c[name])
                    if name in keep
                    else insert.excluded[name]
                )
                for name in values
            }
            statement = insert.on_conflict_do_update(index_elements=list(keys), set_=updates)
            if returning is None:
                statement = statement.returning(table.c.id)
            else:  # every column, labelled with its attribute's name
                statement = statement.returning(
                    *(
                        table.c[attribute.columns[0].name].label(attribute.key)
                        for attribute in inspect(returning).column_attrs
                    )
                )
            _STATEMENTS[shape] = statement
        return statement

    def _upsert_user(self, issuer: str, claims: Mapping[str, Any]) -> int:
        return self._upsert(
            User,
            {"issuer": issuer, "sub": claims["sub"]},
            {"name": display_name(claims)},
            keep=("name",),
        )

    def _upsert_context(self, deployment_pk: int, claims: Mapping[str, Any]) -> int | None:
        context = claims.get(CLAIM + "context") or {}
        if not context.get("id"):
            return None
        # The services' URLs as of the latest launch: platforms may move them.
        nrps = claims.get(NRPS_CLAIM) or {}
        ags = claims.get(AGS_CLAIM)
        values: dict[str, Any] = {
            "title": _text(context.get("title")),
            "label": _text(context.get("label")),
            "nrps_url": nrps.get("context_memberships_url") or None,
        }
        if ags:
            values["ags_lineitems_url"] = ags.get("lineitems") or None
            values["ags_scopes"] = " ".join(ags.get("scope") or [])
        keep = ("title", "label", "nrps_url", "ags_lineitems_url")
        return self._upsert(
            Context, {"deployment_id": deployment_pk, "context_id": context["id"]}, values, keep
        )

    def _upsert_link(
        self, deployment_pk: int, context_pk: int | None, claims: Mapping[str, Any]
    ) -> ResourceLink | None:
        link = claims.get(CLAIM + "resource_link") or {}
        if not link.get("id"):
            return None
        values: dict[str, Any] = {
            "title": _text(link.get("title")),
            "ags_lineitem_url": (claims.get(AGS_CLAIM) or {}).get("lineitem") or None,
            "custom": json.dumps(link_parameters(claims), sort_keys=True),
        }
        if context_pk is not None:
            values["context_pk"] = context_pk
        return self._upsert(
            ResourceLink,
            {"deployment_id": deployment_pk, "resource_link_id": link["id"]},
            values,
            keep=("title", "ags_lineitem_url"),
            returning=ResourceLink,
        )
