"""Checks a real API response against the OpenAPI document: its status is documented for its operation, its body fits."""
from __future__ import annotations

import copy

from jsonschema import Draft202012Validator
from werkzeug.exceptions import HTTPException

from msgsys.api import openapi, schemas

PREFIX = "/api/v1"


def document(app) -> dict:
    """The app's document, as clients get it."""
    return schemas.dump(openapi.document(app))


def closed(components: dict) -> dict:
    """The components with every object closed to fields it does not name, so a field the API sends but does not document fails."""
    closed_copy = copy.deepcopy(components)

    def walk(node):
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(closed_copy)
    return closed_copy


def operation_of(app, method: str, path: str) -> tuple[str, str] | None:
    """(method, OpenAPI path) of the operation a request reaches, or None when the URL map refuses it (404, 405)."""
    try:
        rule, _args = app.url_map.bind("msgsys.test").match(path, method=method, return_rule=True)
    except HTTPException:
        return None
    if not rule.endpoint.startswith("api."):
        return None
    return method.lower(), openapi.openapi_path(rule.rule)


class Checker:
    """Validates responses against one app's document and remembers which (method, path, status) it saw."""

    def __init__(self, app):
        self.app = app
        self.doc = document(app)
        self.components = closed(self.doc["components"])
        self.seen: set[tuple[str, str, str]] = set()

    def schema_for(self, method: str, path: str, status: int) -> dict:
        """The documented schema of that response; fails when the status is not documented for the operation."""
        responses = self.doc["paths"][path][method]["responses"]
        assert str(status) in responses, f"{method.upper()} {path} answered {status}, documented: {sorted(responses)}"
        return responses[str(status)]["content"]["application/json"]["schema"]

    def validate(self, schema: dict, body) -> None:
        """Fail with every way `body` does not fit `schema` (refs resolve into the document's components)."""
        validator = Draft202012Validator({**schema, "components": self.components})
        problems = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        assert not problems, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in problems[:10])

    def check(self, method: str, url_path: str, response) -> None:
        """Check one response to a request for url_path."""
        if not url_path.startswith(PREFIX + "/") and url_path != PREFIX:
            return
        body = response.get_json(silent=True)
        assert body is not None, f"{method} {url_path} answered {response.status_code} without JSON"
        found = operation_of(self.app, method, url_path)
        if found is None:  # no operation: a path or method the API does not have answers in the error envelope
            self.validate({"$ref": "#/components/schemas/Error"}, body)
            return
        op_method, op_path = found
        self.validate(self.schema_for(op_method, op_path, response.status_code), body)
        self.seen.add((op_method, op_path, str(response.status_code)))


def checker_of(app) -> Checker:
    """The app's checker (made once per app)."""
    if "tests.api.checker" not in app.extensions:
        app.extensions["tests.api.checker"] = Checker(app)
    return app.extensions["tests.api.checker"]


def check_response(app, response) -> None:
    """Check a test client's response to the request it answered."""
    checker_of(app).check(response.request.method, response.request.path, response)
