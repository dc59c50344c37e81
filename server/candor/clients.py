"""The browser extensions that pair with this journal and sync to it.

Each install names itself with a random id. Pairing records it (`paired_at`); each
batch of events it sends records, in that batch's own transaction, when it synced
(`last_sync`) and how many events it still held to send (`waiting`). An extension
counts as paired when it paired or synced since the token was made: rotating the
token unpairs every one, as it refuses their old token.
"""

import os

from .db import write
from .journal import iso

# One statement, run in the transaction that stores the batch's events: the events
# endpoint is the hot path, and this adds no commit and no read to it.
SYNC_UPSERT = """
INSERT INTO clients (id, browser, extension_version, last_sync, waiting) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    browser = coalesce(excluded.browser, browser),
    extension_version = coalesce(excluded.extension_version, extension_version),
    last_sync = excluded.last_sync,
    waiting = excluded.waiting
"""

_PAIR_UPSERT = """
INSERT INTO clients (id, browser, extension_version, paired_at) VALUES (?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    browser = coalesce(excluded.browser, browser),
    extension_version = coalesce(excluded.extension_version, extension_version),
    paired_at = excluded.paired_at
"""


def sync_row(client, now_ms):
    """SYNC_UPSERT's parameters for a batch from `client` (its `client` object) at `now_ms`."""
    return (client["id"], client.get("browser"), client.get("extension_version"), now_ms,
            client.get("waiting"))


def record_pairing(db, client, now_ms):
    """Remember that `client` (id, browser, extension_version) paired at `now_ms`."""
    with write(db):
        db.conn.execute(_PAIR_UPSERT, (client["id"], client.get("browser"),
                                       client.get("extension_version"), now_ms))


def token_made_ms(token_file):
    """When the token in `token_file` was made or last rotated (ms), or 0 if it has none yet."""
    try:
        return os.stat(token_file).st_mtime_ns // 1_000_000
    except FileNotFoundError:
        return 0


def listed(db, token_made):
    """Every extension seen, most recently seen first, each saying whether it is paired."""
    rows = db.conn.execute(
        "SELECT id, browser, extension_version, paired_at, last_sync, waiting FROM clients "
        "ORDER BY max(coalesce(paired_at, 0), coalesce(last_sync, 0)) DESC, id").fetchall()
    return [{
        "id": client_id, "browser": browser, "extension_version": version,
        "paired": max(paired_at or 0, last_sync or 0) >= token_made,
        "paired_at": iso(paired_at) if paired_at else None,
        "last_sync": iso(last_sync) if last_sync else None,
        "waiting": waiting,
    } for client_id, browser, version, paired_at, last_sync, waiting in rows]


def any_paired(db, token_made):
    """Whether an extension paired or synced since the token was made."""
    return db.conn.execute(
        "SELECT EXISTS (SELECT 1 FROM clients WHERE max(coalesce(paired_at, 0), "
        "coalesce(last_sync, 0)) >= ?)", [token_made]).fetchone()[0] == 1
