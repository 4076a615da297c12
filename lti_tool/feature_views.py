"""What the views of every feature (discussions, assignments) share, so each stays thin:
finding the launch's own row of a feature's table, naming a browser-storage slot, and
answering with a CSV download.

A feature's table reaches its link through a ``resource_link_pk`` column; a row is the
launch's own only if that link is the launch's link in the launch's course and deployment.
Everything else (another link, course, deployment or platform) is 404, the same answer as
a row that does not exist.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from flask import Response, abort, current_app, g, make_response
from sqlalchemy import select

from . import db
from .models import ResourceLink

Row = TypeVar("Row")


def own_row(model: type[Row], pk: int) -> Row:
    """Row ``pk`` of ``model`` if it belongs to the launch's own resource link; else 404."""
    launch = g.launch
    if launch.context_pk is None or launch.resource_link_pk is None:
        abort(404)
    found = db.get_session().scalar(
        select(model)
        .join(ResourceLink, ResourceLink.id == model.resource_link_pk)  # type: ignore[attr-defined]
        .where(
            model.id == pk,  # type: ignore[attr-defined]
            ResourceLink.id == launch.resource_link_pk,
            ResourceLink.deployment_id == launch.deployment_pk,
            ResourceLink.context_pk == launch.context_pk,
        )
    )
    if found is None:
        abort(404)
    return found


def storage_key(kind: str, pk: int) -> str:
    """Names a browser-storage slot (a draft's local copy) for the launch's person and row
    ``pk``: keyed, so that the name says nothing about whose it is."""
    secret = current_app.config["SECRET_KEY"].encode()
    message = f"{kind}|{g.launch.user_pk}|{pk}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:24]


def csv_cell(value: str) -> str:
    """Text from the LMS (names) as CSV text that spreadsheets do not run as formulas."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A CSV file to download (never shown inline)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
