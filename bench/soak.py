"""A bounded long run watching the server's memory, then its CPU when idle.

    .venv/bin/python bench/soak.py [--seconds 600] [--rate 50]

Sends a steady trickle (--rate requests/s) of event batches and reads for
--seconds, printing the server's memory as it goes; then leaves the
server idle for 30 s and reports the CPU time it used meanwhile. Memory and CPU are
those of the server's process and the processes it started (its writer, and Python's
resource tracker for it).
Targets: memory flat and <= 80 MB; no measurable CPU when idle.
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


def _stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def processes(pid):
    """`pid` and the processes it started."""
    found = [pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(_stat(entry)[1]) == pid:
                    found.append(int(entry))
            except OSError:
                pass
    return found


def memory_mb(pid):
    """Memory of `pid` and the processes it started, in MB: each one's proportional set
    size (the pages it shares with the others, Python's own included, counted once in
    all, not once in each)."""
    total = 0
    for each in processes(pid):
        with open(f"/proc/{each}/smaps_rollup") as f:
            total += sum(int(line.split()[1]) for line in f if line.startswith("Pss:"))
    return total / 1024


def cpu_seconds(pid):
    """CPU time of `pid` and the processes it started."""
    return sum((int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
               for fields in map(_stat, processes(pid)))


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
        print(f"start: memory {memory_mb(pid):.1f} MB in {len(processes(pid))} processes",
              flush=True)
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
                samples.append(memory_mb(pid))
                print(f"{now - start:6.0f} s: memory {samples[-1]:.1f} MB, {sent:,} requests, "
                      f"{errors} errors", flush=True)
                next_report += 30
            time.sleep(max(0.0, start + sent / args.rate - time.monotonic()))
        conn.close()
        end_memory = memory_mb(pid)
        before = cpu_seconds(pid)
        time.sleep(30)
        idle_cpu = cpu_seconds(pid) - before
        print(f"end: memory {end_memory:.1f} MB "
              f"(max {max(samples + [end_memory]):.1f} MB; target <= 80)")
        print(f"idle 30 s: {idle_cpu:.2f} s of CPU ({idle_cpu / 30:.1%}); errors {errors}")


if __name__ == "__main__":
    main()
