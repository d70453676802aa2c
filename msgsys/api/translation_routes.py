"""The JSON API for translations of source versions: read, write a revision, and the four-eyes review steps.

The views join the blueprint of msgsys.api.common, like msgsys.api.routes (which imports this module so they register).
"""
from __future__ import annotations

from flask_babel import gettext as _

from msgsys import db
from msgsys.api import schemas
from msgsys.api.auth import api_user
from msgsys.api.common import bp, may_read, ok
from msgsys.content import service as content
from msgsys.errors import NotFound
from msgsys.locales import LOCALES
from msgsys.translation import service as translations
from msgsys.workflow import transitions

PATH = "/versions/<id:version_id>/translations/<locale>"


def _known(locale: str) -> None:
    # A locale msgsys does not speak names nothing, like an id no row has.
    if locale not in LOCALES:
        raise NotFound(_("There is no locale %(locale)s (known: %(known)s).", locale=locale, known=", ".join(LOCALES)))


def _find(s, version_id: int, locale: str):
    version = content.get_version(s, version_id)
    translation = translations.find(s, version, locale)
    if translation is None:
        raise NotFound(_("Version %(id)d has no %(locale)s translation yet.", id=version.id, locale=locale),
                       details={"version_id": version.id, "locale": locale})
    return translation


def _detail(s, translation) -> schemas.TranslationDetail:
    current = translations.revision(s, translation.current_revision_id)
    approved = translations.revision(s, translation.approved_revision_id)
    steps = transitions.available(
        state=translation.state, user=api_user(), author_id=current.author_id if current else None,
        table=transitions.TRANSLATION_TRANSITIONS, locale=translation.locale,
    )
    issues = translations.check(s, translation, current).issues
    return schemas.TranslationDetail.of_parts(translation, current=current, approved=approved, issues=issues, transitions=steps,
                                              confirm_statement=translations.statement_confirmation_needed(s, translation))


@bp.get(PATH)
def get_translation(version_id: int, locale: str):
    """A version's translation into a locale: state, current and approved revision, checks, steps open to the caller."""
    may_read()
    _known(locale)
    s = db.session()
    return ok(_detail(s, _find(s, version_id, locale)))


@bp.put(PATH)
def save_translation(version_id: int, locale: str):
    """Start the translation if need be and save the whole text as a new revision (translators of the locale)."""
    _known(locale)
    data = schemas.parse(schemas.TranslationSave)
    with db.transaction() as s:
        version = content.get_version(s, version_id)
        translation = translations.start(s, actor=api_user(), version=version, locale=locale)
        translations.save(s, actor=api_user(), translation=translation, data=data.model_dump(), origin="api")
        body = _detail(s, translation)
    return ok(body)


def _step(version_id: int, locale: str, name: str, body: type[schemas.TransitionRequest] = schemas.TransitionRequest):
    _known(locale)
    data = schemas.parse(body)
    with db.transaction() as s:
        translation = _find(s, version_id, locale)
        translations.transition(s, actor=api_user(), translation=translation, name=name, reason=data.reason,
                                confirm_required_statement=getattr(data, "confirm_required_statement", False))
        body = _detail(s, translation)
    return ok(body)


@bp.post(PATH + "/submit")
def submit_translation(version_id: int, locale: str):
    """Send one's own draft translation for review; the checks must pass."""
    return _step(version_id, locale, "submit")


@bp.post(PATH + "/approve")
def approve_translation(version_id: int, locale: str):
    """Approve a translation in review (another translator of the locale); recipients get it from now on.

    A K'iche' advisory needs `confirm_required_statement: true` while no approved K'iche' rule checks the statement.
    """
    return _step(version_id, locale, "approve", schemas.TranslationApproval)


@bp.post(PATH + "/request-changes")
def request_translation_changes(version_id: int, locale: str):
    """Send a translation in review back, with a reason (another translator of the locale)."""
    return _step(version_id, locale, "request_changes")
