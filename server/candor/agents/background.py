"""Background scanning: which agent sources `candor serve` scans by itself, and the scanner.

A source is scanned in the background only once the person has switched it on (kept
in the journal's meta table); `candor agents scan` works whether it is on or not.
"""

import logging
import os
import threading

from ..db import connect, write
from . import scan

LABELS = {"claude-code": "Claude Code", "codex": "Codex CLI", "gemini-cli": "Gemini CLI"}
_KEY = "agent_source_on:"
log = logging.getLogger(__name__)
# The running scanners' wake-up calls: a source just switched on is scanned at once,
# not up to a minute later.
_wakers = set()
_wakers_guard = threading.Lock()


class UnknownSource(ValueError):
    """A source that Candor has no reader for."""


def default_roots(env=None):
    """{source: the folders it is read from by default}, for the user running this process."""
    return {source: [str(f) for f in scan.roots(source, env=env)] for source in scan.SOURCES}


def is_on(db, source):
    """Whether `source` is scanned in the background (off until switched on)."""
    row = db.conn.execute("SELECT value FROM meta WHERE key = ?", [_KEY + source]).fetchone()
    return row is not None and row[0] == "on"


def switch(db, source, on):
    """Turn background scanning of `source` on or off. Raises UnknownSource."""
    if source not in scan.SOURCES:
        raise UnknownSource(source)
    with write(db):
        db.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                        [_KEY + source, "on" if on else "off"])
    if on:
        with _wakers_guard:
            for waker in _wakers:
                waker.set()


def sources(db, roots):
    """Each source: its folders on this machine, whether found and on, its sessions, last seen."""
    found = []
    for source in scan.SOURCES:
        folders = [f for f in roots.get(source, []) if os.path.isdir(f)]
        count, last = db.conn.execute(
            "SELECT count(*), max(ended_at) FROM sessions WHERE kind = 'agent' AND site = ?",
            [source]).fetchone()
        found.append({"source": source, "label": LABELS[source], "folders": folders,
                      "found": bool(folders), "on": is_on(db, source), "sessions": count,
                      "last_seen": last})
    return found


class Scanner:
    """Scans the switched-on sources found on this machine; `runs` counts its rounds."""

    def __init__(self, db, roots):
        self.db, self.roots = db, roots
        self.runs = 0
        self.last_error = None

    def step(self):
        """Scan each source that is on and has a folder here; a failing one waits for next time."""
        for source in scan.SOURCES:
            folders = [f for f in self.roots.get(source, []) if os.path.isdir(f)]
            if not folders or not is_on(self.db, source):
                continue
            try:
                scan.scan(self.db, source, folders)
            except Exception as error:  # noqa: BLE001 (an unreadable log must not stop the others)
                self.last_error = f"{source}: {error}"
                log.warning("background scan of %s failed: %s", source, error)
        self.runs += 1


def start_scanner(path, roots, every=60.0):
    """Scan the switched-on sources now, every `every` s and as one is switched on (a thread).

    Returns the thread; `thread.scanner.runs` counts finished rounds, `thread.stop()` ends it.
    """
    db = connect(path)
    scanner = Scanner(db, roots)
    stopped, waker = threading.Event(), threading.Event()
    with _wakers_guard:
        _wakers.add(waker)

    def run():
        try:
            while not stopped.is_set():
                waker.clear()
                try:
                    scanner.step()
                except Exception as error:  # noqa: BLE001 (the journal busy, say: next time)
                    scanner.last_error = str(error)
                    log.warning("background scan failed: %s", error)
                waker.wait(every)
        finally:
            with _wakers_guard:
                _wakers.discard(waker)
            db.close()

    thread = threading.Thread(target=run, name="candor-agent-scans", daemon=True)
    thread.scanner = scanner

    def stop():
        stopped.set()
        waker.set()

    thread.stop = stop
    thread.start()
    return thread
