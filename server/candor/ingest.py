"""Take in batches of events: check each, store it once, and keep session totals current.

Session totals are built only from operations that don't care about order or
repeats (sums over events stored once, min/max of times, and "the value of the
latest event" with ties broken by event id), so any permutation of the same
events, sent any number of times, gives the same sessions.
"""

import time
import uuid
from dataclasses import dataclass, field
from operator import itemgetter

from marshmallow import ValidationError

from . import clients, fast_batch, signals, writer
from .db import write_together
from .migrations import BUCKET_SECONDS
from .schemas import (
    BadJSON,
    BatchEnvelopeSchema,
    holds_lone_surrogate,
    load_event,
    lone_surrogate_fields,
    parse_json,
    printable,
)

EVENT_COLUMNS = (
    "id", "session_id", "type", "ts", "site", "active_ms", "prompt_chars", "response_chars",
    "est_tokens", "fingerprint", "model", "url", "title", "client_id", "received_at",
    "tokenizer",
)
# A session's tokenizers as bits, ORed together (any order, any repeats: the same set).
TOKENIZER_BITS = {"o200k": 1, "chars/4": 2}
_TOKENIZER_NAMES = ("CASE {} WHEN 0 THEN NULL WHEN 1 THEN 'o200k' WHEN 2 THEN 'chars/4' "
                    "ELSE 'mixed' END")
_envelope_schema = BatchEnvelopeSchema()
_EMPTY_ROW = dict.fromkeys(EVENT_COLUMNS)
_as_row = itemgetter(*EVENT_COLUMNS)
_SQLITE_MAX_PARAMS = 900  # under every SQLite build's variable limit


class BadBatch(Exception):
    """The batch as a whole is malformed: nothing of it is stored."""

    def __init__(self, errors):
        super().__init__("bad batch")
        self.errors = errors


