"""Administration: the launching platform's own registration, never another platform's."""

from __future__ import annotations

from flask import Blueprint, g

from .. import db
from ..models import Platform
from ..pages import render_page
from ..registrations import platform_origins
from ..roles import Role
from ..security import requires

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/", methods=["GET", "POST"])
@requires(Role.ADMIN)
def index():
    platform = db.get_session().get(Platform, g.launch.platform_pk)
    return render_page("admin/index.html", platform=platform, origins=platform_origins(platform))
