"""A web page or local process must not read or write the journal without the token."""

import hashlib
import http.client
import json
from pathlib import Path

import pytest
import requests
from support import PORT, batch, event, new_id

from candor import security

GOOD_HOST = f"127.0.0.1:{PORT}"


def db_digest(app):
    """A digest of the database files, to prove a refused request wrote nothing."""
    digest = hashlib.sha256()
    for suffix in ("", "-wal"):
        path = Path(app.config["DATABASE"] + suffix)
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def post_body():
    return json.dumps(batch(event())).encode()


def bearer(app):
    return f"Bearer {security.read_token(app.config['DATA_DIR'])}"


# (name, method, path, headers(app) -> dict, body, expected status)
HOSTILE = [
    ("rebinding host", "POST", "/api/v1/events",
     lambda a: {"Host": f"evil.example:{PORT}", "Authorization": bearer(a)}, post_body(), 403),
    ("rebinding host on health", "GET", "/api/v1/health",
     lambda a: {"Host": "attacker.example"}, None, 403),
    ("right name, wrong port", "GET", "/api/v1/health",
     lambda a: {"Host": "127.0.0.1:8080"}, None, 403),
    ("no port", "GET", "/api/v1/health", lambda a: {"Host": "localhost"}, None, 403),
    ("empty host", "GET", "/api/v1/health", lambda a: {"Host": ""}, None, 403),
    ("foreign origin with token", "POST", "/api/v1/events",
     lambda a: {"Host": GOOD_HOST, "Origin": "https://evil.example", "Authorization": bearer(a)},
     post_body(), 403),
    ("null origin", "POST", "/api/v1/events",
     lambda a: {"Host": GOOD_HOST, "Origin": "null", "Authorization": bearer(a)}, post_body(), 403),
    ("another localhost port as origin", "POST", "/api/v1/events",
     lambda a: {"Host": GOOD_HOST, "Origin": "http://127.0.0.1:3000", "Authorization": bearer(a)},
     post_body(), 403),
    ("lookalike extension origin", "POST", "/api/v1/events",
     lambda a: {"Host": GOOD_HOST, "Origin": "chrome-extension://abc/../evil",
                "Authorization": bearer(a)}, post_body(), 403),
    ("no token", "POST", "/api/v1/events", lambda a: {"Host": GOOD_HOST}, post_body(), 401),
    ("wrong token", "POST", "/api/v1/events",
     lambda a: {"Host": GOOD_HOST, "Authorization": "Bearer " + "x" * 43}, post_body(), 401),
    ("partial token", "POST", "/api/v1/events",
     lambda a: {"Host": GOOD_HOST, "Authorization": bearer(a)[:-4]}, post_body(), 401),
    ("token with extra", "POST", "/api/v1/events",
     lambda a: {"Host": GOOD_HOST, "Authorization": bearer(a) + "x"}, post_body(), 401),
    ("basic auth scheme", "POST", "/api/v1/events",
     lambda a: {"Host": GOOD_HOST, "Authorization": "Basic " + bearer(a)[7:]}, post_body(), 401),
    ("token in the query", "GET", "/api/v1/sessions?token=x",
     lambda a: {"Host": GOOD_HOST}, None, 401),
    ("forged cookie", "GET", "/api/v1/sessions",
     lambda a: {"Host": GOOD_HOST, "Sec-Fetch-Site": "same-origin",
                "Cookie": f"{security.cookie_name(PORT)}=" + "0" * 43}, None, 401),
    ("text/plain post", "POST", "/api/v1/events",
     lambda a: {"Host": GOOD_HOST, "Authorization": bearer(a), "Content-Type": "text/plain"},
     post_body(), 415),
    ("form post", "POST", "/api/v1/events",
     lambda a: {"Host": GOOD_HOST, "Authorization": bearer(a),
                "Content-Type": "application/x-www-form-urlencoded"}, b"events=1", 415),
    ("form post without token", "POST", "/api/v1/events",
     lambda a: {"Host": GOOD_HOST, "Content-Type": "application/x-www-form-urlencoded"},
     b"events=1", 401),
    ("dot segment", "POST", "/api/v1/health/../events",
     lambda a: {"Host": GOOD_HOST}, post_body(), 404),
    ("encoded slash", "POST", "/api%2Fv1%2Fevents", lambda a: {"Host": GOOD_HOST}, post_body(),
     (401, 404)),
    ("trailing slash", "POST", "/api/v1/events/", lambda a: {"Host": GOOD_HOST}, post_body(), 404),
    ("upper case path", "POST", "/API/V1/EVENTS", lambda a: {"Host": GOOD_HOST}, post_body(), 404),
    ("delete without token", "DELETE", f"/api/v1/sessions/{new_id()}",
     lambda a: {"Host": GOOD_HOST}, None, 401),
    ("pairing page without token", "GET", "/connect", lambda a: {"Host": GOOD_HOST}, None, 401),
    ("oversized body", "POST", "/api/v1/events",
     lambda a: {"Host": GOOD_HOST, "Authorization": bearer(a), "Content-Type": "application/json"},
     b"[" + b" " * (5 * 1024 * 1024) + b"]", 413),
    ("deeply nested body", "POST", "/api/v1/events",
     lambda a: {"Host": GOOD_HOST, "Authorization": bearer(a), "Content-Type": "application/json"},
     b"[" * 100_000 + b"]" * 100_000, 400),
    ("invalid utf-8", "POST", "/api/v1/events",
     lambda a: {"Host": GOOD_HOST, "Authorization": bearer(a), "Content-Type": "application/json"},
     b'{"client": {"id": "\xff\xfe"}, "events": []}', 400),
    ("lone surrogate", "POST", "/api/v1/events",
     lambda a: {"Host": GOOD_HOST, "Authorization": bearer(a), "Content-Type": "application/json"},
     post_body().replace(b'"chromium"', b'"\\ud800"'), 400),
    ("too many events", "POST", "/api/v1/events",
     lambda a: {"Host": GOOD_HOST, "Authorization": bearer(a), "Content-Type": "application/json"},
     json.dumps(batch(*[event() for _ in range(1001)])).encode(), 422),
]


