"""One person, several machines: a signed file of one machine's journal, merged into another's.

`build` writes everything a journal keeps: each session's events (or an agent session's
records), from which the other machine rebuilds its totals as its own ingest would; its
tag history, note, outcome link and labels with when each last changed; the machine it
came from; and the sessions forgotten, with when. `merge` brings that into this journal
in one transaction, so that merging twice, or the two machines' files in either order,
gives the same journal:

- sessions are the union of both sides' events (totals don't depend on order or repeats);
- a tag, note, outcome link or label set is the one changed last (ties: the greater value;
  labels changed at the same time: both sets); tag histories are joined;
- a session forgotten on either side is forgotten on both, its rows gone, and stays so;
- a session says which machine it came from (the smaller id, should two claim it);
- a coach's note sent back to either machine is on both (the one written last).

The file is chained like a coach's journal (export.py) and signed: an HMAC-SHA256 of its
canonical JSON under a merge key the person's machines share (`candor merge-key`). A chain
can be recomputed by whoever edits a file; the signature can't be without the key, so a
planted file never merges as the person's own.
"""

import hashlib
import hmac
import json
import re
import secrets
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from . import export, ingest, journal, labels, machines, security, signals
from .agents import sessions as agent_sessions
from .contract import EVENT_TYPES
from .db import write

FORMAT = "candor-merge"
VERSION = 1
KEY_FILE = "merge-key"
_KEY_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # 256 random bits, URL-safe base64
_SIGNED_AS = f"{FORMAT}/{VERSION}\n".encode()
_CHAIN_SEED = f"{FORMAT}/{VERSION}"

# An event's columns as stored (ingest.EVENT_COLUMNS when this format was made; a column
# added there later travels once added here, with the format's version and _Event).
EVENT_COLUMNS = ("id", "session_id", "type", "ts", "site", "active_ms", "prompt_chars",
                 "response_chars", "est_tokens", "fingerprint", "model", "url", "title",
                 "client_id", "received_at", "tokenizer")
# An agent session's records, by table, without their session id (the record's).
AGENT_COLUMNS = {
    "agent_requests": ("site", "key", "ts", "model", "tokens_in", "tokens_out",
                       "tokens_cache_read", "tokens_cache_write", "tokens_reasoning", "rank"),
    "agent_times": ("ts",),
    "agent_tool_calls": ("call_id", "tool", "ts"),
    "agent_projects": ("ts", "project"),
    "agent_prompts": ("ts",),
    "agent_errors": ("key", "ts"),
    "agent_metrics": ("series", "ts", "name", "value", "cumulative"),
}
# As agents/sessions.py stores them: a request seen twice keeps its better copy, in any order.
_AGENT_INSERT = {
    "agent_requests": agent_sessions._REQUEST_UPSERT,
    "agent_tool_calls": "INSERT INTO agent_tool_calls (call_id, tool, ts, session_id) "
                        "VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
                        "tool = coalesce(tool, excluded.tool), ts = coalesce(ts, excluded.ts)",
}


class Refused(ValueError):
    """A merge file this journal does not take; nothing of it was written."""


class BadKey(ValueError):
    """Not a merge key as `candor merge-key` prints one."""


# --- the merge key ---------------------------------------------------------------

def key_path(data_dir):
    """Where the merge key lives in `data_dir`."""
    return Path(data_dir) / KEY_FILE


def read_key(data_dir, create=False):
    """The merge key, or None when there is none (made, random, when `create`)."""
    try:
        key = key_path(data_dir).read_text().strip()
    except FileNotFoundError:
        if not create:
            return None
        key = secrets.token_urlsafe(32)
        _write_key(data_dir, key)
    return key


def set_key(data_dir, key):
    """Make `key` this machine's merge key; whether it changed. Raises BadKey."""
    key = (key or "").strip()
    if not _KEY_SHAPE.match(key):
        raise BadKey("not a merge key: give the one `candor merge-key` prints on your other "
                     "machine (43 letters, digits, - and _)")
    if read_key(data_dir) == key:
        return False
    _write_key(data_dir, key)
    return True


def _write_key(data_dir, key):
    """Write the key readable by its owner only (0600), whole or not at all."""
    security.write_private(key_path(data_dir), key)


