"""The coach's journal: exports a worker sends (JSON, CSV, HTML), and verifying them.

The JSON journal is tamper-evident: each session record carries `chain`, the
SHA-256 of the previous link and the record's canonical JSON (sorted keys, no
whitespace); the first link covers the header and summary. `verify` recomputes
the chain and names the first record that doesn't match. (Evident, not proof:
someone who edits a file and recomputes every hash gets a file that verifies;
signing exports would be the next step.)

Version 2 adds a session's `kind` and the agent fields, and in the header the
journal's id (made once, so a coach knows a newer export of the same journal), its
time zone; its first link covers every field of the header, so fields added later
(optional ones) are chained too. Version 1 journals still verify and import.
"""

import csv
import hashlib
import io
import json
import os
import tempfile
import time
import uuid
import zoneinfo
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from . import __version__, charts, contract, journal, report, rules, signals, time_zone
from .db import write
from .words import duration, plural

FORMAT = "candor-journal"
VERSION = 2
VERSIONS = (1, 2)  # what verify and import read
FORMATS = ("json", "csv", "html")
REDACTABLE = ("titles", "urls", "notes")
DEFAULT_REDACTION = ("titles", "notes")
_CHAIN_SEED = f"{FORMAT}/{VERSION}"
OWNER_MAX = 100
# Where the journal keeps its id and its owner's name (the meta table).
_JOURNAL_ID_KEY, _OWNER_KEY = "journal_id", "owner"


class NotAJournal(ValueError):
    """The file is not a Candor journal at all."""


def canonical(value):
    """The canonical JSON form that is hashed: sorted keys, no whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _link(previous, value):
    return hashlib.sha256(previous.encode() + canonical(value)).hexdigest()


HEADER_FIELDS_V1 = ("format", "version", "exported_at", "owner", "range", "redaction",
                    "summary")
HEADER_FIELDS = ("format", "version", "journal_id", "exported_at", "owner", "time_zone",
                 "thresholds", "range", "redaction", "rules", "summary")
RECORD_FIELDS_V1 = ("id", "site", "started_at", "ended_at", "active_seconds", "prompts",
                    "responses", "copies", "est_tokens_in", "est_tokens_out", "tokenizer",
                    "model", "url", "title", "tag", "tag_history", "signals", "note",
                    "outcome_url")
# Version 2: a session's kind, and an agent session's exact counts (null for a chat's).
AGENT_RECORD_FIELDS = ("kind", "tokens_in", "tokens_out", "tokens_cache_read",
                       "tokens_cache_write", "tokens_reasoning", "requests", "tool_calls",
                       "models", "project")
RECORD_FIELDS = RECORD_FIELDS_V1 + AGENT_RECORD_FIELDS
# Version 2, optional: the session's labels (its owner's words for projects, clients).
LABEL_RECORD_FIELDS = ("labels",)
# Version 2, optional: what an agent session produced (null where the agent did not say,
# and for chats).
OUTCOME_RECORD_FIELDS = ("edits", "lines_changed", "commits", "pull_requests")


def _meta(db, key):
    row = db.conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def journal_id(db):
    """The journal's id, made once (by migration m015) and kept in the journal."""
    found = _meta(db, _JOURNAL_ID_KEY)
    if found:
        return found
    with write(db):  # (a journal that lost it); two processes at once still agree on one
        db.conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                        [_JOURNAL_ID_KEY, str(uuid.uuid4())])
    return _meta(db, _JOURNAL_ID_KEY)


def owner_name(db):
    """The name exports give as the journal's owner: the one set, else $USER, else "me"."""
    return _meta(db, _OWNER_KEY) or os.environ.get("USER") or "me"


def clean_owner(name):
    """An owner's name as kept (trimmed); ValueError saying what is wrong with it."""
    name = str(name or "").strip()
    if not name:
        raise ValueError("Give a name (it may not be blank).")
    if len(name) > OWNER_MAX:
        raise ValueError(f"At most {OWNER_MAX} characters.")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ValueError("No control characters (a line break, a tab).")
    return name


def set_owner(db, name):
    """Remember `name` as the owner every later export gives; returns it as kept."""
    name = clean_owner(name)
    with write(db):
        db.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                        [_OWNER_KEY, name])
    return name


