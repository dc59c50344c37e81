"""Open the journal's SQLite database: one connection per thread, WAL, migrated."""

import os
import sqlite3
import threading
import weakref
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from . import migrations, time_zone

_local = threading.local()
# One writer at a time per database file, queued in Python: SQLite's own busy
# handler makes a waiting writer sleep in steps of up to 100 ms, which is what
# a request's tail latency would be made of under load. An entry lives as long as
# a connection to its file does (weak references): a server that opens imported
# journals for months keeps no entry per file it ever opened.
_write_locks = weakref.WeakValueDictionary()
_write_locks_guard = threading.Lock()


class _Shared:
    """What the connections of this process to one database file share."""

    def __init__(self):
        self.write_lock = threading.Lock()
        self.waiting = _Waiting()


class _Waiting:
    """Work of several threads waiting for one database's write lock."""

    def __init__(self):
        self.guard = threading.Lock()
        self.items = []


class _Work:
    def __init__(self, fn):
        self.fn, self.result, self.error, self.done = fn, None, None, False


def _share(db, path):
    """Give `db` the write lock and waiting writes of every connection to its file."""
    key = os.path.abspath(path)
    with _write_locks_guard:
        shared = _write_locks.get(key)
        if shared is None:
            shared = _write_locks[key] = _Shared()
    db.shared = shared  # keeps the entry alive while this connection is
    db.journal_path = key
    db.write_lock, db.waiting = shared.write_lock, shared.waiting


def connect(path):
    """Open `path` as a sqlite-utils Database set up for Candor, migrating it if needed."""
    conn = sqlite3.connect(path, timeout=10, check_same_thread=False)
    db = sqlite_utils.Database(conn)
    _share(db, path)
    # A waiting writer gets up to 10 s before "database is locked"; the API answers
    # 503 then, and the extension retries.
    conn.execute("PRAGMA busy_timeout = 10000")
    db.enable_wal()
    # WAL + NORMAL: a committed transaction is in the WAL before we acknowledge it,
    # so it survives the server being killed at any moment (test_server_process.py
    # kills it with SIGKILL). Only a power cut or OS crash may lose the
    # last moments of commits; FULL would fsync every commit, which here costs more
    # than the rest of a single-event request together.
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    # SQLite's default page cache, 2 MiB a connection: the connections of eight request
    # threads, the writer and the background tasks each cache their own pages (at 8 MiB
    # they took bench/soak.py's server to its 80 MB bound); the rest of a busy journal's
    # hot pages come from the system's file cache.
    conn.execute("PRAGMA cache_size = -2048")
    # Checkpoints normally run in the background (start_checkpoints); this is the
    # safety net should the WAL outgrow 64 MiB anyway.
    conn.execute("PRAGMA wal_autocheckpoint = 16384")
    time_zone.install(db)  # local_day(), which the per-day triggers use
    # Asking what is pending only reads: a connection opened for a read never waits
    # for the write lock unless the journal needs migrating.
    if migrations.journal.pending(db):
        with db.write_lock:  # threads opening a new journal at once migrate it once
            migrations.apply(db)
    time_zone.follow(db)
    return db


def open_imported(path, writable=False):
    """Open an imported journal as it is: read-only (unless `writable`), never migrated.

    Imported journals are made, migrated and given their day totals when imported
    (coach.py); opening one to read it writes nothing, so a coach's pages never wait
    for a write lock and never change the file.
    """
    uri = f"{Path(path).resolve().as_uri()}?mode={'rw' if writable else 'ro'}"
    conn = sqlite3.connect(uri, uri=True, timeout=10, check_same_thread=False)
    db = sqlite_utils.Database(conn)
    _share(db, path)
    conn.execute("PRAGMA busy_timeout = 10000")
    if not writable:
        conn.execute("PRAGMA query_only = ON")
    conn.execute("PRAGMA cache_size = -2048")
    time_zone.install(db)
    return db


