"""Every setting in one place (GET/PATCH /api/v1/settings): checked whole, reset to defaults,
new signal thresholds found again in the background, and recorded in exports."""

import json
import sqlite3
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
from support import NAVIGATE, batch, event, new_id

from candor import export, journal_file, settings, signals

T0 = datetime.now(timezone.utc) - timedelta(days=2)
DEFAULTS = {f.name: f.default for f in signals.threshold_fields()}


def chat(tokens_in, tokens_out, sid=None):
    """A chat session that ended: a prompt, an answer, then session_end (its signals stored)."""
    sid = sid or new_id()
    return sid, [
        event(sid, "prompt", T0, prompt_chars=tokens_in * 4, est_tokens=tokens_in),
        event(sid, "response", T0 + timedelta(seconds=20), response_chars=tokens_out * 4,
              est_tokens=tokens_out),
        event(sid, "activity", T0 + timedelta(seconds=200), active_ms=150_000),
        event(sid, "session_end", T0 + timedelta(seconds=300)),
    ]


def test_settings_are_read_together_with_the_thresholds_defaults(client, anonymous):
    got = client.get("/api/v1/settings")
    assert got.status_code == 200
    body = got.json
    assert set(body) == {"time_zone", "date_format", "owner", "thresholds",
                         "threshold_defaults", "goals", "titles"}
    assert body["date_format"] == "D MMM YYYY"
    assert body["thresholds"] == body["threshold_defaults"] == DEFAULTS
    assert body["threshold_defaults"]["no_outcome_tokens"] == 20_000
    assert body["goals"] == {"value_ratio": None, "coverage": None}
    assert body["titles"] == {"kept": None, "session_started_at": None}
    assert body["time_zone"] == client.get("/api/v1/settings/time-zone").json["time_zone"]
    assert body["owner"] == client.get("/api/v1/settings/owner").json["owner"]
    assert anonymous.get("/api/v1/settings").status_code == 401
    assert anonymous.patch("/api/v1/settings", json={"date_format": "YYYY-MM-DD"}
                           ).status_code == 401


def test_settings_change_together_and_read_back(client, dashboard):
    r = client.patch("/api/v1/settings", json={
        "time_zone": "Asia/Tokyo", "date_format": "M/D/YYYY", "owner": "  Ada Lovelace ",
        "thresholds": {"loop_calls": 30, "read_share": 0.5}, "goals": {"value_ratio": 0.7}})
    assert r.status_code == 200, r.json
    assert (r.json["time_zone"], r.json["date_format"], r.json["owner"]) == (
        "Asia/Tokyo", "M/D/YYYY", "Ada Lovelace")
    assert r.json["thresholds"] == {**DEFAULTS, "loop_calls": 30, "read_share": 0.5}
    assert r.json["threshold_defaults"] == DEFAULTS
    assert r.json["goals"] == {"value_ratio": 0.7, "coverage": None}
    assert client.get("/api/v1/settings").json == r.json
    assert client.get("/api/v1/settings/goals").json["value_ratio"] == 0.7
    # The dashboard changes them with its cookie, as the Settings page does.
    r = dashboard.patch("/api/v1/settings", json={"date_format": "YYYY-MM-DD"})
    assert (r.status_code, r.json["date_format"]) == (200, "YYYY-MM-DD")


def test_thresholds_go_back_to_their_defaults_one_at_a_time_or_all(client):
    client.patch("/api/v1/settings", json={"thresholds": {
        "loop_calls": 30, "min_failed_requests": 9, "read_share": 0.5}})
    r = client.patch("/api/v1/settings", json={"thresholds": {"loop_calls": None}})
    assert r.json["thresholds"] == {**DEFAULTS, "min_failed_requests": 9, "read_share": 0.5}
    r = client.patch("/api/v1/settings", json={"thresholds": None})
    assert r.json["thresholds"] == DEFAULTS
    # A threshold set to its default is not kept apart from it.
    client.patch("/api/v1/settings", json={"thresholds": {"loop_calls": 20}})
    assert client.get("/api/v1/settings").json["thresholds"] == DEFAULTS


