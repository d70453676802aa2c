"""Settings that cannot run safely are refused when the app starts, with a message saying what to change."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from msgsys import create_app
from msgsys.config import ConfigError


def test_celery_on_redis_with_a_sqlite_database_is_refused(tmp_path):
    db = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    with pytest.raises(ConfigError, match="MSGSYS_REDIS_URL is set.*SQLite.*PostgreSQL") as refused:
        create_app({"ENV": "testing", "DATABASE_URL": db, "REDIS_URL": "redis://127.0.0.1:6379/15"})
    assert "unset MSGSYS_REDIS_URL" in str(refused.value)
    assert not (tmp_path / "x.sqlite3").exists()


def test_the_msgsys_command_refuses_it_without_a_traceback_and_starts_nothing(tmp_path):
    env = {**os.environ, "MSGSYS_ENV": "development", "MSGSYS_REDIS_URL": "redis://127.0.0.1:6379/15",
           "MSGSYS_DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}"}
    msgsys = str(Path(sys.executable).with_name("msgsys"))
    result = subprocess.run([msgsys, "run", "--port", "1"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("error: MSGSYS_REDIS_URL is set") and "Traceback" not in result.stderr
    assert not (tmp_path / "run.sqlite3").exists()


def test_sqlite_alone_and_redis_with_postgresql_are_accepted(tmp_path):
    assert create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "REDIS_URL": ""})
    app = create_app({"ENV": "testing", "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
                      "REDIS_URL": "redis://127.0.0.1:6379/15"})
    assert not app.config["MSGSYS"].embedded


@pytest.mark.parametrize("sender", ["msgsys", "5005550006", "+0123", "MG123", "MGZZ" + "0" * 30])
def test_a_sender_that_is_neither_a_number_nor_a_messaging_service_is_refused(tmp_path, sender):
    with pytest.raises(ConfigError, match="MSGSYS_SMS_SENDER must be a From number"):
        create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SMS_SENDER": sender})


def test_twilio_in_production_needs_a_sender(tmp_path):
    settings = {"ENV": "production", "SECRET_KEY": "k" * 40, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                "SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "t" * 32}
    with pytest.raises(ConfigError, match="MSGSYS_SMS_SENDER .* is required"):
        create_app(settings)
    assert create_app({**settings, "SMS_SENDER": "MG" + "a" * 32}).config["MSGSYS"].sms_sender == "MG" + "a" * 32
