"""Assignments (their own issue follows); for now a page that says so."""

from __future__ import annotations

from flask import Blueprint

from ..pages import render_page
from ..roles import Role
from ..security import requires

bp = Blueprint("assignments", __name__, url_prefix="/assignments")


@bp.route("/", methods=["GET", "POST"])
@requires(Role.LEARNER)
def index():
    return render_page("assignments/index.html")