def session_records(db, start_ms, end_ms, redaction):
    """Session records of the range, oldest first, as the export shows them."""
    where, params = "1", []
    if start_ms is not None:
        where, params = where + " AND ended_at >= ?", params + [start_ms]
    if end_ms is not None:
        where, params = where + " AND started_at < ?", params + [end_ms]
    computed = signals.stale(db, where, params)  # not stored: a read never writes
    found_labels = {}
    for sid, label in db.conn.execute(
            "SELECT session_id, label FROM session_labels WHERE session_id IN "
            f"(SELECT id FROM sessions WHERE {where}) ORDER BY session_id, label COLLATE NOCASE, "
            "label", params):
        found_labels.setdefault(sid, []).append(label)
    history = {}
    for sid, tag, at in db.conn.execute(
            "SELECT session_id, new_tag, at FROM tag_changes WHERE session_id IN "
            f"(SELECT id FROM sessions WHERE {where}) ORDER BY at, id", params):
        history.setdefault(sid, []).append((tag, at))
    rows = db.conn.execute(
        f"SELECT {', '.join(journal.SESSION_FIELDS)} FROM sessions WHERE {where} "
        "ORDER BY started_at, id", params).fetchall()
    records = []
    for row in rows:
        s = dict(zip(journal.SESSION_FIELDS, row, strict=True))
        ended_ms = s["ended_at"]
        record = {
            **{k: s[k] for k in RECORD_FIELDS if k in s and k not in ("started_at", "ended_at")},
            "models": json.loads(s["models"]) if s["models"] is not None else None,
            "started_at": journal.iso(s["started_at"]),
            "ended_at": journal.iso(ended_ms),
            "active_seconds": s["active_ms"] / 1000,
            "signals": (json.loads(s["signals"]) if s["signals"] is not None
                        else computed.get(s["id"], [])),
            # When each verdict was given, relative to the session's end.
            "tag_history": [{"tag": tag, "at": journal.iso(at),
                             "after_end_seconds": round((at - ended_ms) / 1000)}
                            for tag, at in history.get(s["id"], [])],
        }
        if "titles" in redaction:  # an agent's project folder says as much as a title
            record["title"] = record["project"] = None
        if "urls" in redaction:
            record["url"] = record["outcome_url"] = None
        if "notes" in redaction:
            record["note"] = None
        records.append({**{k: record[k] for k in RECORD_FIELDS},
                        **{k: s[k] for k in OUTCOME_RECORD_FIELDS},
                        "labels": found_labels.get(s["id"], [])})
    return records


_REDACTED_BY = {"title": "titles", "project": "titles", "url": "urls"}


def export_rules(db, redaction):
    """The journal's rules as an export records them; a pattern on what is left out, null."""
    return [{"field": r["field"], "match": r["match"],
             "pattern": None if _REDACTED_BY.get(r["field"]) in redaction else r["pattern"],
             "action": r["action"], "value": r["value"], "matched": r["matched"]}
            for r in rules.list_rules(db)]


def build(db, from_day=None, to_day=None, redaction=DEFAULT_REDACTION, owner=None, now=None):
    """The journal for the local dates as a dict, chained and ready to write.

    `owner` names its owner for this export only (else the one set, see owner_name).
    """
    redaction = sorted(set(redaction))
    zone_name = time_zone.name(db)
    start_ms, end_ms = journal.range_ms(from_day, to_day, zone=time_zone.zone(db))
    totals = report.stats(db, from_day, to_day, "week")
    by_site = report.stats(db, from_day, to_day, "site")["groups"]
    records = session_records(db, start_ms, end_ms, redaction)
    counts = {name: 0 for name in signals.NAMES}
    for record in records:
        for signal in record["signals"]:
            counts[signal["name"]] += 1
    header = {
        "format": FORMAT, "version": VERSION, "journal_id": journal_id(db),
        "exported_at": journal.iso(int((now or time.time()) * 1000)),
        "owner": owner or owner_name(db),
        # The zone its days and weeks are in: a coach's Candor shows them so.
        "time_zone": zone_name,
        # What its sessions' signals were found with (its owner may have changed them).
        "thresholds": signals.threshold_values(db),
        "range": {"from": from_day.isoformat() if from_day else None,
                  "to": to_day.isoformat() if to_day else None},
        "redaction": redaction,
        # The rules that labelled its sessions or suggested tags (what they match may say
        # as much as a title or address: left out with those).
        "rules": export_rules(db, redaction),
        "summary": {"totals": {k: v for k, v in totals.items() if k != "groups"},
                    "weeks": totals["groups"], "sites": by_site, "signals": counts,
                    "candor_version": __version__},
    }
    link = first = _link(_CHAIN_SEED, header)
    for record in records:
        link = _link(link, record)
        record["chain"] = link
    return {**header, "sessions": records,
            "integrity": {"algorithm": "sha256-chain", "header": first,
                          "records": len(records), "head": link}}


def chained_header(data):
    """What a journal's first link covers: version 1 its fixed fields, later ones all but
    the sessions and the integrity block."""
    if data.get("version") == 1:
        return {k: data.get(k) for k in HEADER_FIELDS_V1}
    return {k: v for k, v in data.items() if k not in ("sessions", "integrity")}


def header_link(data):
    """The first link of a journal's chain, from its header."""
    return _link(f"{FORMAT}/{data.get('version')}", chained_header(data))


