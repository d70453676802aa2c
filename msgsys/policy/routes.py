"""Advisory policy rules: officers read them, admins add, change (as new versions) and deactivate them;
translators of a language whose rules need their sign-off (K'iche') approve or reject them."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from msgsys import db
from msgsys.auth.forms import ConfirmForm
from msgsys.form_posts import run_form
from msgsys.locales import language_name
from msgsys.permissions import requires
from msgsys.policy import review
from msgsys.policy import service as policy
from msgsys.policy.forms import RULE_TYPE_LABELS, STATUS_LABELS, RuleForm, RuleReviewForm

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
    posted = run_form(form, lambda s: policy.create_rule(s, data=form.to_data(), actor=current_user))
    if not posted.done:
        return _list_page(form, posted.status)
    rule = posted.result
    if rule.status == "pending":
        flash(_("Rule %(key)s added. It is not in force until a translator of %(language)s approves it.",
                key=rule.rule_key, language=language_name(rule.locale)), "info")
        return redirect(url_for("policy.rule_detail", rule_key=rule.rule_key))
    flash(_("Rule %(key)s added.", key=rule.rule_key), "info")
    return redirect(url_for("policy.rule_list"))


def _list_page(form: RuleForm, status: int = 200):
    s = db.session()
    return render_template("policy/rules.html", rules=policy.active_rules(s), pending=review.pending_rules(s), form=form), status


@bp.get("/pending")
@requires("officer.view")
def pending_list():
    """Rule versions waiting for a translator's approval, with who may approve each, and the forms for them."""
    s = db.session()
    rows = [{"rule": r, "approvers": review.approvers(s, r), "may_review": review.refusal(current_user, r) is None,
             "in_force": review.in_force_version(s, r.rule_key)} for r in review.pending_rules(s)]
    return render_template("policy/pending.html", rows=rows, review_form=RuleReviewForm(formdata=None))


@bp.get("/<rule_key>")
@requires("officer.view")
def rule_detail(rule_key: str):
    """Every version of one rule, and (for admins) the forms to change or deactivate it."""
    history = _history(rule_key)
    latest = _editable(history)
    form = RuleForm(formdata=None, data=_rule_data(latest) if latest else None)
    return _detail_page(rule_key, history, form)


def _editable(history):
    """The version an edit starts from: the one waiting, else the one in force, else a rejected one to put right."""
    return (next((r for r in history if r.status == "pending"), None) or next((r for r in history if r.active), None)
            or (history[0] if history[0].status == "rejected" else None))


@bp.post("/<rule_key>")
@requires("policy.manage")
def rule_update(rule_key: str):
    """Change a rule: a new version replaces the current one, which is kept in the history."""
    _history(rule_key)  # an unknown rule is a 404 before anything else
    form = RuleForm()
    posted = run_form(form, lambda s: policy.update_rule(s, rule_key=rule_key, data=form.to_data(), actor=current_user))
    if not posted.done:
        return _detail_page(rule_key, _history(rule_key), form, posted.status)
    rule = posted.result
    if rule.status == "pending":
        flash(_("Version %(n)d of rule %(key)s is not in force until a translator of %(language)s approves it.",
                key=rule_key, n=rule.version, language=language_name(rule.locale)), "info")
    else:
        flash(_("Rule %(key)s is now at version %(n)d.", key=rule_key, n=rule.version), "info")
    return redirect(url_for("policy.rule_detail", rule_key=rule_key))


@bp.post("/<rule_key>/<any(approve, reject):step>")
@requires("officer.view")
def rule_review(rule_key: str, step: str):
    """Approve or reject a pending version (a translator of its language, never its author); refused with the reason."""
    _history(rule_key)  # an unknown rule is a 404 before anything else
    form = RuleReviewForm()
    act = review.approve if step == "approve" else review.reject
    posted = run_form(form, lambda s: act(s, rule_key=rule_key, version=form.version.data, actor=current_user,
                                          reason=form.reason.data or ""))
    if not posted.done:
        return _detail_page(rule_key, _history(rule_key), RuleForm(formdata=None), posted.status, review_form=form)
    rule = posted.result
    if step == "approve":
        flash(_("Version %(n)d of rule %(key)s is approved and now in force.", n=rule.version, key=rule_key), "info")
    else:
        flash(_("Version %(n)d of rule %(key)s is rejected; it never takes effect.", n=rule.version, key=rule_key), "info")
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


def _detail_page(rule_key: str, history, form: RuleForm, status: int = 200, review_form: RuleReviewForm | None = None):
    current = next((r for r in history if r.active), None)
    pending = next((r for r in history if r.status == "pending"), None)
    s = db.session()
    return render_template(
        "policy/rule.html", rule_key=rule_key, history=history, current=current, pending=pending, editable=_editable(history),
        form=form, confirm=ConfirmForm(),
        approvers=review.approvers(s, pending) if pending else [],
        may_review=pending is not None and review.refusal(current_user, pending) is None,
        review_form=review_form or RuleReviewForm(formdata=None), people=_people(s, history),
    ), status


def _people(s, history) -> dict:
    """Who wrote and who reviewed each version, by id, for the history table."""
    from msgsys.auth import service as users

    ids = {r.created_by_id for r in history} | {r.reviewed_by_id for r in history}
    return {i: users.get_user(s, i) for i in ids if i}


def _rule_data(rule) -> dict:
    return {"rule_type": rule.rule_type, "pattern": rule.pattern, "severity": rule.severity, "locale": rule.locale,
            "kinds": [k for k in rule.kinds.split(",") if k], "description": rule.description}


def init_app(app: Flask) -> None:
    """Register the policy pages."""
    app.jinja_env.globals.update(RULE_TYPE_LABELS=RULE_TYPE_LABELS, RULE_STATUS_LABELS=STATUS_LABELS)
    app.register_blueprint(bp)
