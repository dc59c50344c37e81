"""Signals fire on sessions built to show them, and stay quiet on ones built not to."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from support import batch, event, new_id

from candor import demo, signals

T0 = datetime(2026, 11, 18, 10, 0, tzinfo=timezone.utc)
FP = "00ff00ff00ff00ff"


def near(fp, bits):
    """`fp` with its lowest `bits` bits flipped."""
    return f"{int(fp, 16) ^ ((1 << bits) - 1):016x}"


def at(seconds):
    return T0 + timedelta(seconds=seconds)


def prompt(sid, s, fp=None, chars=100):
    extra = {"fingerprint": fp} if fp else {}
    return event(sid, "prompt", at(s), prompt_chars=chars, est_tokens=chars // 4, **extra)


def answer(sid, s, chars=1000):
    return event(sid, "response", at(s), response_chars=chars, est_tokens=chars // 4)


def names(client, sid):
    return [s["name"] for s in client.get(f"/api/v1/sessions/{sid}").json["signals"]]


def send(client, *events):
    r = client.post("/api/v1/events", json=batch(*events))
    assert r.json["rejected"] == [], r.json


def test_near_repeated_prompts(client):
    sid = new_id()
    send(client, *[e for i in range(6) for e in (
        prompt(sid, i * 120, near(FP, i % 4)), answer(sid, i * 120 + 20, 200),
        event(sid, "activity", at(i * 120 + 60), active_ms=40_000))])
    found = client.get(f"/api/v1/sessions/{sid}").json["signals"]
    assert found == [{"name": "repeated_prompts", "reason": "5 of 6 prompts were near-repeats"}]


def test_different_prompts_are_not_repeats(client):
    sid = new_id()
    prints = ["0123456789abcdef", "fedcba9876543210", "00000000ffffffff", "ffffffff00000000",
              "0f0f0f0f0f0f0f0f", "f0f0f0f0f0f0f0f0"]
    send(client, *[e for i, fp in enumerate(prints) for e in (
        prompt(sid, i * 120, fp), answer(sid, i * 120 + 20, 200),
        event(sid, "activity", at(i * 120 + 60), active_ms=40_000))])
    assert names(client, sid) == []


def test_no_reading_time_after_a_long_answer(client):
    sid = new_id()
    send(client, prompt(sid, 0), answer(sid, 30, 6000), event(sid, "session_end", at(34)))
    found = client.get(f"/api/v1/sessions/{sid}").json["signals"]
    assert found == [{"name": "no_reading_time",
                      "reason": "A 6,000-character answer, and the session ended 4 s later"}]


@pytest.mark.parametrize("after", [
    [("activity", 60, {"active_ms": 30_000}), ("session_end", 62, {})],  # read it
    [("session_end", 120, {})],                                            # took its time
])
def test_a_long_answer_that_was_read_is_fine(client, after):
    sid = new_id()
    send(client, prompt(sid, 0), answer(sid, 30, 6000),
         *[event(sid, kind, at(s), **extra) for kind, s, extra in after])
    assert names(client, sid) == []


def test_burst_of_prompts_faster_than_reading(client):
    sid = new_id()
    # 4,000-character answers take 160 s to read; a quarter of that is 40 s.
    send(client, *[e for i in range(4) for e in (
        prompt(sid, i * 30), answer(sid, i * 30 + 10, 4000))],
         event(sid, "activity", at(300), active_ms=60_000))  # the last one was read
    assert names(client, sid) == ["burst"]


def test_prompts_after_reading_are_not_a_burst(client):
    sid = new_id()
    send(client, *[e for i in range(4) for e in (
        prompt(sid, i * 120), answer(sid, i * 120 + 10, 4000),
        event(sid, "activity", at(i * 120 + 100), active_ms=60_000))])
    assert names(client, sid) == []


def test_no_outcome_until_there_is_a_link(client):
    sid = new_id()
    send(client, prompt(sid, 0, chars=40_000), answer(sid, 20, 60_000),
         event(sid, "activity", at(200), active_ms=150_000))
    assert client.get(f"/api/v1/sessions/{sid}").json["signals"] == [
        {"name": "no_outcome", "reason": "25,000 tokens, nothing copied, no outcome link"}]
    client.patch(f"/api/v1/sessions/{sid}", json={"outcome_url": "https://git.example/pr/1"})
    assert names(client, sid) == []


def test_a_copy_is_an_outcome(client):
    sid = new_id()
    send(client, prompt(sid, 0, chars=40_000), answer(sid, 20, 60_000),
         event(sid, "activity", at(200), active_ms=150_000))
    assert names(client, sid) == ["no_outcome"]
    send(client, event(sid, "copy", at(210), response_chars=500))  # the cache goes stale
    assert names(client, sid) == []


def test_the_review_queue_filters_by_signal(client):
    bursty, calm = new_id(), new_id()
    send(client, *[e for i in range(4) for e in (prompt(bursty, i * 30),
                                                 answer(bursty, i * 30 + 10, 4000))],
         event(bursty, "activity", at(300), active_ms=60_000))
    send(client, prompt(calm, 0), answer(calm, 10, 100))
    listed = client.get("/api/v1/sessions", query_string={"signal": "burst",
                                                          "tag": "untagged"}).json
    assert [s["id"] for s in listed["sessions"]] == [bursty]
    everything = client.get("/api/v1/sessions").json["sessions"]
    assert {s["id"]: [x["name"] for x in s["signals"]] for s in everything} == {
        bursty: ["burst"], calm: []}


def test_thresholds_live_in_one_place():
    assert signals.THRESHOLDS.near_repeat_bits == 6
    custom = signals.Thresholds(min_burst_prompts=1)
    session = {"est_tokens_in": 0, "est_tokens_out": 0, "copies": 0, "outcome_url": None}
    events = [{"id": "a", "type": "response", "ts": 0, "response_chars": 4000},
              {"id": "b", "type": "prompt", "ts": 1000}]
    assert [s["name"] for s in signals.find(session, events, custom)] == ["burst"]
    assert signals.find(session, events) == []


def test_agent_thresholds_live_in_the_same_place():
    session = {"est_tokens_in": 150_000, "est_tokens_out": 0, "edits": 0, "lines_changed": None,
               "commits": None, "pull_requests": None, "outcome_url": None}
    calls = ["Read"] * 20 + ["Bash"] * 30
    minute = 60_000
    requests, prompts = [n * minute for n in range(40)], [0]
    assert [s["name"] for s in signals.find_agent(session, calls, requests, prompts, 5)] == [
        "no_outcome", "loop", "unattended", "retries"]
    calm = signals.Thresholds(agent_no_outcome_tokens=200_000, loop_calls=21,
                              unattended_ms=40 * minute, min_failed_requests=6)
    assert signals.find_agent(session, calls, requests, prompts, 5, calm) == []
    # A shell tool's run is a loop only when much longer; a commit is an outcome; with no
    # prompt known, no stretch can be said to be without one.
    shell = signals.Thresholds(loop_calls=21, loop_shell_calls=30)
    assert signals.find_agent({**session, "commits": 1}, calls, requests, [], 0, shell) == [
        {"name": "loop", "reason": "Bash was called 30 times in a row"}]


def test_signals_stored_for_a_journal_are_those_of_each_session_on_its_own(db):
    # refresh() reads the events of 500 sessions at a time as rows; find() takes one
    # session's events as dicts. Both must see the same session.
    demo.fill(db, days=21, seed=5)
    db.conn.execute("UPDATE sessions SET signals = NULL")
    db.conn.commit()
    assert signals.refresh(db) > 0
    fields = ("id", "type", "ts", "response_chars", "fingerprint")
    sessions = db.conn.execute(
        "SELECT id, est_tokens_in, est_tokens_out, copies, outcome_url, signals "
        "FROM sessions").fetchall()
    fired = set()
    for sid, tokens_in, tokens_out, copies, outcome_url, stored in sessions:
        session = {"est_tokens_in": tokens_in, "est_tokens_out": tokens_out,
                   "copies": copies, "outcome_url": outcome_url}
        events = [dict(zip(fields, row, strict=True)) for row in db.conn.execute(
            f"SELECT {', '.join(fields)} FROM events WHERE session_id = ?", [sid])]
        assert json.loads(stored) == signals.find(session, events), sid
        fired.update(s["name"] for s in json.loads(stored))
    assert {"burst", "repeated_prompts"} <= fired  # the demo's busywork shows these


def test_signals_are_computed_as_a_session_ends(client, db):
    def stored(sid):
        return db.conn.execute("SELECT signals FROM sessions WHERE id = ?", [sid]).fetchone()[0]

    sid = new_id()
    send(client, prompt(sid, 0, FP), answer(sid, 5, chars=3000))
    assert stored(sid) is None  # still going
    assert names(client, sid) == ["no_reading_time"]  # computed for the read...
    assert client.get("/api/v1/sessions").json["sessions"][0]["signals"]
    assert stored(sid) is None  # ...and not stored by it
    send(client, event(sid, "session_end", at(8)))
    assert [s["name"] for s in json.loads(stored(sid))] == ["no_reading_time"]
    send(client, event(sid, "activity", at(9), active_ms=1000))  # it arrived late
    assert json.loads(stored(sid)) == []  # stored again by the batch that brought it
    assert names(client, sid) == []


def test_a_new_outcome_link_stores_the_signals_again(client, db):
    sid = new_id()
    send(client, prompt(sid, 0, chars=80_000), answer(sid, 5, chars=4000),
         event(sid, "session_end", at(600)))
    assert names(client, sid) == ["no_outcome"]
    client.patch(f"/api/v1/sessions/{sid}", json={"outcome_url": "https://example.com/pr/1"})
    assert db.conn.execute("SELECT signals FROM sessions WHERE id = ?", [sid]).fetchone()[0] == "[]"


def test_sessions_left_idle_without_an_end_get_their_signals_stored(client, db):
    idle, going = new_id(), new_id()
    send(client, prompt(idle, 0, FP), answer(idle, 5, chars=3000))
    send(client, prompt(going, 19 * 60, FP))
    ten_minutes_in = int((T0 + timedelta(minutes=10)).timestamp() * 1000)
    assert signals.refresh_idle(db, now_ms=ten_minutes_in + signals.IDLE_MS) == 1
    stored = dict(db.conn.execute("SELECT id, signals FROM sessions").fetchall())
    assert [s["name"] for s in json.loads(stored[idle])] == ["no_reading_time"]
    assert stored[going] is None  # not idle long enough: it may still go on