def verify(data):
    """(ok, message) for a parsed journal; raises NotAJournal for anything else."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise NotAJournal("not a Candor journal (no \"format\": \"candor-journal\")")
    version = data.get("version")
    if isinstance(version, bool) or version not in VERSIONS:
        raise NotAJournal(f"a Candor journal of version {version!r}; this Candor reads "
                          f"versions {', '.join(map(str, VERSIONS))}")
    sessions, integrity = data.get("sessions"), data.get("integrity")
    if not isinstance(sessions, list) or not isinstance(integrity, dict) or not all(
            isinstance(r, dict) for r in sessions):
        raise NotAJournal("a Candor journal without its sessions or integrity block")
    link = header_link(data)
    if integrity.get("header") != link:
        return False, "the header or summary was changed after export"
    for index, record in enumerate(sessions):
        expected = _link(link, {k: v for k, v in record.items() if k != "chain"})
        if record.get("chain") != expected:
            return False, (f"record {index + 1} (session {record.get('id')}) was changed, or "
                           "a record before it was removed, added or reordered")
        link = expected
    if integrity.get("records") != len(sessions) or integrity.get("head") != link:
        return False, (f"the file holds {len(sessions)} records but was exported with "
                       f"{integrity.get('records')}: records were removed or added at the end")
    return True, (f"intact: {len(sessions)} sessions exported {data.get('exported_at')} "
                  f"by {data.get('owner')}")


def described(data):
    """One line saying whose journal it is, its time zone and the range asked for."""
    asked = data["range"]
    return (f"Candor journal of {data['owner']}; time zone {data['time_zone']}; "
            f"from {asked['from'] or 'the start'} to {asked['to'] or 'the end'}; "
            f"exported {data['exported_at']}")


def to_csv(data):
    """One spreadsheet row per session: ISO times, minutes, the tag.

    A first comment line (`# …`) says its time zone and range: the times are UTC, but
    the range's dates are days in that zone.
    """
    out = io.StringIO()
    out.write(f"# {' '.join(described(data).split())}\n")  # one line, whatever the owner's name
    columns = ["id", "site", "kind", "started_at", "ended_at", "active_minutes", "prompts",
               "responses", "copies", "est_tokens_in", "est_tokens_out", "tokenizer", "model",
               "tokens_in", "tokens_out", "tokens_cache_read", "tokens_cache_write",
               "tokens_reasoning", "requests", "tool_calls", "models", "project", "tag",
               "tagged_at", "signals", "outcome_url", "url", "title", "note", "labels"]
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in data["sessions"]:
        writer.writerow({
            **r, "active_minutes": round(r["active_seconds"] / 60, 2),
            "tagged_at": r["tag_history"][-1]["at"] if r["tag_history"] else "",
            "signals": ";".join(s["name"] for s in r["signals"]),
            "models": ";".join(r["models"] or []),
            "labels": ";".join(r.get("labels") or []),
        })
    return out.getvalue()


_templates = Environment(loader=PackageLoader("candor", "report_templates"),
                         autoescape=select_autoescape(["html"]))


def to_html(data, verified=None):
    """One self-contained page: inline CSS and SVG charts, no scripts, no requests.

    `verified` is for a journal a coach imported: True or False shows the result
    of its integrity check; None (a fresh export) shows none.
    """
    summary = data["summary"]
    zone_name = data.get("time_zone") or summary.get("time_zone") or "UTC"
    zone = zoneinfo.ZoneInfo(zone_name) if time_zone.is_zone(zone_name) else None

    def local(iso_text):
        moment = datetime.fromisoformat(iso_text)
        return (moment.astimezone(zone) if zone else moment).strftime("%Y-%m-%d %H:%M")

    weeks = report.from_first_activity(summary["weeks"])  # from the first with activity
    return _templates.get_template("journal.html").render(
        j=data, totals=summary["totals"], verified=verified, zone=zone_name, local=local,
        ratio_chart=charts.ratio_over_time(weeks) if weeks else "",
        site_chart=charts.time_by_site([{**g, "key": contract.site_name(g["key"])}
                                        for g in summary["sites"][:10]])
        if summary["sites"] else "",
        tag_chart=charts.time_by_tag(summary["totals"]), chart_css=charts.stylesheet(),
        duration=duration, plural=plural, site_name=contract.site_name,
        thresholds_changed=signals.changed_in_words(data.get("thresholds") or {}),
    )


def render(data, fmt):
    """The journal as text in `fmt` (json, csv or html)."""
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        return to_csv(data)
    if fmt == "html":
        return to_html(data)
    raise ValueError(f"unknown format {fmt!r}: choose json, csv or html")


def write_atomic(path, text):
    """Write `text` to `path` whole or not at all (a temporary file, then a rename)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