@pytest.mark.parametrize("name,method,path,headers,body,status", HOSTILE,
                         ids=[h[0] for h in HOSTILE])
def test_hostile_requests_are_refused_and_write_nothing(app, client, name, method, path, headers,
                                                        body, status):
    # Something in the journal first, so "nothing written" means something.
    client.post("/api/v1/events", json=batch(event()))
    before = db_digest(app)
    h = headers(app)
    h.setdefault("Content-Type", "application/json")
    raw = app.test_client()
    r = raw.open(path, method=method, headers=h, data=body)
    assert r.status_code in (status if isinstance(status, tuple) else (status,))
    assert r.is_json, r.data[:200]
    assert r.json["code"] == r.status_code
    assert db_digest(app) == before


# A path with an empty segment must not reach an endpoint by another name, nor be
# redirected to one (a redirect of a POST keeps its body; a client must learn its URL is
# wrong). The test client would read "//api/..." as a host name, so the real path goes
# straight into the WSGI environ; the real server gets it on the request line.
EMPTY_SEGMENT_PATHS = ["//api/v1/events", "/api/v1//events", "//api/v1/sessions",
                       "/api//v1/health"]


def assert_refused_as_json(status, content_type, body):
    assert 400 <= status < 500, (status, body[:200])
    assert content_type.startswith("application/json"), (content_type, body[:200])
    assert json.loads(body)["code"] == status


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("path", EMPTY_SEGMENT_PATHS)
@pytest.mark.parametrize("with_token", [True, False], ids=["token", "no token"])
def test_a_path_with_an_empty_segment_is_refused_not_redirected(app, client, anonymous, path,
                                                                 method, with_token):
    client.post("/api/v1/events", json=batch(event()))
    before = db_digest(app)
    r = (client if with_token else anonymous).open(
        "/", method=method, environ_overrides={"PATH_INFO": path},
        data=post_body() if method == "POST" else None, content_type="application/json")
    assert r.request.environ["PATH_INFO"] == path, "the request must carry the path as written"
    assert "Location" not in r.headers
    assert_refused_as_json(r.status_code, r.content_type, r.get_data())
    assert db_digest(app) == before


