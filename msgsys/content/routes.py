"""Officers' pages for campaigns, messages and the version editor (HTTP only; the services decide)."""
from __future__ import annotations

import json

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from msgsys import db, permissions
from msgsys.clock import now
from msgsys.audit import service as audit
from msgsys.content import service as content
from msgsys.content.forms import (
    CHANNEL_LABELS, KIND_LABELS, STATE_LABELS, CampaignForm, CompareForm, MessageForm, VersionForm,
)
from msgsys.form_posts import run_form
from msgsys.permissions import requires
from msgsys.sms.encoding import count_sms
from msgsys.translation import readers
from msgsys.workflow import service as workflow

bp = Blueprint("content", __name__, url_prefix="/admin")


# Campaigns and messages ----------------------------------------------------------------------

@bp.route("/campaigns", methods=["GET", "POST"])
@requires("officer.view")
def campaign_list():
    """Every campaign with its message counts by state; start a new one."""
    form = CampaignForm()
    posted = run_form(form, lambda s: content.create_campaign(s, actor=current_user, data=form.to_data()))
    if posted.done:
        flash(_("Campaign %(title)s created.", title=posted.result.title), "info")
        if form.source_left_out():
            flash(form.source_left_out(), "info")
        return redirect(url_for("content.campaign_detail", slug=posted.result.slug))
    s = db.session()
    counts = content.state_counts(s)
    campaigns = [(c, counts.get(c.id, {})) for c in content.list_campaigns(s)]
    return render_template("content/campaigns.html", campaigns=campaigns, form=form), posted.status


@bp.route("/campaigns/<slug>", methods=["GET", "POST"])
@requires("officer.view")
def campaign_detail(slug: str):
    """A campaign, its messages with their latest and published versions; add a message."""
    campaign = content.get_campaign(db.session(), slug)
    form = MessageForm()
    posted = run_form(form, lambda s: content.create_message(
        s, actor=current_user, campaign=campaign, data={"key": form.key.data, "kind": form.kind.data, "channels": form.channels.data}))
    if posted.done:
        flash(_("Message %(key)s added.", key=posted.result.key), "info")
        return redirect(url_for("content.message_detail", message_id=posted.result.id))
    rows = content.message_rows(db.session(), campaign)
    languages = [(row.message, readers.status(db.session(), row.message)) for row in rows]
    return render_template("content/campaign.html", campaign=campaign, rows=rows, form=form, languages=languages,
                           locales=readers.locales_of(campaign), not_started=campaign.starts_on is not None and campaign.starts_on > now().date()), posted.status


@bp.get("/messages/<id:message_id>")
@requires("officer.view")
def message_detail(message_id: int):
    """A message's versions, newest first, and the history of each from the audit log."""
    s = db.session()
    message = content.get_message(s, message_id)
    versions = content.versions_of(s, message)
    events = audit.history(s, subject_type="version", subject_ids=[str(v.id) for v in versions])
    compare = compare_form(versions)
    return render_template(
        "content/message.html", message=message, campaign=content.campaign_of(s, message), versions=versions,
        history=history_rows(events, {str(v.id): v.number for v in versions}), compare=compare,
        reader_rows=readers.status(s, message),
    )


@bp.get("/messages/<id:message_id>/compare")
@requires("officer.view")
def compare_pick(message_id: int):
    """Send the two versions picked on the message page to the comparison."""
    s = db.session()
    message = content.get_message(s, message_id)
    form = compare_form(content.versions_of(s, message), request.args)
    if not form.validate():
        flash(_("Pick two versions of this message to compare."), "error")
        return redirect(url_for("content.message_detail", message_id=message.id))
    return redirect(url_for("workflow.version_diff", version_id=form.a.data, other_id=form.b.data))


# The editor ------------------------------------------------------------------------------------

@bp.route("/messages/<id:message_id>/edit", methods=["GET", "POST"])
@requires("officer.view")
def message_new_version(message_id: int):
    """Write a new draft of a message, starting from its latest version."""
    s = db.session()
    message = content.get_message(s, message_id)
    latest = content.latest_version(s, message)
    form = VersionForm(data=prefill(latest) if request.method == "GET" else None)
    posted = run_form(form, lambda s: content.new_version(s, actor=current_user, message=message, data=form.to_data(), based_on=latest))
    if posted.done:
        flash(_("Draft version %(n)d saved.", n=posted.result.number), "info")
        return redirect(url_for("content.version_edit", version_id=posted.result.id))
    return render_editor(message=message, version=None, form=form, status=posted.status)


