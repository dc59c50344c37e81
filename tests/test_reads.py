"""Reads never write: pages, lists and exports answer while something else holds the write lock."""

import sqlite3
from datetime import datetime, timedelta, timezone

import requests
from support import batch, event, new_id

T0 = datetime.now(timezone.utc) - timedelta(hours=1)


def test_reads_answer_while_another_process_holds_the_write_lock(live_server):
    going = new_id()  # no session_end yet: its signals are not stored
    events = [e for i in range(4) for e in (
        event(going, "prompt", T0 + timedelta(seconds=i * 30), prompt_chars=10),
        event(going, "response", T0 + timedelta(seconds=i * 30 + 10), response_chars=4000))]
    r = requests.post(f"{live_server.url}/api/v1/events", json=batch(*events),
                      headers=live_server.headers(), timeout=10)
    assert r.json()["accepted"] == 8

    holder = sqlite3.connect(live_server.data_dir / "candor.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the journal's write lock, held by another process
    try:
        def get(path, **params):
            # The server's writers wait up to 10 s for the lock: a read that wrote would too.
            answer = requests.get(f"{live_server.url}{path}", params=params,
                                  headers=live_server.headers(), timeout=5)
            assert answer.status_code == 200, (path, params, answer.text[:300])
            return answer

        listed = get("/api/v1/sessions").json()["sessions"]
        assert "burst" in [s["name"] for s in listed[0]["signals"]]
        assert [s["id"] for s in get("/api/v1/sessions", sort="signals").json()["sessions"]] \
            == [going]
        assert [s["id"] for s in get("/api/v1/sessions", signal="burst").json()["sessions"]] \
            == [going]
        assert "burst" in [s["name"] for s in get(f"/api/v1/sessions/{going}").json()["signals"]]
        assert going in get("/review").text
        assert going in get("/review", sort="signals").text
        assert "came faster than the answers" in get(f"/sessions/{going}").text
        exported = get("/api/v1/export", format="json").json()
        assert "burst" in [s["name"] for s in exported["sessions"][0]["signals"]]
        get("/api/v1/export", format="html")
        get("/api/v1/export", format="csv")
        get("/api/v1/stats", group="day")
        get("/")
        # Nothing was stored by those reads (the lock was ours all along).
        stored = holder.execute("SELECT signals FROM sessions WHERE id = ?", [going]).fetchone()
        assert stored == (None,)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
