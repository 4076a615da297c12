"""Written assignments: a learner writes (drafts kept as they type), submits immutable versions
with receipts; instructors read, mark with the course's rubric and release grades to the LMS.

A resource link whose activity is ``assignment:<id>`` opens its placement at launch
(``init_app`` registers the launch target); every later page is a POST carrying the launch
token and CSRF token (``lti_tool.security``). The rules live in ``service``; the views only
check input, find the launch's own placement and render.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from ..pages import render_page
from ..roles import Role
from ..security import requires

bp = Blueprint("assignments", __name__, url_prefix="/assignments")


def init_app(app: Flask) -> None:
    """Open an ``assignment:<id>`` link's placement at launch; plug into privacy export/erase."""
    from .. import privacy as tool_privacy
    from ..lti import targets
    from . import privacy
    from .views import open_assignment

    targets.register(app, "assignment", open_assignment)
    tool_privacy.register(app, "assignments", export=privacy.export, erase=privacy.erase)
    # Its settings (ASSIGNMENT_FILES_DIR, ASSIGNMENT_FILE_MAX_BYTES,
    # ASSIGNMENT_FILES_PER_LEARNER) are declared in ``lti_tool.config.Settings``.


@bp.route("/", methods=["GET", "POST"])
@requires(Role.LEARNER)
def index():
    return render_page("assignments/index.html")


from . import views  # noqa: E402, F401  (registers the assignment routes on ``bp``)
