"""POST /api/v1/events: every event accepted once, duplicates known, bad ones named."""

import json
import random
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from support import batch, event, new_id

from candor import demo

URL = "/api/v1/events"


def count(db, table):
    return db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_accepts_a_batch_and_builds_the_session(client):
    sid = new_id()
    t0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    events = [
        event(sid, "session_start", t0, url="https://chatgpt.com/"),
        event(sid, "prompt", t0 + timedelta(seconds=5), prompt_chars=120, est_tokens=30,
              fingerprint="0123456789abcdef", model="gpt-5", tokenizer="o200k"),
        event(sid, "response", t0 + timedelta(seconds=20), response_chars=2000, est_tokens=500,
              model="gpt-5", url="https://chatgpt.com/c/abc", title="Fix the build",
              tokenizer="chars/4"),
        event(sid, "activity", t0 + timedelta(seconds=35), active_ms=15000),
        event(sid, "copy", t0 + timedelta(seconds=40), response_chars=300),
        event(sid, "activity", t0 + timedelta(seconds=50), active_ms=14500),
        event(sid, "session_end", t0 + timedelta(seconds=60)),
    ]
    r = client.post(URL, json=batch(*events))
    assert r.status_code == 200
    assert r.json == {"accepted": 7, "duplicates": 0, "rejected": []}

    s = client.get(f"/api/v1/sessions/{sid}").json
    assert [(e["type"], e["at"][11:19]) for e in s.pop("timeline")] == [
        ("session_start", "09:00:00"), ("prompt", "09:00:05"), ("response", "09:00:20"),
        ("activity", "09:00:35"), ("copy", "09:00:40"), ("activity", "09:00:50"),
        ("session_end", "09:01:00")]
    assert s.pop("tag_history") == [] and s.pop("signals") == []
    assert s.pop("machine")["this"] is True  # made here, not merged in from another machine
    assert s == {
        "id": sid, "site": "chatgpt",
        "started_at": "2026-11-20T09:00:00.000+00:00",
        "ended_at": "2026-11-20T09:01:00.000+00:00",
        "active_seconds": 29.5, "prompts": 1, "responses": 1, "copies": 1,
        "est_tokens_in": 30, "est_tokens_out": 500, "tokenizer": "mixed", "model": "gpt-5",
        "url": "https://chatgpt.com/c/abc", "title": "Fix the build",
        "tag": None, "note": None, "outcome_url": None,
        # A chat session: the agent sessions' figures are none.
        "kind": "chat", **dict.fromkeys(("tokens_in", "tokens_out", "tokens_cache_read",
                                         "tokens_cache_write", "tokens_reasoning", "requests",
                                         "tool_calls", "models", "project", "edits",
                                         "lines_changed", "commits", "pull_requests")),
        "labels": [], "suggested_tag": None,
    }


def test_resent_events_are_duplicates_and_change_nothing(client, db):
    sid = new_id()
    events = [event(sid, "activity", active_ms=1000) for _ in range(3)]
    assert client.post(URL, json=batch(*events)).json["accepted"] == 3
    again = client.post(URL, json=batch(*events, events[0]))
    assert again.json == {"accepted": 0, "duplicates": 4, "rejected": []}
    assert count(db, "events") == 3
    assert client.get(f"/api/v1/sessions/{sid}").json["active_seconds"] == 3.0


def test_good_events_are_stored_when_others_are_bad(client, db):
    sid = new_id()
    good = event(sid, "prompt", prompt_chars=10)
    bad_type = event(sid, "typing")
    unknown = event(sid, "prompt", prompt_text="secret words")
    r = client.post(URL, json=batch(bad_type, good, unknown))
    assert r.status_code == 200
    assert r.json["accepted"] == 1
    assert [x["index"] for x in r.json["rejected"]] == [0, 2]
    assert r.json["rejected"][0]["id"] == bad_type["id"]
    assert "type" in r.json["rejected"][0]["errors"]
    assert r.json["rejected"][1]["errors"] == {"prompt_text": ["Unknown field."]}
    assert count(db, "events") == 1


