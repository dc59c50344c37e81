"""The coach's side: imported journals, each kept read-only in a journal file of its own.

An imported journal gets its own SQLite file under `journals/` in the data dir,
with the same schema as the user's own journal, so the same reports and pages
serve it. The export carries session totals, not events: a session's active
time is counted at its start, and its timeline is not available.
"""

import hashlib
import json
import logging
import os
import re
import sqlite3
import time
import uuid
import zoneinfo
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from . import export, journal_file, migrations, report, time_zone
from .contract import SIGNALS
from .db import connect, open_imported, write
from .journal import range_ms, set_time_zone
from .migrations import BUCKET_SECONDS
from .words import plural

_NAME = re.compile(r"[^a-z0-9-]+")


class ImportRefused(Exception):
    """The file can't be imported as it is (the message says why)."""


class UnknownJournal(KeyError):
    """No imported journal of that name."""


def journals_dir(data_dir):
    """Where imported journals live."""
    path = Path(data_dir) / "journals"
    path.mkdir(exist_ok=True, mode=0o700)
    return path


def slug(text):
    """A journal name from an owner's name: lower case letters, digits and dashes."""
    return _NAME.sub("-", text.lower()).strip("-")[:60] or "journal"


def _ms(iso_text):
    return journal_file.moment_ms(iso_text)


def read(path):
    """A file's bytes and its parsed JSON; raises ImportRefused when it isn't JSON."""
    raw = Path(path).read_bytes()
    try:
        return raw, json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ImportRefused(
            "not a Candor journal: not JSON (journals are the json export)") from None


class Imported(NamedTuple):
    """What an import did: `outcome` is created, updated, same (this very file was
    imported before) or not_newer (an export of it no newer than the one imported)."""

    name: str
    verified: bool
    outcome: str
    changes: dict | None = None

    @property
    def created(self):
        return self.outcome == "created"


def import_file(db, data_dir, path, name=None, force=False, now=None):
    """Import a journal file; returns an Imported. Raises ImportRefused."""
    raw, data = read(path)
    return import_journal(db, data_dir, raw, data, name, force, now)


def import_journal(db, data_dir, raw, data, name=None, force=False, now=None):
    """Import a journal (its file's bytes and parsed JSON); see import_file.

    A newer export of a journal already imported (the same journal_id, version 2)
    updates it in place; see _update.
    """
    try:
        verified, message = export.verify(data)
    except export.NotAJournal as error:
        raise ImportRefused(str(error)) from None
    wrong = journal_file.problem(data)  # before anything is written (--force can't help)
    if wrong:
        raise ImportRefused(f"a malformed journal, nothing was imported: {wrong}")
    if not verified and not force:
        raise ImportRefused(f"{message}; refused (--force imports it marked as unverified)")
    digest = hashlib.sha256(raw).hexdigest()
    same = db.conn.execute("SELECT name FROM journals WHERE file_sha256 = ?", [digest]).fetchone()
    if same:
        return Imported(same[0], verified, "same")
    earlier = data.get("journal_id") and db.conn.execute(
        "SELECT name, exported_at FROM journals WHERE journal_id = ?",
        [data["journal_id"]]).fetchone()
    if earlier:
        if name is not None and slug(name) != earlier[0]:
            raise ImportRefused(f"this journal is already imported as {earlier[0]!r}: import "
                                f"it without --name (or with --name {earlier[0]}) to update it")
        if _ms(data["exported_at"]) <= _ms(earlier[1]):
            return Imported(earlier[0], verified, "not_newer", {"imported": earlier[1]})
        return _update(db, data_dir, earlier[0], data, digest, verified, now)
    name = slug(name or data.get("owner") or "journal")
    if db.conn.execute("SELECT 1 FROM journals WHERE name = ?", [name]).fetchone():
        raise ImportRefused(f"a different journal is already imported as {name!r}; "
                            "choose another name with --name")
    target = journals_dir(data_dir) / f"{name}.db"
    target.unlink(missing_ok=True)
    try:
        _fill(target, data["sessions"], _zone_of(db, data))
        with write(db):
            db.conn.execute(
                "INSERT INTO journals (name, owner, verified, file_sha256, exported_at,"
                " range_from, range_to, redaction, imported_at, head, journal_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [name, str(data.get("owner")), int(verified), digest, data.get("exported_at"),
                 data["range"].get("from"), data["range"].get("to"),
                 ",".join(data.get("redaction", [])), int((now or time.time()) * 1000),
                 data["integrity"].get("head"), data.get("journal_id")])
    except BaseException:
        for end in ("", "-wal", "-shm"):
            target.with_name(target.name + end).unlink(missing_ok=True)
        raise
    return Imported(name, verified, "created")


