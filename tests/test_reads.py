"""Reads never write: pages, lists and exports answer while something else holds the write lock."""

import sqlite3
import threading
from datetime import datetime, timedelta, timezone

import requests
from support import batch, event, new_id

from candor import ingest, journal
from candor.db import connect, write
from candor.schemas import load_event

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


def test_a_connection_opened_for_a_read_does_not_wait_for_a_write(tmp_path):
    path = str(tmp_path / "candor.db")
    db = connect(path)
    ingest.store_events(db, [load_event(event(type="activity", active_ms=1000))])
    writing, done = threading.Event(), threading.Event()

    def long_write():
        with write(db):  # this process's write lock, and SQLite's
            writing.set()
            done.wait(10)

    writer = threading.Thread(target=long_write)
    writer.start()
    assert writing.wait(5)
    read = {}

    def reader():  # as a server thread's first request does
        fresh = connect(path)
        read["sessions"] = journal.list_sessions(fresh)[0]
        fresh.close()

    thread = threading.Thread(target=reader)
    thread.start()
    thread.join(5)
    answered_during_the_write = not thread.is_alive()
    done.set()
    writer.join()
    thread.join()
    db.close()
    assert answered_during_the_write
    assert len(read["sessions"]) == 1
