"""The tool's logs: JSON lines in production, an access line per request with its request
id, and nothing a learner wrote, no token and no query string, ever."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import pytest

from lti_tool import create_app, logs
from lti_tool.config import ConfigError, Settings, flask_config
from tests.lti_platform import ADMINISTRATOR, launch

from .conftest import tool_settings
from .helpers import launch_token, post_with_token

MARKER = "SECRET-ESSAY-7f3a"


@pytest.fixture
def json_logs(app):
    """The app logging JSON, and a reader of what it wrote to standard error since."""
    logs.configure("json")
    yield
    logs.configure(app.config["LOG_FORMAT"])


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def access_lines(text: str) -> list[dict]:
    return [line for line in json_lines(text) if line["logger"] == "lti_tool.access"]


def test_the_default_format_is_json_in_production_and_text_elsewhere(tmp_path):
    production = Settings(
        SECRET_KEY="x" * 32, LTI_TOOL_URL="https://lti.example.edu", LTI_KEY_ENCRYPTION_KEYS="k"
    )

    def log_format(settings: Settings) -> object:
        return flask_config(settings, str(tmp_path))["LOG_FORMAT"]

    assert log_format(production) == "json"
    assert log_format(Settings(LTI_TOOL_ENV="development")) == "text"
    assert log_format(Settings(LTI_TOOL_ENV="testing", LOG_FORMAT="json")) == "json"
    assert log_format(replace(production, LOG_FORMAT="text")) == "text"


def test_an_unknown_format_stops_the_start(database):
    with pytest.raises(ConfigError, match="LOG_FORMAT must be one of json, text"):
        create_app(tool_settings(database, LOG_FORMAT="xml"))


def test_each_request_is_one_json_access_line(client, json_logs, capsys):
    client.get("/no/such/page?who=lee@example.edu")

    (line,) = access_lines(capsys.readouterr().err)
    assert set(line) == {
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "method",
        "path",
        "status",
        "duration_ms",
    }
    assert (line["level"], line["method"], line["path"], line["status"]) == (
        "INFO",
        "GET",
        "/no/such/page",
        404,
    )
    assert line["time"].endswith("+00:00") and isinstance(line["duration_ms"], float)
    assert line["message"].startswith("GET /no/such/page 404 ")


def test_a_safe_request_id_is_kept_and_echoed(client, json_logs, capsys):
    response = client.get("/", headers={"X-Request-Id": "proxy-42.abc_DEF"})

    assert response.headers["X-Request-Id"] == "proxy-42.abc_DEF"
    (line,) = access_lines(capsys.readouterr().err)
    assert line["request_id"] == "proxy-42.abc_DEF"


@pytest.mark.parametrize("header", [None, "", "a b", "x" * 65, "id;forged=1", "<script>"])
def test_an_unsafe_or_missing_request_id_is_replaced(client, json_logs, capsys, header):
    headers = {} if header is None else {"X-Request-Id": header}

    response = client.get("/", headers=headers)

    made = response.headers["X-Request-Id"]
    assert made != header and len(made) == 16
    (line,) = access_lines(capsys.readouterr().err)
    assert line["request_id"] == made


def test_every_line_logged_during_a_request_carries_its_id(app, json_logs, capsys):
    @app.get("/_test/log")
    def logs_something():
        logging.getLogger("lti_tool.test").warning("something to say")
        return ""

    app.test_client().get("/_test/log", headers={"X-Request-Id": "req-1"})

    lines = json_lines(capsys.readouterr().err)
    said = [line for line in lines if line["message"] == "something to say"]
    assert [line["request_id"] for line in said] == ["req-1"]


def test_an_exception_is_logged_by_type_and_stack_without_its_message(app, json_logs, capsys):
    @app.get("/_test/fail")
    def fails():
        raise ValueError(MARKER)

    assert app.test_client().get("/_test/fail").status_code == 500

    err = capsys.readouterr().err
    (line,) = [line for line in json_lines(err) if "exception" in line]
    assert line["exception"] == "ValueError" and "fails" in line["stack"]
    assert MARKER not in err


def test_other_libraries_info_lines_are_left_out_and_their_warnings_kept(app, json_logs, capsys):
    logging.getLogger("huey.consumer").info("Executing a task")
    logging.getLogger("huey.consumer").warning("a task failed")
    logging.getLogger("lti_tool.grades").info("grade sweep")

    messages = [line["message"] for line in json_lines(capsys.readouterr().err)]
    assert messages == ["a task failed", "grade sweep"]


def test_the_development_server_says_where_it_runs_but_logs_no_request_line(app, json_logs, capsys):
    werkzeug = logging.getLogger("werkzeug")
    werkzeug.info(" * Running on %s", "http://127.0.0.1:5000")
    werkzeug.info('127.0.0.1 - - [30/Nov/2026 03:00:00] "%s" %s %s', f"GET /?q={MARKER}", 200, 1)
    werkzeug.error("127.0.0.1 - - [30/Nov/2026 03:00:00] code 400, message %s", MARKER)

    messages = [line["message"] for line in json_lines(capsys.readouterr().err)]
    assert messages == [" * Running on http://127.0.0.1:5000"]


def test_caplog_still_sees_the_tools_debug_lines(app, caplog):
    caplog.set_level(logging.DEBUG)

    logging.getLogger("lti_tool.anything").debug("a detail")

    assert "a detail" in caplog.text


def test_successful_health_probes_are_not_logged_at_info(client, json_logs, capsys):
    client.get("/healthz")

    assert access_lines(capsys.readouterr().err) == []


def test_text_essays_tokens_and_query_strings_never_reach_the_log(
    connected, client, json_logs, capsys
):
    token = launch_token(launch(connected.platform, user=ADMINISTRATOR).text)
    for path in ("/discussions/", "/assignments/", "/instructor/", "/admin/"):
        post_with_token(client, path, token, body=MARKER, text=MARKER)
    client.post("/discussions/", data={"lti_token": token, "body": MARKER})  # no CSRF: refused
    client.get(f"/assignments/?lti_token={token}&q={MARKER}")
    client.get("/lti/session.js", headers={"Authorization": f"Bearer {token}"})
    client.post("/lti/token", headers={"Authorization": f"Bearer {token}"})

    err = capsys.readouterr().err
    assert len(access_lines(err)) >= 8
    assert MARKER not in err
    assert token not in err
    assert not any("?" in line["path"] for line in access_lines(err))