def signature(data, key):
    """The HMAC-SHA256, in hex, of a merge file's canonical JSON (all but its signature)."""
    body = {k: v for k, v in data.items() if k != "signature"}
    return hmac.new(key.encode(), _SIGNED_AS + export.canonical(body), "sha256").hexdigest()


def _link(previous, value):
    return hashlib.sha256(previous.encode() + export.canonical(value)).hexdigest()


# --- writing a merge file ---------------------------------------------------------

def _grouped(db, sql, params=()):
    """{session id: [rows without it]} of a query whose first column is the session id."""
    found = {}
    for sid, *rest in db.conn.execute(sql, params):
        found.setdefault(sid, []).append(rest)
    return found


def build(db, key, now=None):
    """This journal, everything kept, as a signed merge file (a dict ready to write).

    Read in one read transaction: a snapshot of the journal, whatever is written meanwhile.
    """
    own, journal_id, known = machines.own_id(db), export.journal_id(db), machines.names(db)
    db.conn.execute("BEGIN")
    try:
        header, records = _read_all(db, own, journal_id, known, now)
    finally:
        db.conn.rollback()
    link = first = _link(_CHAIN_SEED, header)
    for record in records:
        link = _link(link, record)
        record["chain"] = link
    data = {**header, "sessions": records,
            "integrity": {"algorithm": "sha256-chain", "header": first,
                          "records": len(records), "head": link}}
    data["signature"] = {"algorithm": "hmac-sha256", "value": signature(data, key)}
    return data


def _read_all(db, own, journal_id, known, now):
    """(header, session records) of the journal, as build writes them."""
    events = _grouped(db, f"SELECT session_id, {', '.join(EVENT_COLUMNS)} FROM events "
                          "ORDER BY session_id, ts, id")
    agent_rows = {table: _grouped(db, f"SELECT session_id, {', '.join(columns)} FROM {table} "
                                      f"ORDER BY session_id, {', '.join(columns)}")
                  for table, columns in AGENT_COLUMNS.items()}
    history = _grouped(db, "SELECT session_id, old_tag, new_tag, at FROM tag_changes "
                           "ORDER BY session_id, at, id")
    found_labels = _grouped(db, "SELECT session_id, label FROM session_labels "
                                "ORDER BY session_id, label")
    records = []
    for (sid, kind, site, machine, tag, note, note_at, outcome, outcome_at,
         labels_at) in db.conn.execute(
            "SELECT id, kind, site, machine, tag, note, note_at, outcome_url, outcome_at, "
            "labels_at FROM sessions ORDER BY started_at, id"):
        changes = history.get(sid, [])
        record = {
            "id": sid, "kind": kind, "site": site, "machine": machine or own,
            "tag": tag, "tag_at": max((c[2] for c in changes), default=None),
            "tag_history": [list(c) for c in changes],
            "note": note, "note_at": note_at, "outcome_url": outcome, "outcome_at": outcome_at,
            "labels": [row[0] for row in found_labels.get(sid, [])], "labels_at": labels_at,
            "events": [list(row) for row in events.get(sid, [])] if kind == "chat" else [],
            "agent": ({table: [list(r) for r in rows.get(sid, [])]
                       for table, rows in agent_rows.items()} if kind == "agent" else None),
        }
        records.append(record)
    header = {
        "format": FORMAT, "version": VERSION, "journal_id": journal_id,
        "exported_at": journal.iso(int((now or time.time()) * 1000)),
        "machine": {"id": own, "name": machines.own_name(db)},
        "machines": [{"id": mid, "name": name} for mid, name in sorted(known.items())
                     if mid != own],
        "event_columns": list(EVENT_COLUMNS),
        "agent_columns": {table: list(columns) for table, columns in AGENT_COLUMNS.items()},
        "forgotten": [{"id": sid, "at": at, "through_ts": through} for sid, at, through in
                      db.conn.execute("SELECT id, at, through_ts FROM forgotten_sessions "
                                      "ORDER BY id")],
        # Notes coaches sent back on sessions and weeks (`candor import` of their file).
        "coach_notes": [dict(zip(("coach", "kind", "key", "note", "at"), row, strict=True))
                        for row in db.conn.execute(
                            "SELECT coach, kind, key, note, at FROM coach_notes "
                            "ORDER BY coach, kind, key")],
    }
    return header, records


