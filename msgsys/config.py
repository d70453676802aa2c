"""Settings, read from the environment once, inside the app factory."""
from __future__ import annotations

import ipaddress
import os
import re
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

DEFAULT_SECRET = "dev-not-secret"
ENVIRONMENTS = ("development", "production", "testing")
SMS_BACKENDS = ("sandbox", "twilio")
SENDER = re.compile(r"\+[1-9][0-9]{6,14}|MG[0-9a-f]{32}")


class ConfigError(RuntimeError):
    """The configuration cannot run safely."""


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment, validated once."""

    env: str = "development"
    secret_key: str = DEFAULT_SECRET
    database_url: str = ""
    redis_url: str = ""
    instance_path: str = ""
    sms_backend: str = "sandbox"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_api_base: str = ""
    # Who messages come from: a From number in E.164 (+15005550006) or a Twilio Messaging Service SID (MG + 32 hex).
    sms_sender: str = ""
    public_base_url: str = "http://127.0.0.1:5000"  # the address Twilio and readers reach; webhooks are verified on it
    # Reverse proxies (addresses or networks) whose X-Forwarded-Proto and X-Forwarded-Host are believed; from any
    # other address those headers are ignored, so no one can choose the URL a Twilio signature is checked against.
    trusted_proxies: tuple[str, ...] = ()
    login_limit_account: str = "5 per 15 minutes"
    login_limit_address: str = "20 per 15 minutes"
    ratelimit_storage_url: str = "memory://"
    max_body_chars: int = 20_000
    sqlite_busy_timeout: float = 30.0  # seconds a SQLite write waits for another's lock before answering 503
    password_profile: str = "RFC_9106_LOW_MEMORY"  # an argon2-cffi profile; CHEAPEST only for the test suite
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def embedded(self) -> bool:
        """True when no Redis is configured: one process, work runs in-process."""
        return not self.redis_url


_ENV_NAMES = {
    "env": "MSGSYS_ENV",
    "secret_key": "MSGSYS_SECRET_KEY",
    "database_url": "MSGSYS_DATABASE_URL",
    "redis_url": "MSGSYS_REDIS_URL",
    "sms_backend": "MSGSYS_SMS_BACKEND",
    "twilio_account_sid": "TWILIO_ACCOUNT_SID",
    "twilio_auth_token": "TWILIO_AUTH_TOKEN",
    "twilio_api_base": "MSGSYS_TWILIO_API_BASE",
    "sms_sender": "MSGSYS_SMS_SENDER",
    "public_base_url": "MSGSYS_PUBLIC_BASE_URL",
    "trusted_proxies": "MSGSYS_TRUSTED_PROXIES",
    "login_limit_account": "MSGSYS_LOGIN_LIMIT_ACCOUNT",
    "login_limit_address": "MSGSYS_LOGIN_LIMIT_ADDRESS",
    "ratelimit_storage_url": "MSGSYS_RATELIMIT_STORAGE_URL",
    "password_profile": "MSGSYS_PASSWORD_PROFILE",
    "sqlite_busy_timeout": "MSGSYS_SQLITE_BUSY_TIMEOUT",
}


def load_settings(
    instance_path: str, environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Build Settings from the environment, then overrides; refuse unsafe production settings."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {"instance_path": instance_path}
    for name, var in _ENV_NAMES.items():
        if environ.get(var):
            values[name] = environ[var]
    known = {f.name for f in fields(Settings)}
    extra = {}
    for key, value in (overrides or {}).items():
        if key.lower() in known:
            values[key.lower()] = value
        else:
            extra[key] = value
    _numbers(values)
    _proxies(values)
    settings = Settings(**values, extra=extra)
    if not settings.database_url:
        db_file = Path(instance_path) / "msgsys.sqlite3"
        settings = replace(settings, database_url=f"sqlite:///{db_file}")
    if settings.redis_url and settings.ratelimit_storage_url == "memory://":
        settings = replace(settings, ratelimit_storage_url=settings.redis_url)
    _validate(settings)
    return settings


def _numbers(values: dict[str, Any]) -> None:
    """Numbers read from the environment arrive as text."""
    for f in fields(Settings):
        kind = {"float": float, "int": int}.get(str(f.type))
        if kind is not None and isinstance(values.get(f.name), str):
            try:
                values[f.name] = kind(values[f.name])
            except ValueError:
                var = _ENV_NAMES.get(f.name, f.name.upper())
                raise ConfigError(f"{var} must be a number, not {values[f.name]!r}") from None


def _proxies(values: dict[str, Any]) -> None:
    """MSGSYS_TRUSTED_PROXIES arrives as text, "10.0.0.2, 10.1.0.0/16": each entry an IP address or network."""
    raw = values.get("trusted_proxies", ())
    entries = raw.split(",") if isinstance(raw, str) else list(raw)
    proxies = []
    for entry in (str(e).strip() for e in entries):
        if not entry:
            continue
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ConfigError(f"MSGSYS_TRUSTED_PROXIES must list IP addresses or networks, not {entry!r}") from None
        proxies.append(entry)
    values["trusted_proxies"] = tuple(proxies)


def _validate(settings: Settings) -> None:
    if settings.env not in ENVIRONMENTS:
        raise ConfigError(f"MSGSYS_ENV must be one of {', '.join(ENVIRONMENTS)}, not {settings.env!r}")
    if settings.sms_backend not in SMS_BACKENDS:
        raise ConfigError(f"MSGSYS_SMS_BACKEND must be one of {', '.join(SMS_BACKENDS)}")
    from argon2 import profiles

    if not hasattr(profiles, settings.password_profile):
        raise ConfigError(f"MSGSYS_PASSWORD_PROFILE must name an argon2 profile, not {settings.password_profile!r}")
    if settings.password_profile == "CHEAPEST" and settings.env != "testing":
        raise ConfigError("MSGSYS_PASSWORD_PROFILE=CHEAPEST is only for the test suite")
    if settings.sms_sender and not SENDER.fullmatch(settings.sms_sender):
        raise ConfigError("MSGSYS_SMS_SENDER must be a From number in E.164 (+15005550006) or a Messaging Service SID "
                          f"(MG followed by 32 hexadecimal digits), not {settings.sms_sender!r}")
    base = urlsplit(settings.public_base_url)
    if base.scheme not in ("http", "https") or not base.netloc or base.query or base.fragment:
        # Twilio signs the exact URL it calls: the webhooks are checked against this address, so it must be one.
        raise ConfigError("MSGSYS_PUBLIC_BASE_URL must be the site's address, such as https://msgsys.example.org, "
                          f"not {settings.public_base_url!r}")
    if settings.sqlite_busy_timeout < 0:
        raise ConfigError("MSGSYS_SQLITE_BUSY_TIMEOUT must be zero or more seconds")
    if settings.redis_url and settings.database_url.startswith("sqlite"):
        # Celery workers are other processes, on other machines too: many writers on one SQLite file
        # wait on its lock or fail, and a file on another machine is not shared at all.
        raise ConfigError(
            "MSGSYS_REDIS_URL is set, so Celery workers in other processes would write to the SQLite database "
            f"{settings.database_url}; SQLite serves one process. Set MSGSYS_DATABASE_URL to PostgreSQL "
            "(postgresql+psycopg://user@host/db), or unset MSGSYS_REDIS_URL to run the embedded worker in one process."
        )
    if settings.env == "production":
        if not settings.secret_key or settings.secret_key == DEFAULT_SECRET or len(settings.secret_key) < 32:
            raise ConfigError(
                "MSGSYS_SECRET_KEY must be set to a random value of at least 32 characters in production "
                f"(for example: {secrets.token_urlsafe(48)})"
            )
        if settings.sms_backend == "twilio" and not (settings.twilio_account_sid and settings.twilio_auth_token):
            raise ConfigError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are required with MSGSYS_SMS_BACKEND=twilio")
        if settings.sms_backend == "twilio" and not settings.sms_sender:
            raise ConfigError("MSGSYS_SMS_SENDER (a From number or a Messaging Service SID) is required with MSGSYS_SMS_BACKEND=twilio")
