"""The JSON API under /api/v1: validate, call a service, serialise."""
from __future__ import annotations

from flask import Flask, jsonify

from msgsys import db
from msgsys.api import schemas
from msgsys.api import translation_routes  # noqa: F401  (its views join the blueprint)
from msgsys.api.auth import api_user
from msgsys.api.common import bp, may_read, ok
from msgsys.api.openapi import document as openapi_document
from msgsys.content import diff as content_diff
from msgsys.content import service as content
from msgsys.workflow import service as workflow

def _version_detail(s, version) -> schemas.VersionDetail:
    return schemas.VersionDetail.of_parts(
        version,
        violations=workflow.policy_violations(s, version),
        transitions=workflow.steps_for(s, version=version, user=api_user()),
    )


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API (no token needed)."""
    return jsonify(openapi_document())


@bp.get("/me")
def me():
    """Who this token acts as."""
    user = api_user()
    return ok(schemas.Me(id=user.id, email=user.email, roles=sorted(user.role_set), locales=sorted(user.locale_set)))


# Campaigns and messages --------------------------------------------------------------------

@bp.post("/campaigns")
def create_campaign():
    """Create a campaign."""
    data = schemas.parse(schemas.CampaignCreate)
    with db.transaction() as s:
        campaign = content.create_campaign(s, actor=api_user(), data=data.model_dump(exclude_unset=True))
    return ok(schemas.Campaign.of(campaign), 201)


@bp.get("/campaigns")
def list_campaigns():
    """All campaigns, newest first."""
    may_read()
    campaigns = content.list_campaigns(db.session())
    return ok(schemas.CampaignList(campaigns=[schemas.Campaign.of(c) for c in campaigns]))


@bp.get("/campaigns/<slug>")
def get_campaign(slug: str):
    """One campaign with its messages and their latest and published versions."""
    may_read()
    s = db.session()
    campaign = content.get_campaign(s, slug)
    messages = [schemas.Message.of(r.message, r.latest, r.published) for r in content.message_rows(s, campaign)]
    return ok(schemas.CampaignDetail(**schemas.Campaign.of(campaign).model_dump(), messages=messages))


@bp.post("/campaigns/<slug>/messages")
def create_message(slug: str):
    """Add a message to a campaign."""
    data = schemas.parse(schemas.MessageCreate)
    with db.transaction() as s:
        campaign = content.get_campaign(s, slug)
        message = content.create_message(s, actor=api_user(), campaign=campaign, data=data.model_dump(exclude_unset=True))
    return ok(schemas.Message.of(message), 201)


# Versions ----------------------------------------------------------------------------------

@bp.post("/messages/<id:message_id>/versions")
def create_version(message_id: int):
    """A new draft version of a message."""
    data = schemas.parse(schemas.VersionCreate)
    with db.transaction() as s:
        message = content.get_message(s, message_id)
        version = content.new_version(s, actor=api_user(), message=message, data=data.model_dump(exclude_unset=True))
        body = _version_detail(s, version)
    return ok(body, 201)


@bp.get("/messages/<id:message_id>/versions")
def list_versions(message_id: int):
    """A message's versions, newest first."""
    may_read()
    s = db.session()
    versions = content.versions_of(s, content.get_message(s, message_id))
    return ok(schemas.VersionList(versions=[schemas.Version.of(v) for v in versions]))


@bp.get("/versions/<id:version_id>")
def get_version(version_id: int):
    """One version, its policy report and the steps the caller may take."""
    may_read()
    s = db.session()
    return ok(_version_detail(s, content.get_version(s, version_id)))


@bp.get("/versions/<id:version_id>/diff/<id:other_id>")
def diff_versions(version_id: int, other_id: int):
    """Word-level changes from this version to the other one."""
    may_read()
    s = db.session()
    old, new = content.get_version(s, version_id), content.get_version(s, other_id)
    return ok(schemas.VersionDiff.of(old, new, content_diff.diff_versions(old, new)))


def _step(version_id: int, name: str):
    data = schemas.parse(schemas.TransitionRequest)
    with db.transaction() as s:
        version = content.get_version(s, version_id)
        version = workflow.transition(s, actor=api_user(), version=version, name=name, reason=data.reason)
        body = _version_detail(s, version)
    return ok(body)


@bp.post("/versions/<id:version_id>/submit")
def submit_version(version_id: int):
    """Send one's own draft for review (the policy must hold)."""
    return _step(version_id, "submit")


@bp.post("/versions/<id:version_id>/approve")
def approve_version(version_id: int):
    """Approve someone else's version in review; it publishes at once unless it has a later go-live."""
    return _step(version_id, "approve")


@bp.post("/versions/<id:version_id>/request-changes")
def request_changes(version_id: int):
    """Send someone else's version in review back, with a reason."""
    return _step(version_id, "request_changes")


@bp.post("/versions/<id:version_id>/retire")
def retire_version(version_id: int):
    """Take an approved or published version out of use, with a reason."""
    return _step(version_id, "retire")


def init_app(app: Flask, csrf) -> None:
    """Register the API; it authenticates by bearer token, so it is exempt from CSRF."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
