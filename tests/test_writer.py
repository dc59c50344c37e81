"""While `candor serve` runs, a process of its own stores the extension's batches
(writer.py): killed, it is replaced and nothing acknowledged is lost or counted twice;
it ends with the server, even a killed one."""

import os
import signal
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from support import batch, event, new_id, start_server

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="finds the writer process through /proc (Linux)")


def _writers(server_pid):
    """Pids of the server's writer processes (`python -m candor.writer`)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent, state = int(stat.rsplit(")", 1)[1].split()[1]), stat.rsplit(")", 1)[1].split()[0]
        if parent == server_pid and state != "Z" and b"candor.writer" in command:
            found.append(int(entry.name))
    return found


def _the_writer(server_pid, not_this=None):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = [pid for pid in _writers(server_pid) if pid != not_this]
        if len(found) == 1:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no single writer process: {_writers(server_pid)}")


def _gone(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def _post(server, events):
    r = requests.post(f"{server.url}/api/v1/events", json=batch(*events),
                      headers=server.headers(), timeout=90)
    assert r.status_code == 200, r.text
    return r.json()


def _stored(data_dir):
    conn = sqlite3.connect(data_dir / "candor.db")
    try:
        return [row[0] for row in conn.execute("SELECT id FROM events")]
    finally:
        conn.close()


def _post_together(server, batches):
    """POST `batches` from several threads at once (a lone batch is stored without the
    writer); returns the answers."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda events: _post(server, events), batches))


def test_a_killed_writer_is_replaced_and_nothing_is_lost_or_doubled(tmp_path):
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    try:
        writer = _the_writer(server.process.pid)
        sessions = [new_id() for _ in range(8)]
        sent = [[event(s, "prompt"), event(s, "activity", active_ms=5_000)] for s in sessions]
        answers = _post_together(server, sent)
        assert sum(a["accepted"] for a in answers) == 16

        os.kill(writer, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while not _gone(writer):
            assert time.monotonic() < deadline, "the killed writer is still there"
            time.sleep(0.02)

        # Batches keep coming, some at once, until one of them has needed the writer and
        # a new one was started: each is answered 200, and each event stored once.
        deadline = time.monotonic() + 30
        while not [pid for pid in _writers(server.process.pid) if pid != writer]:
            assert time.monotonic() < deadline, "no new writer was started"
            more = [[event(s, "activity", active_ms=1_000)] for s in sessions]
            answers = _post_together(server, more)
            assert [a["accepted"] for a in answers] == [1] * 8
            sent.extend(more)
        again = _post_together(server, sent[:8])
        assert [a["duplicates"] for a in again] == [2] * 8

        assert sorted(_stored(data_dir)) == sorted(e["id"] for b in sent for e in b)
        r = requests.get(f"{server.url}/api/v1/sessions/{sessions[0]}", headers=server.headers(),
                         timeout=10)
        active = sum(e.get("active_ms", 0) for b in sent for e in b
                     if e["session_id"] == sessions[0])
        assert r.json()["prompts"] == 1 and r.json()["active_seconds"] == active / 1000
    finally:
        server.kill(signal.SIGTERM)


def test_batches_checked_in_full_are_stored_by_the_writer_too(tmp_path):
    """A batch with an event the fast check refuses goes Flask's way; sent with others,
    its good events are stored by the writer, and the refused one is named."""
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    try:
        writer = _the_writer(server.process.pid)
        sent = [[event(new_id(), "prompt"), event(new_id(), "prompt", site="no-such-site")]
                for _ in range(16)]
        answers = _post_together(server, sent)
        assert [(a["accepted"], len(a["rejected"])) for a in answers] == [(1, 1)] * 16
        assert sorted(_stored(data_dir)) == sorted(b[0]["id"] for b in sent)
        assert _writers(server.process.pid) == [writer]  # it answered; it never failed
    finally:
        server.kill(signal.SIGTERM)


def test_a_writer_that_hangs_is_replaced(tmp_path):
    """A writer that gives no answer (stopped here) is ended after writer.ANSWER_WITHIN
    seconds and a new one started; the batches it held are stored all the same."""
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    try:
        writer = _the_writer(server.process.pid)
        os.kill(writer, signal.SIGSTOP)
        # Batches sent together (a lone one is stored without the writer) until one of
        # them has waited for the stopped writer and a new one was started.
        sent = []
        deadline = time.monotonic() + 120
        while not [pid for pid in _writers(server.process.pid) if pid != writer]:
            assert time.monotonic() < deadline, "the stopped writer was never replaced"
            more = [[event(new_id(), "prompt")] for _ in range(8)]
            assert [a["accepted"] for a in _post_together(server, more)] == [1] * 8
            sent.extend(more)
        assert sorted(_stored(data_dir)) == sorted(b[0]["id"] for b in sent)
        assert _gone(writer)
    finally:
        server.kill(signal.SIGTERM)


def test_the_writer_ends_with_the_server_even_a_killed_one(tmp_path):
    server = start_server(tmp_path / "data")
    writer = _the_writer(server.process.pid)
    server.kill(signal.SIGKILL)
    deadline = time.monotonic() + 20
    while not _gone(writer):
        assert time.monotonic() < deadline, "the writer outlived its server"
        time.sleep(0.05)


def test_a_journal_busy_elsewhere_is_answered_503_and_stores_nothing(tmp_path):
    """Another process holds the journal's write lock longer than a batch waits for it
    (10 s, twice: the batch's fast way, then Flask's): two batches sent at once (one
    stored here, one by the writer) get the API's 503, and are stored when sent again."""
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    try:
        writer = _the_writer(server.process.pid)
        holder = sqlite3.connect(data_dir / "candor.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        batches = [[event(new_id(), "prompt")], [event(new_id(), "prompt")]]
        try:
            with ThreadPoolExecutor(2) as pool:
                answers = list(pool.map(lambda events: requests.post(
                    f"{server.url}/api/v1/events", json=batch(*events),
                    headers=server.headers(), timeout=60), batches))
            for r in answers:
                assert r.status_code == 503, r.text
                assert "send the request again" in r.json()["message"]
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert _stored(data_dir) == []
        assert [a["accepted"] for a in _post_together(server, batches)] == [1, 1]
        assert _writers(server.process.pid) == [writer]  # it answered; it never failed
    finally:
        server.kill(signal.SIGTERM)
