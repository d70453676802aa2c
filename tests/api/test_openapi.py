"""The OpenAPI document: public, complete, generated from the views, and true to the app's errors and limits."""
from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator

from msgsys import create_app, errors
from msgsys.converters import IdConverter
from tests.api.documented import Checker
from tests.factories import make_token, make_user

PREFIX = "/api/v1"
STABLE_CODES = {"unauthorized", "permission_denied", "not_found", "conflict", "invalid_transition", "validation_error",
                "policy_violation", "busy", "method_not_allowed", "request_entity_too_large", "internal_server_error"}


def _doc(client):
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200, response.json
    return response.json


def _routes(app) -> set[tuple[str, str]]:
    """(method, OpenAPI path) for every route under /api/v1 in the app's URL map."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule.rule[len(PREFIX):])
        found |= {(m.lower(), path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def _documented(doc) -> set[tuple[str, str]]:
    return {(method, path) for path, ops in doc["paths"].items() for method in ops}


def _operations(doc):
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            yield method, path, op


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(doc, ref: str):
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        assert part in node, f"unresolved {ref}"
        node = node[part]
    return node


def _codes_of(doc, schema) -> set[str]:
    """The error codes an error response's schema admits."""
    choices = schema.get("oneOf", [schema])
    found = set()
    for choice in choices:
        envelope = _resolve(doc, choice["$ref"])
        code = envelope["properties"]["error"]["properties"]["code"]
        found |= {code["const"]} if "const" in code else {c["const"] for c in _resolve(doc, code["$ref"])["oneOf"]}
    return found


def test_the_document_needs_no_token_and_is_openapi_3_1(client):
    doc = _doc(client)
    assert doc["openapi"].startswith("3.1")
    assert doc["info"]["title"] and doc["info"]["version"]
    assert doc["servers"] == [{"url": PREFIX}]


def test_every_api_route_is_documented_and_every_documented_operation_exists(app, client):
    routes, documented = _routes(app), _documented(_doc(client))
    assert ("post", "/versions/{version_id}/request-changes") in routes
    assert routes - documented == set(), "routes the document does not describe"
    assert documented - routes == set(), "documented operations no route serves"


def test_every_operation_has_an_id_a_summary_responses_and_its_path_parameters(client):
    doc = _doc(client)
    ids = []
    for method, path, op in _operations(doc):
        ids.append(op["operationId"])
        assert op["summary"] and op["tags"], (method, path)
        assert any(status.startswith("2") for status in op["responses"]), (method, path)
        for response in op["responses"].values():
            assert response["description"]
            assert response["content"]["application/json"]["schema"], (method, path)
        names = re.findall(r"{([a-z_]+)}", path)
        assert [p["name"] for p in op.get("parameters", [])] == names
        assert all(p["in"] == "path" and p["required"] and p["schema"] for p in op.get("parameters", []))
    assert len(ids) == len(set(ids))


def test_id_parameters_are_documented_with_the_bounds_the_id_converter_enforces(app, client):
    converter = IdConverter(app.url_map)
    for method, path, op in _operations(_doc(client)):
        for param in op.get("parameters", []):
            if param["name"].endswith("_id"):
                assert (param["schema"]["type"], param["schema"]["minimum"], param["schema"]["maximum"]) == \
                    ("integer", converter.min, converter.max), (method, path)