def describe_changes(changes):
    """What a newer export changed, in words: "2 new sessions, 1 changed tag, 1 removed"."""
    removed = (f"{changes['removed']} removed (forgotten by its owner since)"
               if changes["removed"] else "none removed")
    return (f"{plural(len(changes['new']), 'new session')}, "
            f"{plural(len(changes['retagged']), 'changed tag')}, {removed}")


def _wider(old, new, earliest):
    """The wider end of two ranges' ends (None is open: the widest)."""
    if old is None or new is None:
        return None
    return min(old, new) if earliest else max(old, new)


def _update(db, data_dir, name, data, digest, verified, now=None):
    """Bring an imported journal up to a newer export of it; returns an Imported.

    Within the range the export covers, its sessions replace the imported ones
    (those missing from it were forgotten by the worker since); outside it, the
    imported sessions stay. The coach's notes stay. The journal's file is made
    anew beside the old one, then put in its place: never half-updated.
    """
    row = db.conn.execute(
        "SELECT exported_at, range_from, range_to, redaction, verified FROM journals "
        "WHERE name = ?", [name]).fetchone()
    since, old_from, old_to, old_redaction, old_verified = row
    zone = _zone_of(db, data)
    start, end = range_ms(*(None if d is None else date.fromisoformat(d)
                            for d in (data["range"]["from"], data["range"]["to"])),
                          zone=zoneinfo.ZoneInfo(zone))
    try:
        old = open_journal(db, data_dir, name)
    except UnknownJournal:  # its file is gone or damaged: the new export is all there is
        before, notes_kept = [], []
    else:
        try:
            before = export.session_records(old, None, None, ())
            notes_kept = old.conn.execute(
                "SELECT coach, kind, key, note, at FROM coach_notes").fetchall()
        finally:
            old.close()

    def covered(r):
        return ((start is None or _ms(r["ended_at"]) >= start)
                and (end is None or _ms(r["started_at"]) < end))

    now_ids = {r["id"] for r in data["sessions"]}
    was = {r["id"]: r for r in before}
    outside = [r for r in before if not covered(r) and r["id"] not in now_ids]
    changes = {
        "since": since, "exported_at": data["exported_at"],
        "new": [r["id"] for r in data["sessions"] if r["id"] not in was],
        "retagged": [{"id": r["id"], "from": was[r["id"]]["tag"], "to": r["tag"]}
                     for r in data["sessions"]
                     if r["id"] in was and was[r["id"]]["tag"] != r["tag"]],
        "removed": sum(1 for r in before if covered(r) and r["id"] not in now_ids),
    }
    redaction = set(data.get("redaction", []))
    if outside:  # what stays of the older export keeps what it left out
        redaction |= {x for x in old_redaction.split(",") if x}
    target = journals_dir(data_dir) / f"{name}.db"
    fresh = target.with_name(f".{name}.{uuid.uuid4().hex}.db")
    try:
        _fill(fresh, outside + data["sessions"], zone, notes_kept)
        with write(db):
            db.conn.execute(
                "UPDATE journals SET owner = ?, verified = ?, file_sha256 = ?, exported_at = ?,"
                " range_from = ?, range_to = ?, redaction = ?, imported_at = ?, head = ?,"
                " changes = ? WHERE name = ?",
                [str(data.get("owner")), int(verified and (bool(old_verified) or not outside)),
                 digest, data["exported_at"],
                 _wider(old_from, data["range"]["from"], earliest=True),
                 _wider(old_to, data["range"]["to"], earliest=False),
                 ",".join(sorted(redaction)), int((now or time.time()) * 1000),
                 data["integrity"].get("head"), json.dumps(changes), name])
            os.replace(fresh, target)  # within the transaction: a failure rolls the row back
    finally:
        for end_ in ("", "-wal", "-shm", "-journal"):
            fresh.with_name(fresh.name + end_).unlink(missing_ok=True)
    return Imported(name, verified, "updated", changes)