def test_the_real_server_refuses_a_path_with_an_empty_segment(live_server):
    with_token = {**live_server.headers(), "Content-Type": "application/json"}
    for path in EMPTY_SEGMENT_PATHS:
        for method in ("GET", "POST"):
            for headers in (with_token, {"Content-Type": "application/json"}):
                conn = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=10)
                try:
                    conn.request(method, path, body=post_body() if method == "POST" else None,
                                 headers=headers)
                    r = conn.getresponse()
                    body = r.read()
                finally:
                    conn.close()
                assert r.getheader("Location") is None, (method, path)
                assert_refused_as_json(r.status, r.getheader("Content-Type", ""), body)
    sessions = requests.get(f"{live_server.url}/api/v1/sessions", headers=live_server.headers(),
                            timeout=5).json()["sessions"]
    assert sessions == [], "nothing was written"


def test_the_right_requests_get_through(client):
    assert client.post("/api/v1/events", json=batch(event())).json["accepted"] == 1
    r = client.post("/api/v1/events", json=batch(event()),
                    headers={"Origin": "chrome-extension://abcdefghijklmnop"})
    assert r.json["accepted"] == 1
    assert r.headers["Access-Control-Allow-Origin"] == "chrome-extension://abcdefghijklmnop"
    r = client.post("/api/v1/events", json=batch(event()),
                    headers={"Origin": "moz-extension://0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"})
    assert r.json["accepted"] == 1
    r = client.get("/api/v1/stats", headers={"Origin": f"http://127.0.0.1:{PORT}"})
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r.headers
    for host in (f"localhost:{PORT}", f"[::1]:{PORT}", f"LOCALHOST:{PORT}"):
        assert client.get("/api/v1/health", headers={"Host": host}).status_code == 200


def test_cors_preflight_answers_extensions_only(anonymous):
    preflight = {"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type"}
    ok = anonymous.options("/api/v1/events",
                           headers={"Origin": "chrome-extension://abcdefghijklmnop", **preflight})
    assert ok.status_code == 200
    assert ok.headers["Access-Control-Allow-Origin"] == "chrome-extension://abcdefghijklmnop"
    refused = anonymous.options("/api/v1/events",
                                headers={"Origin": "https://evil.example", **preflight})
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_rotating_the_token_locks_out_the_old_one_at_once(app, client, dashboard, token):
    assert dashboard.get("/api/v1/stats").status_code == 200
    new = security.rotate_token(app.config["DATA_DIR"])
    assert new != token and len(new) >= 43  # 256 bits, URL-safe base64
    assert client.get("/api/v1/stats").status_code == 401
    assert dashboard.get("/api/v1/stats").status_code == 401  # and every login ended
    assert client.get("/api/v1/stats", headers={"Authorization": f"Bearer {new}"}).status_code \
        == 200
    assert dashboard.get("/api/v1/stats").status_code == 401


def test_the_token_file_is_private(app):
    path = security.token_path(app.config["DATA_DIR"])
    assert path.stat().st_mode & 0o777 == 0o600
    security.rotate_token(app.config["DATA_DIR"])
    assert path.stat().st_mode & 0o777 == 0o600


def test_every_route_but_health_openapi_and_the_front_page_needs_the_token(app, anonymous):
    for rule in app.url_map.iter_rules():
        if "<" in rule.rule:
            path = rule.rule.replace("<uuid:session_id>", new_id()).replace(
                "<path:filename>", "candor.css").replace("<int:rule_id>", "1")
        else:
            path = rule.rule
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            r = anonymous.open(path, method=method, json={})
            refused = r.status_code == 401 and r.is_json and "token" in r.json["message"]
            public = rule.endpoint in security.PUBLIC_ENDPOINTS
            assert refused != public, (method, path, r.status_code)


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/stats", "/", "/no/such/page",
                                  "/static/candor.css", "/static/review.js"])
def test_every_response_carries_the_hardening_headers(anonymous, path):
    r = anonymous.get(path)
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "script-src" not in r.headers["Content-Security-Policy"]  # scripts: 'self' only
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["Cache-Control"] == "no-store"
