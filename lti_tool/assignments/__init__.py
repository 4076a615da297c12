"""Written assignments: a learner writes (drafts kept as they type), submits immutable versions
with receipts; instructors read, mark with the course's rubric and release grades to the LMS.

A resource link whose activity is ``assignment:<id>`` opens its placement at launch
(``init_app`` registers the launch target); every later page is a POST carrying the launch
token and CSRF token (``lti_tool.security``). The rules live in ``service``; the views only
check input, find the launch's own placement and render.
"""

from __future__ import annotations

import os

from flask import Blueprint, Flask

from ..pages import render_page
from ..roles import Role
from ..security import requires

bp = Blueprint("assignments", __name__, url_prefix="/assignments")

#: Settings of this feature (environment variables): name, default, type.
SETTINGS = (
    #: Folder of learners' attached files; default ``assignment_files`` in the instance folder.
    ("ASSIGNMENT_FILES_DIR", None, str),
    #: Largest attached file, in bytes.
    ("ASSIGNMENT_FILE_MAX_BYTES", 10 * 1024 * 1024, int),
    #: Files a learner may attach to one assignment's draft.
    ("ASSIGNMENT_FILES_PER_LEARNER", 5, int),
)


def init_app(app: Flask) -> None:
    """Open an ``assignment:<id>`` link's placement at launch; plug into privacy export/erase."""
    from .. import privacy as tool_privacy
    from ..lti import targets
    from . import privacy
    from .views import open_assignment

    targets.register(app, "assignment", open_assignment)
    tool_privacy.register(app, "assignments", export=privacy.export, erase=privacy.erase)
    # Read once at start (not yet in ``lti_tool.config.Settings``, which this feature does
    # not own): where files are kept, the largest file, and files per learner and placement.
    for name, default, kind in SETTINGS:
        if name not in app.config:
            raw = os.environ.get(name)
            app.config[name] = kind(raw) if raw else default


@bp.route("/", methods=["GET", "POST"])
@requires(Role.LEARNER)
def index():
    return render_page("assignments/index.html")


from . import views  # noqa: E402, F401  (registers the assignment routes on ``bp``)
