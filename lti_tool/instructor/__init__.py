"""Instructor views: the people and activities of the launch's own course."""

from __future__ import annotations

from flask import Blueprint, g
from sqlalchemy import select

from .. import db
from ..models import Context, Membership, ResourceLink, User
from ..pages import render_page
from ..roles import Role
from ..security import requires

bp = Blueprint("instructor", __name__, url_prefix="/instructor")


@bp.route("/", methods=["GET", "POST"])
@requires(Role.INSTRUCTOR)
def index():
    session = db.get_session()
    context_pk = g.launch.context_pk
    context = session.get(Context, context_pk) if context_pk else None
    members = []
    links = []
    if context is not None:
        members = session.execute(
            select(User.name, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.context_pk == context.id)
            .order_by(User.name)
        ).all()
        links = list(
            session.scalars(
                select(ResourceLink)
                .where(ResourceLink.context_pk == context.id)
                .order_by(ResourceLink.id)
            )
        )
    return render_page("instructor/index.html", context=context, members=members, links=links)
