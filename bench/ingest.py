"""How fast the real server takes in events, beside raw SQLite on the same machine.

Starts `candor serve` on 127.0.0.1 and, on one keep-alive connection, measures
single-event POSTs per second (with a lean client, and again with http.client)
and events per second in 500-event batches, named with time-ordered ids as the
extension names them and with random (version 4) ids as other clients may; then
sends the same batches to ActivityWatch's aw-server (bench/_awserver.py), and
inserts the same rows straight into SQLite in one transaction.

    .venv/bin/python bench/ingest.py [--single 5000] [--batched 50000] [--no-aw-server]

Targets (2 cores): >= 1,200 single-event requests/s; batches with random ids at
least 1.5x aw-server's events/s in the same run.
"""

import argparse
import json
import random
import sqlite3
import tempfile
import time
import uuid
from datetime import datetime, timedelta

from _server import LeanClient, Server

from candor import demo, ingest
from candor.schemas import load_event

BATCH = 500


def demo_events(count, seed):
    """`count` realistic events (as the extension sends them), from the demo generator."""
    rng = random.Random(seed)
    events = []
    first_day = (datetime.now() - timedelta(days=400)).date()
    for _, _, session in demo.generate(rng, first_day, days=400):
        events.extend(demo.as_json(e) for e in session)
        if len(events) >= count:
            return events[:count]
    raise RuntimeError("the demo generator made too few events")


def envelope(events):
    return {"client": {"id": "bench", "browser": "bench", "extension_version": "0"},
            "events": events}


def bench_single(server, events, lean=True):
    """Single-event POSTs per second on one keep-alive connection."""
    client = LeanClient(server) if lean else server.connection()
    send = client.post if lean else (lambda path, body: client.request("POST", path, body))
    bodies = [json.dumps(envelope([event])).encode() for event in events]
    start = time.perf_counter()
    for body in bodies:
        status, answer = send("/api/v1/events", body)
        assert status == 200 and answer["accepted"] == 1, answer
    elapsed = time.perf_counter() - start
    client.close()
    return len(events) / elapsed


def bench_batched(server, events):
    client = server.connection()
    bodies = [json.dumps(envelope(events[i:i + BATCH])).encode()
              for i in range(0, len(events), BATCH)]
    start = time.perf_counter()
    for body in bodies:
        status, answer = client.request("POST", "/api/v1/events", body)
        assert status == 200 and answer["accepted"] + answer["duplicates"] > 0, answer
    elapsed = time.perf_counter() - start
    client.close()
    return len(events) / elapsed


def with_random_ids(events):
    """The same events, each event and session renamed with a random (version 4) id."""
    sessions = {}
    return [{**e, "id": str(uuid.uuid4()),
             "session_id": sessions.setdefault(e["session_id"], str(uuid.uuid4()))}
            for e in events]


def bench_aw_server(events):
    """The same events in the same batches, sent to aw-server: events per second."""
    from _awserver import AwServer, as_aw_event

    bodies = [json.dumps([as_aw_event(e) for e in events[i:i + BATCH]]).encode()
              for i in range(0, len(events), BATCH)]
    with AwServer() as aw:
        start = time.perf_counter()
        for body in bodies:
            status, _ = aw.post(aw.events_path(), body)
            assert status == 200, status
        elapsed = time.perf_counter() - start
    return len(events) / elapsed


def bench_raw_sqlite(events):
    """The same rows inserted directly, in one transaction: the floor nothing beats."""
    now_ms = int(time.time() * 1000)
    rows = [tuple({**load_event(e), "received_at": now_ms}.get(c) for c in ingest.EVENT_COLUMNS)
            for e in events]
    with tempfile.TemporaryDirectory() as tmp:
        from candor.db import connect
        db = connect(f"{tmp}/raw.db")
        start = time.perf_counter()
        with db.conn:
            db.conn.executemany(
                f"INSERT INTO events ({', '.join(ingest.EVENT_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(ingest.EVENT_COLUMNS))})", rows)
        elapsed = time.perf_counter() - start
        db.close()
    return len(rows) / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single", type=int, default=6000, help="single-event requests")
    parser.add_argument("--batched", type=int, default=50_000, help="events sent in batches")
    parser.add_argument("--no-aw-server", action="store_true",
                        help="skip the aw-server baseline (it installs into its own venv)")
    args = parser.parse_args()
    print(f"sqlite {sqlite3.sqlite_version}; {args.single + args.batched:,} demo events",
          flush=True)
    events = demo_events(args.single + args.batched, seed=3)
    single, batched = events[:args.single], events[args.single:]
    half = len(single) // 2
    with Server() as server:
        single_rate = bench_single(server, single[:half])
        stdlib_rate = bench_single(server, single[half:], lean=False)
        batched_rate = bench_batched(server, batched)
    random_ids = with_random_ids(batched)
    with Server() as server:  # a fresh journal, as the first one's indexes are warm
        random_rate = bench_batched(server, random_ids)
    aw_rate = None if args.no_aw_server else bench_aw_server(random_ids)
    raw_rate = bench_raw_sqlite(random_ids)
    print(f"{'single-event POSTs':<34} {single_rate:>10,.0f} requests/s   (target >= 1,200)")
    print(f"{'  (same, with http.client)':<34} {stdlib_rate:>10,.0f} requests/s   "
          "(the client's own Python is in this one)")
    print(f"{'batched POSTs (500 per batch)':<34} {batched_rate:>10,.0f} events/s     "
          "(time-ordered ids, as the extension sends)")
    print(f"{'  (same, random version 4 ids)':<34} {random_rate:>10,.0f} events/s     "
          "(target >= 1.5x aw-server)")
    if aw_rate:
        print(f"{'aw-server 0.12, same batches':<34} {aw_rate:>10,.0f} events/s     (baseline; "
              f"Candor with random ids: {random_rate / aw_rate:.2f}x)")
    print(f"{'raw SQLite, one transaction':<34} {raw_rate:>10,.0f} events/s     (baseline; "
          f"Candor with random ids: {random_rate / raw_rate:.0%})")


if __name__ == "__main__":
    main()
