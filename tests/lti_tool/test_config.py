"""Configuration from environment variables, with safe defaults."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from lti_tool import create_app, db
from lti_tool.cache import DatabaseCache
from lti_tool.config import ConfigError, Settings


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("LTI_TOOL_ENV", raising=False)

    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


PRODUCTION = {
    "LTI_TOOL_ENV": "production",
    "SECRET_KEY": "a-production-secret-of-at-least-32-bytes",
    "LTI_TOOL_URL": "https://tool.example",
    "LTI_KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
}


def production_env(monkeypatch, **changes: str | None) -> None:
    for name, value in {**PRODUCTION, **changes}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def test_development_starts_without_a_secret_key_and_makes_a_random_one(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("LTI_TOOL_ENV", "development")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/t.sqlite")

    app = create_app()
    again = create_app()

    assert len(app.config["SECRET_KEY"]) >= 32
    assert app.config["SECRET_KEY"] != "insecure-development-key"
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]  # kept for the instance
    assert app.config["LTI_ALLOW_INSECURE"] is True


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 32 bytes"),
        ({"LTI_TOOL_URL": None}, "LTI_TOOL_URL must be set"),
        ({"LTI_KEY_ENCRYPTION_KEYS": None}, "LTI_KEY_ENCRYPTION_KEYS must be set"),
        ({"LTI_KEY_ENCRYPTION_KEYS": "not-a-fernet-key"}, "must be Fernet keys"),
        ({"LTI_OUTBOUND_ALLOWED_NETWORKS": "10.0.0.0/33"}, "LTI_OUTBOUND_ALLOWED_NETWORKS"),
        ({"LTI_LOGIN_RATE_LIMIT_PER_ADDRESS": "lots"}, "LTI_LOGIN_RATE_LIMIT_PER_ADDRESS"),
    ],
)
def test_production_refuses_to_start_with_weak_or_missing_settings(
    monkeypatch, tmp_path, changes, named
):
    production_env(monkeypatch, DATABASE_URL=f"sqlite:///{tmp_path}/t.sqlite", **changes)

    with pytest.raises(ConfigError, match=named):
        create_app()


def test_the_default_database_is_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    production_env(monkeypatch)

    app = create_app()

    assert app.config["DATABASE_URL"] == f"sqlite:///{app.instance_path}/lti_tool.sqlite"
    assert app.config["LTI_ALLOW_INSECURE"] is False
    assert app.config["LTI_OUTBOUND_ALLOWED_NETWORKS"] == []


def test_without_redis_the_cache_is_in_the_database(monkeypatch, tmp_path):
    production_env(monkeypatch)
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


def test_the_grade_lease_is_a_setting_of_whole_seconds(monkeypatch, tmp_path):
    monkeypatch.setenv("LTI_TOOL_ENV", "development")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/tool.sqlite")
    monkeypatch.setenv("GRADE_LEASE_SECONDS", "300")
    assert create_app().config["GRADE_LEASE_SECONDS"] == 300

    monkeypatch.setenv("GRADE_LEASE_SECONDS", "0")
    with pytest.raises(ConfigError, match="GRADE_LEASE_SECONDS must be a number of seconds"):
        create_app()


def test_proxy_fix_makes_forwarded_https_visible(tmp_path):
    app = create_app(
        {
            **PRODUCTION,
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
