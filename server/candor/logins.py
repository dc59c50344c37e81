"""Dashboard logins, login links and pairing codes: the short-lived credentials.

They live in `logins.db` beside the journal, not in it: a backup or an export of
the journal never carries them, and checking or refreshing a login never waits
for (or holds) the journal's write lock.

Only hashes of the secrets are stored. A login is a random id in an HttpOnly
cookie; it ends when idle for LOGIN_IDLE, after LOGIN_LIFETIME, when revoked on
the Settings page, and when the token is rotated. A login link (`candor open`)
and a pairing code (the Connect page) are single use and expire within minutes.
"""

import hashlib
import os
import secrets
import sqlite3
import threading
import time
from pathlib import Path

FILE = "logins.db"
LOGIN_IDLE_MS = 7 * 24 * 3600 * 1000
LOGIN_LIFETIME_MS = 30 * 24 * 3600 * 1000
LINK_LIFETIME_MS = 10 * 60 * 1000
PAIRING_CODE_LIFETIME_MS = 5 * 60 * 1000
# Refreshing "last seen" on every request would write on every page view.
LAST_SEEN_STEP_MS = 60 * 1000
MAX_BROWSER_LENGTH = 120

_SCHEMA = """
CREATE TABLE IF NOT EXISTS logins (
    id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    browser TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS one_time_codes (
    code_hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL CHECK (purpose IN ('login', 'pairing')),
    expires_at INTEGER NOT NULL
);
"""

_local = threading.local()


def _now_ms():
    return int(time.time() * 1000)


def _hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def path(data_dir):
    """Where the credentials of the journal in `data_dir` live."""
    return Path(data_dir) / FILE


def _connect(data_dir):
    """This thread's connection to the credentials file (made 0600 on first use)."""
    file = str(path(data_dir))
    conns = getattr(_local, "conns", None)
    if conns is None:
        conns = _local.conns = {}
    conn = conns.get(file)
    if conn is None:
        if not os.path.exists(file):
            os.close(os.open(file, os.O_WRONLY | os.O_CREAT, 0o600))
        conn = sqlite3.connect(file, timeout=10, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(_SCHEMA)
        conns[file] = conn
    return conn


def close_all():
    """Close this thread's connections (tests and the CLI)."""
    for conn in getattr(_local, "conns", {}).values():
        conn.close()
    _local.conns = {}


def _new_code(data_dir, purpose, lifetime_ms, now_ms=None):
    now_ms = _now_ms() if now_ms is None else now_ms
    code = secrets.token_urlsafe(24)
    conn = _connect(data_dir)
    with conn:
        conn.execute("DELETE FROM one_time_codes WHERE expires_at <= ?", [now_ms])
        conn.execute("INSERT INTO one_time_codes (code_hash, purpose, expires_at) VALUES (?, ?, ?)",
                     [_hash(code), purpose, now_ms + lifetime_ms])
    return code, now_ms + lifetime_ms


def _use_code(data_dir, purpose, code, now_ms=None):
    """Whether `code` is a live code for `purpose`; it can't be used again either way."""
    if not isinstance(code, str) or not 0 < len(code) <= 200:
        return False
    now_ms = _now_ms() if now_ms is None else now_ms
    conn = _connect(data_dir)
    with conn:
        found = conn.execute(
            "DELETE FROM one_time_codes WHERE code_hash = ? AND purpose = ? RETURNING expires_at",
            [_hash(code), purpose]).fetchone()
    return found is not None and found[0] > now_ms


def new_login_link_code(data_dir, now_ms=None):
    """A single-use code for a login link (`/login?code=…`); returns (code, expires_at ms)."""
    return _new_code(data_dir, "login", LINK_LIFETIME_MS, now_ms)


def new_pairing_code(data_dir, now_ms=None):
    """A single-use code the extension trades for the token; returns (code, expires_at ms)."""
    return _new_code(data_dir, "pairing", PAIRING_CODE_LIFETIME_MS, now_ms)


def use_pairing_code(data_dir, code, now_ms=None):
    """Whether `code` is a live pairing code (it is used up either way)."""
    return _use_code(data_dir, "pairing", code, now_ms)


def log_in(data_dir, link_code, browser="", now_ms=None):
    """Trade a live login-link code for a new login; returns its secret, or None."""
    now_ms = _now_ms() if now_ms is None else now_ms
    if not _use_code(data_dir, "login", link_code, now_ms):
        return None
    secret = secrets.token_urlsafe(32)
    conn = _connect(data_dir)
    with conn:
        conn.execute(
            "INSERT INTO logins (id, secret_hash, created_at, last_seen_at, browser)"
            " VALUES (?, ?, ?, ?, ?)",
            [secrets.token_hex(8), _hash(secret), now_ms, now_ms,
             (browser or "")[:MAX_BROWSER_LENGTH]])
    return secret


def _live(created_at, last_seen_at, now_ms):
    return now_ms - last_seen_at < LOGIN_IDLE_MS and now_ms - created_at < LOGIN_LIFETIME_MS


def check_login(data_dir, secret, now_ms=None):
    """The id of the live login whose secret this is, or None; keeps it from going idle."""
    if not isinstance(secret, str) or not 0 < len(secret) <= 200:
        return None
    now_ms = _now_ms() if now_ms is None else now_ms
    conn = _connect(data_dir)
    row = conn.execute("SELECT id, created_at, last_seen_at FROM logins WHERE secret_hash = ?",
                       [_hash(secret)]).fetchone()
    if row is None:
        return None
    login_id, created_at, last_seen_at = row
    if not _live(created_at, last_seen_at, now_ms):
        with conn:
            conn.execute("DELETE FROM logins WHERE id = ?", [login_id])
        return None
    if now_ms - last_seen_at >= LAST_SEEN_STEP_MS:
        with conn:
            conn.execute("UPDATE logins SET last_seen_at = ? WHERE id = ?", [now_ms, login_id])
    return login_id


def list_logins(data_dir, now_ms=None):
    """The live logins, most recently used first: id, created_at, last_seen_at (ms), browser."""
    now_ms = _now_ms() if now_ms is None else now_ms
    rows = _connect(data_dir).execute(
        "SELECT id, created_at, last_seen_at, browser FROM logins ORDER BY last_seen_at DESC"
    ).fetchall()
    return [
        {"id": login_id, "created_at": created, "last_seen_at": seen, "browser": browser}
        for login_id, created, seen, browser in rows if _live(created, seen, now_ms)
    ]


def revoke(data_dir, login_id):
    """End one login; returns whether there was one."""
    conn = _connect(data_dir)
    with conn:
        return conn.execute("DELETE FROM logins WHERE id = ?", [login_id]).rowcount > 0


def revoke_all(data_dir):
    """End every login and drop every unused link and pairing code (the token was rotated)."""
    conn = _connect(data_dir)
    with conn:
        conn.execute("DELETE FROM logins")
        conn.execute("DELETE FROM one_time_codes")
