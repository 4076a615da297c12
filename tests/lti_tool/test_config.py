"""Configuration from environment variables, with safe defaults."""

from __future__ import annotations

import pytest

from lti_tool import create_app, db
from lti_tool.cache import DatabaseCache
from lti_tool.config import ConfigError, Settings


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("LTI_TOOL_ENV", raising=False)

    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_development_starts_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("LTI_TOOL_ENV", "development")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/t.sqlite")

    app = create_app()

    assert app.config["SECRET_KEY"]
    assert app.config["LTI_ALLOW_INSECURE"] is True


def test_the_default_database_is_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SECRET_KEY", "s")

    app = create_app()

    assert app.config["DATABASE_URL"] == f"sqlite:///{app.instance_path}/lti_tool.sqlite"
    assert app.config["LTI_ALLOW_INSECURE"] is False


def test_without_redis_the_cache_is_in_the_database(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "s")
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/t.sqlite")

    assert isinstance(create_app().extensions["lti_tool.cache"], DatabaseCache)


def test_environment_variables_are_read_with_their_types():
    settings = Settings.from_env(
        {"LTI_TOOL_URL": "https://tool.example/", "PROXY_FIX": "1", "LAUNCH_TOKEN_MAX_AGE": "60"}
    )

    assert settings.LTI_TOOL_URL == "https://tool.example/"
    assert settings.PROXY_FIX == 1
    assert settings.LAUNCH_TOKEN_MAX_AGE == 60


def test_an_unknown_environment_name_is_an_error(monkeypatch):
    monkeypatch.setenv("LTI_TOOL_ENV", "staging")

    with pytest.raises(ConfigError, match="LTI_TOOL_ENV"):
        create_app()


def test_proxy_fix_makes_forwarded_https_visible(tmp_path):
    app = create_app(
        {
            "SECRET_KEY": "s",
            "PROXY_FIX": 1,
            "DATABASE_URL": f"sqlite:///{tmp_path}/t.sqlite",
            "LTI_TOOL_URL": "https://tool.example",
        }
    )

    with app.app_context():
        db.upgrade(db.engine())

    @app.get("/probe")
    def probe():
        from flask import request

        return {"secure": request.is_secure}

    response = app.test_client().get("/probe", headers={"X-Forwarded-Proto": "https"})

    assert response.json == {"secure": True}
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
