"""Read and change the journal: sessions, their tags, notes and outcome links."""

import base64
import json
import time
from datetime import datetime, timedelta, timezone

from . import labels, machines, migrations, signals, time_zone
from .db import write

SESSION_FIELDS = (
    "id", "site", "started_at", "ended_at", "active_ms", "prompts", "responses", "copies",
    "est_tokens_in", "est_tokens_out", "tokenizer", "model", "url", "title", "tag", "note",
    "outcome_url", "signals",
)
# What agent sessions add (NULL for chat sessions); models is a JSON list. Their outcomes
# (edits, lines changed, commits, pull requests) are NULL where the agent did not say.
AGENT_FIELDS = ("kind", "tokens_in", "tokens_out", "tokens_cache_read", "tokens_cache_write",
                "tokens_reasoning", "requests", "tool_calls", "models", "project", "edits",
                "lines_changed", "commits", "pull_requests")
SESSION_FIELDS += AGENT_FIELDS
# A tag a rule suggests (rules.py): shown beside the session, never its tag until accepted.
SESSION_FIELDS += ("suggested_tag",)
# The machine it came from: NULL for this one's own, else a merged-in machine's id.
SESSION_FIELDS += ("machine",)
_SELECT_SESSION = f"SELECT {', '.join(SESSION_FIELDS)} FROM sessions"


class NotFound(Exception):
    """No such session."""


class BadCursor(ValueError):
    """A cursor this server did not hand out."""


def iso(ms):
    """Milliseconds since the epoch as ISO 8601 in UTC."""
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds")


def local_day_start_ms(day, zone):
    """The start of the date `day` in `zone` (a ZoneInfo), in milliseconds since the epoch."""
    return int(time_zone.day_start(day, zone).timestamp() * 1000)


def range_ms(from_day=None, to_day=None, *, zone):
    """Inclusive dates in `zone` as a half-open [start, end) range in milliseconds (None = open).

    `zone` is the journal's (time_zone.zone(db)), never the process's.
    """
    start = local_day_start_ms(from_day, zone) if from_day else None
    end = local_day_start_ms(to_day + timedelta(days=1), zone) if to_day else None
    return start, end


def _session(row):
    s = dict(zip(SESSION_FIELDS, row, strict=True))
    s["started_at"] = iso(s["started_at"])
    s["ended_at"] = iso(s["ended_at"])
    s["active_seconds"] = s.pop("active_ms") / 1000
    s["signals"] = json.loads(s["signals"]) if s["signals"] is not None else None
    s["models"] = json.loads(s["models"]) if s["models"] is not None else None
    return s


def _fetch(db, where, params, order_limit="", extra=()):
    """Session rows matching `where`; signals not stored yet are computed, not stored."""
    sql = f"{_SELECT_SESSION} WHERE {where} {order_limit}"
    sessions = [_session(r) for r in db.conn.execute(sql, [*params, *extra]).fetchall()]
    found_labels = labels.of_sessions(db, [s["id"] for s in sessions])
    came_from = machines.describe(db, [s["machine"] for s in sessions])
    for s in sessions:
        s["labels"] = found_labels.get(s["id"], [])
        s["machine"] = came_from[s["machine"]]
    missing = [s["id"] for s in sessions if s["signals"] is None]
    if missing:
        computed = signals.stale(db, _ids_in(missing), missing)
        for s in sessions:
            if s["signals"] is None:
                s["signals"] = computed.get(s["id"], [])
    return sessions


def _ids_in(ids):
    return f"id IN ({', '.join('?' * len(ids))})"


def _by_ids(db, ids):
    """The sessions of `ids`, in that order."""
    found = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found.update((s["id"], s) for s in _fetch(db, _ids_in(chunk), chunk))
    return [found[i] for i in ids if i in found]


