"""Killed at any moment, the server loses no acknowledged event and counts none twice."""

import random
import sqlite3
import threading
import time
import traceback
from datetime import date, timedelta

import requests
from support import batch, expected_sessions, start_server, stored_sessions

from candor import demo


def demo_rows(seed, days):
    rng = random.Random(seed)
    rows = []
    for _, _, events in demo.generate(rng, date.today() - timedelta(days=days + 1), days):
        rows.extend(events)
    rng.shuffle(rows)  # arrival order is not event order
    return rows


def test_sigkill_at_random_moments_loses_and_doubles_nothing(tmp_path):
    rng = random.Random(11)
    rows = demo_rows(seed=5, days=40)
    batches, start = [], 0
    while start < len(rows):
        size = rng.randint(1, 40)
        batches.append(rows[start:start + size])
        start += size
    acknowledged = set()
    errors = []  # what the sender saw go wrong; asserted in the test's own thread
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    kills = interrupted = 0

    def send_all(server, stop):
        """Send every batch not yet acknowledged, as the extension's queue would."""
        try:
            for chunk in batches:
                if stop.is_set():
                    return
                if all(row["id"] in acknowledged for row in chunk):
                    continue
                try:
                    r = requests.post(f"{server.url}/api/v1/events",
                                      json=batch(*[demo.as_json(row) for row in chunk]),
                                      headers=server.headers(), timeout=10)
                except requests.RequestException:
                    return  # the server died mid-request: this batch is not acknowledged
                if r.status_code != 200 or r.json()["rejected"] != []:
                    errors.append(f"a batch was answered {r.status_code}: {r.text[:500]}")
                    return
                acknowledged.update(row["id"] for row in chunk)
        except Exception:  # an assert here would only end the thread, not fail the test
            errors.append(traceback.format_exc())

    while kills < 6:
        stop = threading.Event()
        sender = threading.Thread(target=send_all, args=(server, stop))
        sender.start()
        time.sleep(rng.uniform(0.02, 0.15))
        server.kill()  # SIGKILL, wherever the server is
        kills += 1
        interrupted += len(acknowledged) < len(rows)
        stop.set()
        sender.join(timeout=30)
        assert not sender.is_alive(), "the sender is stuck"
        assert errors == [], errors
        server = start_server(data_dir)
    # The last run goes to the end.
    send_all(server, threading.Event())
    server.kill()
    assert errors == [], errors

    assert interrupted >= 4, "the kills should land while batches are still flowing"
    assert len(acknowledged) == len(rows)
    db = sqlite3.connect(data_dir / "candor.db")
    assert db.execute("SELECT count(*), count(DISTINCT id) FROM events").fetchone() == (
        len(rows), len(rows))
    assert stored_sessions(db) == expected_sessions(rows)
    db.close()
