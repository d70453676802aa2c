"""The officers' home and the admin pages: users, tokens, audit log."""
from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from msgsys import db, queues
from msgsys.admin.forms import AuditFilterForm, UserCreateForm, UserEditForm
from msgsys.audit import service as audit
from msgsys.auth import service as users
from msgsys.auth.forms import ConfirmForm, TokenForm
from msgsys.content import service as content
from msgsys.form_posts import run_form
from msgsys.permissions import requires

bp = Blueprint("admin", __name__, url_prefix="/admin")

# What an SMS keyword does, as the dashboard names it (msgsys.sms.models.KEYWORD_ACTIONS).
KEYWORD_ACTION_LABELS = {
    "stop": _l("Stop messages"), "start": _l("Start messages again"), "help": _l("Help"), "join": _l("Subscribe"),
    "language": _l("Switch language"), "latest": _l("Latest notice"),
}


@bp.get("/")
@login_required
@requires("officer.view")
def dashboard():
    """The officers' home page: what waits for this person, in every role they hold, then the campaigns."""
    s = db.session()
    counts = content.state_counts(s)
    campaigns = [(c, counts.get(c.id, {})) for c in content.list_campaigns(s)]
    return render_template("admin/dashboard.html", waiting=queues.current(), campaigns=campaigns,
                           keyword_actions=KEYWORD_ACTION_LABELS)


@bp.route("/users", methods=["GET", "POST"])
@requires("user.manage")
def user_list():
    """List users; add one."""
    form = UserCreateForm()
    posted = run_form(form, lambda s: users.create_user(
        s, email=form.email.data, name=form.name.data or "", password=form.password.data,
        roles=form.roles.data, locales=",".join(form.locales.data), actor=current_user,
    ))
    if posted.done:
        flash(_("User %(email)s added.", email=posted.result.email), "info")
        return redirect(url_for("admin.user_list"))
    return render_template("admin/users.html", form=form, users=users.list_users(db.session())), posted.status


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
@requires("user.manage")
def user_edit(user_id: int):
    """Change a user's roles, locales or active flag; see and revoke their tokens."""
    user = users.get_user(db.session(), user_id)
    form = UserEditForm(obj=None if request.method == "POST" else _edit_data(user))
    posted = run_form(form, lambda s: users.update_user(
        s, user=user, roles=form.roles.data, locales=",".join(form.locales.data), active=form.active.data, actor=current_user,
    ))
    if posted.done:
        flash(_("Saved."), "info")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    tokens = users.list_tokens(db.session(), user=user)
    return render_template("admin/user_edit.html", user=user, form=form, tokens=tokens, confirm=ConfirmForm(),
                           token_form=TokenForm(formdata=None), secret=None), posted.status


def _edit_data(user):
    class _Data:
        roles = sorted(user.role_set)
        locales = sorted(user.locale_set)
        active = user.active

    return _Data()


@bp.post("/users/<id:user_id>/tokens")
@requires("user.manage")
def token_create(user_id: int):
    """Issue an API token for a user (a partner's integration, say); the secret is shown once, here."""
    user = users.get_user(db.session(), user_id)
    form = TokenForm()
    posted = run_form(form, lambda s: users.issue_token(s, user=user, name=form.name.data, actor=current_user))
    tokens = users.list_tokens(db.session(), user=user)
    return render_template("admin/user_edit.html", user=user, form=UserEditForm(obj=_edit_data(user)), tokens=tokens,
                           confirm=ConfirmForm(), token_form=form, secret=posted.result.secret if posted.done else None), posted.status


@bp.post("/tokens/<id:token_id>/revoke")
@requires("user.manage")
def token_revoke(token_id: int):
    """Revoke any user's token."""
    if ConfirmForm().validate_on_submit():
        with db.transaction() as s:
            token = users.revoke_token(s, token_id=token_id, actor=current_user)
        flash(_("Token revoked."), "info")
        return redirect(url_for("admin.user_edit", user_id=token.user_id))
    return redirect(url_for("admin.user_list"))


@bp.get("/audit")
@requires("audit.view")
def audit_log():
    """The audit log, newest first, with filters."""
    form = AuditFilterForm(request.args)
    form.validate()
    page = min(max(request.args.get("page", 1, type=int), 1), 100_000)  # a huge page number is just past the end
    filt = audit.AuditFilter(
        actor=form.actor.data or "", action=form.action.data or "",
        subject_type=form.subject_type.data or "", subject_id=form.subject_id.data or "",
    )
    events, total = audit.list_events(db.session(), filt=filt, page=page)
    return render_template("admin/audit.html", form=form, events=events, total=total, page=page, per_page=50)


def init_app(app: Flask) -> None:
    """Register the admin blueprint and the root redirect."""
    app.register_blueprint(bp)