def _signal_figures(db, where, params, signal=None, limit=None):
    """(started_at, id, figure) for the sessions matching `where`, newest first.

    The figure is how many signals a session has, or with `signal` whether it has
    that one; from the stored signals, else computed in memory. `limit` reads only the
    newest that many.
    """
    figure = ("json_array_length(signals)" if signal is None else
              "EXISTS (SELECT 1 FROM json_each(sessions.signals) "
              "WHERE json_extract(value, '$.name') = ?)")
    rows = db.conn.execute(
        f"SELECT started_at, id, CASE WHEN signals IS NOT NULL THEN {figure} END "
        f"FROM sessions WHERE {where} ORDER BY started_at DESC, id DESC"
        + ("" if limit is None else f" LIMIT {int(limit)}"),
        ([] if signal is None else [signal]) + list(params)).fetchall()
    missing = [sid for _, sid, n in rows if n is None]
    computed = {}
    for start in range(0, len(missing), 500):
        chunk = missing[start:start + 500]
        computed.update(signals.stale(db, _ids_in(chunk), chunk))
    if not computed:
        return rows

    def count(found):
        return len(found) if signal is None else any(s["name"] == signal for s in found)

    return [(started, sid, count(computed.get(sid, [])) if n is None else n)
            for started, sid, n in rows]


def _having_signal(db, where, params, signal, wanted):
    """The ids of the newest `wanted` sessions matching `where` that have `signal`.

    Read a page at a time, newest first, so a page of a long journal reads about a page
    of rows, not every session with that signal. Sessions whose signals are not stored
    yet are candidates that may turn out not to have it: pages of at least 200 keep
    their number from making it many small reads.
    """
    found, after, size = [], None, max(wanted, 200)
    while len(found) < wanted:
        page_where, page_params = where, list(params)
        if after is not None:
            page_where += " AND (started_at, id) < (?, ?)"
            page_params += after
        rows = _signal_figures(db, page_where, page_params, signal, limit=size)
        found += [sid for _, sid, yes in rows if yes]
        if len(rows) < size:
            break
        after = list(rows[-1][:2])
    return found[:wanted]


def get_session(db, session_id):
    """One session's totals, verdict and signals; raises NotFound."""
    found = _fetch(db, "id = ?", [session_id])
    if not found:
        raise NotFound(session_id)
    return found[0]


def session_detail(db, session_id):
    """One session with its tag history and the timeline of its events; raises NotFound."""
    session = get_session(db, session_id)
    session["tag_history"] = tag_history(db, session_id)
    session["timeline"] = [
        {"type": kind, "at": iso(ts), **{k: v for k, v in (
            ("active_ms", active), ("prompt_chars", p_chars), ("response_chars", r_chars),
            ("est_tokens", tokens), ("tokenizer", tokenizer), ("model", model))
            if v is not None}}
        for kind, ts, active, p_chars, r_chars, tokens, tokenizer, model in db.conn.execute(
            "SELECT type, ts, active_ms, prompt_chars, response_chars, est_tokens, tokenizer, "
            "model "
            "FROM events WHERE session_id = ? ORDER BY ts, id", [session_id])
    ]
    return session


def _encode_cursor(started_at, session_id):
    return base64.urlsafe_b64encode(f"{started_at}/{session_id}".encode()).decode()


def _decode_cursor(cursor):
    try:
        started_at, session_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("/")
        return int(started_at), session_id
    except ValueError as error:  # bad base64, bad UTF-8, wrong shape
        raise BadCursor(cursor) from error


