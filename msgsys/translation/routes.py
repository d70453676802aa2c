"""Translators' pages: the work list, the side-by-side editor, review steps, the glossary and content catalogs (HTTP only)."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, Flask, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from werkzeug.utils import secure_filename

from msgsys import db, permissions
from msgsys.auth import service as users
from msgsys.content import service as content
from msgsys.content.diff import diff_text
from msgsys.errors import InvalidTransition, NotFound
from msgsys.form_posts import run_form
from msgsys.locales import LOCALES, chain, language_name, native_name
from msgsys.policy import review as policy_review
from msgsys.translation import readers
from msgsys.sms.encoding import count_sms
from msgsys.translation import catalog
from msgsys.translation import service as translations
from msgsys.translation.forms import (
    FIELD_LABELS, STATE_LABELS, STEP_LABELS, CatalogUploadForm, GlossaryForm, QueueFilterForm, StepForm, TranslationForm,
)
from msgsys.translation.models import FIELDS

bp = Blueprint("translation", __name__, url_prefix="/translate")


def _my_locales() -> list[str]:
    return [code for code in LOCALES if permissions.can(current_user, "translation.edit", locale=code)]


def translator_required(view):
    """View decorator: signed in, and a translator of at least one locale (403, audited, otherwise)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not _my_locales():
            permissions.require(current_user, "translation.edit", subject_type="translation")
        return view(*args, **kwargs)

    return wrapper


def _require_locale(locale: str, action: str = "translation.edit", **subject) -> None:
    permissions.require(current_user, action, locale=locale, **subject)


def _rows(s, campaign, locale: str) -> list[dict]:
    """Each message's source version to translate, with its translation (or none) into the locale."""
    rows = []
    for message, version in catalog.source_versions(s, campaign):
        translation = translations.find(s, version, locale)
        rows.append({"message": message, "version": version, "translation": translation,
                     "state": translation.state if translation else "untranslated"})
    return rows


def _worklist(s, locale: str, state: str) -> dict:
    """One locale's section of the list: every campaign translated into it, rows filtered by state."""
    campaigns, counts = [], dict.fromkeys(STATE_LABELS, 0)
    for campaign in content.list_campaigns(s):
        if locale not in campaign.target_list or locale == campaign.source_locale:
            continue
        rows = _rows(s, campaign, locale)
        for row in rows:
            counts[row["state"]] = counts.get(row["state"], 0) + 1
        campaigns.append({"campaign": campaign, "total": len(rows), "rows": [r for r in rows if not state or r["state"] == state]})
    return {"locale": locale, "campaigns": campaigns, "counts": counts}


@bp.get("/")
@translator_required
def index():
    """For each locale the translator holds: what there is to translate or review, by campaign."""
    form = QueueFilterForm(request.args)
    state = (form.state.data or "") if form.validate() else ""
    s = db.session()
    sections = [_worklist(s, locale, state) for locale in _my_locales()]
    rules_to_review = sum(1 for r in policy_review.pending_rules(s) if policy_review.refusal(current_user, r) is None)
    return render_template("translation/index.html", form=form, state=state, sections=sections, rules_to_review=rules_to_review,
                           upload_form=CatalogUploadForm(formdata=None))


# The editor ------------------------------------------------------------------------------------

@bp.route("/<id:version_id>/<locale>", methods=["GET", "POST"])
@translator_required
def editor(version_id: int, locale: str):
    """Source and translation side by side; saving writes a new revision and sends the translation back to draft."""
    _require_locale(locale, subject_type="version", subject_id=version_id)
    version = content.get_version(db.session(), version_id)
    if request.method == "GET":
        return render_editor(version, locale)
    form = TranslationForm()

    def save(s):
        translation = translations.find(s, version, locale) or translations.start(s, actor=current_user, version=version, locale=locale)
        return translations.save(s, actor=current_user, translation=translation, data=form.to_data())

    posted = run_form(form, save)
    if not posted.done:
        return render_editor(version, locale, form=form, status=posted.status)
    flash(_("Saved as revision %(n)d, a draft.", n=posted.result.number), "info")
    return redirect(url_for("translation.editor", version_id=version.id, locale=locale))


