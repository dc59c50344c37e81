"""Writes from many threads share commits, and one failing write spoils no other."""

import sqlite3
import threading
import time

import pytest

from candor.db import connect, write_together


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
