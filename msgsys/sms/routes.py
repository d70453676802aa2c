"""The SMS admin pages under /admin/sms: subscribers and their history, erasure, keywords per language (and their
approval by a translator where the language needs it), inbound messages and the sandbox outbox.

Numbers are personal data: only those who manage subscribers (admins) see them whole; other officers see them masked.
"""
from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from msgsys import db, permissions
from msgsys.admin.routes import KEYWORD_ACTION_LABELS
from msgsys.auth.forms import ConfirmForm
from msgsys.errors import ValidationError
from msgsys.form_posts import run_form
from msgsys.locales import LOCALES, language_name
from msgsys.permissions import requires
from msgsys.policy.review import APPROVAL_LOCALES
from msgsys.sms import keywords as sms_keywords
from msgsys.sms import service
from msgsys.sms.clients.sandbox import outbox_page
from msgsys.sms.encoding import count_sms
from msgsys.sms.models import SUBSCRIBER_STATES
from msgsys.sms.forms import (
    CHANGE_LABELS, CONSENT_SOURCE_LABELS, KEYWORD_STATUS_LABELS, STATE_LABELS, EraseForm, KeywordForm, SubscriberSearchForm,
)

bp = Blueprint("sms", __name__, url_prefix="/admin/sms")
PER_PAGE = 50


def _page() -> int:
    return min(max(request.args.get("page", 1, type=int) or 1, 1), 100_000)  # a huge page number is just past the end


def _shows_numbers() -> bool:
    return permissions.can(current_user, "subscriber.manage")


@bp.context_processor
def _labels():
    return {"SUBSCRIBER_STATE_LABELS": STATE_LABELS, "SUBSCRIBER_STATES": SUBSCRIBER_STATES,
            "CONSENT_SOURCE_LABELS": CONSENT_SOURCE_LABELS, "CHANGE_LABELS": CHANGE_LABELS,
            "KEYWORD_STATUS_LABELS": KEYWORD_STATUS_LABELS, "KEYWORD_ACTION_LABELS": KEYWORD_ACTION_LABELS,
            "mask_number": service.mask_number, "may_approve_keywords": _may_approve_keywords, "country_name": _country_name}


def _country_name(code: str) -> str:
    """A country's name in the interface's language (Babel's CLDR data), else its ISO code."""
    from flask_babel import get_locale

    locale = get_locale()
    return (locale.territories.get(code) if locale is not None and code else None) or code or "—"


# --- subscribers -----------------------------------------------------------------------------------

@bp.get("/subscribers")
@requires("subscriber.manage")
def subscribers():
    """Subscribers, found by number (any way of writing it) or state, paged; counts per language and country."""
    form = SubscriberSearchForm(request.args)
    form.validate()
    page, s = _page(), db.session()
    try:
        rows, total = service.search_subscribers(s, number=form.number.data or "", state=form.state.data or "", page=page,
                                                 per_page=PER_PAGE)
    except ValidationError as exc:
        field = exc.details.get("field") if isinstance(exc.details, dict) else None
        form["number" if field == "phone" else "state"].errors = [exc.message]
        rows, total = [], 0
    counts = service.subscriber_counts(s)
    by_language = [(language_name(code) if code in LOCALES else code, states) for code, states in sorted(counts.by_locale.items())]
    by_country = sorted(((_country_name(code), states) for code, states in counts.by_country.items()), key=lambda r: r[0])
    return render_template("sms/subscribers.html", form=form, rows=rows, total=total, page=page, per_page=PER_PAGE,
                           by_language=by_language, by_country=by_country), (422 if form.errors else 200)


@bp.get("/subscribers/<id:subscriber_id>")
@requires("subscriber.manage")
def subscriber_detail(subscriber_id: int):
    """One subscriber: their consent, their history and the erase action."""
    return _detail_page(subscriber_id, EraseForm(formdata=None))


@bp.post("/subscribers/<id:subscriber_id>/erase")
@requires("subscriber.manage")
def subscriber_erase(subscriber_id: int):
    """Erase the number and messages of a person who asked for it; the row, its counts and history stay; audited."""
    service.get_subscriber(db.session(), subscriber_id)  # an unknown subscriber is a 404 before anything else
    form = EraseForm()
    posted = run_form(form, lambda s: service.erase_on_request(s, subscriber_id=subscriber_id, actor=current_user))
    if not posted.done:
        return _detail_page(subscriber_id, form, posted.status)
    flash(_("The number and messages of subscriber %(id)s are erased.", id=subscriber_id), "info")
    return redirect(url_for("sms.subscriber_detail", subscriber_id=subscriber_id))


