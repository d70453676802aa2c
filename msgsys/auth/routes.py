"""Sign in, sign out, and one's own API tokens."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from msgsys import db
from msgsys.auth import service
from msgsys.auth.forms import ConfirmForm, LoginForm, TokenForm
from msgsys.errors import Unauthorized
from msgsys.form_posts import run_form

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("admin.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form; sign in on a correct email and password."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            with db.transaction() as s:
                user = service.authenticate(s, email=form.email.data, password=form.password.data)
        except Unauthorized as exc:
            error = exc.message
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        error = _("Enter your email and password.")
    return render_template("auth/login.html", form=form, error=error), (401 if error else 200)


@bp.post("/logout")
@login_required
def logout():
    """Sign out (a POST, so another site cannot sign people out)."""
    if ConfirmForm().validate_on_submit():
        with db.transaction() as s:
            service.record_logout(s, user=current_user)
        logout_user()
        flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    """List one's API tokens and create a new one (shown once)."""
    form = TokenForm()
    posted = run_form(form, lambda s: service.issue_token(s, user=current_user, name=form.name.data, actor=current_user))
    listed = service.list_tokens(db.session(), user=current_user)
    return render_template("auth/tokens.html", form=form, tokens=listed, secret=posted.result.secret if posted.done else None,
                           confirm=ConfirmForm()), posted.status


@bp.post("/account/tokens/<id:token_id>/revoke")
@login_required
def revoke(token_id: int):
    """Revoke one of one's own tokens."""
    if ConfirmForm().validate_on_submit():
        owned = {t.id for t in service.list_tokens(db.session(), user=current_user)}
        if token_id in owned:
            with db.transaction() as s:
                service.revoke_token(s, token_id=token_id, actor=current_user)
            flash(_("Token revoked."), "info")
    return redirect(url_for("auth.tokens"))


def _account_key() -> str:
    return "login-account:" + (request.form.get("email") or "").strip().lower()


def _failed(response) -> bool:
    # Only failed attempts count: a successful sign-in redirects.
    return response.status_code != 302


def init_app(app: Flask) -> None:
    """Register the blueprint with its own rate limiter (per account and per address)."""
    settings = app.config["MSGSYS"]
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=settings.ratelimit_storage_url,
        key_prefix=app.config.get("RATELIMIT_KEY_PREFIX", "msgsys"),
        strategy="moving-window",
    )
    app.register_blueprint(bp)
    # The limiter checks inside the wrapped view, so this app's copy of the view is the wrapped one.
    limited = limiter.limit(settings.login_limit_address, methods=["POST"], deduct_when=_failed)(login)
    limited = limiter.limit(settings.login_limit_account, key_func=_account_key, methods=["POST"], deduct_when=_failed)(limited)
    app.view_functions["auth.login"] = limited
    app.extensions["msgsys.limiter"] = limiter