# --- reading one ------------------------------------------------------------------

_Uuid = Annotated[str, msgspec.Meta(
    pattern=r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")]
_Ms = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
_Tag = Literal["real", "busywork", "unsure"] | None
_Text = Annotated[str, msgspec.Meta(max_length=10_000)]
_Id = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
_Count = _Ms | None
_Str = str | None
# Rows as stored (ingest.EVENT_COLUMNS and AGENT_COLUMNS, in their order): strict, so a
# file that passes is one the journal's tables take.
_Event = tuple[_Id, _Id, Literal[EVENT_TYPES], _Ms, Annotated[str, msgspec.Meta(
    min_length=1, max_length=270)], _Count, _Count, _Count, _Count, _Str, _Str, _Str, _Str,
    _Str, _Ms, Literal["o200k", "chars/4"] | None]
_AGENT_ROWS = {
    "agent_requests": tuple[str, str, _Ms, _Str, _Count, _Count, _Count, _Count, _Count, int],
    "agent_times": tuple[_Ms],
    "agent_tool_calls": tuple[str, _Str, _Count],
    "agent_projects": tuple[_Ms, str],
    "agent_prompts": tuple[_Ms],
    "agent_errors": tuple[str, _Ms],
    "agent_metrics": tuple[str, _Ms, str, float, Literal[0, 1]],
}


class _Machine(msgspec.Struct, forbid_unknown_fields=True):
    id: _Uuid
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=machines.NAME_MAX)]


class _Forgotten(msgspec.Struct, forbid_unknown_fields=True):
    id: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    at: _Ms
    through_ts: _Ms


class _CoachNote(msgspec.Struct, forbid_unknown_fields=True):
    coach: Annotated[str, msgspec.Meta(max_length=100)]
    kind: Literal["session", "week"]
    key: _Id
    note: Annotated[str, msgspec.Meta(min_length=1, max_length=10_000)]
    at: _Ms


class _Record(msgspec.Struct, forbid_unknown_fields=True):
    id: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    kind: Literal["chat", "agent"]
    site: Annotated[str, msgspec.Meta(min_length=1, max_length=270)]
    machine: _Uuid
    tag: _Tag
    tag_at: _Ms | None
    tag_history: list[tuple[_Tag, _Tag, _Ms]]
    note: _Text | None
    note_at: _Ms | None
    outcome_url: _Text | None
    outcome_at: _Ms | None
    labels: Annotated[list[Annotated[str, msgspec.Meta(min_length=1, max_length=40)]],
                      msgspec.Meta(max_length=labels.MAX_PER_SESSION)]
    labels_at: _Ms | None
    events: list[_Event]
    agent: dict[str, list[list[str | int | float | None]]] | None
    chain: str


class _File(msgspec.Struct, forbid_unknown_fields=True):
    format: str
    version: int
    journal_id: _Uuid
    exported_at: str
    machine: _Machine
    machines: list[_Machine]
    event_columns: list[str]
    agent_columns: dict[str, list[str]]
    forgotten: list[_Forgotten]
    coach_notes: list[_CoachNote]
    sessions: list[_Record]
    integrity: dict
    signature: dict