@bp.route("/versions/<id:version_id>/edit", methods=["GET", "POST"])
@requires("officer.view")
def version_edit(version_id: int):
    """Edit a version: one's own draft changes in place, anything else becomes a new draft."""
    s = db.session()
    version = content.get_version(s, version_id)
    message = content.get_message(s, version.message_id)
    form = VersionForm(data=prefill(version) if request.method == "GET" else None)
    if request.method == "GET" and content.edits_in_place(version, current_user):
        form.change_note.data = version.change_note  # saving changes this very draft: its note stays, to be corrected
    number = version.number
    posted = run_form(form, lambda s: content.edit(s, actor=current_user, version=version, data=form.to_data()))
    if posted.done:
        saved = posted.result
        if saved.id == version_id:
            flash(_("Draft version %(n)d saved.", n=saved.number), "info")
        else:
            flash(_("Version %(old)d cannot change, so your edit was saved as a new draft: version %(n)d.",
                    old=number, n=saved.number), "info")
        return redirect(url_for("content.version_edit", version_id=saved.id))
    return render_editor(message=message, version=version, form=form, status=posted.status)


def render_editor(*, message, version, form, status: int):
    """The editor page; for a saved version, with its policy check."""
    s = db.session()
    violations = [v.as_dict() for v in workflow.policy_violations(s, version)] if version is not None else []
    in_place = version is not None and version.state == "draft" and version.author_id == current_user.id
    return render_template(
        "content/editor.html", message=message, campaign=content.campaign_of(s, message), version=version,
        form=form, in_place=in_place, violations=violations, sms=count_sms(form.sms_text.data or ""),
        latest=content.latest_version(s, message),
    ), status


def prefill(version) -> dict | None:
    """Editor fields taken from a version (the change note starts empty)."""
    if version is None:
        return None
    data = {k: getattr(version, k) for k in ("title", "body", "sms_text", "go_live_at", "expires_at")}
    data["correction"] = version.correction and version.state == "draft"  # a new version is a correction only if marked anew
    return data


# Helpers ---------------------------------------------------------------------------------------------

def compare_form(versions, args=None) -> CompareForm:
    """The pick-two-versions form, defaulting to the two newest."""
    form = CompareForm(args)
    choices = [(v.id, _("Version %(n)d (%(state)s)", n=v.number, state=STATE_LABELS.get(v.state, v.state))) for v in versions]
    form.a.choices = form.b.choices = choices
    if args is None and len(versions) >= 2:
        form.a.data, form.b.data = versions[1].id, versions[0].id
    return form


def history_rows(events, numbers: dict[str, int]) -> list[dict]:
    """Audit events as table rows: version number and the states before and after."""
    rows = []
    for event in events:
        before, after = _loads(event.before), _loads(event.after)
        rows.append({"event": event, "number": numbers.get(event.subject_id),
                     "from": before.get("state"), "to": after.get("state")})
    return rows


def _loads(value: str | None) -> dict:
    try:
        loaded = json.loads(value) if value else {}
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def mark_violations(text: str | None, violations: list[dict], field: str) -> Markup:
    """The field's text, escaped, with each violation's span marked."""
    text = text or ""
    spans = sorted(
        (v["start"], v["end"]) for v in violations
        if v.get("field") == field and v.get("start") is not None and v.get("end") is not None
    )
    parts, pos = [], 0
    for start, end in spans:
        start, end = max(start, pos), min(end, len(text))
        if start >= end:
            continue  # overlaps a span already marked
        parts.append(escape(text[pos:start]))
        parts.append(Markup('<mark class="violation">{}</mark>').format(text[start:end]))
        pos = end
    parts.append(escape(text[pos:]))
    return Markup("").join(parts)


def officer_overview() -> dict:
    """What the dashboard shows: campaigns with counts by state, and the review queue's length."""
    s = db.session()
    counts = content.state_counts(s)
    waiting = len(workflow.review_queue(s, user=current_user)) if permissions.can(current_user, "version.approve") else None
    return {"campaigns": [(c, counts.get(c.id, {})) for c in content.list_campaigns(s)], "waiting": waiting}


def init_app(app: Flask) -> None:
    """Register the content pages and the template helpers the content and version pages share."""
    app.add_template_filter(mark_violations, "mark_violations")
    app.add_template_global(officer_overview, "officer_overview")
    app.jinja_env.globals.update(STATE_LABELS=STATE_LABELS, KIND_LABELS=KIND_LABELS, CHANNEL_LABELS=CHANNEL_LABELS)
    app.register_blueprint(bp)
