"""The OpenAPI document: public, complete, and internally consistent."""
from __future__ import annotations

import re

PREFIX = "/api/v1"
STABLE_CODES = {"unauthorized", "permission_denied", "not_found", "conflict", "invalid_transition", "validation_error", "policy_violation"}


def _doc(client):
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200, response.json
    return response.json


def _routes(app) -> set[tuple[str, str]]:
    """(method, OpenAPI path) for every route the API blueprint registered."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule.rule[len(PREFIX):])
        found |= {(m.lower(), path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def _documented(doc) -> set[tuple[str, str]]:
    return {(method, path) for path, ops in doc["paths"].items() for method in ops}


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


def test_the_document_needs_no_token_and_is_openapi_3_1(client):
    doc = _doc(client)
    assert doc["openapi"].startswith("3.1")
    assert doc["info"]["title"] and doc["info"]["version"]
    assert doc["servers"] == [{"url": PREFIX}]


def test_every_api_route_is_documented_and_nothing_else(app, client):
    routes, documented = _routes(app), _documented(_doc(client))
    assert ("post", "/versions/{version_id}/request-changes") in routes
    assert routes == documented


def test_every_operation_has_an_id_responses_and_its_path_parameters(client):
    doc = _doc(client)
    ids = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            ids.append(op["operationId"])
            assert op["responses"], (method, path)
            assert any(status.startswith("2") for status in op["responses"]), (method, path)
            for response in op["responses"].values():
                assert response["description"]
            names = re.findall(r"{([a-z_]+)}", path)
            assert [p["name"] for p in op.get("parameters", [])] == names
            assert all(p["in"] == "path" and p["required"] for p in op.get("parameters", []))
    assert len(ids) == len(set(ids))


def test_every_ref_resolves(client):
    doc = _doc(client)
    refs = set(_refs(doc))
    assert "#/components/schemas/VersionDetail" in refs
    for ref in refs:
        _resolve(doc, ref)


def test_bearer_security_applies_everywhere_but_the_document_itself(client):
    doc = _doc(client)
    scheme = doc["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert doc["security"] == [{"bearerAuth": []}]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if path == "/openapi.json":
                assert op["security"] == [] and "401" not in op["responses"]
            else:
                assert "security" not in op and "401" in op["responses"], (method, path)


def test_request_bodies_are_strict_and_responses_have_schemas(client):
    doc = _doc(client)
    schemas = doc["components"]["schemas"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method == "post":
                ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                assert _resolve(doc, ref)["additionalProperties"] is False, path
            success = next(r for s, r in op["responses"].items() if s.startswith("2"))
            assert success["content"]["application/json"]["schema"], (method, path)
    create = doc["paths"]["/campaigns"]["post"]
    assert "201" in create["responses"] and create["requestBody"]["required"] is True
    assert set(schemas["CampaignCreate"]["required"]) == {"slug", "title"}
    assert schemas["CampaignCreate"]["properties"]["target_locales"]["type"] == "array"
    assert set(schemas["VersionDetail"]["properties"]) >= {"policy", "allowed_transitions", "state", "go_live_at"}


def test_the_error_schema_lists_the_stable_codes_and_operations_use_it(client):
    doc = _doc(client)
    schemas = doc["components"]["schemas"]
    codes = {choice["const"] for choice in schemas["ErrorCode"]["oneOf"]}
    assert STABLE_CODES <= codes
    assert set(schemas["Error"]["properties"]["error"]["required"]) == {"code", "message"}
    violation = schemas["PolicyViolation"]["properties"]["error"]["properties"]["details"]["properties"]["violations"]["items"]
    assert set(_resolve(doc, violation["$ref"])["properties"]) >= {"rule_type", "severity", "field", "start", "end", "excerpt", "message"}

    submit = doc["paths"]["/versions/{version_id}/submit"]["post"]["responses"]
    assert {"403", "404", "409", "422"} <= set(submit)
    assert "policy_violation" in submit["422"]["description"] and "validation_error" in submit["422"]["description"]
    assert "conflict" in doc["paths"]["/campaigns"]["post"]["responses"]["409"]["description"]
