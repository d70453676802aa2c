"""The JSON API under /api/v1: validate, call a service, serialise. Each view declares what it takes and answers."""
from __future__ import annotations

from flask import Flask, current_app

from msgsys import db
from msgsys.api import schemas
from msgsys.api import translation_routes  # noqa: F401  (its views join the blueprint)
from msgsys.api.auth import api_user
from msgsys.api.common import bp, may_read
from msgsys.api.openapi import document
from msgsys.api.operations import operation
from msgsys.content import diff as content_diff
from msgsys.content import service as content
from msgsys.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, PolicyViolation, ValidationError
from msgsys.workflow import service as workflow

READ = (PermissionDenied, NotFound)
STEP = (PermissionDenied, NotFound, InvalidTransition, ValidationError)


def _version_detail(s, version) -> schemas.VersionDetail:
    return schemas.VersionDetail.of_parts(
        version,
        violations=workflow.policy_violations(s, version),
        transitions=workflow.steps_for(s, version=version, user=api_user()),
    )


@bp.get("/openapi.json")
@operation(responses={200: schemas.OpenApiDocument}, public=True, tag="meta")
def openapi():
    """This OpenAPI 3.1 document (no token needed)."""
    return document(current_app)


@bp.get("/me")
@operation(responses={200: schemas.Me}, tag="meta")
def me():
    """The account the token acts as."""
    user = api_user()
    return schemas.Me(id=user.id, email=user.email, roles=sorted(user.role_set), locales=sorted(user.locale_set))


# Campaigns and messages --------------------------------------------------------------------

@bp.post("/campaigns")
@operation(responses={201: schemas.Campaign}, errors=(PermissionDenied, ValidationError, Conflict), tag="campaigns")
def create_campaign(body: schemas.CampaignCreate):
    """Create a campaign (authors)."""
    with db.transaction() as s:
        campaign = content.create_campaign(s, actor=api_user(), data=body.model_dump(exclude_unset=True))
    return schemas.Campaign.of(campaign)


@bp.get("/campaigns")
@operation(responses={200: schemas.CampaignList}, errors=(PermissionDenied,), tag="campaigns")
def list_campaigns():
    """All campaigns, newest first."""
    may_read()
    campaigns = content.list_campaigns(db.session())
    return schemas.CampaignList(campaigns=[schemas.Campaign.of(c) for c in campaigns])


@bp.get("/campaigns/<slug>")
@operation(responses={200: schemas.CampaignDetail}, errors=READ, tag="campaigns")
def get_campaign(slug: schemas.Slug):
    """One campaign with its messages and their latest and published versions."""
    may_read()
    s = db.session()
    campaign = content.get_campaign(s, slug)
    messages = [schemas.Message.of(r.message, r.latest, r.published) for r in content.message_rows(s, campaign)]
    return schemas.CampaignDetail(**schemas.Campaign.of(campaign).model_dump(), messages=messages)


@bp.post("/campaigns/<slug>/messages")
@operation(responses={201: schemas.Message}, errors=(PermissionDenied, NotFound, ValidationError, Conflict), tag="messages")
def create_message(slug: schemas.Slug, body: schemas.MessageCreate):
    """Add a message to a campaign (authors)."""
    with db.transaction() as s:
        campaign = content.get_campaign(s, slug)
        message = content.create_message(s, actor=api_user(), campaign=campaign, data=body.model_dump(exclude_unset=True))
    return schemas.Message.of(message)


# Versions ----------------------------------------------------------------------------------

@bp.post("/messages/<id:message_id>/versions")
@operation(responses={201: schemas.VersionDetail}, errors=(PermissionDenied, NotFound, ValidationError), tag="messages")
def create_version(message_id: schemas.Id, body: schemas.VersionCreate):
    """A new draft version of a message (authors)."""
    with db.transaction() as s:
        message = content.get_message(s, message_id)
        version = content.new_version(s, actor=api_user(), message=message, data=body.model_dump(exclude_unset=True))
        return _version_detail(s, version)


@bp.get("/messages/<id:message_id>/versions")
@operation(responses={200: schemas.VersionList}, errors=READ, tag="messages")
def list_versions(message_id: schemas.Id):
    """A message's versions, newest first."""
    may_read()
    s = db.session()
    versions = content.versions_of(s, content.get_message(s, message_id))
    return schemas.VersionList(versions=[schemas.Version.of(v) for v in versions])


@bp.get("/versions/<id:version_id>")
@operation(responses={200: schemas.VersionDetail}, errors=READ, tag="versions")
def get_version(version_id: schemas.Id):
    """One version with its policy report and the steps open to the caller."""
    may_read()
    s = db.session()
    return _version_detail(s, content.get_version(s, version_id))


@bp.get("/versions/<id:version_id>/diff/<id:other_id>")
@operation(responses={200: schemas.VersionDiff}, errors=READ, tag="versions")
def diff_versions(version_id: schemas.Id, other_id: schemas.Id):
    """Word-level changes from this version (`from`) to the other (`to`) in title, body and SMS text."""
    may_read()
    s = db.session()
    old, new = content.get_version(s, version_id), content.get_version(s, other_id)
    return schemas.VersionDiff.of(old, new, content_diff.diff_versions(old, new))


def _step(version_id: int, name: str, body: schemas.TransitionRequest, **choice) -> schemas.VersionDetail:
    with db.transaction() as s:
        version = content.get_version(s, version_id)
        version = workflow.transition(s, actor=api_user(), version=version, name=name, reason=body.reason, **choice)
        return _version_detail(s, version)


@bp.post("/versions/<id:version_id>/submit")
@operation(responses={200: schemas.VersionDetail}, errors=(*STEP, PolicyViolation), tag="versions")
def submit_version(version_id: schemas.Id, body: schemas.TransitionRequest):
    """Submit one's own draft for review; the advisory policy must hold."""
    return _step(version_id, "submit", body)


@bp.post("/versions/<id:version_id>/approve")
@operation(responses={200: schemas.VersionDetail}, errors=(*STEP, PolicyViolation), tag="versions")
def approve_version(version_id: schemas.Id, body: schemas.VersionApproval):
    """Approve a version in review (approvers, never their own); it publishes when due (go_live_at), or with
    `publication: together` once every target language has an approved translation of it."""
    return _step(version_id, "approve", body, publication=body.publication, correction=body.correction)


@bp.post("/versions/<id:version_id>/publish-now")
@operation(responses={200: schemas.VersionDetail}, errors=STEP, tag="versions")
def publish_version_now(version_id: schemas.Id, body: schemas.TransitionRequest):
    """Publish a version held for its translations without waiting for them (approvers, never its writer)."""
    return _step(version_id, "publish_now", body)


@bp.post("/versions/<id:version_id>/request-changes")
@operation(responses={200: schemas.VersionDetail}, errors=STEP, tag="versions", body_required=True)
def request_changes(version_id: schemas.Id, body: schemas.TransitionRequest):
    """Send a version in review back to its author (approvers, never their own); `reason` is required."""
    return _step(version_id, "request_changes", body)


@bp.post("/versions/<id:version_id>/retire")
@operation(responses={200: schemas.VersionDetail}, errors=STEP, tag="versions", body_required=True)
def retire_version(version_id: schemas.Id, body: schemas.TransitionRequest):
    """Retire an approved or published version, taking it out of use (approvers); `reason` is required."""
    return _step(version_id, "retire", body)


def init_app(app: Flask, csrf) -> None:
    """Register the API; it authenticates by bearer token, so it is exempt from CSRF."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
