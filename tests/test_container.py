"""The container files agree with the tool: ``Dockerfile``, ``compose.yaml`` and
``deploy/Caddyfile`` read as data and checked against the project's CLI, its production
settings and each other. (Where Docker runs, ``scripts/test.sh`` also builds the image.)"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import click
import pytest
import yaml

from lti_tool.cli import main as lti_tool_cli
from lti_tool.config import Settings, flask_config

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
TOOL_SERVICES = ("migrate", "tool", "worker")
REQUIRED_IN_PRODUCTION = (
    "SECRET_KEY",
    "LTI_TOOL_URL",
    "LTI_KEY_ENCRYPTION_KEYS",
    "DATABASE_URL",
    "REDIS_URL",
    "PROXY_FIX",
    "GRADE_WORKER",
)
#: What an operator's .env would give (compose.yaml reads no secret of its own).
OPERATOR_ENV = {
    "SECRET_KEY": "s" * 48,
    "LTI_KEY_ENCRYPTION_KEYS": "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=",
    "POSTGRES_PASSWORD": "p" * 24,
}
VARIABLE = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}``."""

    def one(match: re.Match) -> str:
        name, kind, rest = match.groups()
        if env.get(name):
            return env[name]
        if kind == "?":
            raise KeyError(f"{name}: {rest}")
        return rest if kind == "-" else ""

    return VARIABLE.sub(one, value)


def environment(service: str, env: dict[str, str] = OPERATOR_ENV) -> dict[str, str]:
    return {
        name: interpolate(str(value), env)
        for name, value in SERVICES[service].get("environment", {}).items()
    }


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), one list per stage."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    stages: list[list[str]] = []
    for line in lines:
        if not line or line.startswith("#"):
            continue
        if line.startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def instruction(stage: list[str], keyword: str) -> list[str]:
    return [line.removeprefix(keyword + " ") for line in stage if line.startswith(keyword + " ")]


def resolve_cli(args: list[str]) -> click.Command:
    """The ``lti-tool`` subcommand ``args`` names, its options parsed as click would."""
    command: click.Command = lti_tool_cli
    rest = list(args)
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        found = command.get_command(click.Context(command), rest[0])
        assert found is not None, f"lti-tool has no command {' '.join(args)}"
        command, rest = found, rest[1:]
    command.make_context(command.name, rest)  # raises on an unknown option
    return command


def test_compose_runs_the_tool_the_worker_the_migration_a_database_redis_and_a_proxy():
    assert set(SERVICES) == {"migrate", "tool", "worker", "db", "redis", "proxy"}
    assert SERVICES["db"]["image"].startswith("postgres:")
    assert SERVICES["redis"]["image"].startswith("redis:")
    assert SERVICES["proxy"]["image"].startswith("caddy:")


@pytest.mark.parametrize("service", TOOL_SERVICES)
def test_each_tool_service_has_every_setting_production_requires(service):
    env = environment(service)

    assert set(REQUIRED_IN_PRODUCTION) <= set(env)
    assert env["LTI_TOOL_ENV"] == "production"
    assert env["LTI_TOOL_URL"].startswith("https://")
    assert env["PROXY_FIX"] == "1"
    assert env["GRADE_WORKER"] == "external"
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["DATABASE_URL"].endswith("@db:5432/lti_tool?connect_timeout=5")
    assert env["REDIS_URL"].startswith("redis://redis:")
    # The tool's own checks accept it as a production configuration.
    config = flask_config(Settings.from_env(env), "/nonexistent")
    assert config["LOG_FORMAT"] == "json"


@pytest.mark.parametrize("secret", sorted(OPERATOR_ENV))
def test_compose_refuses_to_start_without_each_secret(secret):
    without = {name: value for name, value in OPERATOR_ENV.items() if name != secret}

    with pytest.raises(KeyError, match=secret):
        for service in (*TOOL_SERVICES, "db"):
            environment(service, without)


def test_compose_holds_no_secret_only_the_operators_variables():
    for service in SERVICES.values():
        for name, value in service.get("environment", {}).items():
            if name in OPERATOR_ENV:
                assert str(value).startswith(f"${{{name}:?"), (name, value)
    assert "${POSTGRES_PASSWORD:?" in SERVICES["tool"]["environment"]["DATABASE_URL"]


def test_the_tool_services_share_the_image_built_from_the_dockerfile():
    images = {SERVICES[name]["image"] for name in TOOL_SERVICES}
    builds = {SERVICES[name]["build"] for name in TOOL_SERVICES}

    assert len(images) == 1 and builds == {"."}


