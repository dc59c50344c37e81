"""Numbered migrations upgrade an old journal without losing anything."""

import sqlite3

import sqlite_utils

from candor import demo, journal, migrations, report
from candor.db import connect


def test_a_journal_made_by_the_first_migration_upgrades_with_its_data(tmp_path):
    path = str(tmp_path / "candor.db")
    old = sqlite_utils.Database(sqlite3.connect(path))
    migrations.apply(old, stop_before="m002_buckets_and_forgotten")
    assert "session_buckets" not in old.table_names()
    # Data as the first version stored it: two events of a tagged session.
    old.conn.executescript(
        """
        INSERT INTO events (id, session_id, type, ts, site, active_ms, received_at) VALUES
          ('e1', 's1', 'activity', 1767261600000, 'claude', 40000, 0),
          ('e2', 's1', 'activity', 1767262500000, 'claude', 20000, 0);
        INSERT INTO events (id, session_id, type, ts, site, est_tokens, received_at) VALUES
          ('e3', 's1', 'response', 1767261600000, 'claude', 700, 0);
        INSERT INTO sessions (id, site, site_key, started_at, ended_at, active_ms, responses,
                              est_tokens_out, tag)
          VALUES ('s1', 'claude', 'k', 1767261600000, 1767262500000, 60000, 1, 700, 'real');
        """
    )
    old.conn.commit()
    old.close()

    db = connect(path)  # applies what is pending
    assert migrations.journal.pending(db) == []
    assert [m.name for m in migrations.journal.applied(db)][:2] == [
        "m001_events_sessions_tags", "m002_buckets_and_forgotten"]
    assert db.conn.execute(
        "SELECT bucket, tag, active_ms, est_tokens FROM session_buckets ORDER BY bucket"
    ).fetchall() == [(1767261600, "real", 40000, 700), (1767262500, "real", 20000, 0)]
    assert report.stats(db)["real_seconds"] == 60
    assert journal.get_session(db, "s1")["active_seconds"] == 60
    db.close()


def snapshot(db):
    """Everything a migration could change: the schema, and every row of every table."""
    schema = db.conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    rows = {table: sorted(db.conn.execute(f"SELECT * FROM [{table}]").fetchall(), key=repr)
            for table in db.table_names()}
    return schema, rows


def test_migrating_twice_changes_nothing(tmp_path):
    path = str(tmp_path / "candor.db")
    db = connect(path)
    demo.fill(db, days=7, seed=3)
    journal.change_session(db, db.conn.execute("SELECT id FROM sessions").fetchone()[0],
                           {"tag": "real", "note": "kept"})
    before = snapshot(db)
    assert before[1]["sessions"] and before[1]["day_totals"] and before[1]["tag_changes"]
    migrations.apply(db)  # again, on the same connection
    db.close()
    db = connect(path)  # and as any connection opening the journal does
    assert migrations.journal.pending(db) == []
    assert len(migrations.journal.applied(db)) == len(migrations.journal._migrations)
    assert snapshot(db) == before
    db.close()


def test_the_journal_is_in_wal_mode(tmp_path):
    db = connect(str(tmp_path / "candor.db"))
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL: see db.connect
    db.close()


def test_forgettings_made_before_m008_reach_to_when_they_were_made(tmp_path):
    from candor import ingest

    path = str(tmp_path / "candor.db")
    old = sqlite_utils.Database(sqlite3.connect(path))
    migrations.apply(old, stop_before="m008_forgotten_through")
    old.conn.execute("INSERT INTO forgotten_sessions (id, at) VALUES ('s1', 1767261600000)")
    old.conn.commit()
    old.close()

    db = connect(path)
    assert db.conn.execute("SELECT id, at, through_ts FROM forgotten_sessions").fetchall() == [
        ("s1", 1767261600000, 1767261600000)]
    base = {"session_id": "s1", "type": "prompt", "site": "claude"}
    result = ingest.store_events(db, [{**base, "id": "e1", "ts": 1767261600000},
                                      {**base, "id": "e2", "ts": 1767261600001}])
    assert (result.accepted, result.duplicates) == (1, 1)
    assert db.conn.execute("SELECT session_id FROM events").fetchall() == [
        (ingest.successor("s1", 1767261600000),)]
    db.close()


def test_sessions_with_tokens_before_m010_say_they_were_estimated(tmp_path):
    path = str(tmp_path / "candor.db")
    old = sqlite_utils.Database(sqlite3.connect(path))
    migrations.apply(old, stop_before="m010_tokenizer")
    for sid, tokens in (("counted", 12), ("quiet", None)):
        old.conn.execute(
            "INSERT INTO sessions (id, site, site_key, started_at, ended_at) "
            "VALUES (?, 'claude', 'k', 1767261600000, 1767261600000)", [sid])
        old.conn.execute(
            "INSERT INTO events (id, session_id, type, ts, site, est_tokens, received_at) "
            "VALUES (?, ?, 'prompt', 1767261600000, 'claude', ?, 0)", [f"e-{sid}", sid, tokens])
    old.conn.commit()
    old.close()

    db = connect(path)
    sessions = db.conn.execute("SELECT id, tokenizers, tokenizer FROM sessions ORDER BY id")
    assert sessions.fetchall() == [("counted", 2, "chars/4"), ("quiet", 0, None)]
    assert db.conn.execute("SELECT DISTINCT tokenizer FROM events").fetchall() == [(None,)]
    # A later event counted with o200k makes the counted session mixed.
    from candor import ingest
    ingest.store_events(db, [{"id": "e2", "session_id": "counted", "type": "response",
                              "ts": 1767261600001, "site": "claude", "est_tokens": 5,
                              "tokenizer": "o200k"}])
    assert db.conn.execute("SELECT tokenizer FROM sessions WHERE id = 'counted'").fetchone() == \
        ("mixed",)
    db.close()
