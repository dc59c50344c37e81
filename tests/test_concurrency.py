"""Many clients at once, sending the same events, while the user tags and reads stats."""

import random
import sqlite3
import threading
from datetime import date, timedelta

import requests
from support import batch, expected_sessions, stored_sessions

from candor import demo


def test_overlapping_senders_a_tagger_and_a_reader(live_server):
    rng = random.Random(3)
    rows, session_ids = [], []
    for sid, _, events in demo.generate(rng, date.today() - timedelta(days=5), 4):
        rows.extend(events)
        session_ids.append(sid)
    errors = []

    def sender(seed):
        local = random.Random(seed)
        order = rows[:]
        local.shuffle(order)  # every sender sends every event, in its own order
        http = requests.Session()
        for i in range(0, len(order), 200):
            r = http.post(f"{live_server.url}/api/v1/events",
                          json=batch(*[demo.as_json(e) for e in order[i:i + 200]]),
                          headers=live_server.headers(), timeout=30)
            if r.status_code != 200 or r.json()["rejected"]:
                errors.append(r.text)

    def tagger():
        http = requests.Session()
        for sid in session_ids * 2:
            r = http.patch(f"{live_server.url}/api/v1/sessions/{sid}",
                           json={"tag": rng.choice(["real", "busywork", "unsure"])},
                           headers=live_server.headers(), timeout=30)
            if r.status_code not in (200, 404):  # 404: its first event isn't in yet
                errors.append(r.text)

    def reader():
        http = requests.Session()
        for _ in range(60):
            r = http.get(f"{live_server.url}/api/v1/stats", headers=live_server.headers(),
                         timeout=30)
            if r.status_code != 200:
                errors.append(r.text)

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=tagger), threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []

    db = sqlite3.connect(live_server.data_dir / "candor.db")
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == len(rows)
    assert stored_sessions(db) == expected_sessions(rows)
    # Every session's time buckets carry its tag, so reports by tag are right.
    assert db.execute(
        "SELECT count(*) FROM session_buckets b JOIN sessions s ON s.id = b.session_id "
        "WHERE b.tag IS NOT s.tag").fetchone()[0] == 0
    db.close()
