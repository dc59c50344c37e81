"""How fast the journal answers with years of a heavy user's sessions in it.

    .venv/bin/python bench/journal.py [--years 10] [--db PATH]

Fills a journal with the demo generator (about 55 sessions a day: 10 years is
about 200,000 sessions and 6 million events; --db keeps the file for the next
run), starts the real server on it, and times over HTTP: stats for one-year
ranges grouped by week (target: median <= 20 ms), the other groupings, the
review queue's first page (<= 100 ms), the Sessions page and list (filtered, years back,
searched) and the overview page (<= 200 ms).
Beside them, raw SQLite summing the same year of buckets: the floor.
"""

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from _server import Server

from candor import config, demo
from candor.db import connect

HEAVY = {"per_workday": (60, 80), "per_weekend": (10, 30)}


def fill(path, years):
    db = connect(str(path))
    if db.conn.execute("SELECT count(*) FROM sessions").fetchone()[0]:
        print(f"reusing {path}", flush=True)
    else:
        print(f"filling {path} with {years} years of sessions (a few minutes)...", flush=True)
        started = time.perf_counter()
        end = datetime.now().astimezone()
        counts = demo.fill(db, days=int(365.25 * years), end=end, batch=5000, **HEAVY)
        print(f"  {counts['sessions']:,} sessions, {counts['events']:,} events in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
    sessions, events = (db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                        for t in ("sessions", "events"))
    db.close()
    return sessions, events


def timed(client, path, rounds):
    """Median and p90 milliseconds of `rounds` GETs of `path`."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        status, _ = client.request("GET", path)
        times.append((time.perf_counter() - start) * 1000)
        assert status == 200, (path, status)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9)]


def raw_floor(path, start, end, rounds):
    """Raw SQLite summing a year of buckets by tag: nothing can answer faster."""
    db = sqlite3.connect(path)
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        db.execute("SELECT tag, SUM(active_ms) FROM session_buckets WHERE bucket >= ? "
                   "AND bucket < ? GROUP BY tag", [start, end]).fetchall()
        times.append((time.perf_counter() - t) * 1000)
    db.close()
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=10)
    parser.add_argument("--db", type=Path, default=None,
                        help="journal file to fill once and reuse (default: a temporary one)")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with _data_dir(args.db) as data_dir:
        path = data_dir / "candor.db"
        sessions, events = fill(path, args.years)
        rng = random.Random(1)
        today = date.today()
        with Server(data_dir=data_dir) as server:
            client = server.connection()
            client.request("GET", "/api/v1/stats")  # warm the caches
            print(f"{sessions:,} sessions, {events:,} events")
            medians = []
            for _ in range(5):
                first = today - timedelta(days=rng.randint(365, int(365.25 * args.years)))
                last = first + timedelta(days=364)
                median, p90 = timed(client, f"/api/v1/stats?from={first}&to={last}&group=week",
                                    args.rounds)
                medians.append(median)
                print(f"stats {first}..{last} by week: median {median:.1f} ms, p90 {p90:.1f} ms")
            print(f"{'stats, one year by week':<34} median {statistics.median(medians):6.1f} ms"
                  "   (target <= 20)")
            year = f"from={today - timedelta(days=364)}&to={today}"
            for label, url in [("stats, one year, totals", f"/api/v1/stats?{year}"),
                               ("stats, one year by day", f"/api/v1/stats?{year}&group=day"),
                               ("stats, one year by hour", f"/api/v1/stats?{year}&group=hour"),
                               ("stats, one year by site", f"/api/v1/stats?{year}&group=site"),
                               ("review queue, first page",
                                "/api/v1/sessions?tag=untagged&limit=50"),
                               ("review queue page", "/review"),
                               ("sessions page", "/sessions"),
                               ("sessions page, one site, one tag",
                                "/sessions?site=perplexity&tag=busywork"),
                               ("sessions, a page 9 years back",
                                f"/api/v1/sessions?to={today - timedelta(days=9 * 365)}"),
                               ("sessions with a signal", "/api/v1/sessions?signal=burst"),
                               ("sessions searched, no match",
                                "/api/v1/sessions?q=no%20such%20words"),
                               ("overview page (last 12 weeks)", "/"),
                               ("overview page (last year)", "/?range=1y")]:
                median, p90 = timed(client, url, args.rounds)
                print(f"{label:<34} median {median:6.1f} ms, p90 {p90:6.1f} ms")
            client.close()
        start = int(time.time()) - 365 * 86400
        floor = raw_floor(path, start, start + 365 * 86400, args.rounds)
        print(f"{'raw SQLite, a year by tag':<34} median {floor:6.1f} ms   (baseline)")


class _data_dir:
    """The --db file's folder, or a temporary one removed afterwards."""

    def __init__(self, db):
        self._tmp = None if db else tempfile.TemporaryDirectory(prefix="candor-bench-")
        self.path = config.data_dir(str(db.parent)) if db else Path(self._tmp.name)
        self.db = db

    def __enter__(self):
        if self.db and self.db.name != "candor.db":
            raise SystemExit("--db must name a file called candor.db (the server's file name)")
        return self.path

    def __exit__(self, *exc):
        if self._tmp:
            self._tmp.cleanup()


if __name__ == "__main__":
    main()