def _zone_of(db, data):
    """The zone an imported journal's days are in: the one it was exported in, else ours."""
    exported_in = data.get("time_zone") or data.get("summary", {}).get("time_zone")
    return exported_in if time_zone.is_zone(exported_in) else time_zone.name(db)


# A session's tokenizers as ingest keeps them (bits: 1 o200k, 2 chars/4).
_TOKENIZER_BITS = {"o200k": 1, "chars/4": 2, "mixed": 3}


_AGENT_COUNTS = ("tokens_in", "tokens_out", "tokens_cache_read", "tokens_cache_write",
                 "tokens_reasoning", "requests", "tool_calls",
                 # (journals exported before these say nothing: nor do we)
                 "edits", "lines_changed", "commits", "pull_requests")


def _fill(path, records, zone, notes_kept=()):
    """Write session records into a journal file of its own, its days in `zone`.

    The file is migrated and its day totals made here, once: it is only ever
    opened read-only afterwards (open_journal). `notes_kept` are coach_notes rows
    to keep (from the file an update replaces).
    """
    jdb = connect(str(path))
    try:
        set_time_zone(jdb, zone)  # before the sessions: the day totals count in it
        with write(jdb):
            for r in records:
                started, ended = _ms(r["started_at"]), _ms(r["ended_at"])
                models = r.get("models")
                jdb.conn.execute(
                    "INSERT OR IGNORE INTO sessions (id, site, site_key, started_at, ended_at,"
                    " active_ms, prompts, responses, copies, est_tokens_in, est_tokens_out,"
                    " model, url, title, tag, note, outcome_url, signals, tokenizer, tokenizers,"
                    f" kind, {', '.join(_AGENT_COUNTS)}, models, project)"
                    " VALUES (?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                    " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [r["id"], r["site"], started, ended, round(r["active_seconds"] * 1000),
                     r["prompts"], r["responses"], r["copies"], r["est_tokens_in"],
                     r["est_tokens_out"], r["model"], r["url"], r["title"], r["tag"],
                     r["note"], r["outcome_url"], json.dumps(r["signals"]),
                     # Journals exported before the field say nothing: then nor do we.
                     r.get("tokenizer"), _TOKENIZER_BITS.get(r.get("tokenizer"), 0),
                     # Version 1 journals knew only chat sessions.
                     r.get("kind") or "chat", *(r.get(k) for k in _AGENT_COUNTS),
                     None if models is None else json.dumps(models), r.get("project")])
                bucket = started // 1000 // BUCKET_SECONDS * BUCKET_SECONDS
                jdb.conn.execute(
                    "INSERT OR IGNORE INTO session_buckets (session_id, bucket, tag, active_ms,"
                    " est_tokens) VALUES (?, ?, ?, ?, ?)",
                    [r["id"], bucket, r["tag"], round(r["active_seconds"] * 1000),
                     r["est_tokens_in"] + r["est_tokens_out"]])
                previous = None
                for change in r["tag_history"]:
                    jdb.conn.execute(
                        "INSERT INTO tag_changes (session_id, old_tag, new_tag, at)"
                        " VALUES (?, ?, ?, ?)", [r["id"], previous, change["tag"],
                                                 _ms(change["at"])])
                    previous = change["tag"]
                # Journals exported before labels say none.
                jdb.conn.executemany(
                    "INSERT OR IGNORE INTO session_labels (session_id, label) VALUES (?, ?)",
                    [(r["id"], label) for label in r.get("labels") or ()])
            jdb.conn.executemany(
                "INSERT INTO coach_notes (coach, kind, key, note, at) VALUES (?, ?, ?, ?, ?)",
                notes_kept)
        # A rollback journal, not a WAL: opened read-only, it needs no -wal or -shm file.
        jdb.conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        jdb.close()


def journals(db):
    """Imported journals: [{"name", "owner", "verified", "exported_at", "redaction", …}].

    `changes` is what the last newer export changed (see _update), or None.
    """
    rows = db.conn.execute(
        "SELECT name, owner, verified, exported_at, range_from, range_to, redaction, "
        "journal_id, changes FROM journals ORDER BY name").fetchall()
    return [{"name": n, "owner": o, "verified": bool(v), "exported_at": e,
             "range": {"from": f, "to": t}, "redaction": [x for x in r.split(",") if x],
             "journal_id": i, "changes": json.loads(c) if c else None}
            for n, o, v, e, f, t, r, i, c in rows]


