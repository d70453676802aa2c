"""The app factory and its settings."""
from __future__ import annotations

import pytest

from msgsys import create_app
from msgsys.config import ConfigError


def test_production_refuses_a_missing_or_default_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("MSGSYS_SECRET_KEY", raising=False)
    db = f"sqlite:///{tmp_path / 'p.sqlite3'}"
    with pytest.raises(ConfigError, match="MSGSYS_SECRET_KEY"):
        create_app({"ENV": "production", "DATABASE_URL": db})
    with pytest.raises(ConfigError, match="MSGSYS_SECRET_KEY"):
        create_app({"ENV": "production", "DATABASE_URL": db, "SECRET_KEY": "dev-not-secret"})
    with pytest.raises(ConfigError, match="MSGSYS_SECRET_KEY"):
        create_app({"ENV": "production", "DATABASE_URL": db, "SECRET_KEY": "short"})
    app = create_app({"ENV": "production", "DATABASE_URL": db, "SECRET_KEY": "x" * 40})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_settings_come_from_the_environment_inside_the_factory(tmp_path, monkeypatch):
    monkeypatch.setenv("MSGSYS_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    monkeypatch.setenv("MSGSYS_SMS_BACKEND", "sandbox")
    app = create_app({"ENV": "testing"})
    assert app.config["MSGSYS"].database_url.endswith("env.sqlite3")
    assert app.config["MSGSYS"].embedded


def test_unknown_environment_or_backend_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="MSGSYS_ENV"):
        create_app({"ENV": "staging", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    with pytest.raises(ConfigError, match="MSGSYS_SMS_BACKEND"):
        create_app({"ENV": "testing", "SMS_BACKEND": "carrier-pigeon", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})


def test_embedded_default_is_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("MSGSYS_DATABASE_URL", raising=False)
    app = create_app({"ENV": "testing"})
    assert app.config["MSGSYS"].database_url == f"sqlite:///{app.instance_path}/msgsys.sqlite3"


def test_pages_carry_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_the_cheapest_password_hashing_is_refused_outside_tests(tmp_path):
    with pytest.raises(ConfigError, match="CHEAPEST"):
        create_app({"ENV": "development", "PASSWORD_PROFILE": "CHEAPEST", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    with pytest.raises(ConfigError, match="argon2 profile"):
        create_app({"ENV": "testing", "PASSWORD_PROFILE": "MD5", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