def _like(text):
    """A LIKE pattern matching `text` anywhere: its %, _ and \\ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search(db, q):
    """SQL and its parameters: the session's title, note or project holds `q`, whatever the case.

    SQLite's LIKE ignores the case of ASCII letters only. An ASCII `q` (most searches) is
    matched by LIKE alone, in SQLite; any other is matched against the casefolded text
    (Python's casefold, so "Ü" finds "über"), a Python call per session read.
    """
    columns = ("title", "note", "project")
    if q.isascii():
        return (" OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in columns),
                [_like(q)] * len(columns))
    db.conn.create_function("casefold", 1, lambda text: text and text.casefold(),
                            deterministic=True)
    return (" OR ".join(f"casefold({c}) LIKE ? ESCAPE '\\'" for c in columns),
            [_like(q.casefold())] * len(columns))


def list_sessions(db, from_day=None, to_day=None, site=None, tag=None, signal=None, limit=50,
                  cursor=None, most_signals=False, kind=None, q=None, label=None):
    """Sessions overlapping the local dates, newest first; returns (sessions, next_cursor).

    `q` keeps the sessions whose title, note or project holds it (any case); `label`
    those with that label.
    `most_signals` puts the sessions with the most signals first (one page, no cursor).
    """
    where, params = ["1"], []
    start, end = range_ms(from_day, to_day, zone=time_zone.zone(db))
    if start is not None:
        where.append("ended_at >= ?")
        params.append(start)
    if end is not None:
        where.append("started_at < ?")
        params.append(end)
    if site:
        where.append("site = ?")
        params.append(site)
    if kind:
        where.append("kind = ?")
        params.append(kind)
    if tag == "untagged":
        where.append("tag IS NULL")
    elif tag:
        where.append("tag = ?")
        params.append(tag)
    if label:
        where.append("EXISTS (SELECT 1 FROM session_labels "
                     "WHERE session_id = sessions.id AND label = ?)")
        params.append(label)
    if q:
        sql, words = _search(db, q)
        where.append(f"({sql})")
        params.extend(words)
    if most_signals:
        candidates = _signal_figures(db, " AND ".join(where), params)
        if signal:
            having = {sid for _, sid, yes in _signal_figures(
                db, " AND ".join(where), params, signal) if yes}
            candidates = [c for c in candidates if c[1] in having]
        ranked = sorted(((n, started, sid) for started, sid, n in candidates), reverse=True)
        return _by_ids(db, [sid for _, _, sid in ranked[:limit]]), None
    if cursor:
        started_at, session_id = _decode_cursor(cursor)
        where.append("(started_at, id) < (?, ?)")
        params.extend([started_at, session_id])
    if signal:
        where.append("(signals IS NULL OR EXISTS (SELECT 1 FROM json_each(sessions.signals) "
                     "WHERE json_extract(value, '$.name') = ?))")
        params.append(signal)
        sessions = _by_ids(db, _having_signal(db, " AND ".join(where), params, signal, limit + 1))
    else:
        sessions = _fetch(db, " AND ".join(where), params,
                          "ORDER BY started_at DESC, id DESC LIMIT ?", [limit + 1])
    next_cursor = None
    if len(sessions) > limit:
        sessions = sessions[:limit]
        started_at = db.conn.execute("SELECT started_at FROM sessions WHERE id = ?",
                                     [sessions[-1]["id"]]).fetchone()[0]
        next_cursor = _encode_cursor(started_at, sessions[-1]["id"])
    return sessions, next_cursor


def recent_sites(db, days=90):
    """The sites of the sessions of the last `days` days, most used first."""
    since = int(time.time() * 1000) - days * 86_400_000
    return [site for (site,) in db.conn.execute(
        "SELECT site FROM sessions WHERE started_at >= ? GROUP BY site ORDER BY count(*) DESC",
        [since])]


def sites(db):
    """Every site the journal has sessions of, in name order.

    Jumps from one site to the next along the sessions_by_site index: a few lookups
    per site, however many sessions there are.
    """
    return [site for (site,) in db.conn.execute(
        "WITH RECURSIVE next(site) AS ("
        " SELECT min(site) FROM sessions"
        " UNION ALL SELECT (SELECT min(site) FROM sessions WHERE site > next.site)"
        " FROM next WHERE next.site IS NOT NULL) "
        "SELECT site FROM next WHERE site IS NOT NULL")]


def set_time_zone(db, name):
    """Make `name` (an IANA zone) the journal's time zone; returns whether it changed.

    A change rebuilds the per-day totals in the new zone, once, in the same
    transaction; every connection (of any process) follows it from its next write.
    Raises ValueError for a zone this machine doesn't know.
    """
    if not time_zone.is_zone(name):
        raise ValueError(f"unknown time zone {name!r}")
    with write(db):
        if time_zone.stored(db) == name:
            return False
        db.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                        [time_zone.META_KEY, name])
        time_zone.use(db, name)
        migrations.rebuild_day_totals(db)
    return True


def change_session(db, session_id, changes, now_ms=None):
    """Set any of tag, note, outcome_url, labels; a tag change is kept in the history.

    `labels` replace the session's labels; they are cleaned first (labels.clean, which
    raises labels.BadLabels).
    """
    if "labels" in changes:
        changes = {**changes, "labels": labels.clean(changes["labels"])}
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    with write(db):
        row = db.conn.execute("SELECT tag FROM sessions WHERE id = ?", [session_id]).fetchone()
        if row is None:
            raise NotFound(session_id)
        if "tag" in changes and changes["tag"] != row[0]:
            _record_tag(db, session_id, row[0], changes["tag"], now_ms)
        # When: a merge of two machines' journals keeps the latest (merge.py).
        if "labels" in changes:
            labels.replace_within(db, session_id, changes["labels"])
            db.conn.execute("UPDATE sessions SET labels_at = ? WHERE id = ?",
                            [now_ms, session_id])
        for name, at in (("note", "note_at"), ("outcome_url", "outcome_at")):
            if name in changes:
                db.conn.execute(
                    f"UPDATE sessions SET {name} = ?, {at} = ? WHERE id = ?",
                    [changes[name], now_ms, session_id]
                )
        if "outcome_url" in changes and db.conn.execute(  # "no outcome" depends on it
                "UPDATE sessions SET signals = NULL WHERE id = ? AND signals IS NOT NULL",
                [session_id]).rowcount:
            signals.refresh_within(db, "id = ?", [session_id])
    return get_session(db, session_id)


def _record_tag(db, session_id, old, new, now_ms):
    db.conn.execute("UPDATE sessions SET tag = ? WHERE id = ?", [new, session_id])
    db.conn.execute("UPDATE session_buckets SET tag = ? WHERE session_id = ?", [new, session_id])
    db.conn.execute(
        "INSERT INTO tag_changes (session_id, old_tag, new_tag, at) VALUES (?, ?, ?, ?)",
        [session_id, old, new, now_ms],
    )


def tag_sessions(db, ids, tag, now_ms=None, only_untagged=False):
    """Give many sessions one tag in one transaction; with `only_untagged`, only those with none.

    Returns how many of `ids` are sessions, and (id, previous tag) for each session whose
    tag it changed, so that the change can be undone exactly.
    """
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    found, changed = 0, []
    with write(db):
        for session_id in ids:
            row = db.conn.execute("SELECT tag FROM sessions WHERE id = ?", [session_id]).fetchone()
            if row is None:
                continue
            found += 1
            if row[0] == tag or (only_untagged and row[0] is not None):
                continue
            _record_tag(db, session_id, row[0], tag, now_ms)
            changed.append((session_id, row[0]))
    return found, changed


def apply_tags(db, changes):
    """Apply (session_id, tag, at_ms) changes in one transaction; unknown ids are skipped."""
    found = 0
    with write(db):
        for session_id, tag, at in changes:
            row = db.conn.execute("SELECT tag FROM sessions WHERE id = ?", [session_id]).fetchone()
            if row is None:
                continue
            found += 1
            if row[0] != tag:
                _record_tag(db, session_id, row[0], tag, at)
    return found


def tag_history(db, session_id):
    """The session's tag changes, oldest first: [{"old", "new", "at"}]."""
    return [
        {"old": old, "new": new, "at": iso(at)}
        for old, new, at in db.conn.execute(
            "SELECT old_tag, new_tag, at FROM tag_changes WHERE session_id = ? ORDER BY at, id",
            [session_id],
        )
    ]


