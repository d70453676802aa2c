"""Officers' pages for one version and its workflow: the version page, steps, comparison, review queue, schedule."""
from __future__ import annotations

from itertools import groupby

from flask import Blueprint, Flask, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from msgsys import db, permissions
from msgsys.audit import service as audit
from msgsys.auth import service as users
from msgsys.content import service as content
from msgsys.content.diff import diff_versions
from msgsys.content.forms import STATE_LABELS, StepForm
from msgsys.content.markup import render_markdown
from msgsys.form_posts import run_form
from msgsys.permissions import requires
from msgsys.sms.encoding import count_sms
from msgsys.locales import language_name
from msgsys.translation import readers
from msgsys.workflow import service as workflow

bp = Blueprint("workflow", __name__, url_prefix="/admin")


@bp.get("/versions/<id:version_id>")
@requires("officer.view")
def version_detail(version_id: int):
    """A version as recipients would get it, its policy check, its diff and the steps one may take."""
    return render_version(content.get_version(db.session(), version_id))


@bp.post("/versions/<id:version_id>/<step>")
@requires("officer.view")
def version_step(version_id: int, step: str):
    """Take one workflow step; on refusal show the page again with the reason and nothing changed."""
    version = content.get_version(db.session(), version_id)
    form = StepForm()
    choice = {"publication": form.publication.data or "now", "correction": bool(form.correction.data)} if step == "approve" else {}
    posted = run_form(form, lambda s: workflow.transition(s, actor=current_user, version=version, name=step,
                                                          reason=form.reason.data or "", **choice))
    if not posted.done:
        return render_version(version, failed=step, form=form, status=posted.status, violations=posted.violations)
    flash(_("Version %(n)d is now %(state)s.", n=version.number, state=STATE_LABELS.get(version.state, version.state)), "info")
    return redirect(url_for("workflow.version_detail", version_id=version.id))


@bp.post("/versions/<id:version_id>/restore")
@requires("officer.view")
def version_restore(version_id: int):
    """Bring an old version back as a new draft."""
    version = content.get_version(db.session(), version_id)
    form = StepForm()
    posted = run_form(form, lambda s: content.restore(s, actor=current_user, version=version))
    if not posted.done:
        return render_version(version, failed="restore", form=form, status=posted.status)
    flash(_("Version %(old)d restored as a new draft: version %(n)d.", old=version.number, n=posted.result.number), "info")
    return redirect(url_for("content.version_edit", version_id=posted.result.id))


def render_version(version, *, failed: str | None = None, form: StepForm | None = None, status: int = 200, violations=None):
    """The version page; after a refused step, with the error shown at that step's form."""
    s = db.session()
    message = content.get_message(s, version.message_id)
    versions = content.versions_of(s, message)
    previous = next((v for v in versions if v.number < version.number and v.published_at is not None), None)
    if violations is None:
        violations = [v.as_dict() for v in workflow.policy_violations(s, version)]
    return render_template(
        "workflow/version.html", version=version, message=message, campaign=content.campaign_of(s, message),
        history=audit.version_history(s, version.id),
        body_html=render_markdown(version.body or ""), sms=count_sms(version.sms_text) if version.sms_text else None,
        reviewer=users.get_user(s, version.reviewed_by_id) if version.reviewed_by_id else None,
        violations=violations, previous=previous, diff=diff_versions(previous, version) if previous else None,
        steps=workflow.steps_for(s, version=version, user=current_user),
        can_restore=version.state != "draft" and permissions.can(current_user, "version.draft"),
        can_edit=permissions.can(current_user, "version.draft"),
        failed=failed, failed_form=form, step_form=StepForm(formdata=None, correction=version.correction),
        outlook=readers.preview(s, version) if version.state == "in_review" else None,
        reader_rows=readers.status(s, message), held=workflow.held(s, version),
        next_steps=_next_steps(s, version, message),
    ), status


def _next_steps(s, version, message) -> dict | None:
    """After approval: where readers see it, and which translations come next."""
    if version.state not in ("approved", "published"):
        return None
    campaign = content.campaign_of(s, message)
    missing = [language_name(row.locale) for row in readers.status(s, message)
               if not row.is_source and (row.translation is None or row.translation.state != "approved")]
    public = url_for("public.notice", locale=campaign.source_locale, message_id=message.id) \
        if version.state == "published" and "web" in message.channel_list else None
    return {"public": public, "translations": missing}


@bp.get("/versions/<id:version_id>/diff/<id:other_id>")
@requires("officer.view")
def version_diff(version_id: int, other_id: int):
    """Any two versions side by side, word by word."""
    s = db.session()
    old, new = content.get_version(s, version_id), content.get_version(s, other_id)
    return render_template(
        "workflow/diff.html", old=old, new=new, diff=diff_versions(old, new),
        old_message=content.get_message(s, old.message_id), new_message=content.get_message(s, new.message_id),
    )


@bp.get("/review")
@requires("version.approve")
def review_queue():
    """Versions waiting for this approver (never their own), each with its diff against what is published."""
    s = db.session()
    items = []
    for version in workflow.review_queue(s, user=current_user):
        message = content.get_message(s, version.message_id)
        published = content.published_version(s, message)
        items.append({
            "version": version, "message": message, "campaign": content.campaign_of(s, message),
            "published": published, "diff": diff_versions(published, version),
        })
    return render_template("workflow/review.html", items=items)


@bp.get("/schedule")
@requires("officer.view")
def schedule():
    """Upcoming go-lives and expiries, grouped by day (UTC)."""
    s = db.session()
    messages, campaigns, entries = {}, {}, []
    for when, what, version in workflow.schedule(s):
        if version.message_id not in messages:
            message = messages[version.message_id] = content.get_message(s, version.message_id)
            campaigns[message.id] = content.campaign_of(s, message)
        entries.append({"when": when, "what": what, "version": version,
                        "message": messages[version.message_id], "campaign": campaigns[version.message_id]})
    days = [(day, list(items)) for day, items in groupby(entries, key=lambda e: e["when"].date())]
    return render_template("workflow/schedule.html", days=days)


def init_app(app: Flask) -> None:
    """Register the version pages, the review queue and the schedule."""
    app.register_blueprint(bp)
