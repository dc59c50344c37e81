"""One JSON error shape for every error, and an OpenAPI document that matches the API."""

import pytest
from support import batch, event, new_id

ERROR_KEYS = {"code", "status", "message"}


@pytest.mark.parametrize("method,path,kwargs,status", [
    ("GET", "/no/such/page", {}, 404),
    ("GET", "/api/v1/nothing", {}, 404),
    ("PUT", "/api/v1/events", {"json": {}}, 405),
    ("GET", f"/api/v1/sessions/{new_id()}", {}, 404),
    ("POST", "/api/v1/events", {"data": "{", "content_type": "application/json"}, 400),
    ("POST", "/api/v1/events", {"json": {"client": {"id": "x"}, "events": []}}, 422),
    ("PATCH", f"/api/v1/sessions/{new_id()}", {"data": "[1,", "content_type": "application/json"},
     400),
    ("PATCH", f"/api/v1/sessions/{new_id()}", {"data": "[" * 50_000 + "]" * 50_000,
                                               "content_type": "application/json"}, 400),
    ("GET", "/api/v1/stats?from=someday", {}, 422),
])
def test_every_error_has_the_same_json_shape(client, method, path, kwargs, status):
    r = client.open(path, method=method, **kwargs)
    assert r.status_code == status
    assert r.is_json
    assert ERROR_KEYS <= set(r.json)
    assert r.json["code"] == status


def test_a_422_names_the_field_under_its_location(client):
    sid = new_id()
    client.post("/api/v1/events", json=batch(event(sid)))
    r = client.patch(f"/api/v1/sessions/{sid}", json={"tag": "maybe"})
    assert r.json["errors"] == {"json": {"tag": ["Must be one of: real, busywork, unsure."]}}


def test_the_openapi_document_describes_every_route(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["info"]["title"] == "Candor"
    paths = spec["paths"]
    assert set(paths) >= {"/api/v1/health", "/api/v1/events", "/api/v1/sessions",
                          "/api/v1/sessions/{session_id}", "/api/v1/stats"}
    assert set(paths["/api/v1/sessions/{session_id}"]) >= {"get", "patch", "delete"}
    event_schema = spec["components"]["schemas"]["Event"]
    assert {"id", "session_id", "type", "ts", "site", "active_ms", "fingerprint"} <= set(
        event_schema["properties"])
    assert set(event_schema["required"]) == {"id", "session_id", "type", "ts", "site"}
    assert spec["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    assert paths["/api/v1/health"]["get"]["security"] == []


def test_the_openapi_document_needs_no_token(anonymous):
    assert anonymous.get("/api/v1/openapi.json").status_code == 200
