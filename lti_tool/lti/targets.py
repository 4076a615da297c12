"""Where a resource link launch goes: each feature registers a handler for its activity kind.

The LTI core knows no feature's internals. A link's activity key (``scenario:<id>``,
``assignment:<id>``: ``ResourceLink.activity_key``) names a kind and an id; after a
verified launch the core calls the handler registered for the kind, inside the request,
with ``g.launch`` and ``g.lti_token`` already set, and returns what it returns::

    from lti_tool.lti import targets

    def open_discussion(link: ResourceLink, activity_id: str):
        return render_page("discussions/discussion.html", ...)

    targets.register(app, "scenario", open_discussion)
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from flask.typing import ResponseReturnValue

from ..models import ResourceLink

LaunchHandler = Callable[[ResourceLink, str], ResponseReturnValue]

EXTENSION = "lti_tool.launch_targets"


def register(app: Flask, kind: str, handler: LaunchHandler) -> None:
    app.extensions.setdefault(EXTENSION, {})[kind] = handler


def split_key(activity_key: str | None) -> tuple[str, str] | None:
    """``("scenario", "john-roofer")`` for ``"scenario:john-roofer"``; ``None`` if malformed."""
    if not activity_key or ":" not in activity_key:
        return None
    kind, activity_id = activity_key.split(":", 1)
    return (kind, activity_id) if kind and activity_id else None


def handler_for(kind: str) -> LaunchHandler | None:
    return current_app.extensions.get(EXTENSION, {}).get(kind)
