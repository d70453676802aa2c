"""The OpenAPI 3.1 description of /api/v1, generated from what the views declare (msgsys.api.operations).

Paths and methods come from the app's URL map, parameters from the views' typed arguments, bodies and responses from
the pydantic models they declare, error codes and statuses from msgsys.errors (the one mapping from errors to
responses), the body-size limit from the app's MAX_CONTENT_LENGTH. Nothing here lists an endpoint by hand.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

from flask import Flask
from pydantic import TypeAdapter
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, RequestEntityTooLarge

from msgsys.api import operations, schemas
from msgsys.api.common import bp
from msgsys.errors import (Busy, Conflict, DomainError, InvalidTransition, NotFound, PermissionDenied, PolicyViolation,
                           Unauthorized, ValidationError, http_error_code)

REF = "#/components/schemas/{model}"
EXTENSION = "msgsys.openapi"

# What each error means to an API client; an error with no entry here is described by its class's docstring.
EXPLAINED: dict[type, str] = {
    Unauthorized: "No valid bearer token: missing, unknown, revoked, or its account is deactivated.",
    PermissionDenied: "Your roles do not allow this, or four eyes forbids it (your own work).",
    NotFound: "No such campaign, message, version, translation, locale or path.",
    Conflict: "Clashes with existing data, e.g. a slug or key already taken.",
    InvalidTransition: "The workflow does not allow this step from the current state.",
    ValidationError: "The body is not a JSON object of the documented shape, or a value does not fit; nothing changed.",
    PolicyViolation: "The text breaks a blocking advisory-policy rule (or, for a translation, a blocking check); "
                     "details.violations lists each breach.",
    Busy: "The database stayed busy with other writes past its wait; nothing was changed. "
          "Try again after the seconds in Retry-After.",
    MethodNotAllowed: "This path does not take this HTTP method.",
    InternalServerError: "Something broke on our side; nothing was changed.",
}
# HTTP-level refusals the API answers in the same envelope (msgsys.errors turns them into codes).
HTTP_ERRORS: tuple[type[HTTPException], ...] = (MethodNotAllowed, RequestEntityTooLarge, InternalServerError)

_PLACEHOLDER = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>")


def document(app: Flask) -> schemas.OpenApiDocument:
    """The app's document, built on first use (it depends on code and configuration only)."""
    if EXTENSION not in app.extensions:
        app.extensions[EXTENSION] = schemas.OpenApiDocument.model_validate(build(app))
    return app.extensions[EXTENSION]


def openapi_path(rule: str) -> str:
    """`/api/v1/versions/<id:version_id>` -> `/versions/{version_id}` (relative to the server URL)."""
    return _PLACEHOLDER.sub(r"{\1}", rule.removeprefix(bp.url_prefix or ""))