@bp.post("/t/<id:translation_id>/<step>")
@translator_required
def take_step(translation_id: int, step: str):
    """Submit, approve or request changes; on refusal the editor again, with the reason, and nothing changed."""
    translation = translations.get(db.session(), translation_id)
    locale = translation.locale
    _require_locale(locale, subject_type="translation", subject_id=translation.id)
    version = content.get_version(db.session(), translation.version_id)
    form = StepForm()
    posted = run_form(form, lambda s: translations.transition(
        s, actor=current_user, translation=translation, name=step, reason=form.reason.data or "",
        confirm_required_statement=bool(form.confirm_required_statement.data)))
    if not posted.done:
        return render_editor(version, locale, failed=step, failed_form=form, violations=posted.violations, status=posted.status)
    flash(_("The translation is now: %(state)s.", state=STATE_LABELS.get(translation.state, translation.state)), "info")
    return redirect(url_for("translation.editor", version_id=version.id, locale=locale))


def render_editor(version, locale: str, *, form: TranslationForm | None = None, status: int = 200, failed: str | None = None,
                  failed_form: StepForm | None = None, violations: list | None = None, glossary_form: GlossaryForm | None = None):
    """The editor page; after a refusal, with the error shown where it happened."""
    s = db.session()
    message = content.get_message(s, version.message_id)
    campaign = content.campaign_of(s, message)
    if locale not in campaign.target_list or locale == campaign.source_locale:
        raise NotFound(_("This campaign is not translated into %(language)s.", language=language_name(locale)))
    translation = translations.find(s, version, locale)
    if translation is None and version.state not in translations.TRANSLATABLE_STATES:
        raise InvalidTransition(_("Translation starts once the source version is approved."))
    rev = translations.revision(s, translation.current_revision_id) if translation else None
    if form is None:  # not a refused save: show what is saved
        form = TranslationForm(formdata=None, data={f: getattr(rev, f) for f in FIELDS} if rev else {})
    fields = content.text_fields(message, version.sms_text, rev.sms_text if rev else "")
    previous = translations.previous_source(s, translation) if translation else None
    changes = [diff_text(f, getattr(previous, f), getattr(version, f)) for f in translations.source_changes(s, translation)] if previous else []
    author_id = rev.author_id if rev else None
    reference_locale = _reference_locale(campaign, locale)
    return render_template(
        "translation/editor.html", version=version, message=message, campaign=campaign, locale=locale,
        reference_locale=reference_locale, reference=_reference(s, version, reference_locale),
        translation=translation, rev=rev, fields=fields, form=form, changes=changes, previous=previous,
        sms=count_sms(form.sms_text.data or "", locale),
        source_sms=count_sms(version.sms_text, campaign.source_locale) if version.sms_text else None,
        checks=translations.check(s, translation) if rev else None,
        suggestions={f: translations.suggestions(s, locale=locale, field=f, source_text=getattr(version, f) or "") for f in fields},
        terms=translations.glossary(s, locale), glossary_form=glossary_form or GlossaryForm(formdata=None, version_id=version.id),
        revisions=translations.revisions(s, translation) if translation else [],
        approved=translations.revision(s, translation.approved_revision_id) if translation else None,
        readers_get=next((row.now for row in readers.status(s, message) if row.locale == locale), None),
        reviewer=users.get_user(s, translation.reviewed_by_id) if translation and translation.reviewed_by_id else None,
        steps=translations.steps_for(s, translation=translation, user=current_user) if translation else [],
        is_author=author_id is not None and author_id == current_user.id,
        confirm_statement=translations.statement_confirmation_needed(s, translation) if translation else False,
        failed=failed, failed_form=failed_form, violations=violations, step_form=StepForm(formdata=None),
    ), status


def _reference_locale(campaign, locale: str) -> str | None:
    """The language translators of `locale` work from beside the source: the next one in its readers' chain
    (Spanish for K'iche'), unless that is the source itself."""
    following = chain(locale)[1:2]
    return following[0] if following and following[0] != campaign.source_locale else None


def _reference(s, version, reference_locale: str | None) -> dict | None:
    """The approved translation of this same version into the reference language, if there is one."""
    if reference_locale is None:
        return None
    translation = translations.find(s, version, reference_locale)
    approved = translations.revision(s, translation.approved_revision_id) if translation else None
    return {"locale": reference_locale, "revision": approved} if approved else None


