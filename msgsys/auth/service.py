"""Accounts, passwords and API tokens: the rules, no request in sight."""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from sqlmodel import Session, col, select

from msgsys.audit import service as audit
from msgsys.auth.models import ApiToken, User
from msgsys.clock import now
from msgsys.errors import Conflict, NotFound, Unauthorized, ValidationError
from msgsys.locales import parse_locales
from msgsys.permissions import ROLES
from msgsys.text import clean_text

_DEFAULT_HASHER = PasswordHasher()


def _hasher() -> PasswordHasher:
    """The app's argon2id hasher (its cost set by configuration), or the library default."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return _DEFAULT_HASHER
    hasher = current_app.extensions.get("msgsys.hasher")
    if hasher is None:
        from argon2 import profiles

        hasher = PasswordHasher.from_parameters(getattr(profiles, current_app.config["MSGSYS"].password_profile))
        current_app.extensions["msgsys.hasher"] = hasher
    return hasher
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 12
TOKEN_PREFIX = "msg_"


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches the stored hash."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalize_email(email: str) -> str:
    """Lower-case and strip an email, refusing what is not one."""
    email = (email or "").strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise ValidationError(_("%(email)s is not a valid email address.", email=email or "''"), details={"field": "email"})
    return email


def parse_roles(value: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Parse roles ("author,translator"), refusing unknown ones."""
    items = value.replace(" ", ",").split(",") if isinstance(value, str) else list(value)
    roles = tuple(dict.fromkeys(r.strip() for r in items if r and r.strip()))
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise ValidationError(
            _("Unknown role(s): %(roles)s. Known roles: %(known)s.", roles=", ".join(unknown) or "-", known=", ".join(ROLES)),
            details={"field": "roles"},
        )
    return roles


def _check_locales(roles: tuple[str, ...], locales: str | tuple[str, ...]) -> tuple[str, ...]:
    try:
        codes = parse_locales(locales) if isinstance(locales, str) else parse_locales(",".join(locales))
    except ValueError as exc:
        raise ValidationError(str(exc), details={"field": "locales"}) from None
    if "translator" in roles and not codes:
        raise ValidationError(_("A translator needs at least one locale."), details={"field": "locales"})
    return codes


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError(
            _("The password needs at least %(n)d characters.", n=MIN_PASSWORD), details={"field": "password"}
        )


def _snapshot(user: User) -> dict:
    return {"email": user.email, "roles": user.roles, "locales": user.locales, "active": user.active}