def journal(db, name):
    """One imported journal's details; raises UnknownJournal."""
    for j in journals(db):
        if j["name"] == name:
            return j
    raise UnknownJournal(name)


def open_journal(db, data_dir, name, writable=False):
    """The journal file of an imported journal (a Database; close it when done).

    Read-only, as it was made at import: never migrated or rebuilt on opening.
    `writable` is for the coach's own notes, kept in the same file.
    """
    journal(db, name)
    path = journals_dir(data_dir) / f"{name}.db"
    if not path.exists():  # (deleted by hand): nothing to show, and nothing is made
        raise UnknownJournal(name)
    try:
        return open_imported(path, writable=writable)
    except sqlite3.DatabaseError:  # damaged on disk: as good as gone
        raise UnknownJournal(name) from None


def upgrade_imported(db, data_dir):
    """Bring journals imported by an older Candor to this one's schema; returns their names.

    Run where the user's own journal is migrated (as the server starts), never as a
    journal is opened. A journal without a stored zone gets ours.
    """
    upgraded = []
    for j in journals(db):
        path = journals_dir(data_dir) / f"{j['name']}.db"
        if not path.exists():
            continue
        try:
            jdb = open_imported(path)
            try:
                behind, zone = migrations.journal.pending(jdb), time_zone.stored(jdb)
            finally:
                jdb.close()
            if not behind:
                continue
            jdb = connect(str(path))
            try:
                set_time_zone(jdb, zone or time_zone.name(db))  # (m009 rebuilt its day totals)
                jdb.conn.execute("PRAGMA journal_mode = DELETE")
            finally:
                jdb.close()
        except sqlite3.DatabaseError as error:
            # One damaged file must not keep the server from starting: its pages say so.
            logging.getLogger(__name__).warning("imported journal %r not upgraded: %s",
                                                j["name"], error)
            continue
        upgraded.append(j["name"])
    return upgraded


# What the Journals table sorts by: a column's key, and the row's value for it.
SORTS = {
    "owner": lambda r: r["owner"].casefold(),
    "covered": lambda r: (r["covered"]["from"] or "", r["covered"]["to"] or ""),
    "exported_at": lambda r: _ms(r["exported_at"]) if r["exported_at"] else None,
    "verified": lambda r: r["verified"],
    "time_zone": lambda r: r["time_zone"],
    "value_ratio": lambda r: r["value_ratio"],
    "coverage": lambda r: r["coverage"],
    "active_seconds": lambda r: r["active_seconds"],
    "sessions": lambda r: r["sessions"],
    "signals": lambda r: sum(r["signals"].values()),
}


def covered(jdb, details):
    """The local dates an imported journal covers: the range asked for, else from its first
    session to the day it was exported (in its worker's zone)."""
    zone = time_zone.zone(jdb)
    first, last = details["range"]["from"], details["range"]["to"]
    if first is None:
        (started,) = jdb.conn.execute("SELECT min(started_at) FROM sessions").fetchone()
        first = None if started is None else (
            datetime.fromtimestamp(started / 1000, zone).date().isoformat())
    if last is None and details["exported_at"]:
        last = datetime.fromtimestamp(_ms(details["exported_at"]) / 1000, zone).date().isoformat()
    return {"from": first, "to": last}


def covered_weeks(span, most=520):
    """The ISO weeks (2026-W48) of the dates `covered` gave, newest first (at most `most`)."""
    if not span["from"] or not span["to"]:
        return []
    first, last = date.fromisoformat(span["from"]), date.fromisoformat(span["to"])
    monday = max(first, last - timedelta(weeks=most - 1))
    monday -= timedelta(days=monday.weekday())
    weeks = []
    while monday <= last:
        year, week, _ = monday.isocalendar()
        weeks.append(f"{year}-W{week:02d}")
        monday += timedelta(weeks=1)
    return weeks[::-1]


