"""Scenario discussions: the four boundary scenarios of session 10, discussed by a cohort.

A resource link whose activity is ``scenario:<id>`` opens its discussion at launch
(``init_app`` registers the launch target); every later page is a POST carrying the launch
token and CSRF token (``lti_tool.security``). The rules live in ``service``; the views
only check input, find the launch's own discussion and render.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, g
from sqlalchemy import select

from .. import db
from ..models import ResourceLink
from ..pages import render_page
from ..roles import Role
from ..security import requires

bp = Blueprint("discussions", __name__, url_prefix="/discussions")


def init_app(app: Flask) -> None:
    """Open a ``scenario:<id>`` link's discussion at launch; plug into privacy export/erase."""
    from .. import privacy as tool_privacy
    from ..lti import targets
    from . import privacy
    from .views import open_discussion

    targets.register(app, "scenario", open_discussion)
    tool_privacy.register(app, "discussions", export=privacy.export, erase=privacy.erase)


@bp.route("/", methods=["GET", "POST"])
@requires(Role.LEARNER)
def index():
    return render_page("discussions/index.html")


@bp.route("/links/<int:link_pk>", methods=["GET", "POST"])
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


from . import views  # noqa: E402, F401  (registers the discussion routes on ``bp``)
