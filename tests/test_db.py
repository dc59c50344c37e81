"""Writes from many threads share commits, and one failing write spoils no other."""

import gc
import os
import shutil
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from candor import db as candor_db
from candor.db import connect, write, write_together


def test_waiting_writes_share_a_commit_and_fail_alone(tmp_path):
    path = str(tmp_path / "candor.db")
    ran_by, errors, ready = {}, {}, threading.Barrier(9)
    connect(path).close()

    def writer(n):
        db = connect(path)

        def work(db):
            ran_by[n] = threading.get_ident()
            db.conn.execute("INSERT INTO meta (key, value) VALUES (?, 'x')", [f"k{n}"])
            if n == 0:
                time.sleep(0.3)  # hold the lock while the others queue up
            if n == 5:
                raise ValueError("this write fails")

        ready.wait()
        if n:
            time.sleep(0.05)  # let writer 0 take the lock first
        try:
            write_together(db, work)
        except ValueError as error:
            errors[n] = error
        finally:
            db.close()
        submitted[n] = threading.get_ident()

    submitted = {}
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert list(errors) == [5]
    db = connect(path)
    keys = {k for (k,) in db.conn.execute("SELECT key FROM meta WHERE key LIKE 'k%'")}
    db.close()
    assert keys == {f"k{n}" for n in range(9) if n != 5}
    # Some writes were run by another thread, in its transaction: commits were shared.
    assert sum(ran_by[n] != submitted[n] for n in range(1, 9)) >= 3


def test_a_failed_commit_fails_every_write_of_it(tmp_path):
    db = connect(str(tmp_path / "candor.db"))

    def work(db):
        db.conn.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')")
        db.conn.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')")  # a duplicate key

    with pytest.raises(sqlite3.IntegrityError):
        write_together(db, work)
    assert db.conn.execute("SELECT count(*) FROM meta WHERE key = 'a'").fetchone()[0] == 0
    db.close()


def test_journals_opened_and_closed_leave_no_lock_behind(tmp_path):
    kept = connect(str(tmp_path / "kept.db"))
    again = connect(str(tmp_path / "kept.db"))
    assert again.write_lock is kept.write_lock  # one file, one lock
    for n in range(30):
        db = connect(str(tmp_path / f"imported-{n}.db"))
        db.close()
        del db
    gc.collect()
    left = [path for path in candor_db._write_locks if path.startswith(str(tmp_path))]
    assert left == [str(tmp_path / "kept.db")]
    again.close()
    kept.close()


def in_database_file(path, table="meta"):
    """The rows of `table` in the database file alone, as a copy without its WAL sees them."""
    copy = Path(f"{path}.copy")
    shutil.copyfile(path, copy)
    try:
        with closing(sqlite3.connect(copy)) as conn:
            return {row for (row,) in conn.execute(f"SELECT key FROM {table}")}
    except sqlite3.DatabaseError:  # copied while a checkpoint wrote: look again
        return set()
    finally:
        copy.unlink()


def eventually(check, timeout=5):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_a_checkpoint_a_reader_cut_short_is_finished_later(tmp_path):
    path = str(tmp_path / "candor.db")
    writer = connect(path)
    checkpointer = candor_db.Checkpointer(path)
    assert checkpointer.step() == "done"
    assert checkpointer.step() == "idle"
    with write(writer):
        writer.conn.execute("INSERT INTO meta (key, value) VALUES ('one', '1')")
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM meta").fetchone()  # a snapshot with 'one' only
    with write(writer):
        writer.conn.execute("INSERT INTO meta (key, value) VALUES ('two', '2')")
    assert checkpointer.step() == "partial"  # 'two' is past the reader's snapshot
    assert "two" not in in_database_file(path)
    assert checkpointer.step() == "partial"  # still: tried again, not taken as done
    reader.execute("COMMIT")
    assert checkpointer.step() == "done"
    assert {"one", "two"} <= in_database_file(path)
    assert checkpointer.step() == "idle"
    reader.close()
    checkpointer.close()
    writer.close()


def test_a_commit_in_the_same_clock_tick_is_checkpointed_too(tmp_path):
    path = str(tmp_path / "candor.db")
    writer = connect(path)
    thread = candor_db.start_checkpoints(path, every=0.05, idle_every=0.1)
    try:
        with write(writer):
            writer.conn.execute("INSERT INTO meta (key, value) VALUES ('one', '1')")
        assert eventually(lambda: "one" in in_database_file(path))
        wal = Path(f"{path}-wal")
        before = wal.stat()
        with write(writer):
            writer.conn.execute("INSERT INTO meta (key, value) VALUES ('two', '2')")
        # As if the commit had come within the file system's clock tick of the last one.
        os.utime(wal, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert eventually(lambda: "two" in in_database_file(path), timeout=3)
    finally:
        thread.stop()
        writer.close()
