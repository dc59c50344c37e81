"""Pairing the extension: a single-use code for the token, and proof the server knows it."""

import hashlib
import hmac
import re

from support import NAVIGATE, PORT

from candor import logins

EXTENSION = {"Origin": "chrome-extension://abcdefghijklmnopabcdefghijklmnop"}


def test_the_connect_page_carries_a_code_never_the_token(app, dashboard, anonymous, token):
    page = dashboard.get("/connect", headers=NAVIGATE).get_data(as_text=True)
    assert token not in page
    code = re.search(r'<meta name="candor-pairing-code" content="([^"]+)">', page).group(1)
    answer = anonymous.post("/api/v1/pairing", json={"code": code}, headers=EXTENSION)
    assert answer.status_code == 200 and answer.json == {"token": token}
    again = anonymous.post("/api/v1/pairing", json={"code": code}, headers=EXTENSION)
    assert again.status_code == 403 and "used or expired" in again.json["message"]


def test_no_page_holds_the_token(app, dashboard, token):
    for path in ("/", "/review", "/settings", "/connect", "/journals"):
        assert token not in dashboard.get(path, headers=NAVIGATE).get_data(as_text=True), path


def test_a_code_comes_from_a_logged_in_dashboard_only(app, dashboard, anonymous):
    assert anonymous.post("/api/v1/pairing/code", json={}).status_code == 401
    made = dashboard.post("/api/v1/pairing/code", json={})
    assert made.status_code == 201 and len(made.json["code"]) >= 32


def test_a_wrong_or_expired_code_gets_nothing(app, anonymous):
    data_dir = app.config["DATA_DIR"]
    for sent in ("", "x" * 32, None, 7):
        answer = anonymous.post("/api/v1/pairing", json={"code": sent}, headers=EXTENSION)
        assert answer.status_code in (403, 422) and "token" not in (answer.json or {})
    code, expires_at = logins.new_pairing_code(data_dir, now_ms=1_000)
    assert not logins.use_pairing_code(data_dir, code, now_ms=expires_at)


def test_a_web_page_cannot_trade_a_code(app, dashboard, anonymous):
    code = dashboard.post("/api/v1/pairing/code", json={}).json["code"]
    for origin in ("https://evil.example", f"http://127.0.0.1:{PORT + 1}", "null"):
        answer = anonymous.post("/api/v1/pairing", json={"code": code},
                                headers={"Origin": origin})
        assert answer.status_code == 403 and "token" not in answer.json
    # Refused before it was read: the code still works for the extension.
    assert anonymous.post("/api/v1/pairing", json={"code": code},
                          headers=EXTENSION).status_code == 200


def test_the_proof_is_an_hmac_of_the_nonce_under_the_token(anonymous, token):
    nonce = "0123456789abcdef" * 4
    answer = anonymous.post("/api/v1/pairing/proof", json={"nonce": nonce}, headers=EXTENSION)
    assert answer.status_code == 200
    assert answer.json["proof"] == hmac.new(token.encode(), nonce.encode(),
                                            hashlib.sha256).hexdigest()
    for bad in ("", "ABCDEF" * 8, "ab", "g" * 64, 12):
        refused = anonymous.post("/api/v1/pairing/proof", json={"nonce": bad})
        assert refused.status_code == 422 and "nonce" in refused.json["errors"]["json"]
