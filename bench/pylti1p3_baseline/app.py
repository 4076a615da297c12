"""The baseline of the launch benchmark: a tool as small as the PyLTI1p3 Flask example.

Written for the benchmark (the example's own code is not copied here): the same library
calls the example makes on its login and launch paths, on PyLTI1p3 2.0.0 in a virtual
environment of its own. Its registration comes from a JSON file (``ToolConfJsonFile``),
its launch data from Flask-Caching's in-memory cache (``FlaskCacheDataStorage``), and it
stores nothing. Like the example it accepts a replayed nonce's launch and a launch without
``target_link_uri``. The one difference: its login redirects straight to the platform,
without the example's cookie-check page, which a client without JavaScript cannot pass.

    BASELINE_CONFIG=/path/to/tool.json gunicorn --workers 1 app:app
"""

import os

from flask import Flask, render_template_string
from flask_caching import Cache
from pylti1p3.contrib.flask import (
    FlaskCacheDataStorage,
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
)
from pylti1p3.tool_config import ToolConfJsonFile

app = Flask("pylti1p3-baseline")
app.config.from_mapping(
    {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 600, "SECRET_KEY": os.urandom(16)}
)
cache = Cache(app)


@app.get("/")
def ready():
    return "ready"


PAGE = """<!doctype html><html lang="en"><head><title>Launched</title></head>
<body><main><h1 id="baseline-user">{{ name }}</h1><p>{{ launch_id }}</p></main></body></html>"""


def tool_conf() -> ToolConfJsonFile:
    return ToolConfJsonFile(os.environ["BASELINE_CONFIG"])


@app.route("/login/", methods=["GET", "POST"])
def login():
    flask_request = FlaskRequest()
    oidc_login = FlaskOIDCLogin(
        flask_request, tool_conf(), launch_data_storage=FlaskCacheDataStorage(cache)
    )
    return oidc_login.redirect(flask_request.get_param("target_link_uri"))


@app.route("/launch/", methods=["POST"])
def launch():
    message_launch = FlaskMessageLaunch(
        FlaskRequest(), tool_conf(), launch_data_storage=FlaskCacheDataStorage(cache)
    )
    data = message_launch.get_launch_data()
    return render_template_string(
        PAGE, name=data.get("name", ""), launch_id=message_launch.get_launch_id()
    )
