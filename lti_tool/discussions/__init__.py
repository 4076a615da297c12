"""Scenario discussions (their own issue follows); for now the course's activity pages."""

from __future__ import annotations

from flask import Blueprint, abort, g
from sqlalchemy import select

from .. import db
from ..models import ResourceLink
from ..pages import render_page
from ..roles import Role
from ..security import requires

bp = Blueprint("discussions", __name__, url_prefix="/discussions")


@bp.get("/")
@requires(Role.LEARNER)
def index():
    return render_page("discussions/index.html")


@bp.get("/links/<int:link_pk>")
@requires(Role.LEARNER)
def link(link_pk: int):
    """One activity of the launch's own course; any other course's is 'not found'."""
    found = db.get_session().scalar(
        select(ResourceLink).where(
            ResourceLink.id == link_pk,
            ResourceLink.deployment_id == g.launch.deployment_pk,
            ResourceLink.context_pk == g.launch.context_pk,
        )
    )
    if found is None or g.launch.context_pk is None:
        abort(404)
    return render_page("discussions/link.html", link=found)