@dataclass
class BatchResult:
    """What became of a batch's events."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list = field(default_factory=list)
    # What the sender is asked to change at this sync ({"titles": false}), or None.
    settings: dict | None = None


def check_batch(body):
    """A batch's client, its good events (as rows) and rejections; raise BadBatch if malformed.

    A lone surrogate (\\ud800-\\udfff, valid JSON but not text) rejects the event
    holding it, naming the field; anywhere else in the body it raises BadJSON.
    """
    if not isinstance(body, dict):
        raise BadBatch({"_schema": ["The body must be a JSON object with 'client' and 'events'."]})
    for name, value in body.items():
        if (name != "events" or not isinstance(value, list)) and (
                holds_lone_surrogate(name) or holds_lone_surrogate(value)):
            raise BadJSON(f"'{printable(name)}' holds a lone surrogate (\\ud800-\\udfff), "
                          "not text.")
    try:
        envelope = _envelope_schema.load(body)
    except ValidationError as error:
        raise BadBatch(error.messages) from None
    client = envelope["client"]
    client_id = client["id"]
    good, rejected = [], []
    for index, raw in enumerate(envelope["events"]):
        if not isinstance(raw, dict):
            rejected.append({"index": index, "id": None,
                             "errors": {"_schema": ["An event must be a JSON object."]}})
            continue
        errors = lone_surrogate_fields(raw)
        try:
            row = load_event(raw)
        except ValidationError as error:
            errors = {**_flatten(error.messages), **errors}
        if errors:
            sent_id = raw.get("id")
            rejected.append({
                "index": index,
                "id": sent_id if isinstance(sent_id, str) and len(sent_id) <= 100
                and not holds_lone_surrogate(sent_id) else None,
                "errors": errors,
            })
            continue
        row["client_id"] = client_id
        good.append(row)
    return client, good, rejected


def _flatten(messages):
    """Field errors as {field: [message, ...]}, whatever marshmallow nested."""
    if isinstance(messages, dict):
        return {
            printable(str(name)): (msgs if isinstance(msgs, list) else [str(msgs)])
            for name, msgs in messages.items()
        }
    return {"_schema": [str(m) for m in messages]}


def ingest(db, raw, now_ms=None):
    """Check and store one batch as the API receives it (the body's bytes); returns a BatchResult.

    Raises schemas.BadJSON for a body that isn't JSON, BadBatch for a malformed batch.
    """
    result = ingest_plain(db, raw, now_ms)
    if result is None:
        client, good, rejected = check_batch(parse_json(raw, lone_surrogates=True))
        result = store_events(db, good, now_ms=now_ms, client=client)
        result.rejected = rejected
    return result


def ingest_plain(db, raw, now_ms=None):
    """Store a batch whose every event passes the fast check (fast_batch), as ingest does.

    None, with nothing stored, for any other body: ingest checks those in full. Raises
    writer.WriterGone if the server's writer process ended before answering.
    """
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms

    def here():
        work = prepare_plain(raw, now_ms)
        return work if work is None else write_together(db, work)

    elsewhere = writer.running(getattr(db, "journal_path", None))
    return here() if elsewhere is None else elsewhere.store(here, "plain", raw, now_ms)


def prepare_plain(raw, now_ms):
    """The write that stores a batch passing the fast check, or None for any other body."""
    decoded = fast_batch.decode(raw)
    if decoded is None:
        return None
    client, good = decoded
    for row in good:
        row["client_id"] = client["id"]
    return prepare(good, now_ms, client)


def store_events(db, events, now_ms=None, client=None):
    """Store checked events (rows from EventSchema) in one transaction and update totals.

    An event whose id is already stored, or repeated within the batch, or that
    belongs to the forgotten part of a session, counts as a duplicate and changes
    nothing. An event of a forgotten session made after it was forgotten (a tab left
    open) goes to the session that follows it (see successor). `client`, the batch's
    sender, is recorded as synced in the same transaction. While `candor serve` runs,
    its writer process stores them when other batches are being stored (writer.py).
    """
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms

    def here():
        work = prepare(events, now_ms, client)
        return work if isinstance(work, BatchResult) else write_together(db, work)

    elsewhere = writer.running(getattr(db, "journal_path", None))
    return here() if elsewhere is None else elsewhere.store(here, "events", events, now_ms,
                                                            client)


def prepare(events, now_ms, client=None):
    """The write that stores `events` (a function of the db, run in a write transaction),
    or the BatchResult when there is nothing to write."""
    if not events and client is None:
        return BatchResult()
    for event in events:
        event["received_at"] = now_ms
    # The rows as they will be if every event is new (the usual case), made before
    # taking the write lock: every writer waits while the lock is held.
    plan = _Rows(events)
    sender = None if client is None else clients.sync_row(client, now_ms)
    # Concurrent batches share one commit; a batch is acknowledged after it.
    return lambda db: _store(db, events, plan, sender)


def store_within(db, events):
    """store_events() inside a write transaction the caller holds; events keep the
    `received_at` and `client_id` they carry (a merge brings them from another machine)."""
    return _store(db, events, _Rows(events)) if events else BatchResult()


class _Rows:
    """The rows `events` add to events, sessions and buckets (pure: no database)."""

    def __init__(self, events):
        self.events = [_as_row({**_EMPTY_ROW, **e}) for e in events]
        self.sessions = _session_rows(events)
        self.buckets = _bucket_rows(events)


_INSERT_EVENTS = (f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "
                  f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))})")


def _store(db, events, plan, sender=None):
    """store_events' work, inside a write transaction."""
    result = BatchResult()
    if sender is not None:
        result.settings = clients.record_sync(db, sender)
    if not events:
        return result
    known = _existing(db, "events", [e["id"] for e in events])
    forgotten = _forgotten(db, {e["session_id"] for e in events})
    fresh = []
    moved = False
    for event in events:
        session_id = None if event["id"] in known else _session_of(db, forgotten, event)
        if session_id is None:
            result.duplicates += 1
            continue
        moved = moved or session_id != event["session_id"]
        event["session_id"] = session_id
        known.add(event["id"])
        fresh.append(event)
    result.accepted = len(fresh)
    if fresh:
        if moved or len(fresh) < len(events):
            plan = _Rows(fresh)  # duplicates or a forgotten session: not as planned
        db.conn.executemany(_INSERT_EVENTS, plan.events)
        ended = _with_signals(db, {e["session_id"] for e in fresh})
        db.conn.executemany(_SESSION_UPSERT, plan.sessions)  # (makes stored signals stale)
        db.conn.executemany(_BUCKET_UPSERT, plan.buckets)
        # Signals are stored as a session ends, and again, in this same transaction,
        # when events come after its end: reads never store them, and compute them
        # only for sessions still going.
        ended = sorted(ended | {e["session_id"] for e in fresh if e["type"] == "session_end"})
        if ended:
            signals.refresh_within(db, f"id IN ({', '.join('?' * len(ended))})", ended)
    return result


def _existing(db, table, ids):
    """Which of `ids` are already primary keys of `table`."""
    ids = list(ids)
    found = set()
    for start in range(0, len(ids), _SQLITE_MAX_PARAMS):
        chunk = ids[start:start + _SQLITE_MAX_PARAMS]
        found.update(
            row[0] for row in db.conn.execute(
                f"SELECT id FROM {table} WHERE id IN ({', '.join('?' * len(chunk))})", chunk
            )
        )
    return found


def _with_signals(db, ids):
    """Which of the sessions `ids` have stored signals (they had ended)."""
    ids = list(ids)
    found = set()
    for start in range(0, len(ids), _SQLITE_MAX_PARAMS):
        chunk = ids[start:start + _SQLITE_MAX_PARAMS]
        found.update(row[0] for row in db.conn.execute(
            f"SELECT id FROM sessions WHERE id IN ({', '.join('?' * len(chunk))}) "
            "AND signals IS NOT NULL", chunk))
    return found


# Names the sessions that follow forgotten ones (uuid5 of the old id and when it was forgotten).
_AFTER_FORGETTING = uuid.UUID("5f0c3a52-8f5e-5d3c-9d6b-0c1a7e2f4b61")


def successor(session_id, forgotten_at):
    """The session that takes a forgotten session's events made after it was forgotten.

    Derived from the old id and when it was forgotten (ms), never from arrival, so
    re-sends of those events land in the same session, in any order.
    """
    return str(uuid.uuid5(_AFTER_FORGETTING, f"{session_id}/{forgotten_at}"))


def _forgotten(db, ids):
    """{session id: (at, through_ts)} for those of `ids` that were forgotten."""
    ids = list(ids)
    found = {}
    for start in range(0, len(ids), _SQLITE_MAX_PARAMS):
        chunk = ids[start:start + _SQLITE_MAX_PARAMS]
        found.update(
            (row[0], (row[1], row[2])) for row in db.conn.execute(
                "SELECT id, at, through_ts FROM forgotten_sessions "
                f"WHERE id IN ({', '.join('?' * len(chunk))})", chunk)
        )
    return found


def _session_of(db, forgotten, event):
    """The session `event` belongs to now, or None if it is in a forgotten part of one.

    `forgotten` ({id: (at, through_ts)}) gains the successors looked up on the way
    (None for one not forgotten): a successor can itself have been forgotten since.
    """
    session_id = event["session_id"]
    while (marker := forgotten.get(session_id)) is not None:
        at, through = marker
        if event["ts"] <= through:
            return None
        session_id = successor(session_id, at)
        if session_id not in forgotten:
            forgotten[session_id] = db.conn.execute(
                "SELECT at, through_ts FROM forgotten_sessions WHERE id = ?",
                [session_id]).fetchone()
    return session_id


def _event_key(event):
    """Orders events by time, then id: a total order that needs no arrival order."""
    return f"{event['ts']:015d}/{event['id']}"


_SESSION_UPSERT = """
INSERT INTO sessions (
    id, site, site_key, started_at, ended_at, active_ms, prompts, responses, copies,
    est_tokens_in, est_tokens_out, model, model_key, url, url_key, title, title_key,
    tokenizers, tokenizer
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?18,
          """ + _TOKENIZER_NAMES.format("?18") + """)
ON CONFLICT (id) DO UPDATE SET
    signals = NULL,
    tokenizers = tokenizers | excluded.tokenizers,
    tokenizer = """ + _TOKENIZER_NAMES.format("(tokenizers | excluded.tokenizers)") + """,
    site = CASE WHEN excluded.site_key < site_key THEN excluded.site ELSE site END,
    site_key = min(site_key, excluded.site_key),
    started_at = min(started_at, excluded.started_at),
    ended_at = max(ended_at, excluded.ended_at),
    active_ms = active_ms + excluded.active_ms,
    prompts = prompts + excluded.prompts,
    responses = responses + excluded.responses,
    copies = copies + excluded.copies,
    est_tokens_in = est_tokens_in + excluded.est_tokens_in,
    est_tokens_out = est_tokens_out + excluded.est_tokens_out,
    model = CASE WHEN excluded.model_key > coalesce(model_key, '')
                 THEN excluded.model ELSE model END,
    model_key = max(coalesce(model_key, ''), coalesce(excluded.model_key, '')),
    url = CASE WHEN excluded.url_key > coalesce(url_key, '') THEN excluded.url ELSE url END,
    url_key = max(coalesce(url_key, ''), coalesce(excluded.url_key, '')),
    title = CASE WHEN excluded.title_key > coalesce(title_key, '')
                 THEN excluded.title ELSE title END,
    title_key = max(coalesce(title_key, ''), coalesce(excluded.title_key, ''))
"""


def _session_rows(events):
    """The events folded into their sessions' totals: one _SESSION_UPSERT row per session."""
    totals = {}
    for event in events:
        key = _event_key(event)
        t = totals.get(event["session_id"])
        if t is None:
            t = totals[event["session_id"]] = {
                "site": event["site"], "site_key": key, "started_at": event["ts"],
                "ended_at": event["ts"], "active_ms": 0, "prompts": 0, "responses": 0,
                "copies": 0, "est_tokens_in": 0, "est_tokens_out": 0,
                "model": None, "model_key": None, "url": None, "url_key": None,
                "title": None, "title_key": None, "tokenizers": 0,
            }
        if key < t["site_key"]:
            t["site"], t["site_key"] = event["site"], key
        t["started_at"] = min(t["started_at"], event["ts"])
        t["ended_at"] = max(t["ended_at"], event["ts"])
        kind = event["type"]
        if kind == "activity":
            t["active_ms"] += event["active_ms"]
        elif kind == "prompt":
            t["prompts"] += 1
            t["est_tokens_in"] += event.get("est_tokens") or 0
        elif kind == "response":
            t["responses"] += 1
            t["est_tokens_out"] += event.get("est_tokens") or 0
        elif kind == "copy":
            t["copies"] += 1
        if kind in ("prompt", "response") and event.get("est_tokens") is not None:
            # Tokens sent without a tokenizer predate the field: they were characters / 4.
            t["tokenizers"] |= TOKENIZER_BITS[event.get("tokenizer") or "chars/4"]
        for name in ("model", "url", "title"):
            if event.get(name) is not None and key > (t[f"{name}_key"] or ""):
                t[name], t[f"{name}_key"] = event[name], key
    return [
        (sid, t["site"], t["site_key"], t["started_at"], t["ended_at"], t["active_ms"],
         t["prompts"], t["responses"], t["copies"], t["est_tokens_in"], t["est_tokens_out"],
         t["model"], t["model_key"], t["url"], t["url_key"], t["title"], t["title_key"],
         t["tokenizers"])
        for sid, t in totals.items()
    ]


_BUCKET_UPSERT = """
INSERT INTO session_buckets (session_id, bucket, tag, active_ms, est_tokens)
SELECT ?1, ?2, (SELECT tag FROM sessions WHERE id = ?1), ?3, ?4 WHERE true
ON CONFLICT (session_id, bucket) DO UPDATE SET
    active_ms = active_ms + excluded.active_ms,
    est_tokens = est_tokens + excluded.est_tokens
"""


def _bucket_rows(events):
    """Active time and tokens by 15-minute bucket: one _BUCKET_UPSERT row per bucket."""
    buckets = {}
    for event in events:
        kind = event["type"]
        active = event["active_ms"] if kind == "activity" else 0
        tokens = (event.get("est_tokens") or 0) if kind in ("prompt", "response") else 0
        if not active and not tokens:
            continue
        bucket = event["ts"] // 1000 // BUCKET_SECONDS * BUCKET_SECONDS
        sums = buckets.setdefault((event["session_id"], bucket), [0, 0])
        sums[0] += active
        sums[1] += tokens
    return [(sid, b, a, t) for (sid, b), (a, t) in buckets.items()]