def _detail_page(subscriber_id: int, form: EraseForm, status: int = 200):
    s = db.session()
    sub = service.get_subscriber(s, subscriber_id)
    return render_template("sms/subscriber.html", sub=sub, history=service.subscriber_history(s, subscriber_id),
                           form=form), status


# --- keywords --------------------------------------------------------------------------------------

def _may_approve_keywords() -> bool:
    return any(permissions.can(current_user, "keyword.approve", locale=code) for code in sorted(APPROVAL_LOCALES))


def _require_keyword_page() -> None:
    """Admins manage keywords; a translator of a language whose keywords need approval comes to approve them."""
    if not (permissions.can(current_user, "keyword.manage") or _may_approve_keywords()):
        permissions.require(current_user, "keyword.manage", subject_type="keyword")


@bp.get("/keywords")
@requires("officer.view")
def keyword_list():
    """Keywords per language; the form to add one (admins); the approval of waiting ones (their translators)."""
    _require_keyword_page()
    return _keywords_page(KeywordForm(formdata=None, action_labels=KEYWORD_ACTION_LABELS))


@bp.post("/keywords")
@requires("keyword.manage")
def keyword_add():
    """Add a keyword; one in a language that needs a translator's approval waits for it."""
    form = KeywordForm(action_labels=KEYWORD_ACTION_LABELS)
    posted = run_form(form, lambda s: sms_keywords.add_keyword(
        s, locale=form.locale.data, word=form.word.data, action=form.action.data, target_locale=form.target_locale.data or "",
        actor=current_user))
    if not posted.done:
        return _keywords_page(form, posted.status)
    keyword = posted.result
    if keyword.status == "pending":
        flash(_("%(word)s is added. It does nothing until a translator of %(language)s approves it.", word=keyword.word,
                language=language_name(keyword.locale)), "info")
    else:
        flash(_("%(word)s is added and in force.", word=keyword.word), "info")
    return redirect(url_for("sms.keyword_list", _anchor=f"kw-{keyword.locale}"))


@bp.post("/keywords/<id:keyword_id>/approve")
@requires("officer.view")
def keyword_approve(keyword_id: int):
    """Approve a waiting keyword (a translator of its language who did not add it); refused with the reason."""
    form = ConfirmForm()
    posted = run_form(form, lambda s: sms_keywords.approve_keyword(s, keyword_id=keyword_id, actor=current_user))
    if not posted.done:
        if posted.refusal is not None and posted.refusal.status in (403, 404):
            raise posted.refusal
        return _keywords_page(KeywordForm(formdata=None, action_labels=KEYWORD_ACTION_LABELS), posted.status, approve_form=form)
    flash(_("%(word)s is approved and now in force.", word=posted.result.word), "info")
    return redirect(url_for("sms.keyword_list", _anchor=f"kw-{posted.result.locale}"))


def _keywords_page(form: KeywordForm, status: int = 200, approve_form: ConfirmForm | None = None):
    s = db.session()
    by_locale = {code: sms_keywords.keywords_of(s, code) for code in LOCALES}
    return render_template("sms/keywords.html", form=form, by_locale=by_locale, approve_form=approve_form,
                           confirm=ConfirmForm(formdata=None), approval_locales=APPROVAL_LOCALES), status


# --- inbound messages and the sandbox outbox -----------------------------------------------------

@bp.get("/inbound")
@requires("officer.view")
def inbound():
    """What numbers texted us, newest first; the number whole only for those who manage subscribers."""
    page = _page()
    rows, total = service.inbound_page(db.session(), page=page, per_page=PER_PAGE)
    return render_template("sms/inbound.html", rows=rows, total=total, page=page, per_page=PER_PAGE,
                           show_numbers=_shows_numbers())


@bp.get("/outbox")
@requires("sandbox.view")
def outbox():
    """What the sandbox backend "sent", newest first, as a phone shows it: folded text, encoding, segments."""
    page = _page()
    rows, total = outbox_page(db.session(), page=page, per_page=PER_PAGE)
    shown = [(row, count_sms(row.body)) for row in rows]
    return render_template("sms/outbox.html", rows=shown, total=total, page=page, per_page=PER_PAGE,
                           show_numbers=_shows_numbers())


def init_app(app: Flask) -> None:
    """Register the SMS admin pages, and the limits of the public subscribe form (msgsys.sms.public_routes)."""
    from msgsys.sms import public_routes

    app.register_blueprint(bp)
    public_routes.init_app(app)
