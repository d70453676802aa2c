"""Advisory policy rules: officers read them, admins add, change (as new versions) and deactivate them."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from msgsys import db
from msgsys.auth.forms import ConfirmForm
from msgsys.errors import DomainError
from msgsys.permissions import requires
from msgsys.policy import service as policy
from msgsys.policy.forms import RULE_TYPE_LABELS, RuleForm

bp = Blueprint("policy", __name__, url_prefix="/admin/policy")


@bp.get("")
@requires("officer.view")
def rule_list():
    """The rules in force, and (for admins) the form to add one."""
    return _list_page(RuleForm(formdata=None))


@bp.post("")
@requires("policy.manage")
def rule_create():
    """Add a rule; an unusable one is refused with the reason."""
    form = RuleForm()
    if not form.validate_on_submit():
        return _list_page(form, 422)
    try:
        with db.transaction() as s:
            rule = policy.create_rule(s, data=form.to_data(), actor=current_user)
    except DomainError as exc:
        form.form_errors.append(exc.message)
        return _list_page(form, exc.status)
    flash(_("Rule %(key)s added.", key=rule.rule_key), "info")
    return redirect(url_for("policy.rule_list"))


def _list_page(form: RuleForm, status: int = 200):
    return render_template("policy/rules.html", rules=policy.active_rules(db.session()), form=form), status


@bp.get("/<rule_key>")
@requires("officer.view")
def rule_detail(rule_key: str):
    """Every version of one rule, and (for admins) the forms to change or deactivate it."""
    history = _history(rule_key)
    current = next((r for r in history if r.active), None)
    form = RuleForm(formdata=None, data=_rule_data(current) if current else None)
    return _detail_page(rule_key, history, form)


@bp.post("/<rule_key>")
@requires("policy.manage")
def rule_update(rule_key: str):
    """Change a rule: a new version replaces the current one, which is kept in the history."""
    history = _history(rule_key)
    form = RuleForm()
    if not form.validate_on_submit():
        return _detail_page(rule_key, history, form, 422)
    try:
        with db.transaction() as s:
            rule = policy.update_rule(s, rule_key=rule_key, data=form.to_data(), actor=current_user)
    except DomainError as exc:
        form.form_errors.append(exc.message)
        return _detail_page(rule_key, _history(rule_key), form, exc.status)
    flash(_("Rule %(key)s is now at version %(n)d.", key=rule_key, n=rule.version), "info")
    return redirect(url_for("policy.rule_detail", rule_key=rule_key))


@bp.post("/<rule_key>/deactivate")
@requires("policy.manage")
def rule_deactivate(rule_key: str):
    """Switch a rule off; its history stays."""
    if ConfirmForm().validate_on_submit():
        with db.transaction() as s:
            policy.deactivate_rule(s, rule_key=rule_key, actor=current_user)
        flash(_("Rule %(key)s deactivated.", key=rule_key), "info")
    return redirect(url_for("policy.rule_detail", rule_key=rule_key))


def _history(rule_key: str):
    history = policy.rule_history(db.session(), rule_key)
    if not history:
        abort(404, _("No rule %(key)s.", key=rule_key))
    return history


def _detail_page(rule_key: str, history, form: RuleForm, status: int = 200):
    current = next((r for r in history if r.active), None)
    return render_template(
        "policy/rule.html", rule_key=rule_key, history=history, current=current, form=form, confirm=ConfirmForm(),
    ), status


def _rule_data(rule) -> dict:
    return {"rule_type": rule.rule_type, "pattern": rule.pattern, "severity": rule.severity, "locale": rule.locale,
            "kinds": [k for k in rule.kinds.split(",") if k], "description": rule.description}


def init_app(app: Flask) -> None:
    """Register the policy pages."""
    app.jinja_env.globals.update(RULE_TYPE_LABELS=RULE_TYPE_LABELS)
    app.register_blueprint(bp)