@pytest.mark.parametrize("body, path", [
    ({"theme": "dark"}, ["theme"]),
    ({"thresholds": {"loop_count": 3}}, ["thresholds", "loop_count"]),
    ({"thresholds": {"loop_calls": 1}}, ["thresholds", "loop_calls"]),
    ({"thresholds": {"loop_calls": 25.5}}, ["thresholds", "loop_calls"]),
    ({"thresholds": {"loop_calls": "30"}}, ["thresholds", "loop_calls"]),
    ({"thresholds": {"read_share": 1.5}}, ["thresholds", "read_share"]),
    ({"thresholds": {"read_share": True}}, ["thresholds", "read_share"]),
    ({"thresholds": [20]}, ["thresholds"]),
    ({"date_format": "DD-MM-YY"}, ["date_format"]),
    ({"time_zone": "Mars/Olympus_Mons"}, ["time_zone"]),
    ({"owner": " "}, ["owner"]),
    ({"goals": {"value_ratio": 70}}, ["goals", "value_ratio"]),
    ({"goals": {"streak": 1}}, ["goals", "streak"]),
    ({"titles": {"kept": True}}, ["titles"]),  # the extension's choice, not the journal's
    ({"threshold_defaults": DEFAULTS}, ["threshold_defaults"]),
    ({}, ["_schema"]),
])
def test_a_setting_that_cant_be_kept_is_a_422_naming_it_and_nothing_changes(client, body, path):
    before = client.get("/api/v1/settings").json
    # A good change beside the bad one is not kept either: all or nothing.
    r = client.patch("/api/v1/settings", json={"date_format": "YYYY-MM-DD", **body} if body
                     else {})
    assert r.status_code == 422, r.json
    assert r.json["message"]
    errors = r.json["errors"]["json"]
    for step in path:
        assert step in errors, r.json
        errors = errors[step]
    assert client.get("/api/v1/settings").json == before


def test_settings_say_whether_the_newest_chat_came_with_its_title(client):
    sid, events = chat(100, 100)
    client.post("/api/v1/events", json=batch(*events))
    started = client.get(f"/api/v1/sessions/{sid}").json["started_at"]
    assert client.get("/api/v1/settings").json["titles"] == {
        "kept": False, "session_started_at": started}
    later = new_id()
    titled = event(later, "prompt", T0 + timedelta(hours=1), prompt_chars=10, est_tokens=3,
                   title="Quarterly invoice script")
    client.post("/api/v1/events", json=batch(titled))
    assert client.get("/api/v1/settings").json["titles"]["kept"] is True


def test_a_body_that_is_not_json_is_a_400_not_a_500(client):
    r = client.patch("/api/v1/settings", data='{"thresholds": {"loop_calls": NaN}}',
                     content_type="application/json")
    assert r.status_code == 400
    assert client.patch("/api/v1/settings", data="[", content_type="application/json"
                        ).status_code == 400


def test_the_openapi_document_describes_settings_with_each_thresholds_bounds(client):
    spec = client.get("/api/v1/openapi.json").json
    assert {"get", "patch"} <= set(spec["paths"]["/api/v1/settings"])
    change = spec["components"]["schemas"]["ThresholdsChange"]["properties"]["loop_calls"]
    assert (change["minimum"], change["maximum"], change["nullable"]) == (2, 100_000, True)
    assert "default 20" in change["description"]


def test_new_thresholds_mark_stored_signals_stale_for_the_background_to_store_again(client, db):
    sid, events = chat(6_000, 7_000)
    assert client.post("/api/v1/events", json=batch(*events)).json["rejected"] == []

    def stored():
        return db.conn.execute("SELECT signals FROM sessions WHERE id = ?", [sid]).fetchone()[0]

    assert stored() == "[]"  # 13,000 tokens: under the default 20,000
    client.patch("/api/v1/settings", json={"thresholds": {"no_outcome_tokens": 10_000}})
    assert stored() is None  # left to the background writer, not the request...
    names = [s["name"] for s in client.get(f"/api/v1/sessions/{sid}").json["signals"]]
    assert names == ["no_outcome"]  # ...while reads find them with the new thresholds
    assert signals.recount(db) == 1
    assert [s["name"] for s in json.loads(stored())] == ["no_outcome"]
    assert signals.recount(db) == 0  # once
    # The same thresholds again change nothing, and leave nothing to do.
    client.patch("/api/v1/settings", json={"thresholds": {"no_outcome_tokens": 10_000}})
    assert stored() is not None


