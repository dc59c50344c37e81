"""How fast `candor agents scan` reads Claude Code transcripts, beside ccusage on the same tree.

    .venv/bin/python bench/agents.py [--size-mb 500] [--quick] [--rounds 2] [--tree DIR]

Writes a tree of about --size-mb MB of Claude Code transcripts (bench/_transcripts.py:
thousands of files, most bytes in message text, streaming repeats, side chains,
subagents' files) in a temporary folder, then, in the same run: `ccusage claude daily
--json` on it (node_modules/.bin/ccusage, CLAUDE_CONFIG_DIR pointed at the tree) and
the first `candor agents scan --source claude-code --path DIR` (the real command, a
fresh data dir each round), alternated --rounds times; a scan with nothing new; then one
file grows by 1 MB and is scanned again (--rounds times each; ccusage, which keeps
nothing from one run to the next, reads the whole tree again: its figure is beside
each). The best of each figure counts: the machine's other work slows both alike. The
journal's tokens per day must equal ccusage's, before and after the growth, or the run
fails. No home folder is read: HOME and the data dir are in the temporary folder.

Targets (2 cores): the first scan at least as fast as ccusage; a scan with nothing new
<= 1 s; a scan after one file grew by 1 MB <= 1 s; every day's tokens equal ccusage's.
"""

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _transcripts import Writer

from candor.db import connect

ROOT = Path(__file__).resolve().parents[1]
CCUSAGE = ROOT / "node_modules" / ".bin" / "ccusage"
TIMEOUT = 900  # seconds, for any one command
MB = 1024 * 1024


def run(command, env, what):
    """Run `command`; returns (seconds, CPU seconds of it and its own processes, stdout).

    Fails the benchmark if it fails.
    """
    cpu_before = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return seconds, _children_cpu() - cpu_before, done.stdout


def _children_cpu():
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def ccusage(tree, home):
    """Seconds, CPU seconds, and {day: [input, output, cache read, cache write]} from ccusage."""
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "CLAUDE_CONFIG_DIR": str(tree)}
    seconds, cpu, out = run([str(CCUSAGE), "claude", "daily", "--json", "--offline", "-z", "UTC"],
                       env, "ccusage")
    days = {row["date"]: [row["inputTokens"], row["outputTokens"], row["cacheReadTokens"],
                          row["cacheCreationTokens"]] for row in json.loads(out)["daily"]}
    return seconds, cpu, days


def candor(data_dir, home, *args):
    """Seconds, CPU seconds and output of the real `candor` command (its own data dir and
    home)."""
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "CANDOR_DATA_DIR": str(data_dir)}
    return run([sys.executable, "-m", "candor", *args], env, f"candor {' '.join(args)}")


def scan(data_dir, home, tree):
    seconds, cpu, out = candor(data_dir, home, "agents", "scan", "--source", "claude-code",
                               "--path", str(tree / "projects"))
    return seconds, cpu, out.strip()


def journal_days(data_dir):
    """{UTC day: [input, output, cache read, cache write]} from the journal's requests."""
    db = connect(str(data_dir / "candor.db"))
    try:
        return {day: list(row) for day, *row in db.conn.execute(
            "SELECT local_day(r.ts / 1000), sum(r.tokens_in), sum(r.tokens_out), "
            "sum(r.tokens_cache_read), sum(coalesce(r.tokens_cache_write, 0)) "
            "FROM agent_requests r JOIN sessions s ON s.id = r.session_id "
            "WHERE s.site = 'claude-code' GROUP BY 1")}
    finally:
        db.close()


def compare(data_dir, theirs, when):
    """How many of ccusage's days the journal matches; exits naming the first difference."""
    ours = journal_days(data_dir)
    for day in sorted(set(ours) | set(theirs)):
        if ours.get(day) != theirs.get(day):
            sys.exit(f"{when}: {day}: Candor {ours.get(day)} != ccusage {theirs.get(day)} "
                     "(input, output, cache read, cache write)")
    return len(theirs)


