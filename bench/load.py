"""Many clients at once against the real server: throughput, latency, errors, and no loss.

    .venv/bin/python bench/load.py [--clients 20] [--seconds 60] [--baseline-seconds 10]

Each client holds one keep-alive connection and loops without pause: mostly small
event batches (as extensions send them, sessions and events named with time-ordered
ids as the extension names them), sometimes today's stats (as the popup asks), the
newest sessions or a tag. At the end, every acknowledged event must be in the journal
exactly once.

The baseline is the same clients, for a shorter while, against an empty Flask app on
the same waitress (bench/_floor.py): what the framework and the clients cost here. It
runs before and after Candor (machines drift from minute to minute) and Candor is held
against their mean. Targets: at least 35% of the empty app's requests/s, a p99 within 3x
of its p99, 0 errors, nothing lost or stored twice.
"""

import argparse
import json
import multiprocessing
import random
import sqlite3
import statistics
import threading
import time
from datetime import datetime, timezone

from _floor import FloorServer
from _server import Client, Server

from candor import demo

PROCESSES = 4  # clients are spread over processes so the client's GIL isn't measured


def client_loop(server, seed, deadline, results):
    rng = random.Random(seed)
    conn = Client(server)
    latencies, errors, acked, sessions = [], 0, [], []
    while time.monotonic() < deadline:
        roll = rng.random()
        if roll < 0.8 or not sessions:
            now = time.time_ns() // 1_000_000
            sid = demo.uuid7(now, rng)  # ids as the extension makes them
            sessions.append(sid)
            events = [{"id": demo.uuid7(now - n * 1000, rng), "session_id": sid,
                       "type": "activity", "site": "claude",
                       "ts": datetime.fromtimestamp(now / 1000 - n, timezone.utc).isoformat(),
                       "active_ms": 15_000} for n in range(rng.randint(1, 20))]
            method, path = "POST", "/api/v1/events"
            body = json.dumps({"client": {"id": f"load-{seed}"}, "events": events}).encode()
        elif roll < 0.9:  # what the popup asks: today's figures
            today = datetime.now().date().isoformat()
            method, path, body = "GET", f"/api/v1/stats?from={today}&to={today}", None
        elif roll < 0.95:
            method, path, body = "GET", "/api/v1/sessions?limit=50", None
        else:
            method, path = "PATCH", f"/api/v1/sessions/{rng.choice(sessions)}"
            body = json.dumps({"tag": rng.choice(["real", "busywork", "unsure"])}).encode()
        start = time.perf_counter()
        try:
            status, _ = conn.request(method, path, body)
        except OSError:
            status = 0
            conn.close()
            conn = Client(server)
        latencies.append(time.perf_counter() - start)
        if status != 200:
            errors += 1
        elif method == "POST":
            acked.extend(e["id"] for e in events)
    conn.close()
    results.append((latencies, errors, acked))


def client_process(server, seeds, deadline, queue):
    """Run some of the clients as threads of one process; put their results on `queue`."""
    results = []
    threads = [threading.Thread(target=client_loop, args=(server, seed, deadline, results))
               for seed in seeds]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put(results)


def run_clients(address, clients, seconds):
    """Run `clients` clients against `address` for `seconds`; (results, elapsed seconds)."""
    results = []
    started = time.monotonic()
    deadline = started + seconds
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=client_process, args=(
        address, range(n, clients, PROCESSES), deadline, queue)) for n in range(PROCESSES)]
    for p in procs:
        p.start()
    for _ in procs:
        results.extend(queue.get())
    for p in procs:
        p.join()
    return results, time.monotonic() - started


def latency(results, elapsed):
    """Requests per second, p50 and p99 in ms, and errors."""
    latencies = sorted(x for r in results for x in r[0])
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    return len(latencies) / elapsed, p50, p99, sum(r[1] for r in results)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--baseline-seconds", type=float, default=10)
    args = parser.parse_args()
    floors = []
    with FloorServer() as floor:
        floors.append(latency(*run_clients(floor.address(), args.clients,
                                           args.baseline_seconds)))
    with Server() as server:  # as `candor serve` runs by default (8 threads)
        results, elapsed = run_clients(server.address(), args.clients, args.seconds)
        db = sqlite3.connect(server.data_dir / "candor.db")
        stored = {row[0] for row in db.execute("SELECT id FROM events")}
        db.close()
    rate, p50, p99, errors = latency(results, elapsed)
    acked = [i for r in results for i in r[2]]
    missing = len(set(acked) - stored)
    print(f"{args.clients} clients for {elapsed:.0f} s: {rate:,.0f} requests/s")
    print(f"latency p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    print(f"errors {errors}   (target 0)")
    print(f"acknowledged events {len(acked):,}, missing from the journal {missing}, "
          f"stored twice {len(acked) - len(set(acked))}")
    with FloorServer() as floor:
        floors.append(latency(*run_clients(floor.address(), args.clients,
                                           args.baseline_seconds)))
    for when, (f_rate, f_p50, f_p99, f_errors) in zip(("before", "after"), floors):
        print(f"baseline {when}, an empty Flask app on the same waitress "
              f"({args.baseline_seconds:.0f} s): {f_rate:,.0f} requests/s, p50 {f_p50:.1f} ms, "
              f"p99 {f_p99:.1f} ms, errors {f_errors}")
    floor_rate = statistics.mean(f[0] for f in floors)
    floor_p99 = statistics.mean(f[2] for f in floors)
    print(f"Candor against the baseline: {rate / floor_rate:.0%} of its requests/s "
          f"(target >= 35%), p99 {p99 / floor_p99:.1f}x its p99 (target <= 3x)")


if __name__ == "__main__":
    main()
