"""Session totals don't depend on arrival order or on re-sends (property tests)."""

import uuid
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import expected_sessions, stored_sessions

from candor import ingest, journal
from candor.db import connect
from candor.schemas import EventSchema

SESSIONS = [str(uuid.UUID(int=i + 1)) for i in range(3)]
BASE_MS = int(datetime(2026, 3, 1, tzinfo=timezone.utc).timestamp() * 1000)
TYPES = ("session_start", "prompt", "response", "activity", "copy", "session_end")


@st.composite
def an_event(draw):
    kind = draw(st.sampled_from(TYPES))
    e = {
        "id": str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)))),
        "session_id": draw(st.sampled_from(SESSIONS)),
        "type": kind,
        # Few distinct times, so ties (same ms) are common: the id must break them.
        "ts": BASE_MS + draw(st.integers(0, 20)) * 60_000,
        "site": draw(st.sampled_from(["chatgpt", "claude", "custom:ai.corp.example"])),
    }
    if kind == "activity":
        e["active_ms"] = draw(st.integers(0, 3_600_000))
    if kind in ("prompt", "response"):
        if draw(st.integers(0, 5)):  # now and then none (a prompt too long to count, say)
            e["est_tokens"] = draw(st.integers(0, 10_000_000))
        tokenizer = draw(st.sampled_from([None, "o200k", "chars/4"]))
        if tokenizer:
            e["tokenizer"] = tokenizer
    for name in ("model", "url", "title"):
        if draw(st.booleans()):
            e[name] = draw(st.sampled_from(["a", "b", "c"]))
    return e


def day_totals_match_the_buckets(db):
    """The per-day totals (kept by triggers) equal the buckets and sessions added up.

    (local_day() is the journal's zone, as each connection defines it: see time_zone.py.)
    """
    kept = db.conn.execute("SELECT day, tag, active_ms, est_tokens, sessions FROM day_totals "
                           "WHERE active_ms OR est_tokens OR sessions ORDER BY 1, 2").fetchall()
    time = {(d, t): (ms, tok) for d, t, ms, tok in db.conn.execute(
        "SELECT local_day(bucket), coalesce(tag, ''), SUM(active_ms), "
        "SUM(est_tokens) FROM session_buckets GROUP BY 1, 2")}
    started = dict(((d, t), n) for d, t, n in db.conn.execute(
        "SELECT local_day(started_at / 1000), coalesce(tag, ''), count(*) "
        "FROM sessions GROUP BY 1, 2"))
    computed = sorted((d, t, *time.get((d, t), (0, 0)), started.get((d, t), 0))
                      for d, t in set(time) | set(started))
    return kept == [row for row in computed if any(row[2:])]


def bucket_totals(db):
    return db.conn.execute(
        "SELECT session_id, SUM(active_ms), SUM(est_tokens) FROM session_buckets "
        "GROUP BY session_id ORDER BY session_id").fetchall()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(
    events=st.lists(an_event(), min_size=1, max_size=40, unique_by=lambda e: e["id"]),
    data=st.data(),
)
def test_any_order_and_any_repeats_give_the_same_sessions(tmp_path_factory, events, data):
    # Send the events with some repeated, in a random order, in random batch sizes.
    repeats = data.draw(st.lists(st.sampled_from(events), max_size=20))
    shuffled = data.draw(st.permutations(events + repeats))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(shuffled)), max_size=5)))
    db = connect(str(tmp_path_factory.mktemp("prop") / "candor.db"))
    try:
        accepted = 0
        for start, end in zip([0, *cuts], [*cuts, len(shuffled)], strict=True):
            if start < end:
                result = ingest.store_events(db, [dict(e) for e in shuffled[start:end]])
                accepted += result.accepted
        assert accepted == len(events)
        assert stored_sessions(db.conn) == expected_sessions(events)
        # The time buckets add up to the same totals as the sessions.
        expected = expected_sessions(events)
        assert bucket_totals(db) == [
            (sid, s["active_ms"], s["est_tokens_in"] + s["est_tokens_out"])
            for sid, s in sorted(expected.items())
            if s["active_ms"] or s["est_tokens_in"] + s["est_tokens_out"]
        ]
        # Tagging, re-tagging and forgetting keep the per-day totals right too.
        sids = sorted(expected)
        journal.apply_tags(db, [(sid, data.draw(st.sampled_from(["real", "busywork", None])), 0)
                                for sid in sids])
        assert day_totals_match_the_buckets(db)
        journal.forget_session(db, sids[0])
        assert day_totals_match_the_buckets(db)
    finally:
        db.close()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    events=st.lists(an_event(), min_size=2, max_size=40, unique_by=lambda e: e["id"]),
    data=st.data(),
)
def test_after_forgetting_any_order_and_repeats_give_the_same_new_session(tmp_path_factory,
                                                                           events, data):
    # Some of a session's events arrive, it is forgotten at minute 10, then everything
    # is sent (again) in any order and batches: its events up to the forgetting's reach
    # are duplicates, the later ones one new session, the other sessions untouched.
    forgotten, at = SESSIONS[0], BASE_MS + 10 * 60_000
    first = data.draw(st.lists(st.sampled_from(events), min_size=1, max_size=len(events),
                               unique_by=lambda e: e["id"]))
    first = [dict(e, session_id=forgotten) for e in first]
    first_ids = {e["id"] for e in first}
    events = [e for e in events if e["id"] not in first_ids] + first
    db = connect(str(tmp_path_factory.mktemp("forget") / "candor.db"))
    try:
        ingest.store_events(db, [dict(e) for e in first])
        journal.forget_session(db, forgotten, now_ms=at)
        through = max(at, *(e["ts"] for e in first))
        new = ingest.successor(forgotten, at)
        expected = [dict(e, session_id=new) if e["session_id"] == forgotten else e
                    for e in events if e["session_id"] != forgotten or e["ts"] > through]
        repeats = data.draw(st.lists(st.sampled_from(events), max_size=20))
        shuffled = data.draw(st.permutations(events + repeats))
        cut = data.draw(st.integers(0, len(shuffled)))
        accepted = sum(ingest.store_events(db, [dict(e) for e in part]).accepted
                       for part in (shuffled[:cut], shuffled[cut:]))
        assert accepted == len(expected)
        assert stored_sessions(db.conn) == expected_sessions(expected)
        assert day_totals_match_the_buckets(db)
    finally:
        db.close()


def test_the_schema_turns_any_zone_into_exact_milliseconds():
    row = EventSchema().load({
        "id": str(uuid.uuid4()), "session_id": str(uuid.uuid4()), "type": "copy",
        "ts": "2026-03-01T05:30:00.1239+05:30", "site": "claude"})
    assert row["ts"] == BASE_MS + 123