def read(raw, key):
    """A merge file's bytes, checked (signature, chain, shape) and parsed; raises Refused."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Refused("not a merge file: not JSON") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        hint = (" (a journal for a coach: `candor import` takes those)"
                if isinstance(data, dict) and data.get("format") == export.FORMAT else "")
        raise Refused(f"not a merge file (no \"format\": \"{FORMAT}\"){hint}")
    if data.get("version") != VERSION:
        raise Refused(f"a merge file of version {data.get('version')!r}; this Candor reads "
                      f"version {VERSION}")
    sig = data.get("signature")
    if not (isinstance(sig, dict) and sig.get("algorithm") == "hmac-sha256"
            and isinstance(sig.get("value"), str)):
        raise Refused("it is not signed: only a file from `candor export --for-merge` on one "
                      "of your machines merges")
    if key is None:
        raise Refused("this machine has no merge key yet: run `candor merge-key` on the "
                      "machine the file came from, then `candor merge-key --set KEY` here")
    if not hmac.compare_digest(sig["value"].encode(), signature(data, key).encode()):
        raise Refused("its signature does not match this machine's merge key: it was changed "
                      "after it was signed, or signed with another key (the machines must "
                      "share one: `candor merge-key --set KEY`)")
    try:
        checked = msgspec.convert(data, _File)
    except msgspec.ValidationError as error:
        raise Refused(f"it is malformed: {error}") from None
    link = _link(_CHAIN_SEED, {k: v for k, v in data.items()
                               if k not in ("sessions", "integrity", "signature")})
    for index, record in enumerate(data["sessions"]):
        link = _link(link, {k: v for k, v in record.items() if k != "chain"})
        if record["chain"] != link:
            raise Refused(f"record {index + 1} (session {record['id']}) breaks its chain")
    if (checked.event_columns != list(EVENT_COLUMNS) or checked.agent_columns != {
            t: list(c) for t, c in AGENT_COLUMNS.items()}):
        raise Refused("it was written by a Candor whose records differ from this one's: "
                      "update Candor on both machines")
    for record in checked.sessions:
        if any(row[1] != record.id for row in record.events):
            raise Refused(f"session {record.id}: an event of another session is among its own")
        for table, rows in (record.agent or {}).items():
            try:
                msgspec.convert(rows, list[_AGENT_ROWS[table]])
            except (KeyError, msgspec.ValidationError):
                raise Refused(f"session {record.id}: its {table} are malformed") from None
    return checked


# --- merging it -------------------------------------------------------------------

@dataclass
class Merged:
    """What a merge did."""

    machine: str
    own: bool = False
    new: int = 0
    tags: int = 0
    notes: int = 0
    forgotten: int = 0


def _latest(mine, theirs):
    """The (at, value) changed last; at the same time (or neither dated), the greater value."""
    def order(pair):
        at, value = pair
        return (-1 if at is None else at, json.dumps(value))
    return max(mine, theirs, key=order)


def _forget_within(db, sid):
    """Delete a session's rows as forgetting it does (journal.forget_session)."""
    db.conn.execute("DELETE FROM coach_notes WHERE kind = 'session' AND key = ?", [sid])
    for table, column in (("events", "session_id"), ("session_buckets", "session_id"),
                          ("tag_changes", "session_id"), ("sessions", "id"),
                          *((t, "session_id") for t in journal.AGENT_TABLES
                            + journal.LABEL_TABLES)):
        db.conn.execute(f"DELETE FROM {table} WHERE {column} = ?", [sid])