def get_user(session: Session, user_id: int) -> User:
    """A user by id, or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    return user


def find_user(session: Session, email: str) -> User | None:
    """A user by email (any case), or None."""
    return session.exec(select(User).where(User.email == (email or "").strip().lower())).first()


def list_users(session: Session) -> list[User]:
    """All users, by email."""
    return list(session.exec(select(User).order_by(User.email)).all())


def create_user(
    session: Session, *, email: str, password: str, roles, locales="", name: str = "", actor: User | None = None, label: str | None = None
) -> User:
    """Create an account after checking every field; audit it."""
    email = normalize_email(email)
    role_tuple = parse_roles(roles)
    codes = _check_locales(role_tuple, locales)
    _check_password(password)
    if find_user(session, email) is not None:
        raise Conflict(_("A user with the email %(email)s already exists.", email=email), details={"field": "email"})
    user = User(email=email, name=clean_text(name, "name", 120), password_hash=hash_password(password), roles=",".join(role_tuple), locales=",".join(codes))
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, label=label, action="user.create", subject_type="user", subject_id=user.id, after=_snapshot(user))
    return user


def update_user(
    session: Session, *, user: User, roles=None, locales=None, active: bool | None = None, actor: User | None = None, label: str | None = None
) -> User:
    """Change roles, locales or the active flag; audit the change."""
    before = _snapshot(user)
    role_tuple = parse_roles(roles) if roles is not None else tuple(sorted(user.role_set))
    codes = _check_locales(role_tuple, locales if locales is not None else user.locales)
    if actor is not None and actor.id == user.id and (active is False or "admin" not in role_tuple):
        raise ValidationError(_("You cannot deactivate yourself or remove your own admin role."))
    user.roles, user.locales = ",".join(role_tuple), ",".join(codes)
    if active is not None:
        user.active = active
    if before["active"] and not user.active:
        end_sessions(user)
    after = _snapshot(user)
    if after != before:
        session.add(user)
        action = "user.deactivate" if before["active"] and not user.active else "user.update"
        audit.record(session, actor=actor, label=label, action=action, subject_type="user", subject_id=user.id, before=before, after=after)
    return user


def set_password(session: Session, *, user: User, password: str, actor: User | None = None, label: str | None = None) -> None:
    """Set a new password (hashed); audit without the password."""
    _check_password(password)
    user.password_hash = hash_password(password)
    end_sessions(user)
    session.add(user)
    audit.record(session, actor=actor, label=label, action="user.password", subject_type="user", subject_id=user.id)


class LoginFailed(Unauthorized):
    """Wrong email or password, or an inactive account."""


def authenticate(session: Session, *, email: str, password: str) -> User:
    """The user whose email and password match and who is active, or LoginFailed."""
    user = find_user(session, email)
    if user is None:
        _hasher().hash(password or "x")  # same work either way, so timing does not reveal which emails exist
        raise LoginFailed(_("Wrong email or password."))
    if not verify_password(user.password_hash, password or ""):
        raise LoginFailed(_("Wrong email or password."))
    if not user.active:
        raise LoginFailed(_("This account is deactivated. Ask an administrator."))
    user.last_login_at = now()
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.add(user)
    audit.record(session, actor=user, action="user.login", subject_type="user", subject_id=user.id)
    return user


def end_sessions(user: User) -> None:
    """End every session of this account (the session id carries the epoch)."""
    user.session_epoch += 1


def record_logout(session: Session, *, user: User) -> None:
    """Sign out: end every session of the account, and audit it."""
    end_sessions(user)
    session.add(user)
    audit.record(session, actor=user, action="user.logout", subject_type="user", subject_id=user.id)


def _token_hash(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough; argon2 would make every API call slow.
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A token as issued: the secret is only ever available here."""

    token: ApiToken
    secret: str


def issue_token(session: Session, *, user: User, name: str = "", actor: User | None = None, label: str | None = None) -> IssuedToken:
    """Create an API token for a user; return the secret once."""
    if not user.active:
        raise ValidationError(_("This account is deactivated."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=clean_text(name, "name", 80) or "api", prefix=secret[:12], token_hash=_token_hash(secret))
    session.add(token)
    session.flush()
    audit.record(session, actor=actor, label=label, action="token.create", subject_type="api_token", subject_id=token.id, after={"user": user.email, "prefix": token.prefix})
    return IssuedToken(token=token, secret=secret)


def list_tokens(session: Session, *, user: User | None = None) -> list[ApiToken]:
    """Tokens, newest first, for one user or all."""
    query = select(ApiToken).order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(session.exec(query).all())


def revoke_token(session: Session, *, token_id: int, actor: User | None = None, label: str | None = None) -> ApiToken:
    """Revoke a token; it stops working on the next request."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = now()
        session.add(token)
        audit.record(session, actor=actor, label=label, action="token.revoke", subject_type="api_token", subject_id=token.id, before={"revoked": False}, after={"revoked": True})
    return token


def user_for_token(session: Session, secret: str) -> User:
    """The active user behind a bearer token, or Unauthorized with the reason."""
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == _token_hash(secret or ""))).first()
    if token is None:
        raise Unauthorized(_("Unknown API token."))
    if token.revoked_at is not None:
        raise Unauthorized(_("This API token has been revoked."))
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        raise Unauthorized(_("The account behind this API token is deactivated."))
    _mark_used(session, token)
    return user


TOKEN_USE_PRECISION = timedelta(minutes=1)


def _mark_used(session: Session, token: ApiToken) -> None:
    """Note when a token was used, at most once a minute: a partner's reads then do not write, nor wait behind writes."""
    at = now()
    cutoff = at - TOKEN_USE_PRECISION
    if token.last_used_at is not None and token.last_used_at >= cutoff:
        return  # no statement at all: even an UPDATE that matches nothing takes SQLite's write lock
    # Conditional, so that simultaneous requests write it once between them.
    session.execute(
        sa.update(ApiToken)
        .where(ApiToken.id == token.id, sa.or_(col(ApiToken.last_used_at).is_(None), col(ApiToken.last_used_at) < cutoff))
        .values(last_used_at=at)
        .execution_options(synchronize_session=False)
    )
