"""A bounded long run watching the server's memory, then its CPU when idle.

    .venv/bin/python bench/soak.py [--seconds 600] [--rate 50]

Sends a steady trickle (--rate requests/s) of event batches and reads for
--seconds, printing the server's resident memory as it goes; then leaves the
server idle for 30 s and reports the CPU time it used meanwhile.
Targets: RSS flat and <= 80 MB; no measurable CPU when idle.
"""

import argparse
import json
import os
import random
import time
from datetime import datetime, timezone

from _server import Server

from candor import demo

TICKS = os.sysconf("SC_CLK_TCK")


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--rate", type=float, default=50)
    args = parser.parse_args()
    rng = random.Random(1)
    with Server() as server:
        pid = server.process.pid
        conn = server.connection()
        start = time.monotonic()
        print(f"start: RSS {rss_mb(pid):.1f} MB", flush=True)
        samples, sent, errors, next_report = [], 0, 0, start + 30
        while (now := time.monotonic()) < start + args.seconds:
            now_ms = time.time_ns() // 1_000_000
            sid = demo.uuid7(now_ms, rng)  # ids as the extension makes them
            ts = datetime.fromtimestamp(now_ms / 1000, timezone.utc).isoformat()
            if sent % 10 == 9:
                status, _ = conn.request("GET", "/api/v1/stats")
            else:
                events = [{"id": demo.uuid7(now_ms, rng),
                           "session_id": sid, "type": "activity", "site": "chatgpt",
                           "ts": ts, "active_ms": 15_000} for _ in range(rng.randint(1, 10))]
                status, _ = conn.request("POST", "/api/v1/events", json.dumps(
                    {"client": {"id": "soak"}, "events": events}).encode())
            sent += 1
            errors += status != 200
            if now >= next_report:
                samples.append(rss_mb(pid))
                print(f"{now - start:6.0f} s: RSS {samples[-1]:.1f} MB, {sent:,} requests, "
                      f"{errors} errors", flush=True)
                next_report += 30
            time.sleep(max(0.0, start + sent / args.rate - time.monotonic()))
        conn.close()
        end_rss = rss_mb(pid)
        before = cpu_seconds(pid)
        time.sleep(30)
        idle_cpu = cpu_seconds(pid) - before
        print(f"end: RSS {end_rss:.1f} MB (max {max(samples + [end_rss]):.1f} MB; target <= 80)")
        print(f"idle 30 s: {idle_cpu:.2f} s of CPU ({idle_cpu / 30:.1%}); errors {errors}")


if __name__ == "__main__":
    main()