def merge(db, data, now_ms=None):
    """Bring a checked merge file (read) into this journal, in one transaction; a Merged."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    done = Merged(machine=data.machine.name)
    with write(db):
        own = machines.own_id(db)
        if data.machine.id == own:
            done.own = True
            return done
        for f in data.forgotten:
            if db.conn.execute("SELECT 1 FROM sessions WHERE id = ?", [f.id]).fetchone():
                _forget_within(db, f.id)
                done.forgotten += 1
            db.conn.execute(
                "INSERT INTO forgotten_sessions (id, at, through_ts) VALUES (?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET at = min(at, excluded.at), "
                "through_ts = max(through_ts, excluded.through_ts)", [f.id, f.at, f.through_ts])
        for record in data.sessions:
            _merge_session(db, record, own, done)
        # A coach's note: the one written last (at once: the greater), never on a forgotten
        # session.
        db.conn.executemany(
            "INSERT INTO coach_notes (coach, kind, key, note, at) SELECT ?1, ?2, ?3, ?4, ?5 "
            "WHERE NOT (?2 = 'session' AND EXISTS (SELECT 1 FROM forgotten_sessions "
            "WHERE id = ?3)) ON CONFLICT (coach, kind, key) DO UPDATE SET "
            "note = excluded.note, at = excluded.at "
            "WHERE (excluded.at, excluded.note) > (coach_notes.at, coach_notes.note)",
            [(n.coach, n.kind, n.key, n.note, n.at) for n in data.coach_notes])
        db.conn.execute(
            "INSERT INTO machines (id, name, merged_at) VALUES (?, ?, ?) ON CONFLICT (id) "
            "DO UPDATE SET name = excluded.name, merged_at = excluded.merged_at",
            [data.machine.id, data.machine.name, now_ms])
        db.conn.executemany("INSERT OR IGNORE INTO machines (id, name) VALUES (?, ?)",
                            [(m.id, m.name) for m in data.machines if m.id != own])
    return done


def _merge_session(db, record, own, done):
    sid = record.id
    if db.conn.execute("SELECT 1 FROM forgotten_sessions WHERE id = ?", [sid]).fetchone():
        return  # forgotten here (a later event of it would start its successor, as ingest does)
    had = db.conn.execute(
        "SELECT machine, tag, note, note_at, outcome_url, outcome_at, labels_at FROM sessions "
        "WHERE id = ?", [sid]).fetchone()
    if record.kind == "chat":
        ingest.store_within(db, [dict(zip(EVENT_COLUMNS, row, strict=True))
                                 for row in record.events])
    else:
        for table, rows in (record.agent or {}).items():
            columns = AGENT_COLUMNS[table]
            sql = _AGENT_INSERT.get(table) or (
                f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}, session_id) "
                f"VALUES ({', '.join('?' * (len(columns) + 1))})")
            if table == "agent_requests":  # (site, key, session_id, ts, ...), as stored
                params = [[row[0], row[1], sid, *row[2:]] for row in rows]
            else:
                params = [[*row, sid] for row in rows]
            db.conn.executemany(sql, params)
        agent_sessions.rebuild(db, record.site, sid)
        signals.refresh_within(db, "id = ?", [sid])
    existed = had is not None
    if not existed:
        if db.conn.execute("SELECT 1 FROM sessions WHERE id = ?", [sid]).fetchone() is None:
            return  # nothing of it to keep
        had = (record.machine, None, None, None, None, None, None)
        done.new += 1
    machine, tag, note, note_at, outcome, outcome_at, labels_at = had
    came_from = min(machine or own, record.machine)
    db.conn.execute("UPDATE sessions SET machine = ? WHERE id = ? AND machine IS NOT ?",
                    [None if came_from == own else came_from, sid,
                     None if came_from == own else came_from])

    mine = db.conn.execute("SELECT old_tag, new_tag, at FROM tag_changes WHERE session_id = ?",
                           [sid]).fetchall()
    # Both histories joined: each change as many times as the side that has it most.
    missing = Counter(map(tuple, record.tag_history)) - Counter(mine)
    db.conn.executemany(
        "INSERT INTO tag_changes (session_id, old_tag, new_tag, at) VALUES (?, ?, ?, ?)",
        [(sid, *change) for change in sorted(missing.elements(), key=repr)])
    tag_at = max((c[2] for c in mine), default=None)
    _, wanted = _latest((tag_at, tag), (record.tag_at, record.tag))
    if wanted != tag:
        db.conn.execute("UPDATE sessions SET tag = ? WHERE id = ?", [wanted, sid])
        db.conn.execute("UPDATE session_buckets SET tag = ? WHERE session_id = ?", [wanted, sid])
        done.tags += existed
    for column, at_column, value, at, theirs, their_at in (
            ("note", "note_at", note, note_at, record.note, record.note_at),
            ("outcome_url", "outcome_at", outcome, outcome_at, record.outcome_url,
             record.outcome_at)):
        latest = _latest((at, value), (their_at, theirs))
        if latest != (at, value):
            db.conn.execute(f"UPDATE sessions SET {column} = ?, {at_column} = ? WHERE id = ?",
                            [latest[1], latest[0], sid])
            done.notes += existed and column == "note"
            if column == "outcome_url" and db.conn.execute(  # "no outcome" depends on it
                    "UPDATE sessions SET signals = NULL WHERE id = ? AND signals IS NOT NULL",
                    [sid]).rowcount:
                signals.refresh_within(db, "id = ?", [sid])
    have = [r[0] for r in db.conn.execute(
        "SELECT label FROM session_labels WHERE session_id = ? ORDER BY label", [sid])]
    if labels_at == record.labels_at:  # changed at once on both (or never): both sets
        wanted_labels = sorted(set(have) | set(record.labels))[:labels.MAX_PER_SESSION]
        wanted_at = labels_at
    else:
        wanted_at, wanted_labels = _latest((labels_at, have), (record.labels_at, record.labels))
    if sorted(wanted_labels) != have or wanted_at != labels_at:
        labels.replace_within(db, sid, wanted_labels)
        db.conn.execute("UPDATE sessions SET labels_at = ? WHERE id = ?", [wanted_at, sid])
