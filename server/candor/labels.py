"""Labels: the person's own words for what a session belonged to (a project, a client).

Several per session, kept in `session_labels`. Set by hand (the API, the dashboard) or
added by rules (rules.py). Stats group by them (report.py), exports carry them.
"""

MAX_LENGTH = 40
MAX_PER_SESSION = 10
# What group=label names the sessions without any label.
NONE = "(none)"


class BadLabels(ValueError):
    """Labels that can't be kept: too long, too many, or not text."""


def clean(labels):
    """`labels` trimmed, empty ones dropped and repeats kept once, in the order given.

    Raises BadLabels when one is not text, holds a control character or is over
    MAX_LENGTH characters, or when more than MAX_PER_SESSION remain.
    """
    if not isinstance(labels, (list, tuple)):
        raise BadLabels("Labels are a list of words.")
    kept = []
    for label in labels:
        if not isinstance(label, str):
            raise BadLabels("A label is a string.")
        label = " ".join(label.split())  # trimmed, and no run of spaces or line breaks inside
        if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in label):
            raise BadLabels("A label has no control characters.")
        if len(label) > MAX_LENGTH:
            raise BadLabels(f"A label is at most {MAX_LENGTH} characters: {label[:MAX_LENGTH]}…")
        if label and label not in kept:
            kept.append(label)
    if len(kept) > MAX_PER_SESSION:
        raise BadLabels(f"At most {MAX_PER_SESSION} labels per session.")
    return kept


def of_sessions(db, ids):
    """{session id: its labels in name order} for `ids` (sessions without any are left out)."""
    found = {}
    ids = list(ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for session_id, label in db.conn.execute(
                "SELECT session_id, label FROM session_labels "
                f"WHERE session_id IN ({', '.join('?' * len(chunk))}) "
                "ORDER BY session_id, label COLLATE NOCASE, label", chunk):
            found.setdefault(session_id, []).append(label)
    return found


def replace_within(db, session_id, labels):
    """Make `labels` (cleaned) the session's labels, inside the caller's write transaction."""
    db.conn.execute("DELETE FROM session_labels WHERE session_id = ?", [session_id])
    db.conn.executemany("INSERT INTO session_labels (session_id, label) VALUES (?, ?)",
                        [(session_id, label) for label in labels])


def add_within(db, session_id, label):
    """Give a session one more label, unless it has it or already has MAX_PER_SESSION.

    Inside the caller's write transaction; returns whether it was added.
    """
    have = [row[0] for row in db.conn.execute(
        "SELECT label FROM session_labels WHERE session_id = ?", [session_id])]
    if label in have or len(have) >= MAX_PER_SESSION:
        return False
    db.conn.execute("INSERT INTO session_labels (session_id, label) VALUES (?, ?)",
                    [session_id, label])
    return True


def all_labels(db):
    """Every label in the journal with how many sessions have it, most used first."""
    return [{"label": label, "sessions": n} for label, n in db.conn.execute(
        "SELECT label, count(*) FROM session_labels GROUP BY label "
        "ORDER BY count(*) DESC, label COLLATE NOCASE")]
