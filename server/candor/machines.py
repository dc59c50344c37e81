"""The machines a journal's sessions came from: this one, and those merged in (merge.py).

A session this machine saw keeps NULL in `sessions.machine`; one a merge brought keeps the
id of the machine it came from. This machine's id is made once (migration m018) and kept
in meta; its name is the host's, unless set.
"""

import socket
import uuid

from .db import write

_ID_KEY, _NAME_KEY = "machine_id", "machine_name"
NAME_MAX = 100


def _meta(db, key):
    row = db.conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def own_id(db):
    """This journal's machine id (made by migration m018, or here if it went missing)."""
    found = _meta(db, _ID_KEY)
    if found:
        return found
    with write(db):  # two processes at once still agree on one
        db.conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                        [_ID_KEY, str(uuid.uuid4())])
    return _meta(db, _ID_KEY)


def own_name(db):
    """This machine's display name: the one set, else its host name."""
    return _meta(db, _NAME_KEY) or (socket.gethostname() or "this machine")[:NAME_MAX]


def set_own_name(db, name):
    """Remember `name` as this machine's display name; returns it as kept (trimmed).

    Raises ValueError saying what is wrong with it.
    """
    name = " ".join(str(name or "").split())
    if not name:
        raise ValueError("Give a name (it may not be blank).")
    if len(name) > NAME_MAX:
        raise ValueError(f"At most {NAME_MAX} characters.")
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in name):
        raise ValueError("No control characters.")
    with write(db):
        db.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                        [_NAME_KEY, name])
    return name


def names(db):
    """{machine id: name} of every machine known, this one included."""
    found = dict(db.conn.execute("SELECT id, name FROM machines"))
    found[own_id(db)] = own_name(db)
    return found


def describe(db, stored):
    """{stored value: {"id", "name", "this"}} for `sessions.machine` values (NULL: this one)."""
    own, known = own_id(db), None
    found = {}
    for value in set(stored):
        if value is None or value == own:
            found[value] = {"id": own, "name": own_name(db), "this": True}
            continue
        if known is None:
            known = dict(db.conn.execute("SELECT id, name FROM machines"))
        found[value] = {"id": value, "name": known.get(value, value[:8]), "this": False}
    return found
