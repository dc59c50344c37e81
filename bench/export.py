"""How long exporting and verifying a year of a heavy user's journal takes.

    .venv/bin/python bench/export.py [--days 365]

Fills a journal with about 20,000 sessions (the demo generator, heavy user),
then times `candor export` in each format and `candor verify` as real commands
(fresh processes, as a user runs them), and an export that must first compute every
session's signals. Targets: each export <= 2 s, verify <= 1 s. Then a coach's import
of it, and of a newer export of the same journal (an update in place). Beside them, the
time to copy the same JSON file: the floor of writing it.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from candor import config, demo
from candor.db import connect

HEAVY = {"per_workday": (60, 80), "per_weekend": (10, 30)}


def timed(args, env):
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "candor", *args], env=env,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return elapsed, done.stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="candor-bench-") as tmp:
        data_dir = config.data_dir(str(Path(tmp) / "data"))
        db = connect(str(data_dir / "candor.db"))
        counts = demo.fill(db, days=args.days, batch=5000, **HEAVY)
        db.close()
        print(f"{counts['sessions']:,} sessions, {counts['events']:,} events", flush=True)
        env = {**os.environ, "CANDOR_DATA_DIR": str(data_dir)}
        out = Path(tmp)
        for fmt in ("json", "csv", "html"):
            elapsed, _ = timed(["export", "--format", fmt, "-o", str(out / f"j.{fmt}")], env)
            size = (out / f"j.{fmt}").stat().st_size / 1e6
            print(f"{'export ' + fmt:<34} {elapsed:6.2f} s   ({size:.1f} MB; target <= 2 s)")
        # Signals are computed as sessions end; when every session's are stale (new
        # thresholds, say), the next export computes them all first.
        db = connect(str(data_dir / "candor.db"))
        db.conn.execute("UPDATE sessions SET signals = NULL")
        db.conn.commit()
        db.close()
        elapsed, _ = timed(["export", "--format", "json", "-o", str(out / "stale.json")], env)
        print(f"{'export json, every signal stale':<34} {elapsed:6.2f} s")
        elapsed, message = timed(["verify", str(out / "j.json")], env)
        print(f"{'verify json':<34} {elapsed:6.2f} s   (target <= 1 s): {message}")
        # A coach's side: the first import, then next week's (newer) export of the same
        # journal, which updates it in place.
        coach = {**os.environ, "CANDOR_DATA_DIR": str(Path(tmp) / "coach")}
        elapsed, _ = timed(["import", str(out / "j.json")], coach)
        print(f"{'import json':<34} {elapsed:6.2f} s")
        elapsed, message = timed(["import", str(out / "stale.json")], coach)
        print(f"{'import a newer export (update)':<34} {elapsed:6.2f} s   ({message})")
        start = time.perf_counter()
        shutil.copyfile(out / "j.json", out / "copy.json")
        os.sync()
        print(f"{'copying the json file (floor)':<34} {time.perf_counter() - start:6.2f} s")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import candor.cli"], check=True)
        print(f"{'starting python + candor (floor)':<34} {time.perf_counter() - start:6.2f} s")


if __name__ == "__main__":
    main()
