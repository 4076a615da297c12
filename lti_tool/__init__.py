"""The LTI 1.3 tool of the Peer Support Training course.

``create_app()`` builds the Flask application: from environment variables by
default (see ``lti_tool.config.Settings``), or from a mapping in tests. In
production run it under gunicorn::

    gunicorn --workers 2 "lti_tool:create_app()"
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from scormgen import shipped

from . import db, errors, logs, security, validation
from .cache import make_cache
from .config import Settings, flask_config
from .keys import KeyCipher
from .models import Platform
from .ratelimit import LoginLimits
from .registrations import RegistrationCache, platform_origins

log = logging.getLogger(__name__)

# All page templates live in the project's top-level templates/ folder, one folder per
# part: templates/sco (package pages) and templates/lti_tool (this tool's pages); an
# installed wheel carries a copy (scormgen.shipped).
TEMPLATES_DIR = shipped.path("templates", "lti_tool")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The application. ``config`` entries (same names as the environment) override it."""
    app = Flask(__name__, instance_relative_config=True, template_folder=str(TEMPLATES_DIR))
    os.makedirs(app.instance_path, exist_ok=True)
    settings = Settings.from_env()
    if config:
        known = {key: value for key, value in config.items() if hasattr(settings, key)}
        settings = Settings(**{**settings.__dict__, **known})
    app.config.update(flask_config(settings, app.instance_path))
    if config:
        app.config.update({key: value for key, value in config.items() if key not in known})

    logs.init_app(app)  # first: every later hook's lines carry the request id

    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    db.init_app(app)
    app.extensions["lti_tool.cache"] = make_cache(
        app.config["REDIS_URL"], db_engine(app), app.config.get("DATABASE_SCHEMA")
    )
    app.extensions["lti_tool.login_limits"] = LoginLimits.from_config(app.config)
    app.extensions["lti_tool.registrations"] = RegistrationCache()
    app.extensions["lti_tool.key_cipher"] = KeyCipher.from_setting(
        app.config["LTI_KEY_ENCRYPTION_KEYS"]
    )

    def load_frame_origins(platform_pk: int) -> list[str]:
        try:
            with Session(db_engine(app)) as session:
                platform = session.get(Platform, platform_pk)
                return platform_origins(platform) if platform is not None else []
        except SQLAlchemyError as error:
            # No framing beats no page: e.g. before 'lti-tool db upgrade' has run.
            log.warning(
                "cannot read the platform's origins for frame-ancestors (%s); "
                "has 'lti-tool db upgrade' run?",
                type(error).__name__,
            )
            return []

    security.init_app(app, security.FramePolicy(load_frame_origins))
    errors.init_app(app)
    validation.init_app(app)

    from .admin import bp as admin_bp
    from .assignments import bp as assignments_bp
    from .assignments import init_app as init_assignments
    from .discussions import bp as discussions_bp
    from .discussions import init_app as init_discussions
    from .instructor import bp as instructor_bp
    from .lti.views import bp as lti_bp

    app.register_blueprint(lti_bp)
    app.register_blueprint(discussions_bp)
    init_discussions(app)
    app.register_blueprint(assignments_bp)
    init_assignments(app)
    app.register_blueprint(instructor_bp)
    app.register_blueprint(admin_bp)

    from . import health

    health.init_app(app)  # /healthz: database, migrations, Redis

    from .grades import jobs as grade_jobs

    grade_jobs.worker_mode(app)  # an unknown GRADE_WORKER stops the start, not a request

    @app.before_request
    def start_grade_delivery() -> None:
        # In the serving process only (CLI commands build the app too), once per process:
        # grades left pending by a restart go out without waiting for a new release.
        grade_jobs.init_app(app)

    @app.get("/")
    def index():
        from flask import render_template

        return render_template("index.html")

    return app


def db_engine(app: Flask):
    return app.extensions["lti_tool.engine"]
