"""The OpenAPI 3.1 description of /api/v1, built from the same pydantic models the views use."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from msgsys.converters import MAX_ID
from msgsys.api import schemas as S
from msgsys.locales import LOCALES

REF = "#/components/schemas/{model}"

# Every code an API error can carry, with its status. The first eight come from msgsys.errors;
# the last three are HTTP-level refusals that use the same envelope.
ERROR_CODES: dict[str, tuple[int, str]] = {
    "unauthorized": (401, "No valid bearer token: missing, unknown, revoked, or its account is deactivated."),
    "permission_denied": (403, "Your roles do not allow this, or four eyes forbids it (your own work)."),
    "not_found": (404, "No such campaign, message, version, translation, locale or path."),
    "conflict": (409, "Clashes with existing data, e.g. a slug or key already taken."),
    "invalid_transition": (409, "The workflow does not allow this step from the version's current state."),
    "validation_error": (422, "The body is not a JSON object of the documented shape, or a value does not fit; nothing changed."),
    "policy_violation": (422, "The text breaks a blocking advisory-policy rule (or, for a translation, a blocking check); details.violations lists each breach."),
    "busy": (503, "The database stayed busy with other writes past its wait; nothing was changed. Try again after the seconds in Retry-After."),
    "method_not_allowed": (405, "This path does not take this HTTP method."),
    "request_entity_too_large": (413, "The body is larger than 2 MiB."),
    "internal_server_error": (500, "Something broke on our side; nothing was changed."),
}


@dataclass(frozen=True)
class Op:
    """One documented operation."""

    method: str
    path: str  # relative to the server URL, Flask-style placeholders
    summary: str
    response: type[BaseModel] | None
    status: int = 200
    body: type[BaseModel] | None = None
    body_required: bool = True
    errors: tuple[str, ...] = ()
    public: bool = False
    tag: str = "versions"
    violations: str = "PolicyViolation"  # the error schema of its policy_violation (translations list check issues)


_READ = ("permission_denied",)
_STEP = ("permission_denied", "not_found", "invalid_transition", "validation_error")
_TRANSLATION = "/versions/<version_id>/translations/<locale>"

OPERATIONS: tuple[Op, ...] = (
    Op("get", "/openapi.json", "This OpenAPI document", None, public=True, tag="meta"),
    Op("get", "/me", "The account the token acts as", S.Me, tag="meta"),
    Op("post", "/campaigns", "Create a campaign (authors)", S.Campaign, 201, S.CampaignCreate,
       errors=("permission_denied", "validation_error", "conflict"), tag="campaigns"),
    Op("get", "/campaigns", "All campaigns, newest first", S.CampaignList, errors=_READ, tag="campaigns"),
    Op("get", "/campaigns/<slug>", "One campaign with its messages and their latest and published versions",
       S.CampaignDetail, errors=(*_READ, "not_found"), tag="campaigns"),
    Op("post", "/campaigns/<slug>/messages", "Add a message to a campaign (authors)", S.Message, 201, S.MessageCreate,
       errors=("permission_denied", "not_found", "validation_error", "conflict"), tag="messages"),
    Op("post", "/messages/<message_id>/versions", "A new draft version of a message (authors)", S.VersionDetail, 201,
       S.VersionCreate, errors=("permission_denied", "not_found", "validation_error"), tag="messages"),
    Op("get", "/messages/<message_id>/versions", "A message's versions, newest first", S.VersionList,
       errors=(*_READ, "not_found"), tag="messages"),
    Op("get", "/versions/<version_id>", "One version with its policy report and the steps open to the caller",
       S.VersionDetail, errors=(*_READ, "not_found")),
    Op("get", "/versions/<version_id>/diff/<other_id>",
       "Word-level changes from this version (`from`) to the other (`to`) in title, body and SMS text",
       S.VersionDiff, errors=(*_READ, "not_found")),
    Op("post", "/versions/<version_id>/submit", "Submit one's own draft for review; the advisory policy must hold",
       S.VersionDetail, body=S.TransitionRequest, body_required=False, errors=(*_STEP, "policy_violation")),
    Op("post", "/versions/<version_id>/approve",
       "Approve a version in review (approvers, never their own); publishes now unless go_live_at is later",
       S.VersionDetail, body=S.TransitionRequest, body_required=False, errors=(*_STEP, "policy_violation")),
    Op("post", "/versions/<version_id>/request-changes",
       "Send a version in review back to its author (approvers, never their own); `reason` is required",
       S.VersionDetail, body=S.TransitionRequest, errors=_STEP),
    Op("post", "/versions/<version_id>/retire", "Retire an approved or published version (approvers); `reason` is required",
       S.VersionDetail, body=S.TransitionRequest, errors=_STEP),
    Op("get", _TRANSLATION, "A version's translation into a locale: state, current and approved revision, checks, steps open to the caller",
       S.TranslationDetail, errors=(*_READ, "not_found"), tag="translations"),
    Op("put", _TRANSLATION,
       "Start the translation if need be and save the whole text as a new revision, back in draft (translators of the locale); "
       "the source version must be approved and the locale one of its campaign's targets",
       S.TranslationDetail, body=S.TranslationSave, errors=_STEP, tag="translations"),
    Op("post", _TRANSLATION + "/submit", "Submit one's own draft translation for review; blocking checks must pass",
       S.TranslationDetail, body=S.TransitionRequest, body_required=False, errors=(*_STEP, "policy_violation"),
       tag="translations", violations="TranslationPolicyViolation"),
    Op("post", _TRANSLATION + "/approve",
       "Approve a translation in review (another translator of the locale, never the author); recipients get it from now on. "
       "A K'iche' advisory also needs `confirm_required_statement: true` until an approved K'iche' required-statement rule checks it",
       S.TranslationDetail, body=S.TranslationApproval, body_required=False, errors=(*_STEP, "policy_violation"),
       tag="translations", violations="TranslationPolicyViolation"),
    Op("post", _TRANSLATION + "/request-changes",
       "Send a translation in review back (another translator of the locale, never the author); `reason` is required",
       S.TranslationDetail, body=S.TransitionRequest, errors=_STEP, tag="translations"),
)

_PLACEHOLDER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def openapi_path(flask_path: str) -> str:
    """`/versions/<int:version_id>` -> `/versions/{version_id}`."""
    return _PLACEHOLDER.sub(r"{\1}", flask_path)


def _error_schemas() -> dict:
    envelope = lambda code, details: {  # noqa: E731
        "type": "object", "required": ["error"], "additionalProperties": False,
        "properties": {"error": {
            "type": "object", "required": ["code", "message"], "additionalProperties": False,
            "properties": {"code": code, "message": {"type": "string", "description": "For people, in the request's language."},
                           "details": details},
        }},
    }
    return {
        "ErrorCode": {
            "description": "Stable, machine-readable error codes.",
            "oneOf": [{"const": code, "description": f"HTTP {status}. {text}"} for code, (status, text) in ERROR_CODES.items()],
        },
        "Error": envelope({"$ref": REF.format(model="ErrorCode")}, {"description": "More about the error; its shape depends on the code."}),
        "ValidationError": envelope({"const": "validation_error"}, {
            "type": "object", "properties": {
                "field": {"type": "string", "description": "The first field at fault (dotted for nested items; `body` for the body itself)."},
                "errors": {"type": "array", "items": {"type": "object", "properties": {
                    "field": {"type": "string"}, "type": {"type": "string"}, "message": {"type": "string"}}}},
            },
        }),
        "PolicyViolation": envelope({"const": "policy_violation"}, {
            "type": "object", "required": ["violations"], "properties": {
                "violations": {"type": "array", "items": {"$ref": REF.format(model="PolicyViolationItem")}}},
        }),
        "TranslationPolicyViolation": envelope({"const": "policy_violation"}, {
            "type": "object", "required": ["violations"], "properties": {
                "violations": {"type": "array", "description": "Every issue found, blocking or not.",
                               "items": {"$ref": REF.format(model="TranslationIssue")}}},
        }),
    }


def _error_response(codes: list[str], violations: str = "PolicyViolation") -> dict:
    described = "\n".join(f"- `{c}`: {ERROR_CODES[c][1]}" for c in codes)
    if codes == ["validation_error"]:
        schema = {"$ref": REF.format(model="ValidationError")}
    elif set(codes) == {"validation_error", "policy_violation"}:
        schema = {"oneOf": [{"$ref": REF.format(model="ValidationError")}, {"$ref": REF.format(model=violations)}]}
    else:
        schema = {"$ref": REF.format(model="Error")}
    return {"description": described, "content": {"application/json": {"schema": schema}}}


def _parameters(path: str) -> list[dict]:
    params = []
    for name in _PLACEHOLDER.findall(path):
        if name == "slug":
            schema = {"type": "string", "pattern": S.SLUG_PATTERN}
        elif name == "locale":
            schema = {"type": "string", "enum": list(LOCALES), "description": "A locale msgsys speaks; any other is not_found."}
        else:
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _operation(op: Op, refs: dict) -> dict:
    doc: dict = {"operationId": _operation_id(op), "summary": op.summary, "tags": [op.tag]}
    if _PLACEHOLDER.search(op.path):
        doc["parameters"] = _parameters(op.path)
    if op.body is not None:
        doc["requestBody"] = {"required": op.body_required, "content": {"application/json": {"schema": refs[(op.body, "validation")]}}}
    if op.response is None:
        schema = {"type": "object", "description": "An OpenAPI 3.1 document."}
    else:
        schema = refs[(op.response, "serialization")]
    responses = {str(op.status): {"description": "Success.", "content": {"application/json": {"schema": schema}}}}
    codes = ([] if op.public else ["unauthorized"]) + list(op.errors)
    by_status: dict[int, list[str]] = {}
    for code in codes:
        by_status.setdefault(ERROR_CODES[code][0], []).append(code)
    for status, group in sorted(by_status.items()):
        responses[str(status)] = _error_response(group, op.violations)
    doc["responses"] = responses
    if op.public:
        doc["security"] = []
    return doc


def _operation_id(op: Op) -> str:
    words = [w for w in re.split(r"[^a-z]+", openapi_path(op.path).replace("{", "by_").lower()) if w]
    return "_".join([op.method, *words])


@lru_cache(maxsize=1)
def document() -> dict:
    """The whole document (built once per process; it depends only on code)."""
    models = {(op.body, "validation") for op in OPERATIONS if op.body} | {(op.response, "serialization") for op in OPERATIONS if op.response}
    refs, defs = models_json_schema(sorted(models, key=lambda m: (m[0].__name__, m[1])), ref_template=REF)
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(openapi_path(op.path), {})[op.method] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "msgsys API",
            "version": "1.0.0",
            "description": (
                "Campaigns, messages, their versioned, reviewed texts and those texts' reviewed translations. Authenticate with "
                "`Authorization: Bearer <token>`. Request bodies are strict JSON objects: unknown fields and "
                "wrong types are refused with `validation_error`, and a refused request changes nothing. "
                "Times are ISO 8601 in UTC."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API token from the account page or `msgsys users token EMAIL`."}},
            "schemas": {**defs.get("$defs", {}), **_error_schemas()},
        },
    }