def side_by_side(db, data_dir, from_day=None, to_day=None, sort="owner", descending=False):
    """Every imported journal's figures for the range, for the coach's table, sorted by a
    key of SORTS (a journal without a figure for it, or unreadable, last)."""
    out = []
    for j in journals(db):
        try:
            jdb = open_journal(db, data_dir, j["name"])
        except UnknownJournal:  # its file is gone or damaged: listed, with nothing to show
            out.append({"name": j["name"], "owner": j["owner"], "verified": j["verified"],
                        "unreadable": True})
            continue
        try:
            s = report.stats(jdb, from_day, to_day)
            counts = dict.fromkeys(SIGNALS, 0)
            start, end = report.bounds(jdb, from_day, to_day)
            for (found,) in jdb.conn.execute(
                    "SELECT signals FROM sessions WHERE started_at >= ? AND started_at < ?",
                    [start * 1000, end * 1000]):
                for signal in json.loads(found or "[]"):
                    counts[signal["name"]] = counts.get(signal["name"], 0) + 1
            zone, span = time_zone.name(jdb), covered(jdb, j)
        finally:
            jdb.close()
        out.append({
            "name": j["name"], "owner": j["owner"], "verified": j["verified"],
            "covered": span, "exported_at": j["exported_at"], "time_zone": zone,
            "value_ratio": s["value_ratio"], "coverage": s["coverage"],
            "active_seconds": s["real_seconds"] + s["busywork_seconds"] + s["unsure_seconds"]
            + s["untagged_seconds"],
            "sessions": s["sessions"], "signals": counts,
        })
    value = SORTS[sort]
    known = [r for r in out if not r.get("unreadable") and value(r) is not None]
    known.sort(key=lambda r: (r["owner"].casefold(), r["name"]))
    known.sort(key=value, reverse=descending)  # stable: equal values stay by owner
    return known + [r for r in out if r not in known]


# --- a coach's notes ----------------------------------------------------------------

NOTES_FORMAT = "candor-coach-notes"
NOTE_KINDS = ("session", "week")


def set_note(db, kind, key, note, coach="", now=None):
    """Keep (or, with an empty note, drop) a note on a session id or an ISO week (2026-W48)."""
    with write(db):
        if note:
            db.conn.execute(
                "INSERT INTO coach_notes (coach, kind, key, note, at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (coach, kind, key) DO UPDATE SET note = excluded.note, "
                "at = excluded.at", [coach, kind, key, note, int((now or time.time()) * 1000)])
        else:
            db.conn.execute("DELETE FROM coach_notes WHERE coach = ? AND kind = ? AND key = ?",
                            [coach, kind, key])


def notes(db, kind=None, key=None):
    """Coach notes, newest first: [{"coach", "kind", "key", "note", "at"}]."""
    where, params = "1", []
    if kind:
        where, params = where + " AND kind = ?", params + [kind]
    if key:
        where, params = where + " AND key = ?", params + [key]
    zone = time_zone.zone(db)
    return [{"coach": c, "kind": k, "key": y, "note": n,
             "at": datetime.fromtimestamp(a / 1000, zone).isoformat(timespec="seconds")}
            for c, k, y, n, a in db.conn.execute(
                f"SELECT coach, kind, key, note, at FROM coach_notes WHERE {where} "
                "ORDER BY at DESC", params)]


def export_notes(db, data_dir, name, coach):
    """The coach's notes on an imported journal, as a file its owner can import."""
    details = journal(db, name)
    head = db.conn.execute("SELECT head FROM journals WHERE name = ?", [name]).fetchone()[0]
    jdb = open_journal(db, data_dir, name)
    try:
        kept = [{k: n[k] for k in ("kind", "key", "note", "at")} for n in notes(jdb)
                if n["coach"] == ""]
    finally:
        jdb.close()
    return {"format": NOTES_FORMAT, "version": 1, "coach": coach,
            "journal": {"owner": details["owner"], "exported_at": details["exported_at"],
                        "head": head},
            "notes": kept}


def import_notes(db, data):
    """Keep a coach's notes (from export_notes) beside the sessions; returns how many."""
    coach = str(data.get("coach") or "coach")[:100]
    items = data.get("notes")
    if not isinstance(items, list) or not all(
            isinstance(n, dict) and n.get("kind") in NOTE_KINDS and isinstance(n.get("key"), str)
            and isinstance(n.get("note"), str) for n in items):
        raise ImportRefused("a coach's notes file with malformed notes")
    try:
        times = [_ms(n["at"]) / 1000 if isinstance(n.get("at"), str) else None for n in items]
    except (ValueError, OverflowError):
        raise ImportRefused("a coach's notes file with a note whose 'at' is not a date-time "
                            "with a zone") from None
    for n, at in zip(items, times, strict=True):
        set_note(db, n["kind"], n["key"][:100], n["note"][:10_000], coach=coach, now=at)
    return len(items)