# An agent session's requests, record times, tool calls, projects, prompts, failed
# requests and metric points (agents/sessions.py). Which files were read how far
# (agent_files) stays: a scan doesn't read them again, and a forgotten session's records
# in them stay out.
AGENT_TABLES = ("agent_requests", "agent_times", "agent_tool_calls", "agent_projects",
                "agent_prompts", "agent_errors", "agent_metrics")
# A session's labels and which rules matched it go with it (the rules themselves stay).
LABEL_TABLES = ("session_labels", "rule_matches")

# What forgetting everything leaves in place, as its answer names it.
KEPT_BY_FORGETTING = (
    "coach_week_notes",   # notes a coach sent on your weeks
    "imported_journals",  # journals you imported to review as a coach, and your notes on them
    "token",              # the extension's token and dashboard logins: nothing to pair again
    "forgotten_sessions",  # ids and times only, so that re-sent events stay forgotten
    "backups",            # files written by `candor backup`, which Candor never deletes
    "rules",              # your rules (what they matched goes with the sessions)
    "settings",           # time zone, date format, goals, thresholds, your name in exports
    "merge_key",          # the key your machines share to sign merge files
)

# A forgotten session's id and when: events re-sent up to the later of that and its
# last event are ignored; later ones (its tab still open) start a new session.
_MARK_FORGOTTEN = ("INSERT OR IGNORE INTO forgotten_sessions (id, at, through_ts) "
                   "SELECT id, ?1, max(?1, ended_at) FROM sessions")