class Checkpointer:
    """Copies a database's WAL back into the database file when something was committed.

    What SQLite says decides, not the WAL file's modification time (which stays
    put when two commits land in the same clock tick): PRAGMA data_version on this
    connection changes when another connection commits, and a checkpoint is done
    only when its result says every frame of the WAL was copied (a PASSIVE
    checkpoint stops short of frames a reader may still need).
    """

    def __init__(self, path):
        self.db = connect(path)
        self.copied_version = None  # data_version when everything was last copied

    def step(self):
        """Checkpoint if needed: "idle" (nothing new), "done" (all copied) or "partial"."""
        version = self.db.conn.execute("PRAGMA data_version").fetchone()[0]
        if version == self.copied_version:
            return "idle"
        try:
            busy, frames, copied = self.db.conn.execute(
                "PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error:  # busy with another checkpoint: try again later
            return "partial"
        if busy or copied < frames:
            return "partial"
        # A commit made after reading `version` changes it again: it is looked at next time.
        self.copied_version = version
        return "done"

    def close(self):
        """Close the connection."""
        self.db.close()


def start_checkpoints(path, every=0.25, idle_every=1.0):
    """Copy the WAL back into the database from a background thread; returns the thread.

    A commit that has to checkpoint makes its request, and every writer queued
    behind it, wait; a PASSIVE checkpoint here never blocks readers or writers.
    While writes come in (or a checkpoint was left partial by a reader) it runs
    every `every` s: small checkpoints keep short the sync that the commit starting
    the WAL over must make, which waits for whatever the checkpoint left for the
    disk (under a burst of writes, 25-40 ms every second when this ran once a
    second; 6-15 ms at four times a second). When nothing was committed it looks
    only every `idle_every` s, so an idle server stays idle and a commit reaches
    the database file within about `idle_every` + `every` s. `thread.stop()` ends it.
    """
    checkpointer = Checkpointer(path)
    stopped = threading.Event()

    def run():
        pause = idle_every
        try:
            while not stopped.wait(pause):
                pause = idle_every if checkpointer.step() == "idle" else every
        finally:
            checkpointer.close()

    thread = threading.Thread(target=run, name="candor-checkpoints", daemon=True)
    thread.stop = stopped.set
    thread.start()
    return thread


def get_db():
    """The current thread's database for the current app (opened on first use)."""
    from flask import current_app  # here: the command line opens journals without Flask

    return thread_db(current_app.config["DATABASE"])


def thread_db(path):
    """The current thread's database at `path` (opened on first use, then kept)."""
    cache = getattr(_local, "dbs", None)
    if cache is None:
        cache = _local.dbs = {}
    db = cache.get(path)
    if db is None:
        db = cache[path] = connect(path)
    return db


@contextmanager
def write(db):
    """A write transaction that takes the write lock up front (BEGIN IMMEDIATE).

    Taking the lock first means two writers never deadlock upgrading a read
    lock. Writers in this process queue on a Python lock; another process (a
    backup, the CLI) is waited for by SQLite's busy_timeout.
    """
    with db.write_lock:
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            time_zone.follow(db)  # another process may have changed it
            yield db
        except BaseException:
            db.conn.rollback()
            raise
        db.conn.commit()


def write_together(db, fn):
    """Run fn(db) in a write transaction, sharing its commit with other threads' writes.

    Group commit: the thread that gets the write lock runs the work of every
    thread waiting for it, each in a savepoint of its own (one failing leaves the
    others whole), and commits once; each thread then returns after that commit.
    Under concurrent load this turns many small commits into few.
    """
    item = _Work(fn)
    with db.waiting.guard:
        db.waiting.items.append(item)
    with db.write_lock:
        if not item.done:
            try:
                _run_together(db)
            except BaseException:
                # Its transaction never began (the journal stayed locked): the caller
                # answers that, so this work must not be left for the next group to do.
                with db.waiting.guard:
                    if item in db.waiting.items:
                        db.waiting.items.remove(item)
                raise
    if item.error is not None:
        raise item.error
    return item.result


def write_each(db, fns):
    """Run each of `fns` on db in one write transaction, each in a savepoint of its own;
    returns, for each, an object with its `result` or its `error` (writer.py's group).

    If the transaction fails as a whole (the journal stayed locked, the commit failed),
    that is the error of each.
    """
    works = [_Work(fn) for fn in fns]
    with db.write_lock:
        with db.waiting.guard:
            db.waiting.items.extend(works)
        try:
            _run_together(db)
        except Exception as error:
            with db.waiting.guard:  # those never begun are not left for the next group
                db.waiting.items = [w for w in db.waiting.items if w not in works]
            for work in works:
                work.result, work.error = None, work.error or error
    return works


# Work that arrives while a group runs joins it, this many times at most, before the
# commit: fewer, larger commits under load, and a bound on how long the first one waits.
_MORE_ROUNDS = 3


def _take(db):
    with db.waiting.guard:
        batch, db.waiting.items = db.waiting.items, []
    return batch


def _run_together(db):
    done = []
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        time_zone.follow(db)  # another process may have changed it
        for _ in range(1 + _MORE_ROUNDS):
            batch = _take(db)
            if not batch:
                break
            done.extend(batch)  # from here on, this group answers for them
            for work in batch:
                db.conn.execute("SAVEPOINT work")
                try:
                    work.result = work.fn(db)
                except Exception as error:  # this one's failure is this one's answer
                    db.conn.execute("ROLLBACK TO work")
                    work.error = error
                db.conn.execute("RELEASE work")
        db.conn.commit()
    except BaseException as error:
        db.conn.rollback()
        for work in done:
            work.result, work.error = None, work.error or error
        raise
    finally:
        for work in done:
            work.done = True


def close_all():
    """Close this thread's connections (tests and the CLI call this when done)."""
    for db in getattr(_local, "dbs", {}).values():
        db.close()
    _local.dbs = {}


def init_app(app):
    """Create or migrate the database at start, so the first request doesn't pay for it.

    Journals a coach imported with an older Candor are brought up to date here too:
    opening one later never migrates it.
    """
    from . import coach  # (which uses this module)

    with app.app_context():
        coach.upgrade_imported(get_db(), app.config["DATA_DIR"])
