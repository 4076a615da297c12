"""The test platform's web application: blueprints by job over one ``Platform`` object."""

from __future__ import annotations

from flask import Flask, jsonify, render_template_string

from .lms import Platform, PlatformError

ERROR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Platform error</title></head>
<body><main><h1>The platform refused this request</h1>
<p><code>{{ error }}</code>: {{ description }}</p></main></body></html>"""


def create_platform_app(platform: Platform) -> Flask:
    from .oidc import oidc
    from .pages import pages
    from .services import services

    app = Flask(__name__)
    app.config["SECRET_KEY"] = "test-platform"
    app.extensions["lti_platform"] = platform
    app.register_blueprint(oidc)
    app.register_blueprint(services)
    app.register_blueprint(pages)

    @app.errorhandler(PlatformError)
    def platform_error(error: PlatformError):
        if error.status in (401, 403) or error.error.startswith("invalid_client"):
            response = jsonify(error=error.error, error_description=error.description)
            response.status_code = error.status
            if error.status == 401:
                response.headers["WWW-Authenticate"] = f'Bearer error="{error.error}"'
            return response
        html = render_template_string(ERROR_PAGE, error=error.error, description=error.description)
        return html, error.status

    return app
