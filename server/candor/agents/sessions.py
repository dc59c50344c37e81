"""Agent sessions in the journal: their requests and record times stored once, totals rebuilt.

A session's totals are always rebuilt from its stored requests and times (never added
to), so reading a file again, in any order, with any repeats, gives the same session.
Active time is the time between its records, leaving out gaps longer than
IDLE_GAP_MS; tokens count as tokens_in + tokens_out + tokens_cache_write in the
15-minute buckets (and so in the per-day totals), cache reads apart.
"""

import json

from .. import signals
from ..migrations import BUCKET_SECONDS
from . import session_id

IDLE_GAP_MS = 5 * 60 * 1000
_CHUNK = 500

_REQUEST_UPSERT = """
INSERT INTO agent_requests (site, key, session_id, ts, model, tokens_in, tokens_out,
    tokens_cache_read, tokens_cache_write, tokens_reasoning, rank)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (site, key) DO UPDATE SET
    session_id = excluded.session_id, ts = excluded.ts, model = excluded.model,
    tokens_in = excluded.tokens_in, tokens_out = excluded.tokens_out,
    tokens_cache_read = excluded.tokens_cache_read,
    tokens_cache_write = excluded.tokens_cache_write,
    tokens_reasoning = excluded.tokens_reasoning, rank = excluded.rank
WHERE excluded.rank > agent_requests.rank
   OR (excluded.rank = agent_requests.rank
       AND (excluded.ts, excluded.session_id, coalesce(excluded.model, ''))
           < (agent_requests.ts, agent_requests.session_id,
              coalesce(agent_requests.model, '')))
"""

_SESSION_UPSERT = """
INSERT INTO sessions (id, site, site_key, kind, started_at, ended_at, active_ms,
    est_tokens_in, est_tokens_out, model, tokens_in, tokens_out, tokens_cache_read,
    tokens_cache_write, tokens_reasoning, requests, tool_calls, models, project, edits,
    lines_changed, commits, pull_requests, signals)
VALUES (?, ?, '', 'agent', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
ON CONFLICT (id) DO UPDATE SET signals = NULL,
    started_at = excluded.started_at, ended_at = excluded.ended_at,
    active_ms = excluded.active_ms, est_tokens_in = excluded.est_tokens_in,
    est_tokens_out = excluded.est_tokens_out, model = excluded.model,
    tokens_in = excluded.tokens_in, tokens_out = excluded.tokens_out,
    tokens_cache_read = excluded.tokens_cache_read,
    tokens_cache_write = excluded.tokens_cache_write,
    tokens_reasoning = excluded.tokens_reasoning, requests = excluded.requests,
    tool_calls = excluded.tool_calls, models = excluded.models,
    project = excluded.project, edits = excluded.edits,
    lines_changed = excluded.lines_changed, commits = excluded.commits,
    pull_requests = excluded.pull_requests
"""