def test_the_running_server_stores_signals_again_after_a_change(live_server):
    """The real server's background writer, woken by the change: no call to it from the test."""
    headers = live_server.headers()
    sid, events = chat(6_000, 7_000)
    assert requests.post(f"{live_server.url}/api/v1/events", json=batch(*events),
                         headers=headers).json()["rejected"] == []
    conn = sqlite3.connect(live_server.data_dir / "candor.db")

    def stored():
        return conn.execute("SELECT signals FROM sessions WHERE id = ?", [sid]).fetchone()[0]

    assert stored() == "[]"
    r = requests.patch(f"{live_server.url}/api/v1/settings", headers=headers,
                       json={"thresholds": {"no_outcome_tokens": 10_000}})
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 30
    while (stored() or "[]") == "[]" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [s["name"] for s in json.loads(stored())] == ["no_outcome"]
    # Done once: nothing is left for it to do.
    while conn.execute("SELECT count(*) FROM meta WHERE key = ?",
                       [signals.RECOUNT_KEY]).fetchone()[0] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert conn.execute("SELECT count(*) FROM meta WHERE key = ?",
                        [signals.RECOUNT_KEY]).fetchone()[0] == 0
    conn.close()


def test_an_export_records_the_thresholds_it_was_made_with_and_still_verifies(client):
    sid, events = chat(6_000, 7_000)
    client.post("/api/v1/events", json=batch(*events))
    client.patch("/api/v1/settings", json={"thresholds": {"no_outcome_tokens": 10_000}})
    data = client.get("/api/v1/export?format=json").json
    assert data["thresholds"] == {**DEFAULTS, "no_outcome_tokens": 10_000}
    assert [s["name"] for s in data["sessions"][0]["signals"]] == ["no_outcome"]
    assert export.verify(data)[0] is True
    assert journal_file.problem(data) is None
    # The thresholds are covered by the chain like the rest of the header.
    data["thresholds"]["no_outcome_tokens"] = 20_000
    assert export.verify(data) == (False, "the header or summary was changed after export")


def test_the_html_report_names_the_thresholds_changed_from_the_defaults(client):
    client.post("/api/v1/events", json=batch(*chat(6_000, 7_000)[1]))
    before = client.get("/api/v1/export?format=html").get_data(as_text=True)
    assert "thresholds the worker changed" not in before
    client.patch("/api/v1/settings", json={"thresholds": {
        "no_outcome_tokens": 10_000, "read_share": 0.5, "ended_within_ms": 20_000}})
    page = client.get("/api/v1/export?format=html").get_data(as_text=True)
    assert ("Found with thresholds the worker changed from Candor's defaults: Session ended "
            "within this time after it: 20 s (default 10 s); Share of an answer read before the "
            "next prompt: 50% (default 25%); Tokens of a chat, at least: 10,000 (default "
            "20,000).") in page


def test_an_export_made_before_thresholds_were_recorded_still_reads(client):
    client.post("/api/v1/events", json=batch(*chat(100, 100)[1]))
    data = client.get("/api/v1/export?format=json").json
    del data["thresholds"]
    data["integrity"]["header"] = export.header_link(data)
    assert journal_file.problem(data) is None


def test_date_formats_show_a_date_as_people_write_it():
    day = datetime(2026, 12, 5).date()
    shown = {pattern: settings.format_date(day, pattern) for pattern in settings.DATE_FORMATS}
    assert shown == {"D MMM YYYY": "5 Dec 2026", "MMM D, YYYY": "Dec 5, 2026",
                     "YYYY-MM-DD": "2026-12-05", "D/M/YYYY": "5/12/2026",
                     "M/D/YYYY": "12/5/2026", "D.M.YYYY": "5.12.2026"}


def test_the_date_format_is_applied_on_pages_and_iso_stays_in_the_api(client, dashboard):
    sid, events = chat(100, 100)
    client.post("/api/v1/events", json=batch(*events))
    started = client.get(f"/api/v1/sessions/{sid}").json["started_at"]
    client.patch("/api/v1/settings", json={"time_zone": "UTC", "date_format": "M/D/YYYY"})
    page = dashboard.get(f"/sessions/{sid}", headers=NAVIGATE).get_data(as_text=True)
    assert f"{T0.month}/{T0.day}/{T0.year}" in page
    assert T0.strftime("%d %b") not in page
    client.patch("/api/v1/settings", json={"date_format": "YYYY-MM-DD"})
    page = dashboard.get(f"/sessions/{sid}", headers=NAVIGATE).get_data(as_text=True)
    assert T0.date().isoformat() in page
    assert client.get(f"/api/v1/sessions/{sid}").json["started_at"] == started  # ISO in the API
