"""The coach's side: imported journals, each kept read-only in a journal file of its own.

An imported journal gets its own SQLite file under `journals/` in the data dir,
with the same schema as the user's own journal, so the same reports and pages
serve it. The export carries session totals, not events: a session's active
time is counted at its start, and its timeline is not available.
"""

import hashlib
import json
import re
import time
from datetime import datetime
from pathlib import Path

from . import export, report
from .db import connect, write
from .migrations import BUCKET_SECONDS

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
    return int(datetime.fromisoformat(iso_text).timestamp() * 1000)


def import_file(db, data_dir, path, name=None, force=False, now=None):
    """Import a journal file; returns (name, verified, created). Raises ImportRefused."""
    raw = Path(path).read_bytes()
    try:
        data = json.loads(raw)
        verified, message = export.verify(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ImportRefused(
            "not a Candor journal: not JSON (journals are the json export)") from None
    except export.NotAJournal as error:
        raise ImportRefused(str(error)) from None
    if not verified and not force:
        raise ImportRefused(f"{message}; refused (--force imports it marked as unverified)")
    digest = hashlib.sha256(raw).hexdigest()
    same = db.conn.execute("SELECT name FROM journals WHERE file_sha256 = ?", [digest]).fetchone()
    if same:
        return same[0], verified, False
    name = slug(name or data.get("owner") or "journal")
    if db.conn.execute("SELECT 1 FROM journals WHERE name = ?", [name]).fetchone():
        raise ImportRefused(f"a different journal is already imported as {name!r}; "
                            "choose another with --name")
    target = journals_dir(data_dir) / f"{name}.db"
    target.unlink(missing_ok=True)
    _fill(target, data)
    with write(db):
        db.conn.execute(
            "INSERT INTO journals (name, owner, verified, file_sha256, exported_at, range_from,"
            " range_to, redaction, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [name, str(data.get("owner")), int(verified), digest, data.get("exported_at"),
             data["range"].get("from"), data["range"].get("to"),
             ",".join(data.get("redaction", [])), int((now or time.time()) * 1000)])
    return name, verified, True


def _fill(path, data):
    """Write the journal's sessions into a journal file of its own."""
    jdb = connect(str(path))
    try:
        with write(jdb):
            for r in data["sessions"]:
                started, ended = _ms(r["started_at"]), _ms(r["ended_at"])
                jdb.conn.execute(
                    "INSERT OR IGNORE INTO sessions (id, site, site_key, started_at, ended_at,"
                    " active_ms, prompts, responses, copies, est_tokens_in, est_tokens_out,"
                    " model, url, title, tag, note, outcome_url, signals)"
                    " VALUES (?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [r["id"], r["site"], started, ended, round(r["active_seconds"] * 1000),
                     r["prompts"], r["responses"], r["copies"], r["est_tokens_in"],
                     r["est_tokens_out"], r["model"], r["url"], r["title"], r["tag"],
                     r["note"], r["outcome_url"], json.dumps(r["signals"])])
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
    finally:
        jdb.close()


def journals(db):
    """Imported journals: [{"name", "owner", "verified", "exported_at", "redaction", …}]."""
    rows = db.conn.execute(
        "SELECT name, owner, verified, exported_at, range_from, range_to, redaction "
        "FROM journals ORDER BY name").fetchall()
    return [{"name": n, "owner": o, "verified": bool(v), "exported_at": e,
             "range": {"from": f, "to": t}, "redaction": [x for x in r.split(",") if x]}
            for n, o, v, e, f, t, r in rows]


def journal(db, name):
    """One imported journal's details; raises UnknownJournal."""
    for j in journals(db):
        if j["name"] == name:
            return j
    raise UnknownJournal(name)


def open_journal(db, data_dir, name):
    """The journal file of an imported journal (a Database; close it when done)."""
    journal(db, name)
    return connect(str(journals_dir(data_dir) / f"{name}.db"))


def side_by_side(db, data_dir, from_day=None, to_day=None):
    """Every imported journal's figures for the range, for the coach's table."""
    out = []
    for j in journals(db):
        jdb = open_journal(db, data_dir, j["name"])
        try:
            s = report.stats(jdb, from_day, to_day)
            counts = dict.fromkeys(("repeated_prompts", "no_reading_time", "burst",
                                    "no_outcome"), 0)
            start, end = report.bounds(jdb, from_day, to_day)
            for (found,) in jdb.conn.execute(
                    "SELECT signals FROM sessions WHERE started_at >= ? AND started_at < ?",
                    [start * 1000, end * 1000]):
                for signal in json.loads(found or "[]"):
                    counts[signal["name"]] = counts.get(signal["name"], 0) + 1
        finally:
            jdb.close()
        out.append({
            "name": j["name"], "owner": j["owner"], "verified": j["verified"],
            "value_ratio": s["value_ratio"], "coverage": s["coverage"],
            "active_seconds": s["real_seconds"] + s["busywork_seconds"] + s["unsure_seconds"]
            + s["untagged_seconds"],
            "sessions": s["sessions"], "signals": counts,
        })
    return out