def store(db, site, records):
    """Store a source's records and rebuild the sessions they touch (in the caller's write).

    Returns what changed: {"sessions", "changed" (their ids), "requests", "tokens",
    "cache_read"}.
    """
    ids = {source_id: session_id(site, source_id) for source_id in
           {r.session for r in records.requests} | {s for s, _ in records.times}
           | {c[0] for c in records.tool_calls} | {s for s, _ in records.prompts}
           | {e[0] for e in records.errors} | {m.session for m in records.metrics}
           | set(records.projects)}
    touched = set(ids.values())
    # A request whose better copy is in another session moves there: rebuild both.
    keys = sorted({r.key for r in records.requests})
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start:start + _CHUNK]
        touched.update(row[0] for row in db.conn.execute(
            "SELECT session_id FROM agent_requests WHERE site = ? "
            f"AND key IN ({', '.join('?' * len(chunk))})", [site, *chunk]))
    touched = sorted(touched)
    forgotten = _forgotten(db, touched)
    before = _figures(db, touched)
    db.conn.executemany(_REQUEST_UPSERT, [
        (site, r.key, ids[r.session], r.ts, r.model, r.tokens_in, r.tokens_out,
         r.tokens_cache_read, r.tokens_cache_write, r.tokens_reasoning, r.rank)
        for r in records.requests if ids[r.session] not in forgotten])
    db.conn.executemany("INSERT OR IGNORE INTO agent_times (session_id, ts) VALUES (?, ?)",
                        [(ids[s], ts) for s, ts in records.times if ids[s] not in forgotten])
    db.conn.executemany(
        "INSERT INTO agent_tool_calls (session_id, call_id, tool, ts) VALUES (?, ?, ?, ?) "
        "ON CONFLICT DO UPDATE SET tool = coalesce(tool, excluded.tool), "
        "ts = coalesce(ts, excluded.ts)",
        [(ids[s], c, tool, ts) for s, c, tool, ts in records.tool_calls
         if ids[s] not in forgotten])
    db.conn.executemany("INSERT OR IGNORE INTO agent_prompts (session_id, ts) VALUES (?, ?)",
                        [(ids[s], ts) for s, ts in records.prompts if ids[s] not in forgotten])
    db.conn.executemany(
        "INSERT OR IGNORE INTO agent_errors (session_id, key, ts) VALUES (?, ?, ?)",
        [(ids[s], key, ts) for s, key, ts in records.errors if ids[s] not in forgotten])
    db.conn.executemany(
        "INSERT OR IGNORE INTO agent_metrics (series, ts, session_id, name, value, cumulative) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(m.series, m.ts, ids[m.session], m.name, m.value, int(m.cumulative))
         for m in records.metrics if ids[m.session] not in forgotten])
    db.conn.executemany(
        "INSERT OR IGNORE INTO agent_projects (session_id, ts, project) VALUES (?, ?, ?)",
        [(ids[s], ts, p) for s, (ts, p) in records.projects.items() if ids[s] not in forgotten])
    rebuilt = [sid for sid in touched if sid not in forgotten]
    for sid in rebuilt:
        rebuild(db, site, sid)
    # Their signals follow what was just stored (a rebuild leaves them to be found again).
    for start in range(0, len(rebuilt), _CHUNK):
        chunk = rebuilt[start:start + _CHUNK]
        signals.refresh_within(db, f"id IN ({', '.join('?' * len(chunk))})", chunk)
    after = _figures(db, touched)
    changed = [sid for sid in touched if before.get(sid) != after.get(sid)]
    return {
        "sessions": len(changed),
        "changed": set(changed),
        "requests": sum(after.get(s, (0,))[0] - before.get(s, (0,))[0] for s in changed),
        "tokens": sum(after.get(s, (0, 0))[1] - before.get(s, (0, 0))[1] for s in changed),
        "cache_read": sum(after.get(s, (0, 0, 0))[2] - before.get(s, (0, 0, 0))[2]
                          for s in changed),
    }