def fresh_journal(tmp, name, home):
    data_dir = tmp / name
    if data_dir.exists():
        shutil.rmtree(data_dir)
    candor(data_dir, home, "time-zone", "UTC")  # days as ccusage -z UTC counts them
    return data_dir


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=500, help="size of the tree written")
    parser.add_argument("--quick", action="store_true", help="a 40 MB tree, one round")
    parser.add_argument("--rounds", type=int, default=2,
                        help="runs of each figure; the best counts")
    parser.add_argument("--tree", help="write the tree in this folder (not yet holding one) "
                                       "and keep it")
    args = parser.parse_args()
    if args.quick:
        args.size_mb, args.rounds = 40, 1
    if not CCUSAGE.exists():
        sys.exit("ccusage is missing: npm ci installs it (package.json)")
    load_before = os.getloadavg()[0]  # others' work on this machine slows both alike
    with tempfile.TemporaryDirectory(prefix="candor-bench-agents-") as tmp_name:
        tmp = Path(tmp_name)
        home = tmp / "home"
        home.mkdir()
        tree = Path(args.tree) if args.tree else tmp / "claude"
        if (tree / "projects").exists():
            sys.exit(f"{tree} already holds a tree: give an empty folder")
        writer = Writer(tree)
        started = time.perf_counter()
        sessions = writer.tree(args.size_mb * 1_000_000)
        size = writer.bytes
        print(f"wrote {size / MB:,.0f} MB in {writer.files:,} files ({len(sessions):,} "
              f"sessions) in {time.perf_counter() - started:.0f} s", flush=True)

        firsts, theirs_first = [], []
        for n in range(args.rounds):
            seconds, cpu, days = ccusage(tree, home)
            theirs_first.append((seconds, cpu))
            print(f"round {n + 1}: ccusage {seconds:.2f} s ({cpu:.2f} s CPU)", end="",
                  flush=True)
            data_dir = fresh_journal(tmp, "data", home)
            seconds, cpu, out = scan(data_dir, home, tree)
            firsts.append((seconds, cpu))
            print(f", candor {seconds:.2f} s ({cpu:.2f} s CPU): {out}", flush=True)
        matched_first = compare(data_dir, days, "first scan")

        agains = []
        for _ in range(args.rounds):
            seconds, _, out = scan(data_dir, home, tree)
            agains.append(seconds)
            print(f"nothing new: {seconds:.2f} s: {out}", flush=True)

        path, session = max(sessions, key=lambda s: s[0].stat().st_size)
        afters = []
        for _ in range(args.rounds):
            grown = writer.grow(path, session, MB)
            seconds, _, out = scan(data_dir, home, tree)
            afters.append(seconds)
            print(f"{path.name} grew by {grown / MB:.2f} MB: {seconds:.2f} s: {out}",
                  flush=True)
            if not re.search(r"\b1 of [\d,]+ files read", out):
                sys.exit("the scan after the growth did not read exactly one file")
        theirs_after, _, days_after = ccusage(tree, home)
        matched_after = compare(data_dir, days_after, "after the growth")
        start_ours = min(candor(tmp / "data", home, "--version")[0] for _ in range(3))
        start_theirs = min(run([str(CCUSAGE), "--version"], {"PATH": os.environ["PATH"]},
                               "ccusage")[0] for _ in range(3))

    (first, first_cpu), (baseline, baseline_cpu) = min(firsts), min(theirs_first)
    again, after = min(agains), min(afters)
    rows = [
        (f"first scan, {size / MB:,.0f} MB", first, baseline, first <= baseline,
         "<= ccusage"),
        ("  (CPU, all processes)", first_cpu, baseline_cpu, None, ""),
        ("  (throughput, MB/s)", size / MB / first, size / MB / baseline, None, ""),
        ("scan, nothing new", again, baseline, again <= 1, "<= 1 s"),
        ("scan, one file grew 1 MB", after, theirs_after, after <= 1, "<= 1 s"),
        ("  (the command's start)", start_ours, start_theirs, None, ""),
    ]
    print()
    print(f"{'figure':<28} {'Candor':>9} {'ccusage':>9} {'ratio':>7}  {'target':<11} met")
    for name, ours, theirs, met, target in rows:
        unit = "" if "MB/s" in name else " s"
        ratio = theirs / ours if "MB/s" not in name else ours / theirs
        print(f"{name:<28} {ours:>7.2f}{unit:2} {theirs:>7.2f}{unit:2} {ratio:>6.1f}x  "
              f"{target:<11} {'' if met is None else ('yes' if met else 'NO')}")
    print(f"{'days equal to ccusage':<28} {matched_first:>9} {'':>9} {'':>7}  "
          f"{'all':<11} yes (and {matched_after} after the growth)")
    version = subprocess.run([str(CCUSAGE), "--version"], capture_output=True, text=True,
                             timeout=60).stdout.strip()
    print(f"ratio: how many times faster Candor is; Python {sys.version.split()[0]}, "
          f"{version}, {os.cpu_count()} cores, load average {load_before:.1f} "
          f"before, {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    main()