def forget_session(db, session_id, now_ms=None):
    """Delete a session, its events, tag history and coach notes on it.

    Its events re-sent later are ignored if made before now (or before its last
    event); those made after start a new session (ingest.successor).
    """
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    with write(db):
        if db.conn.execute("SELECT 1 FROM sessions WHERE id = ?", [session_id]).fetchone() is None:
            raise NotFound(session_id)
        db.conn.execute(f"{_MARK_FORGOTTEN} WHERE id = ?2", [now_ms, session_id])
        db.conn.execute("DELETE FROM coach_notes WHERE kind = 'session' AND key = ?",
                        [session_id])
        for table, column in (("events", "session_id"), ("session_buckets", "session_id"),
                              ("tag_changes", "session_id"), ("sessions", "id"),
                              *((t, "session_id") for t in AGENT_TABLES + LABEL_TABLES)):
            db.conn.execute(f"DELETE FROM {table} WHERE {column} = ?", [session_id])


def forget_everything(db, now_ms=None):
    """Delete every session: its events, time buckets, tag history, and coach notes on sessions.

    Keeps what KEPT_BY_FORGETTING names (a coach's notes on weeks, imported journals,
    the token). Each session is forgotten as forget_session does. Returns
    {"forgotten": sessions, "deleted": {what: how many}, "kept": KEPT_BY_FORGETTING}.
    """
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    counted = {"sessions": "SELECT count(*) FROM sessions",
               "events": "SELECT count(*) FROM events",
               "tag_changes": "SELECT count(*) FROM tag_changes",
               "coach_session_notes": "SELECT count(*) FROM coach_notes WHERE kind = 'session'"}
    with write(db):
        deleted = {name: db.conn.execute(sql).fetchone()[0] for name, sql in counted.items()}
        db.conn.execute(_MARK_FORGOTTEN, [now_ms])
        db.conn.execute("DELETE FROM coach_notes WHERE kind = 'session'")
        # day_totals last: deleting buckets and sessions fires triggers that write to it.
        for table in ("events", "session_buckets", "tag_changes", "sessions", *AGENT_TABLES,
                      *LABEL_TABLES, "day_totals"):
            db.conn.execute(f"DELETE FROM {table}")
    return {"forgotten": deleted["sessions"], "deleted": deleted,
            "kept": list(KEPT_BY_FORGETTING)}