def _forgotten(db, ids):
    found = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        found.update(row[0] for row in db.conn.execute(
            f"SELECT id FROM forgotten_sessions WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk))
    return found


def _figures(db, ids):
    """{session id: (requests, tokens, cache reads)} of the stored agent sessions `ids`."""
    found = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        found.update((row[0], tuple(row[1:])) for row in db.conn.execute(
            "SELECT id, requests, coalesce(tokens_in, 0) + coalesce(tokens_out, 0) "
            "+ coalesce(tokens_cache_write, 0), coalesce(tokens_cache_read, 0), started_at, "
            "ended_at, active_ms, tool_calls FROM sessions "
            f"WHERE id IN ({', '.join('?' * len(chunk))})", chunk))
    return found


def active_by_bucket(times):
    """Active milliseconds by 15-minute bucket from sorted record times (gaps > 5 min left out)."""
    buckets = {}
    for earlier, later in zip(times, times[1:], strict=False):
        gap = later - earlier
        if 0 < gap <= IDLE_GAP_MS:
            bucket = earlier // 1000 // BUCKET_SECONDS * BUCKET_SECONDS
            buckets[bucket] = buckets.get(bucket, 0) + gap
    return buckets


def needed_times(times):
    """Of record times ((session, ms) pairs), those active time needs.

    A time between two others of its session, in their 15-minute bucket and at most
    IDLE_GAP_MS apart, changes no total whatever else is stored (the gap between those two
    counts whole, in their bucket): left out, a scan stores a fraction of the times.
    """
    by_session = {}
    for session, ts in times:
        by_session.setdefault(session, []).append(ts)
    kept = set()
    for session, stamps in by_session.items():
        stamps.sort()
        last = stamps[0]
        kept.add((session, last))
        for at, later in zip(stamps[1:-1], stamps[2:], strict=True):
            if (later - last <= IDLE_GAP_MS and later // 1000 // BUCKET_SECONDS
                    == last // 1000 // BUCKET_SECONDS):
                continue  # between `last` and `later`, both kept or bracketed alike
            last = at
            kept.add((session, last))
        kept.add((session, stamps[-1]))
    return kept


# Tools that change files: their calls count as the session's edits (an outcome), by the
# names Claude Code, Codex and Gemini CLI give them.
EDIT_TOOLS = frozenset({
    "Edit", "MultiEdit", "Write", "NotebookEdit",  # Claude Code
    "apply_patch",                                  # Codex
    "replace", "write_file", "edit",                # Gemini CLI
})


def metric_totals(db, sid):
    """{name: (total, {bucket: part})} of a session's metric points.

    A cumulative series is turned into the steps between its points (a drop means the
    sender restarted: the point counts whole), so its total is its latest value.
    """
    totals = {}
    previous = {}
    for series, ts, name, value, cumulative in db.conn.execute(
            "SELECT series, ts, name, value, cumulative FROM agent_metrics "
            "WHERE session_id = ? ORDER BY series, ts", [sid]):
        step = value
        if cumulative:
            before = previous.get(series)
            if before is not None and value >= before:
                step = value - before
            previous[series] = value
        total, buckets = totals.setdefault(name, [0, {}])
        bucket = ts // 1000 // BUCKET_SECONDS * BUCKET_SECONDS
        buckets[bucket] = buckets.get(bucket, 0) + step
        totals[name][0] = total + step
    return {name: (round(total), {b: round(v) for b, v in buckets.items()})
            for name, (total, buckets) in totals.items()}


def rebuild(db, site, sid):
    """Rebuild one agent session's totals and buckets from its requests and times.

    Its signals are left to be found again (NULL): store() finds them at once.
    """
    # Tokens come from one path: a session also read from its agent's own log leaves out
    # what OpenTelemetry said of it (keys "otlp:..."), whichever arrived first.
    own_log = db.conn.execute(
        "SELECT 1 FROM agent_requests WHERE session_id = ? AND substr(key, 1, 5) != 'otlp:' "
        "LIMIT 1", [sid]).fetchone() is not None

    def one_path(column):
        return f" AND substr({column}, 1, 5) != 'otlp:'" if own_log else ""

    requests = db.conn.execute(
        "SELECT ts, model, tokens_in, tokens_out, tokens_cache_read, tokens_cache_write, "
        "tokens_reasoning FROM agent_requests WHERE session_id = ?"
        f"{one_path('key')} ORDER BY ts, key", [sid]).fetchall()
    if not requests:
        return  # a session is made by its first request
    times = sorted({ts for (ts,) in db.conn.execute(
        "SELECT ts FROM agent_times WHERE session_id = ?", [sid])} | {r[0] for r in requests})
    metrics = metric_totals(db, sid)
    # The agent's own measure of active time, where it sends one, beats the record gaps.
    active = metrics["active_ms"][1] if "active_ms" in metrics else active_by_bucket(times)
    tokens = {}
    sums = [None] * 5
    for ts, _, *figures in requests:
        bucket = ts // 1000 // BUCKET_SECONDS * BUCKET_SECONDS
        tokens[bucket] = tokens.get(bucket, 0) + (figures[0] or 0) + (figures[1] or 0) + (
            figures[3] or 0)
        sums = [s if f is None else (s or 0) + f for s, f in zip(sums, figures, strict=True)]
    tokens_in, tokens_out, cache_read, cache_write, reasoning = sums
    models = sorted({r[1] for r in requests if r[1]})
    latest_model = next((r[1] for r in reversed(requests) if r[1]), None)
    project = db.conn.execute(  # the latest record's
        "SELECT project FROM agent_projects WHERE session_id = ? ORDER BY ts DESC, project "
        "LIMIT 1", [sid]).fetchone()
    tool_calls, edits = db.conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE tool IN "
        f"({', '.join('?' * len(EDIT_TOOLS))})) FROM agent_tool_calls WHERE session_id = ?"
        + one_path("call_id"), [*sorted(EDIT_TOOLS), sid]).fetchone()
    db.conn.execute(_SESSION_UPSERT, [
        sid, site, times[0], times[-1], sum(active.values()),
        (tokens_in or 0) + (cache_write or 0), tokens_out or 0, latest_model,
        tokens_in, tokens_out, cache_read, cache_write, reasoning, len(requests), tool_calls,
        json.dumps(models), project[0] if project else None, edits,
        *(metrics[name][0] if name in metrics else None
          for name in ("lines_changed", "commits", "pull_requests"))])
    # The buckets are replaced, not added to: the per-day totals' triggers follow.
    db.conn.execute("DELETE FROM session_buckets WHERE session_id = ?", [sid])
    db.conn.executemany(
        "INSERT INTO session_buckets (session_id, bucket, tag, active_ms, est_tokens) "
        "SELECT ?1, ?2, (SELECT tag FROM sessions WHERE id = ?1), ?3, ?4",
        [(sid, b, active.get(b, 0), tokens.get(b, 0)) for b in sorted(set(active) | set(tokens))])
