"""The browser extensions that pair with this journal and sync to it.

Each install names itself with a random id. Pairing records it (`paired_at`); each
batch of events it sends records, in that batch's own transaction, when it synced
(`last_sync`) and how many events it still held to send (`waiting`). An extension
counts as paired when it paired or synced since the token was made: rotating the
token unpairs every one, as it refuses their old token.

Whether an extension keeps conversation titles is its own choice (its options page). Each
batch says which it made (`titles`); the Settings page may ask for the other
(`titles_wish`), and the answer to each of its batches carries that wish until a batch
says it was done.
"""

import os

from .db import write
from .journal import iso

# One statement, run in the transaction that stores the batch's events: the events
# endpoint is the hot path, and this adds no commit and no read to it. It answers with
# the titles wish still waiting for this extension (a wish it fulfilled is dropped).
SYNC_UPSERT = """
INSERT INTO clients (id, browser, extension_version, last_sync, waiting, titles)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    browser = coalesce(excluded.browser, browser),
    extension_version = coalesce(excluded.extension_version, extension_version),
    last_sync = excluded.last_sync,
    waiting = excluded.waiting,
    titles = coalesce(excluded.titles, titles),
    titles_wish = CASE WHEN excluded.titles = titles_wish THEN NULL ELSE titles_wish END
RETURNING titles_wish
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
    titles = client.get("titles")
    return (client["id"], client.get("browser"), client.get("extension_version"), now_ms,
            client.get("waiting"), None if titles is None else int(titles))


def record_sync(db, row):
    """Run SYNC_UPSERT with `row` (sync_row's) in the caller's transaction.

    Returns the settings the extension is asked to change at this sync, as the batch's
    answer carries them (`{"titles": false}`), or None when nothing is asked.
    """
    [(wish,)] = db.conn.execute(SYNC_UPSERT, row).fetchall()
    return None if wish is None else {"titles": bool(wish)}


def ask_titles(db, titles, token_made, client_id=None):
    """Ask one extension (`client_id`), or every paired one, to keep conversation titles
    (`titles` True) or leave them out, at its next sync.

    An extension that already does as asked is asked nothing. Returns how many extensions
    were found to ask (0: no such extension, or none paired).
    """
    wish = int(bool(titles))
    where, params = ("id = ?", [client_id]) if client_id is not None else (
        "max(coalesce(paired_at, 0), coalesce(last_sync, 0)) >= ?", [token_made])
    with write(db):
        return db.conn.execute(
            "UPDATE clients SET titles_wish = CASE WHEN titles IS ? THEN NULL ELSE ? END "
            f"WHERE {where}", [wish, wish, *params]).rowcount


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
        "SELECT id, browser, extension_version, paired_at, last_sync, waiting, titles, "
        "titles_wish FROM clients "
        "ORDER BY max(coalesce(paired_at, 0), coalesce(last_sync, 0)) DESC, id").fetchall()
    return [{
        "id": client_id, "browser": browser, "extension_version": version,
        "paired": max(paired_at or 0, last_sync or 0) >= token_made,
        "paired_at": iso(paired_at) if paired_at else None,
        "last_sync": iso(last_sync) if last_sync else None,
        "waiting": waiting,
        "titles": None if titles is None else bool(titles),
        "titles_asked": None if wish is None else bool(wish),
    } for client_id, browser, version, paired_at, last_sync, waiting, titles, wish in rows]


def any_paired(db, token_made):
    """Whether an extension paired or synced since the token was made."""
    return db.conn.execute(
        "SELECT EXISTS (SELECT 1 FROM clients WHERE max(coalesce(paired_at, 0), "
        "coalesce(last_sync, 0)) >= ?)", [token_made]).fetchone()[0] == 1