# The glossary -----------------------------------------------------------------------------------

@bp.route("/glossary/<locale>", methods=["GET", "POST"])
@translator_required
def glossary(locale: str):
    """A locale's glossary; add a term (from here or from the editor, which it returns to)."""
    _require_locale(locale, subject_type="glossary")
    form = GlossaryForm()
    back = int(form.version_id.data) if (form.version_id.data or "").isdigit() else None
    posted = run_form(form, lambda s: translations.add_term(
        s, actor=current_user, locale=locale, source_term=form.source_term.data,
        required_translation=form.required_translation.data, note=form.note.data or ""))
    if posted.done:
        flash(_("Glossary term %(term)s added.", term=posted.result.source_term), "info")
        if back:
            return redirect(url_for("translation.editor", version_id=back, locale=locale) + "#glossary-heading")
        return redirect(url_for("translation.glossary", locale=locale))
    if back and request.method == "POST":
        return render_editor(content.get_version(db.session(), back), locale, glossary_form=form, status=posted.status)
    return render_template("translation/glossary.html", locale=locale, terms=translations.glossary(db.session(), locale),
                           form=form), posted.status


# Content catalogs -------------------------------------------------------------------------------

@bp.get("/catalog/<slug>/<locale>.po")
@translator_required
def catalog_download(slug: str, locale: str):
    """The campaign's content catalog for one locale, to translate offline (Poedit, Weblate)."""
    _require_locale(locale, subject_type="campaign")
    s = db.session()
    campaign = content.get_campaign(s, slug)
    data = catalog.export_catalog(s, campaign=campaign, locale=locale)
    filename = secure_filename(f"{campaign.slug}-{locale}.po") or "catalog.po"
    return Response(data, headers={
        "Content-Type": "text/x-gettext-translation; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{filename}"',
    })


@bp.route("/catalog/<slug>/<locale>", methods=["GET", "POST"])
@translator_required
def catalog_upload(slug: str, locale: str):
    """Upload a translated catalog: applied whole, for review, or refused whole with every problem and its line."""
    _require_locale(locale, action="catalog.import", subject_type="campaign")
    campaign = content.get_campaign(db.session(), slug)
    if locale not in campaign.target_list or locale == campaign.source_locale:
        raise NotFound(_("This campaign is not translated into %(language)s.", language=language_name(locale)))
    form = CatalogUploadForm()

    def upload(s):
        filename = secure_filename(form.file.data.filename or "") or "catalog.po"
        data = form.file.data.read(catalog.MAX_IMPORT_BYTES + 1)  # one byte more, so the service sees it is too large
        return catalog.import_catalog(s, data=data, actor=current_user, origin=f"upload:{filename}",
                                      expect_campaign=campaign.slug, expect_locale=locale)

    posted = run_form(form, upload)
    if posted.done:
        _flash_report(posted.result)
        return redirect(url_for("translation.catalog_upload", slug=campaign.slug, locale=locale))
    return render_template("translation/catalog.html", campaign=campaign, locale=locale, form=form, problems=posted.detail("problems"),
                           rows=_rows(db.session(), campaign, locale)), posted.status


def _flash_report(report: catalog.ImportReport) -> None:
    applied = len(report.applied)
    if applied:
        flash(ngettext("%(num)d message imported; it now waits for review by another translator.",
                       "%(num)d messages imported; they now wait for review by another translator.", applied), "info")
    else:
        flash(_("Nothing new in this catalog: no translation changed."), "info")
    if report.skipped_fuzzy:
        flash(ngettext("%(num)d fuzzy entry was left out; confirm it in your tool or in the editor.",
                       "%(num)d fuzzy entries were left out; confirm them in your tool or in the editor.", report.skipped_fuzzy), "info")


def init_app(app: Flask) -> None:
    """Register the translators' pages and the labels their templates use."""
    app.jinja_env.globals.update(TRANSLATION_STATE_LABELS=STATE_LABELS, TRANSLATION_FIELD_LABELS=FIELD_LABELS,
                                 TRANSLATION_STEP_LABELS=STEP_LABELS, native_name=native_name)
    app.register_blueprint(bp)