@pytest.mark.parametrize("field,value", [
    ("id", "not-a-uuid"),
    ("session_id", 12),
    ("ts", "2026-11-20T09:00:00"),          # no zone
    ("ts", "2019-12-31T23:59:59Z"),         # before 2020
    ("ts", (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()),
    ("ts", "yesterday"),
    ("site", "example.com"),
    ("site", "custom:"),
    ("site", "custom:bad host"),
    ("prompt_chars", -1),
    ("prompt_chars", 10_000_001),
    ("prompt_chars", 1.5),
    ("prompt_chars", "12"),
    ("prompt_chars", True),
    ("est_tokens", 10**30),
    ("fingerprint", "0123456789ABCDEF"),
    ("fingerprint", "0123"),
    ("model", "m" * 101),
    ("url", "u" * 2049),
    ("title", "t" * 513),
    ("active_ms", 10),                        # not on a prompt
    ("response_chars", 10),                   # not on a prompt
])
def test_each_bad_field_is_named(client, db, field, value):
    e = event(type="prompt")
    e[field] = value
    r = client.post(URL, json=batch(e))
    assert r.status_code == 200
    assert r.json["accepted"] == 0
    assert list(r.json["rejected"][0]["errors"]) == [field]
    assert count(db, "events") == 0


def test_activity_needs_active_ms_within_an_hour(client):
    r = client.post(URL, json=batch(event(type="activity"),
                                    event(type="activity", active_ms=3_600_001),
                                    event(type="activity", active_ms=3_600_000)))
    assert r.json["accepted"] == 1
    assert [list(x["errors"]) for x in r.json["rejected"]] == [["active_ms"], ["active_ms"]]


def test_custom_sites_and_every_known_site_are_accepted(client):
    sites = ["chatgpt", "claude", "gemini", "copilot", "perplexity", "deepseek", "grok",
             "mistral", "poe", "meta", "custom:ai.corp.example", "custom:localhost:8080"]
    r = client.post(URL, json=batch(*[event(site=s) for s in sites]))
    assert r.json == {"accepted": len(sites), "duplicates": 0, "rejected": []}


def test_a_zone_other_than_utc_is_the_same_instant(client):
    sid = new_id()
    client.post(URL, json=batch(event(sid, "session_start", "2026-11-20T10:30:00+01:30")))
    assert client.get(f"/api/v1/sessions/{sid}").json["started_at"] == \
        "2026-11-20T09:00:00.000+00:00"


@pytest.mark.parametrize("body", [
    [],
    {"events": []},
    {"client": {"id": "x"}, "events": []},
    {"client": {"id": "x"}},
    {"client": {"id": "x"}, "events": {"0": {}}},
    {"client": {}, "events": [{}]},
    {"client": {"id": "x"}, "events": [{}] * 1001},
    {"client": {"id": "x"}, "events": [{}], "extra": 1},
    "events",
    None,
])
def test_a_malformed_batch_stores_nothing(client, db, body):
    r = client.post(URL, data=json.dumps(body), content_type="application/json")
    assert r.status_code == 422
    assert r.json["code"] == 422
    assert count(db, "events") == 0


def test_a_malformed_batch_with_good_events_stores_none_of_them(client, db):
    body = batch(event())
    body["client"] = {"id": "x", "nickname": "y"}
    r = client.post(URL, json=body)
    assert r.status_code == 422
    assert "nickname" in r.json["errors"]["json"]["client"]
    assert count(db, "events") == 0


def test_nan_and_infinity_are_rejected(client, db):
    raw = ('{"client": {"id": "x"}, "events": [{"id": "' + new_id() + '", "session_id": "'
           + new_id() + '", "type": "prompt", "ts": "2026-11-20T09:00:00Z", "site": "claude", '
           '"prompt_chars": NaN}]}')
    r = client.post(URL, data=raw, content_type="application/json")
    assert r.status_code == 400
    assert r.json["code"] == 400
    huge = raw.replace("NaN", "1e999")
    r = client.post(URL, data=huge, content_type="application/json")
    assert r.status_code == 200
    assert "prompt_chars" in r.json["rejected"][0]["errors"]
    assert count(db, "events") == 0


def test_a_full_batch_of_1000_is_accepted(client, db):
    sid = new_id()
    r = client.post(URL, json=batch(*[event(sid, "activity", active_ms=10) for _ in range(1000)]))
    assert r.json["accepted"] == 1000
    assert count(db, "events") == 1000


def test_an_oversized_body_gets_413_and_stores_nothing(client, db):
    body = batch(*[event(title="t" * 512, url="u" * 2048) for _ in range(1000)])
    body["client"]["browser"] = "b"
    r = client.post(URL, json={**body, "padding": "x" * (4 * 1024 * 1024)})
    assert r.status_code == 413
    assert r.json["code"] == 413
    assert count(db, "events") == 0


def test_events_of_a_forgotten_session_are_not_stored_again(client, db):
    sid = new_id()
    events = [event(sid, "activity", active_ms=500), event(sid, "prompt")]
    client.post(URL, json=batch(*events))
    assert client.delete(f"/api/v1/sessions/{sid}").status_code == 204
    r = client.post(URL, json=batch(*events, event(sid, "copy")))
    assert r.json == {"accepted": 0, "duplicates": 3, "rejected": []}
    assert client.get(f"/api/v1/sessions/{sid}").status_code == 404
    assert count(db, "events") == 0


def test_time_ordered_ids_as_the_extension_makes_them(client, db):
    # The extension names sessions and events with UUID version 7 (time first, so new
    # rows land at the end of the indexes); the demo generator does the same.
    _, events = demo.session_events(random.Random(3), 1_795_600_000_000, "real")
    for e in events:
        assert uuid.UUID(e["id"]).version == 7
        assert uuid.UUID(e["id"]).int >> 80 == e["ts"]
    sent = [demo.as_json(e) for e in events]
    assert client.post(URL, json=batch(*sent)).json == {
        "accepted": len(events), "duplicates": 0, "rejected": []}
    assert client.post(URL, json=batch(*sent)).json == {
        "accepted": 0, "duplicates": len(events), "rejected": []}
    assert count(db, "events") == len(events)
    assert client.get(f"/api/v1/sessions/{events[0]['session_id']}").json["prompts"] > 0


# --- lone surrogates: valid JSON, not text ----------------------------------------------

SURROGATE_MESSAGE = "Holds a lone surrogate (\\ud800-\\udfff), not text."


def post_raw(client, body):
    """POST a body as json.dumps writes it: a lone surrogate goes out as its \\u escape."""
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def test_a_lone_surrogate_rejects_only_the_event_holding_it(client, db):
    sid = new_id()
    first, second = event(sid, "prompt", title="Fine"), event(sid, "prompt", title="Also fine")
    bad_title = event(sid, "response", title="Broken \ud800 title", response_chars=5)
    bad_model = event(sid, "prompt", model="\udfff")
    r = post_raw(client, batch(first, bad_title, second, bad_model))
    assert r.status_code == 200
    assert r.json == {"accepted": 2, "duplicates": 0, "rejected": [
        {"index": 1, "id": bad_title["id"], "errors": {"title": [SURROGATE_MESSAGE]}},
        {"index": 3, "id": bad_model["id"], "errors": {"model": [SURROGATE_MESSAGE]}},
    ]}
    assert count(db, "events") == 2
    assert client.get(f"/api/v1/sessions/{sid}").json["prompts"] == 2


def test_a_lone_surrogate_in_a_field_name_or_id_is_named_printably(client, db):
    odd_name = event(type="prompt")
    odd_name["x\udc80"] = 1
    odd_id = event(type="prompt")
    odd_id["id"] = "\ud800"
    r = post_raw(client, batch(odd_name, odd_id, event()))
    assert r.json["accepted"] == 1
    named, unnamed = r.json["rejected"]
    assert named["errors"] == {"x\\udc80": [SURROGATE_MESSAGE]}
    assert unnamed["id"] is None and unnamed["errors"]["id"] == [SURROGATE_MESSAGE]
    assert count(db, "events") == 1


def test_a_lone_surrogate_outside_the_events_refuses_the_body(client, db):
    body = batch(event())
    body["client"]["browser"] = "\ud800"
    r = post_raw(client, body)
    assert r.status_code == 400
    assert "'client' holds a lone surrogate" in r.json["message"]
    assert count(db, "events") == 0


def test_the_fast_path_leaves_lone_surrogates_to_the_slow_one():
    from candor import fast_batch

    good = batch(event(title="fine"))
    assert fast_batch.decode(json.dumps(good).encode()) is not None
    for text in ("\ud800", "\udc00", "a\ud83dz"):
        body = batch(event(title=text))
        assert fast_batch.decode(json.dumps(body).encode()) is None, text


def test_other_endpoints_refuse_a_body_holding_a_lone_surrogate(client):
    sid = new_id()
    client.post(URL, json=batch(event(sid)))
    r = client.patch(f"/api/v1/sessions/{sid}", data=json.dumps({"note": "a\ud800"}),
                     content_type="application/json")
    assert r.status_code == 400
    assert "lone surrogate" in r.json["message"]
    assert client.get(f"/api/v1/sessions/{sid}").json["note"] is None