def test_every_ref_resolves_and_every_schema_is_valid_json_schema(client):
    doc = _doc(client)
    refs = set(_refs(doc))
    assert "#/components/schemas/VersionDetail" in refs
    for ref in refs:
        _resolve(doc, ref)
    for name, schema in doc["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)


def test_bearer_security_applies_everywhere_but_the_document_itself(client):
    doc = _doc(client)
    scheme = doc["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert doc["security"] == [{"bearerAuth": []}]
    for method, path, op in _operations(doc):
        if path == "/openapi.json":
            assert op["security"] == [] and "401" not in op["responses"]
        else:
            assert "security" not in op and "401" in op["responses"], (method, path)
            assert "busy" in op["responses"]["503"]["description"], (method, path)


def test_request_bodies_are_strict_and_creating_answers_201(client):
    doc = _doc(client)
    schemas = doc["components"]["schemas"]
    for method, path, op in _operations(doc):
        if method in ("post", "put"):
            ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert _resolve(doc, ref)["additionalProperties"] is False, path
            assert "413" in op["responses"], path
        else:
            assert "requestBody" not in op and "413" not in op["responses"], path
    create = doc["paths"]["/campaigns"]["post"]
    assert set(create["responses"]) & {"200", "201"} == {"201"} and create["requestBody"]["required"] is True
    assert doc["paths"]["/versions/{version_id}/submit"]["post"]["requestBody"]["required"] is False
    assert doc["paths"]["/versions/{version_id}/retire"]["post"]["requestBody"]["required"] is True
    assert set(schemas["CampaignCreate"]["required"]) == {"slug", "title"}
    assert schemas["CampaignCreate"]["properties"]["target_locales"]["type"] == "array"
    assert set(schemas["VersionDetail"]["properties"]) >= {"policy", "allowed_transitions", "state", "go_live_at"}


def test_the_error_table_is_the_apps_error_mapping(client):
    doc = _doc(client)
    table = {choice["const"]: choice["description"] for choice in doc["components"]["schemas"]["ErrorCode"]["oneOf"]}
    assert set(table) == STABLE_CODES
    for cls in (errors.ValidationError, errors.PermissionDenied, errors.Unauthorized, errors.NotFound, errors.Conflict,
                errors.InvalidTransition, errors.PolicyViolation, errors.Busy):
        assert table[cls.code].startswith(f"HTTP {cls.status}. "), cls
    assert table["method_not_allowed"].startswith("HTTP 405. ") and table["request_entity_too_large"].startswith("HTTP 413. ")
    # Every error response of every operation admits only codes of its own status, each listed in its description.
    status_of = {code: int(text.split()[1].rstrip(".")) for code, text in table.items()}
    for method, path, op in _operations(doc):
        for status, response in op["responses"].items():
            if status.startswith("2"):
                continue
            codes = _codes_of(doc, response["content"]["application/json"]["schema"])
            assert codes and {status_of[c] for c in codes} == {int(status)}, (method, path, status, codes)
            assert all(f"`{c}`" in response["description"] for c in codes), (method, path, status)


def test_error_details_have_their_documented_shapes(client):
    doc = _doc(client)
    schemas = doc["components"]["schemas"]
    assert set(schemas["Error"]["properties"]["error"]["required"]) == {"code", "message"}

    def details(envelope):
        return _resolve(doc, schemas[envelope]["properties"]["error"]["properties"]["details"]["$ref"])

    violation = details("PolicyViolation")["properties"]["violations"]["items"]
    assert set(_resolve(doc, violation["$ref"])["properties"]) >= {"rule_type", "severity", "field", "start", "end", "excerpt", "message"}
    assert set(details("ValidationError")["properties"]) == {"field", "errors"}
    submit = doc["paths"]["/versions/{version_id}/submit"]["post"]["responses"]
    assert {"403", "404", "409", "422", "503"} <= set(submit)
    assert _codes_of(doc, submit["422"]["content"]["application/json"]["schema"]) == {"policy_violation", "validation_error"}
    assert _codes_of(doc, doc["paths"]["/campaigns"]["post"]["responses"]["409"]["content"]["application/json"]["schema"]) == {"conflict"}


def _limit_in(text: str) -> int:
    return int(re.search(r"\((\d+) bytes\)", text).group(1))


def test_the_documented_body_limit_is_the_configured_one(app, client):
    doc = _doc(client)
    table = {choice["const"]: choice["description"] for choice in doc["components"]["schemas"]["ErrorCode"]["oneOf"]}
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert _limit_in(table["request_entity_too_large"]) == limit
    assert _limit_in(doc["info"]["description"]) == limit
    assert _limit_in(doc["paths"]["/campaigns"]["post"]["responses"]["413"]["description"]) == limit


def test_a_different_configured_limit_is_documented_and_enforced(config):
    app = create_app({**config, "MAX_CONTENT_LENGTH": 64 * 1024})
    try:
        client = app.test_client()
        doc = _doc(client)
        table = {choice["const"]: choice["description"] for choice in doc["components"]["schemas"]["ErrorCode"]["oneOf"]}
        assert "64 KiB" in table["request_entity_too_large"] and _limit_in(table["request_entity_too_large"]) == 64 * 1024
        with app.app_context():
            from msgsys import db

            headers = {"Authorization": f"Bearer {make_token(db.session(), make_user(db.session(), roles='author'))}",
                       "Content-Type": "application/json"}
        padding = '{"slug": "big", "title": "' + "a" * (64 * 1024) + '"}'
        refused = client.post(f"{PREFIX}/campaigns", data=padding, headers=headers)
        assert refused.status_code == 413 and refused.json["error"]["code"] == "request_entity_too_large"
        fits = client.post(f"{PREFIX}/campaigns", data='{"slug": "big", "title": "' + "a" * 1000 + '"}', headers=headers)
        assert fits.status_code == 422 and fits.json["error"]["details"]["field"] == "title"  # read, and refused for its length
    finally:
        app.extensions["msgsys.engine"].dispose()


def test_the_check_against_the_document_bites(app, client):
    """The checker every test here runs refuses an undocumented status, an undocumented field and a wrong type."""
    checker = Checker(app)
    me = checker.schema_for("get", "/me", 200)
    checker.validate(me, {"id": 1, "email": "a@example.org", "roles": ["author"], "locales": []})
    with pytest.raises(AssertionError, match="answered 409"):
        checker.schema_for("get", "/me", 409)
    with pytest.raises(AssertionError, match="secret"):
        checker.validate(me, {"id": 1, "email": "a@example.org", "roles": [], "locales": [], "secret": "x"})
    with pytest.raises(AssertionError, match="id"):
        checker.validate(me, {"id": "1", "email": "a@example.org", "roles": [], "locales": []})
    not_found = checker.schema_for("get", "/versions/{version_id}", 404)
    with pytest.raises(AssertionError):
        checker.validate(not_found, {"error": {"code": "conflict", "message": "x"}})


def test_a_view_that_answers_with_an_undeclared_model_fails_instead_of_drifting(app):
    from msgsys.api import schemas
    from msgsys.api.operations import operation

    @operation(responses={200: schemas.Me}, tag="meta")
    def answers_a_campaign_list():
        """Says it answers Me."""
        return schemas.CampaignList(campaigns=[])

    @operation(responses={200: schemas.Me}, tag="meta")
    def answers_me_with_201():
        """Says it answers Me with 200."""
        return schemas.Me(id=1, email="a@example.org", roles=[], locales=[]), 201

    with app.test_request_context("/api/v1/me"):
        with pytest.raises(TypeError, match="CampaignList"):
            answers_a_campaign_list()
        with pytest.raises(TypeError, match="201"):
            answers_me_with_201()


def test_an_api_route_that_declares_nothing_stops_the_document_from_building(config):
    app = create_app(config)
    try:
        app.add_url_rule("/api/v1/undeclared", endpoint="api.undeclared", view_func=lambda: {})
        with pytest.raises(TypeError, match="api.undeclared"):
            app.test_client().get(f"{PREFIX}/openapi.json")
    finally:
        app.extensions["msgsys.engine"].dispose()


def test_a_view_must_say_what_it_does(app):
    from msgsys.api import schemas
    from msgsys.api.operations import operation

    with pytest.raises(TypeError, match="docstring"):
        operation(responses={200: schemas.Me}, tag="meta")(lambda: None)
