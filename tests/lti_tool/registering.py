"""Registering a test platform in the tool, the way an administrator does it by hand."""

from __future__ import annotations

from flask import Flask

from lti_tool import db
from lti_tool.registrations import register_platform
from tests.lti_platform import Platform


def register_in_tool(app: Flask, platform: Platform, client_id: str | None = None) -> None:
    """Store ``platform``'s registration (issuer, client, endpoints, deployment) in ``app``."""
    config = platform.tool_config(client_id)
    with app.app_context():
        session = db.get_session()
        register_platform(
            session,
            issuer=config["issuer"],
            client_id=config["client_id"],
            auth_login_url=config["auth_login_url"],
            auth_token_url=config["auth_token_url"],
            key_set_url=config["key_set_url"],
            deployment_ids=config["deployment_ids"],
            name=platform.name,
        )
        session.commit()
