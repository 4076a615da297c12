"""One person's data: export it all, or erase it (``lti-tool privacy export|erase``).

Each feature that stores learner data plugs in a ``Provider`` with ``register(app, ...)``
(discussions: ``lti_tool.discussions.privacy``); the person's account (name, courses,
roles) and their grade deliveries are covered here. ``export`` returns one JSON-ready
mapping with a section per provider; ``erase`` runs every provider's ``erase`` in one
transaction, features first, then the account, and returns what was removed.

A person is named as the platform knows them: its issuer and their ``sub``. Erasing keeps
no text or name; the account row stays as an anonymous tombstone (its ``sub`` replaced) so
that other people's threads and the course's structure stay whole.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .models import Context, Membership, User

EXTENSION = "lti_tool.privacy"

Export = Callable[[Session, User], Any]
Erase = Callable[[Session, User], dict[str, int]]


class PersonNotFound(LookupError):
    """No account with that issuer and ``sub``."""


@dataclass(frozen=True)
class Provider:
    name: str
    export: Export
    erase: Erase


def register(app: Flask, name: str, *, export: Export, erase: Erase) -> None:
    """Plug a feature's learner data into export and erase."""
    app.extensions.setdefault(EXTENSION, {})[name] = Provider(name, export, erase)


def providers(app: Flask) -> list[Provider]:
    """The features' providers, then grades, then the account (erased last)."""
    features = list(app.extensions.get(EXTENSION, {}).values())
    return [
        *features,
        Provider("grades", _export_grades, _erase_grades),
        Provider("account", _export_account, _erase_account),
    ]


def find_person(session: Session, issuer: str, sub: str) -> User:
    user = session.scalar(select(User).where(User.issuer == issuer, User.sub == sub))
    if user is None:
        raise PersonNotFound(f"no one with sub {sub!r} from {issuer}")
    return user


def export(app: Flask, session: Session, user: User) -> dict[str, Any]:
    return {provider.name: provider.export(session, user) for provider in providers(app)}


def erase(app: Flask, session: Session, user: User) -> dict[str, dict[str, int]]:
    """Erase everything of ``user`` in the caller's transaction; the caller commits."""
    return {provider.name: provider.erase(session, user) for provider in providers(app)}


def _iso(moment) -> str | None:
    return moment.isoformat() + "Z" if moment is not None else None


# --------------------------------------------------------------------------- account


def _export_account(session: Session, user: User) -> dict[str, Any]:
    courses = session.execute(
        select(Context.title, Context.context_id, Membership.role, Membership.last_launch_at)
        .join(Membership, Membership.context_pk == Context.id)
        .where(Membership.user_id == user.id)
        .order_by(Context.id)
    ).all()
    return {
        "issuer": user.issuer,
        "sub": user.sub,
        "name": user.name,
        "first_seen": _iso(user.created_at),
        "courses": [
            {"course": title or context_id, "role": role, "last_launch": _iso(last)}
            for title, context_id, role, last in courses
        ],
    }


def _erase_account(session: Session, user: User) -> dict[str, int]:
    memberships = session.execute(delete(Membership).where(Membership.user_id == user.id))
    user.name = ""
    user.sub = "erased-" + secrets.token_hex(16)
    session.flush()
    return {"memberships": memberships.rowcount or 0, "names": 1}


# --------------------------------------------------------------------------- grades


def _export_grades(session: Session, user: User) -> list[dict[str, Any]]:
    from .grades.models import GradeDelivery

    rows = session.scalars(
        select(GradeDelivery).where(GradeDelivery.user_pk == user.id).order_by(GradeDelivery.id)
    )
    return [
        {
            "activity": row.label,
            "score_given": row.score_given,
            "score_maximum": row.score_maximum,
            "comment": row.comment,
            "activity_progress": row.activity_progress,
            "grading_progress": row.grading_progress,
            "released_at": _iso(row.released_at),
            "state": row.state,
        }
        for row in rows
    ]


def _erase_grades(session: Session, user: User) -> dict[str, int]:
    """The tool's copies of grades (the LMS gradebook keeps its own, under the LMS's rules)."""
    from .grades.models import GradeDelivery

    deleted = session.execute(delete(GradeDelivery).where(GradeDelivery.user_pk == user.id))
    return {"grade_deliveries": deleted.rowcount or 0}
