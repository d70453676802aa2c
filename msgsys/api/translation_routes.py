"""The JSON API for translations of source versions: read, write a revision, and the four-eyes review steps.

The views join the blueprint of msgsys.api.common, like msgsys.api.routes (which imports this module so they register).
"""
from __future__ import annotations

from flask_babel import gettext as _

from msgsys import db
from msgsys.api import schemas
from msgsys.api.auth import api_user
from msgsys.api.common import bp, may_read
from msgsys.api.operations import operation
from msgsys.content import service as content
from msgsys.errors import InvalidTransition, NotFound, PermissionDenied, PolicyViolation, ValidationError
from msgsys.locales import language_name
from msgsys.translation import service as translations

PATH = "/versions/<id:version_id>/translations/<locale>"
STEP = (PermissionDenied, NotFound, InvalidTransition, ValidationError)
# A translation's policy_violation lists the check issues, not rule breaches.
CHECKS = (PolicyViolation, schemas.TranslationPolicyViolationDetails)


def _find(s, version_id: int, locale: str):
    version = content.get_version(s, version_id)
    translation = translations.find(s, version, locale)
    if translation is None:
        raise NotFound(_("Version %(id)d has no %(language)s translation yet.", id=version.id, language=language_name(locale)),
                       details={"version_id": version.id, "locale": locale})
    return translation


def _detail(s, translation) -> schemas.TranslationDetail:
    current = translations.revision(s, translation.current_revision_id)
    approved = translations.revision(s, translation.approved_revision_id)
    steps = translations.steps_for(s, translation=translation, user=api_user())
    issues = translations.check(s, translation, current).issues
    return schemas.TranslationDetail.of_parts(translation, current=current, approved=approved, issues=issues, transitions=steps,
                                              confirm_statement=translations.statement_confirmation_needed(s, translation))


@bp.get(PATH)
@operation(responses={200: schemas.TranslationDetail}, errors=(PermissionDenied, NotFound), tag="translations")
def get_translation(version_id: schemas.Id, locale: schemas.PathLocale):
    """A version's translation into a locale: state, current and approved revision, checks, steps open to the caller."""
    may_read()
    s = db.session()
    return _detail(s, _find(s, version_id, locale))


@bp.put(PATH)
@operation(responses={200: schemas.TranslationDetail}, errors=STEP, tag="translations")
def save_translation(version_id: schemas.Id, locale: schemas.PathLocale, body: schemas.TranslationSave):
    """Start the translation if need be and save the whole text as a new revision, back in draft (translators of the locale).

    The source version must be approved and the locale one of its campaign's targets.
    """
    with db.transaction() as s:
        version = content.get_version(s, version_id)
        translation = translations.start(s, actor=api_user(), version=version, locale=locale)
        translations.save(s, actor=api_user(), translation=translation, data=body.model_dump(), origin="api")
        return _detail(s, translation)


def _step(version_id: int, locale: str, name: str, body: schemas.TransitionRequest) -> schemas.TranslationDetail:
    with db.transaction() as s:
        translation = _find(s, version_id, locale)
        translations.transition(s, actor=api_user(), translation=translation, name=name, reason=body.reason,
                                confirm_required_statement=getattr(body, "confirm_required_statement", False))
        return _detail(s, translation)


@bp.post(PATH + "/submit")
@operation(responses={200: schemas.TranslationDetail}, errors=(*STEP, CHECKS), tag="translations")
def submit_translation(version_id: schemas.Id, locale: schemas.PathLocale, body: schemas.TransitionRequest):
    """Submit one's own draft translation for review; blocking checks must pass."""
    return _step(version_id, locale, "submit", body)


@bp.post(PATH + "/approve")
@operation(responses={200: schemas.TranslationDetail}, errors=(*STEP, CHECKS), tag="translations")
def approve_translation(version_id: schemas.Id, locale: schemas.PathLocale, body: schemas.TranslationApproval):
    """Approve a translation in review (another translator of the locale, never the author); recipients get it from now on.
    A K'iche' advisory also needs `confirm_required_statement: true` until an approved K'iche' required-statement rule checks it.
    """
    return _step(version_id, locale, "approve", body)


@bp.post(PATH + "/request-changes")
@operation(responses={200: schemas.TranslationDetail}, errors=STEP, tag="translations", body_required=True)
def request_translation_changes(version_id: schemas.Id, locale: schemas.PathLocale, body: schemas.TransitionRequest):
    """Send a translation in review back (another translator of the locale, never the author); `reason` is required."""
    return _step(version_id, locale, "request_changes", body)
