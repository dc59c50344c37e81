"""Hostile values in events: always a clear 4xx or a per-event rejection, never a 5xx."""

import json
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import batch

FIELDS = ["id", "session_id", "type", "ts", "site", "active_ms", "prompt_chars",
          "response_chars", "est_tokens", "fingerprint", "model", "url", "title"]

hostile = st.one_of(
    st.integers(min_value=-(2**200), max_value=2**200),
    st.floats(),  # NaN and Infinity are rejected by the JSON reader
    st.sampled_from(["0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00",
                     "2026-11-20T09:00:00-99:99", "\x00", "\u202e", "\ud800", "𝟘𝟙𝟚"]),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.text(alphabet=st.characters(max_codepoint=31), max_size=10),  # control characters
    st.just("x" * 1_000_000),
    st.booleans(), st.none(), st.lists(st.integers(), max_size=3),
    st.recursive(st.none(), lambda inner: st.lists(inner, max_size=2), max_leaves=30),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


@st.composite
def hostile_event(draw):
    event = {"id": str(uuid.uuid4()), "session_id": str(uuid.uuid4()), "type": "prompt",
             "ts": "2026-11-20T09:00:00Z", "site": "chatgpt"}
    for name in draw(st.lists(st.sampled_from(FIELDS + ["extra"]), min_size=1, max_size=4)):
        event[name] = draw(hostile)
    return event


def count(db):
    return db.conn.execute("SELECT count(*) FROM events").fetchone()[0]


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(event=hostile_event())
def test_hostile_values_are_answered_and_never_half_stored(client, db, event):
    before = count(db)
    body = json.dumps(batch(event), allow_nan=True)
    r = client.post("/api/v1/events", data=body, content_type="application/json")
    assert r.status_code < 500
    assert r.is_json
    if r.status_code == 200:
        stored = r.json["accepted"] + r.json["duplicates"]
        assert stored + len(r.json["rejected"]) == 1
        assert count(db) == before + r.json["accepted"]
        for rejection in r.json["rejected"]:
            assert rejection["errors"] and all(isinstance(m, list) for m in
                                               rejection["errors"].values())
    else:
        assert r.status_code in (400, 413, 422)
        assert count(db) == before


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300))
def test_random_bytes_get_a_4xx(client, db, raw):
    r = client.post("/api/v1/events", data=raw, content_type="application/json")
    assert r.status_code in (400, 422)
    assert r.is_json and r.json["code"] == r.status_code
    assert count(db) == 0