def api_operations(app: Flask) -> Iterable[tuple[str, str, operations.Operation]]:
    """(method, OpenAPI path, operation) for every route of the API blueprint; a view that declares nothing is an error."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith(bp.name + "."):
            continue
        op = operations.of_endpoint(app, rule.endpoint)
        if op is None:
            raise TypeError(f"API view {rule.endpoint} declares no @operation, so it cannot be documented")
        names = _PLACEHOLDER.findall(rule.rule)
        if names != [p.name for p in op.path]:
            raise TypeError(f"{rule.endpoint}: its arguments {[p.name for p in op.path]} are not the rule's {names}")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method.lower(), openapi_path(rule.rule), op


def error_codes(app: Flask) -> dict[str, tuple[int, str]]:
    """Every code an API error can carry: {code: (status, what it means)}, by status."""
    table: dict[str, tuple[int, str]] = {}
    for cls in _domain_errors():  # a base class before its subclasses, which may share its code (LoginFailed)
        table.setdefault(cls.code, (cls.status, EXPLAINED.get(cls) or _doc(cls)))
    for cls in HTTP_ERRORS:
        table[http_error_code(cls())] = (cls.code, EXPLAINED.get(cls) or _too_large(app))
    return dict(sorted(table.items(), key=lambda item: item[1][0]))


def _domain_errors() -> list[type[DomainError]]:
    found: list[type[DomainError]] = []
    todo = list(DomainError.__subclasses__())
    while todo:
        cls = todo.pop(0)
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _doc(cls: type) -> str:
    return " ".join((cls.__doc__ or cls.__name__).split())


def body_limit(app: Flask) -> int | None:
    """The largest request body the app reads, in bytes (None: no limit)."""
    return app.config.get("MAX_CONTENT_LENGTH")


def _size(limit: int | None) -> str:
    if limit is None:
        return "what the server accepts"
    for unit, factor in (("MiB", 2**20), ("KiB", 2**10)):
        if limit % factor == 0:
            return f"{limit // factor} {unit} ({limit} bytes)"
    return f"{limit} bytes"


def _too_large(app: Flask) -> str:
    return f"The body is larger than {_size(body_limit(app))}; nothing was read or changed."


def build(app: Flask) -> dict[str, Any]:
    """The whole document as a dict."""
    found = list(api_operations(app))
    codes = error_codes(app)
    models: dict[tuple[str, str], TypeAdapter] = {}
    envelopes: dict[str, dict] = {}
    for _method, _path, op in found:
        if op.body is not None:
            models[(op.body.__name__, "validation")] = TypeAdapter(op.body)
        for model in op.responses.values():
            models[(model.__name__, "serialization")] = TypeAdapter(model)
        for error, details in op.errors.items():
            if details is not None:
                models[(details.__name__, "serialization")] = TypeAdapter(details)
    refs, defs = TypeAdapter.json_schemas([(key, key[1], adapter) for key, adapter in sorted(models.items())], ref_template=REF)
    refs = {key: schema for (key, _mode), schema in refs.items()}

    paths: dict[str, dict] = {}
    for method, path, op in found:
        paths.setdefault(path, {})[method] = _operation(app, method, path, op, refs, codes, envelopes)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "msgsys API",
            "version": "1.0.0",
            "description": (
                "Campaigns, messages, their versioned, reviewed texts and those texts' reviewed translations. Authenticate with "
                "`Authorization: Bearer <token>`. Request bodies are strict JSON objects: unknown fields and "
                "wrong types are refused with `validation_error`, and a refused request changes nothing. "
                f"A body may be at most {_size(body_limit(app))}, else `request_entity_too_large`. "
                "Times are ISO 8601 in UTC."
            ),
        },
        "servers": [{"url": bp.url_prefix}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "An API token from the account page or `msgsys users token EMAIL`."}},
            "schemas": _components(defs.get("$defs", {}), _error_schemas(codes), envelopes),
        },
    }


def _operation(app: Flask, method: str, path: str, op: operations.Operation, refs: dict, codes: dict, envelopes: dict) -> dict:
    doc: dict[str, Any] = {"operationId": _operation_id(method, path), "summary": op.summary, "tags": [op.tag]}
    if op.description:
        doc["description"] = op.description
    if op.path:
        doc["parameters"] = [{"name": p.name, "in": "path", "required": True, "schema": p.adapter.json_schema()} for p in op.path]
    if op.body is not None:
        doc["requestBody"] = {"required": op.body_required,
                              "content": {"application/json": {"schema": refs[(op.body.__name__, "validation")]}}}
    responses: dict[str, dict] = {}
    for status, model in sorted(op.responses.items()):
        schema = refs[(model.__name__, "serialization")]
        responses[str(status)] = {"description": _doc(model), "content": {"application/json": {"schema": schema}}}
    errors: dict[str, tuple[str, type | None]] = {error.code: (error.__name__, details) for error, details in op.errors.items()}
    if op.body is not None:
        errors[http_error_code(RequestEntityTooLarge())] = (RequestEntityTooLarge.__name__, None)
    by_status: dict[int, list[str]] = {}
    for code in errors:
        by_status.setdefault(codes[code][0], []).append(code)
    for status, group in sorted(by_status.items()):
        choices = []
        for code in group:
            name, details = errors[code]
            # The envelope is named after its details (ValidationErrorDetails -> ValidationError), or else its error.
            envelope = details.__name__.removesuffix("Details") if details is not None else name
            envelopes.setdefault(envelope, _envelope({"const": code}, refs[(details.__name__, "serialization")] if details is not None
                                                     else {"description": "More about the error; its shape depends on the code."}))
            choices.append({"$ref": REF.format(model=envelope)})
        schema = choices[0] if len(choices) == 1 else {"oneOf": choices}
        responses[str(status)] = {"description": "\n".join(f"- `{c}`: {codes[c][1]}" for c in group),
                                  "content": {"application/json": {"schema": schema}}}
        if status == Busy.status:
            responses[str(status)]["headers"] = {"Retry-After": {"description": "Seconds to wait before trying again.",
                                                                 "schema": {"type": "integer"}}}
    doc["responses"] = responses
    if op.public:
        doc["security"] = []
    return doc


def _components(*parts: dict) -> dict:
    merged: dict = {}
    for part in parts:
        clash = merged.keys() & part.keys()
        if clash:
            raise TypeError(f"two schemas would share the names {sorted(clash)}")
        merged.update(part)
    return merged


def _operation_id(method: str, path: str) -> str:
    words = [w for w in re.split(r"[^a-z]+", path.replace("{", "by_").lower()) if w]
    return "_".join([method, *words])


def _envelope(code: dict, details: dict) -> dict:
    # The shape of msgsys.errors.error_payload.
    return {
        "type": "object", "required": ["error"], "additionalProperties": False,
        "properties": {"error": {
            "type": "object", "required": ["code", "message"], "additionalProperties": False,
            "properties": {"code": code, "message": {"type": "string", "description": "For people, in the request's language."},
                           "details": details},
        }},
    }


def _error_schemas(codes: dict[str, tuple[int, str]]) -> dict:
    return {
        "ErrorCode": {
            "description": "Stable, machine-readable error codes.",
            "oneOf": [{"const": code, "description": f"HTTP {status}. {text}"} for code, (status, text) in codes.items()],
        },
        "Error": _envelope({"$ref": REF.format(model="ErrorCode")}, {"description": "More about the error; its shape depends on the code."}),
    }
