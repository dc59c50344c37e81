"""Any order of the same Claude Code records across files, and any repeats, give the same sessions.

The records (two sessions, requests written several times while streaming, side-chain
copies) are dealt into files at random, in random order, some repeated, some read in a
first scan and the rest appended before a second: the sessions come out the same.
"""

import tempfile
from pathlib import Path

from agent_logs import claude_assistant, claude_user, write_lines
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candor.agents import scan
from candor.db import connect

S1, S2 = "11111111-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "22222222-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
RECORDS = [
    claude_user(S1, 0),
    claude_assistant(S1, "m1", "r1", 0.1, (3, 1, 500, 0)),
    claude_assistant(S1, "m1", "r1", 0.2, (3, 40, 500, 0), tool="t1"),
    claude_assistant(S1, "m1", "r1", 0.3, (3, 90, 500, 0), tool="t2"),
    claude_assistant(S1, "m1", "r1", 0.3, (3, 90, 500, 0), sidechain=True),
    claude_assistant(S1, "m2", "r2", 3, (1, 10, 0, 500), sidechain=True),
    claude_assistant(S1, "m2", "r2", 3.2, (1, 10, 0, 500)),
    claude_assistant(S1, "m2", "r2", 16, (1, 10, 0, 500)),  # the same, later: the first counts
    claude_user(S1, 30),
    claude_assistant(S1, "m3", None, 31, (2, 20, 20, 520), model="claude-opus-4-1-20250805",
                     cwd="/home/ann/later"),  # the latest record's folder is the project
    claude_user(S2, 2, cwd="/srv/two"),
    claude_assistant(S2, "m4", "r4", 2.5, (9, 99, 0, 0), cwd="/srv/two"),
    claude_assistant(S2, "m4", "r4", 2.6, (9, 100, 0, 0), cwd="/srv/two"),
    claude_assistant(S2, "m5", "r5", 4, (1, 1, 1, 1), cwd="/srv/two", sidechain=True),
]
COLUMNS = ("id", "started_at", "ended_at", "active_ms", "tokens_in", "tokens_out",
           "tokens_cache_read", "tokens_cache_write", "requests", "tool_calls", "models",
           "project", "model")


def scanned(batches):
    """The agent sessions after scanning each batch of {file: records} in turn (appending)."""
    with tempfile.TemporaryDirectory() as folder:
        logs, db = Path(folder) / "logs", connect(str(Path(folder) / "candor.db"))
        try:
            for batch in batches:
                for name, records in batch.items():
                    path = logs / name
                    old = path.read_text() if path.exists() else ""
                    write_lines(path, records)
                    path.write_text(old + path.read_text())
                scan.scan(db, "claude-code", [str(logs)])
            return (db.conn.execute(f"SELECT {', '.join(COLUMNS)} FROM sessions "
                                    "ORDER BY id").fetchall(),
                    db.conn.execute("SELECT * FROM session_buckets ORDER BY 1, 2").fetchall(),
                    db.conn.execute("SELECT * FROM day_totals ORDER BY 1, 2").fetchall())
        finally:
            db.close()


EXPECTED = scanned([{"all.jsonl": RECORDS}])

deals = st.lists(  # (record index, file, which scan) with every record at least once
    st.tuples(st.integers(0, len(RECORDS) - 1), st.sampled_from(["a.jsonl", "b.jsonl",
                                                                   "p/c.jsonl"]),
              st.integers(0, 1)), max_size=30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deals=deals, order=st.permutations(range(len(RECORDS))))
def test_any_order_and_any_repeats_give_the_same_sessions(deals, order):
    batches = [{}, {}]
    for index in order:  # every record once, in a random order
        batches[index % 2].setdefault(("a.jsonl", "b.jsonl")[index % 2], []).append(
            RECORDS[index])
    for index, name, when in deals:  # and repeats anywhere
        batches[when].setdefault(name, []).append(RECORDS[index])
    assert scanned(batches) == EXPECTED


def test_the_expected_sessions_are_what_the_records_say():
    sessions, buckets, _ = EXPECTED
    assert len(sessions) == 2 and len(buckets) == 3
    assert sorted(row[11] for row in sessions) == ["later (main)", "two (main)"]
    by_requests = sorted((row[8], row[4], row[5]) for row in sessions)
    assert by_requests == [(2, 10, 101), (3, 6, 120)]
