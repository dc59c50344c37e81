"""The coach's journal: exports a worker sends (JSON, CSV, HTML), and verifying them.

The JSON journal is tamper-evident: each session record carries `chain`, the
SHA-256 of the previous link and the record's canonical JSON (sorted keys, no
whitespace); the first link covers the header and summary. `verify` recomputes
the chain and names the first record that doesn't match. (Evident, not proof:
someone who edits a file and recomputes every hash gets a file that verifies;
signing exports would be the next step.)
"""

import csv
import hashlib
import io
import json
import os
import tempfile
import time
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from . import __version__, charts, journal, report, signals, time_zone

FORMAT = "candor-journal"
VERSION = 1
FORMATS = ("json", "csv", "html")
REDACTABLE = ("titles", "urls", "notes")
DEFAULT_REDACTION = ("titles", "notes")
_CHAIN_SEED = f"{FORMAT}/{VERSION}"


class NotAJournal(ValueError):
    """The file is not a Candor journal at all."""


def canonical(value):
    """The canonical JSON form that is hashed: sorted keys, no whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _link(previous, value):
    return hashlib.sha256(previous.encode() + canonical(value)).hexdigest()


HEADER_FIELDS = ("format", "version", "exported_at", "owner", "range", "redaction", "summary")
RECORD_FIELDS = ("id", "site", "started_at", "ended_at", "active_seconds", "prompts",
                 "responses", "copies", "est_tokens_in", "est_tokens_out", "tokenizer", "model",
                 "url", "title", "tag", "tag_history", "signals", "note", "outcome_url")


def _records(db, start_ms, end_ms, redaction):
    """Session records of the range, oldest first, as the export shows them."""
    where, params = "1", []
    if start_ms is not None:
        where, params = where + " AND ended_at >= ?", params + [start_ms]
    if end_ms is not None:
        where, params = where + " AND started_at < ?", params + [end_ms]
    computed = signals.stale(db, where, params)  # not stored: a read never writes
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
        if "titles" in redaction:
            record["title"] = None
        if "urls" in redaction:
            record["url"] = record["outcome_url"] = None
        if "notes" in redaction:
            record["note"] = None
        records.append({k: record[k] for k in RECORD_FIELDS})
    return records


def build(db, from_day=None, to_day=None, redaction=DEFAULT_REDACTION, owner=None, now=None):
    """The journal for the local dates as a dict, chained and ready to write."""
    redaction = sorted(set(redaction))
    zone_name = time_zone.name(db)
    start_ms, end_ms = journal.range_ms(from_day, to_day, zone=time_zone.zone(db))
    totals = report.stats(db, from_day, to_day, "week")
    by_site = report.stats(db, from_day, to_day, "site")["groups"]
    records = _records(db, start_ms, end_ms, redaction)
    counts = {name: 0 for name in signals.NAMES}
    for record in records:
        for signal in record["signals"]:
            counts[signal["name"]] += 1
    header = {
        "format": FORMAT, "version": VERSION,
        "exported_at": journal.iso(int((now or time.time()) * 1000)),
        "owner": owner or os.environ.get("USER") or "me",
        "range": {"from": from_day.isoformat() if from_day else None,
                  "to": to_day.isoformat() if to_day else None},
        "redaction": redaction,
        "summary": {"totals": {k: v for k, v in totals.items() if k != "groups"},
                    "weeks": totals["groups"], "sites": by_site, "signals": counts,
                    "candor_version": __version__,
                    # The zone its days and weeks are in: a coach's Candor shows them so.
                    "time_zone": zone_name},
    }
    link = header_link = _link(_CHAIN_SEED, header)
    for record in records:
        link = _link(link, record)
        record["chain"] = link
    return {**header, "sessions": records,
            "integrity": {"algorithm": "sha256-chain", "header": header_link,
                          "records": len(records), "head": link}}


def verify(data):
    """(ok, message) for a parsed journal; raises NotAJournal for anything else."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise NotAJournal("not a Candor journal (no \"format\": \"candor-journal\")")
    if data.get("version") != VERSION:
        raise NotAJournal(f"a Candor journal of version {data.get('version')!r}; "
                          f"this Candor reads version {VERSION}")
    sessions, integrity = data.get("sessions"), data.get("integrity")
    if not isinstance(sessions, list) or not isinstance(integrity, dict) or not all(
            isinstance(r, dict) for r in sessions):
        raise NotAJournal("a Candor journal without its sessions or integrity block")
    link = _link(_CHAIN_SEED, {k: data.get(k) for k in HEADER_FIELDS})
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


def to_csv(data):
    """One spreadsheet row per session: ISO times, minutes, the tag."""
    out = io.StringIO()
    columns = ["id", "site", "started_at", "ended_at", "active_minutes", "prompts", "responses",
               "copies", "est_tokens_in", "est_tokens_out", "tokenizer", "model", "tag",
               "tagged_at",
               "signals", "outcome_url", "url", "title", "note"]
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in data["sessions"]:
        writer.writerow({
            **r, "active_minutes": round(r["active_seconds"] / 60, 2),
            "tagged_at": r["tag_history"][-1]["at"] if r["tag_history"] else "",
            "signals": ";".join(s["name"] for s in r["signals"]),
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
    return _templates.get_template("journal.html").render(
        j=data, totals=summary["totals"], verified=verified,
        ratio_chart=charts.ratio_over_time(summary["weeks"]) if summary["weeks"] else "",
        site_chart=charts.time_by(summary["sites"][:10], "Active time by site", horizontal=True,
                                  width=900, height=170 + 30 * min(len(summary["sites"]), 10))
        if summary["sites"] else "",
        tag_chart=charts.time_by_tag(summary["totals"]),
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
