"""The dashboard's logins: random ids from single-use links, honoured only from our own pages."""

import re
import sqlite3

import pytest
from click.testing import CliRunner
from support import NAVIGATE, PORT, SAME_ORIGIN, log_in

from candor import cli, logins, security

DAY_MS = 24 * 3600 * 1000


def cookie_of(answer):
    found = re.search(rf"{security.cookie_name(PORT)}=([^;]+)", answer.headers["Set-Cookie"])
    return found.group(1)


def test_a_login_link_works_once_and_gives_a_random_cookie(app, anonymous, token):
    data_dir = app.config["DATA_DIR"]
    assert anonymous.get("/", headers=NAVIGATE).status_code == 401
    code, _ = logins.new_login_link_code(data_dir)
    first = anonymous.get(f"/login?code={code}", headers=NAVIGATE)
    assert first.status_code == 303 and first.headers["Location"] == "/"
    cookie = first.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and token not in cookie
    assert anonymous.get("/", headers=NAVIGATE).status_code == 200
    # The same link again (from the browser's history, say) logs nobody in.
    other = anonymous.application.test_client()
    again = other.get(f"/login?code={code}", base_url=f"http://127.0.0.1:{PORT}", headers=NAVIGATE)
    assert again.status_code == 401 and "used or has expired" in again.get_data(as_text=True)
    # Two logins are two unrelated random ids, neither derived from the token.
    second = log_in(anonymous.application.test_client(), data_dir)
    assert cookie_of(second) != cookie_of(first)


def test_an_expired_link_logs_nobody_in(app, anonymous):
    data_dir = app.config["DATA_DIR"]
    code, expires_at = logins.new_login_link_code(data_dir, now_ms=1_000_000)
    assert logins.log_in(data_dir, code, now_ms=expires_at) is None


@pytest.mark.parametrize(("headers", "method", "path", "status"), [
    (SAME_ORIGIN, "GET", "/api/v1/stats", 200),
    (SAME_ORIGIN, "DELETE", "/api/v1/sessions?confirm=forget+everything", 200),
    (NAVIGATE, "GET", "/", 200),
    (NAVIGATE, "GET", "/settings", 200),
    # A bookmark may open a page, never call the API or change anything.
    (NAVIGATE, "GET", "/api/v1/stats", 401),
    (NAVIGATE, "DELETE", "/api/v1/sessions?confirm=forget+everything", 401),
    ({"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "no-cors"}, "GET", "/", 401),
    # Another port of 127.0.0.1 is the same site, but never the same origin.
    ({"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "navigate"}, "GET", "/", 401),
    ({"Sec-Fetch-Site": "same-site"}, "GET", "/api/v1/stats", 401),
    ({"Sec-Fetch-Site": "cross-site"}, "GET", "/api/v1/stats", 401),
    # A replayed cookie (curl, another process) carries no Sec-Fetch-Site at all.
    ({}, "GET", "/api/v1/stats", 401),
    ({}, "GET", "/connect", 401),
    ({}, "DELETE", "/api/v1/sessions?confirm=forget+everything", 401),
])
def test_the_cookie_counts_only_when_the_browser_vouches_for_the_request(
        app, anonymous, headers, method, path, status):
    log_in(anonymous, app.config["DATA_DIR"])
    assert anonymous.open(path, method=method, headers=headers).status_code == status


def test_a_login_ends_when_idle_or_too_old(app):
    data_dir = app.config["DATA_DIR"]
    start = 1_700_000_000_000
    code, _ = logins.new_login_link_code(data_dir, now_ms=start)
    secret = logins.log_in(data_dir, code, now_ms=start)
    in_use = start
    for _ in range(4):  # used every six days: never idle for a week
        in_use += 6 * DAY_MS
        assert logins.check_login(data_dir, secret, now_ms=in_use)
    assert logins.check_login(data_dir, secret, now_ms=start + 31 * DAY_MS) is None

    code, _ = logins.new_login_link_code(data_dir, now_ms=start)
    idle = logins.log_in(data_dir, code, now_ms=start)
    assert logins.check_login(data_dir, idle, now_ms=start + 7 * DAY_MS) is None
    assert logins.list_logins(data_dir, now_ms=start + 7 * DAY_MS) == []


def test_settings_lists_the_logins_and_logs_one_out(app, dashboard):
    data_dir = app.config["DATA_DIR"]
    phone = app.test_client()
    log_in(phone, data_dir)
    listed = dashboard.get("/api/v1/logins").json["logins"]
    assert len(listed) == 2 and [x["current"] for x in listed].count(True) == 1
    page = dashboard.get("/settings", headers=NAVIGATE).get_data(as_text=True)
    assert page.count('class="log-out"') == 2 and "this browser" in page
    other = next(x["id"] for x in listed if not x["current"])
    assert dashboard.delete(f"/api/v1/logins/{other}").status_code == 204
    assert phone.get("/", base_url=f"http://127.0.0.1:{PORT}", headers=NAVIGATE).status_code \
        == 401
    assert dashboard.get("/api/v1/stats").status_code == 200
    assert dashboard.delete(f"/api/v1/logins/{other}").status_code == 404


def test_candor_token_rotate_logs_every_browser_out(app, dashboard, monkeypatch):
    monkeypatch.setenv("CANDOR_DATA_DIR", app.config["DATA_DIR"])
    result = CliRunner().invoke(cli.main, ["token", "--rotate"])
    assert result.exit_code == 0, result.output
    assert logins.list_logins(app.config["DATA_DIR"]) == []
    assert dashboard.get("/api/v1/stats").status_code == 401


def test_the_credentials_file_is_private_and_apart_from_the_journal(app, dashboard):
    path = logins.path(app.config["DATA_DIR"])
    assert path.stat().st_mode & 0o777 == 0o600
    # A backup or an export of the journal never carries a login or a code.
    journal = sqlite3.connect(app.config["DATABASE"])
    tables = {name for (name,) in journal.execute("SELECT name FROM sqlite_master")}
    journal.close()
    assert not tables & {"logins", "one_time_codes"}
    credentials = sqlite3.connect(path)
    assert credentials.execute("SELECT count(*) FROM logins").fetchone() == (1,)
    credentials.close()
