"""Rendering the tool's own pages after a launch: every page gets the launch token."""

from __future__ import annotations

from flask import g, render_template

from .security import csrf_token


def render_page(template: str, **context):
    return render_template(
        template,
        identity=g.launch,
        lti_token=g.lti_token,
        csrf_token=csrf_token(g.lti_token),
        **context,
    )
