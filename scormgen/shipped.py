"""Where the files the project keeps at its root are read from at run time.

``templates/`` (``sco/`` for the packages' pages, ``lti_tool/`` for the tool's) and
``content/`` (the course) live at the repository's root, beside the code that reads
them. A wheel carries copies of both inside this package, in ``scormgen/_shipped/``
(the build step ``build_shipped.py`` at the repository's root puts them there), so an
installed compiler or tool needs no checkout.

``path("templates", "sco")`` is the installed copy when there is one, else the
checkout's folder: a checkout (or an editable install) has no ``_shipped/`` and reads
the files where they are edited.
"""

from __future__ import annotations

from pathlib import Path

#: The copies inside an installed wheel.
INSTALLED = Path(__file__).resolve().parent / "_shipped"
#: The repository's root, for a checkout.
REPOSITORY = Path(__file__).resolve().parent.parent


def path(*parts: str) -> Path:
    """``templates/…`` or ``content/…``: the installed copy first, the checkout's second."""
    installed = INSTALLED.joinpath(*parts)
    return installed if installed.exists() else REPOSITORY.joinpath(*parts)