def test_the_commands_are_the_projects_cli():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["lti-tool"] == "lti_tool.cli:main"

    for service in ("migrate", "worker"):
        program, *args = SERVICES[service]["command"]
        assert program == "lti-tool"
        resolve_cli(args)
    assert SERVICES["migrate"]["command"] == ["lti-tool", "db", "upgrade"]
    assert SERVICES["worker"]["command"][:2] == ["lti-tool", "worker"]


def test_the_migration_runs_once_before_the_tool_and_the_worker():
    assert SERVICES["migrate"]["restart"] == "no"
    assert SERVICES["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for service in ("tool", "worker"):
        assert SERVICES[service]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert SERVICES["proxy"]["depends_on"]["tool"]["condition"] == "service_healthy"


def test_only_the_proxy_is_published():
    published = {name for name, service in SERVICES.items() if service.get("ports")}

    assert published == {"proxy"}
    assert SERVICES["proxy"]["ports"] == ["8443:443"]
    assert environment("tool")["LTI_TOOL_URL"] == "https://localhost:8443"


def test_the_image_is_built_in_two_stages_and_runs_the_wheel_as_a_user():
    builder, final = dockerfile_stages()

    assert builder[0].startswith("FROM python:3.11-slim AS ")
    assert final[0] == "FROM python:3.11-slim"
    assert any("pip wheel" in line for line in instruction(builder, "RUN"))
    # The final stage: the builder's environment only; no sources, no build tools.
    assert instruction(final, "COPY") == ["--from=builder /opt/venv /opt/venv"]
    for line in instruction(final, "RUN"):
        assert not re.search(r"apt-get|apk|gcc|build-essential|pip install", line)
    (user,) = instruction(final, "USER")
    assert user not in ("root", "0")
    assert final.index(f"USER {user}") < len(final) - 1


def test_the_image_serves_the_app_with_gunicorn_and_checks_healthz():
    _builder, final = dockerfile_stages()
    (cmd,) = instruction(final, "CMD")
    (health,) = instruction(final, "HEALTHCHECK")

    command = json.loads(cmd)  # exec form: a JSON list, as Docker requires
    probe = json.loads(health.split(" CMD ", 1)[1])
    assert probe[:2] == ["python", "-c"]
    assert command[0] == "gunicorn" and command[-1] == "lti_tool:create_app()"
    bind = command[command.index("--bind") + 1]
    port = bind.rsplit(":", 1)[1]
    assert f"http://127.0.0.1:{port}/healthz" in probe[2]
    assert instruction(final, "EXPOSE") == [port]
    assert SERVICES["tool"]["expose"] == [port]
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert f"reverse_proxy tool:{port}" in caddyfile
    from lti_tool import create_app

    assert callable(create_app)


def test_the_image_health_check_passes_on_a_healthy_tool_and_fails_on_a_503(serve_wsgi, tmp_path):
    from lti_tool import create_app, db

    _builder, final = dockerfile_stages()
    (health,) = instruction(final, "HEALTHCHECK")
    _python, _c, probe = json.loads(health.split(" CMD ", 1)[1])

    def probe_exit_status(migrated: bool) -> int:
        database = {"DATABASE_URL": f"sqlite:///{tmp_path / f'{migrated}.sqlite'}"}
        app = create_app(
            {"LTI_TOOL_ENV": "testing", "SECRET_KEY": "s", "GRADE_WORKER": "off", **database}
        )
        if migrated:
            with app.app_context():
                db.upgrade(db.engine())
        url = serve_wsgi(app).url.replace("localhost", "127.0.0.1")
        code = probe.replace("http://127.0.0.1:8000", url)
        return subprocess.run([sys.executable, "-c", code], capture_output=True).returncode

    assert probe_exit_status(migrated=True) == 0
    assert probe_exit_status(migrated=False) != 0


def test_the_image_build_leaves_out_the_checkout_s_clutter():
    ignored = (ROOT / ".dockerignore").read_text().split()

    assert {".git", ".venv", "node_modules", "instance", "tests"} <= set(ignored)
    builder, _final = dockerfile_stages()
    sources = {word for line in instruction(builder, "COPY") for word in shlex.split(line)[:-1]}
    assert {"scormgen", "lti_tool", "templates", "content", "MANIFEST.in"} <= sources
