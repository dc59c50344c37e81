"""Signals: reasons to suspect a session was busywork. Suggestions for the user, never tags.

Every signal is computed from the session's events and totals (a chat's), or from its
tool calls, model calls, prompts and failed calls (an agent session's), with the
thresholds below (one place, so they can be read and tuned). A session's signals
are cached as JSON in `sessions.signals` by writers only: as the session ends, again by
the batch bringing events after its end, as its outcome link changes (in that same
transaction), as an agent session is rebuilt from its logs, and by a background writer
for sessions left idle without an end. The journal may keep thresholds of its own
(Settings): changing them makes every stored signal stale at once, and the background
writer stores them all again, once.
While a session's are NULL (it is still going), a read computes them in memory.
"""

import json
import sqlite3
import threading
import time
from dataclasses import dataclass, field, fields, replace

from .contract import SIGNALS
from .db import connect, write
from .words import duration, plural


def _threshold(default, signal, label, low, high, unit):
    """A threshold's default, with what the Settings page and the API say of it."""
    return field(default=default, metadata={"signal": signal, "label": label, "low": low,
                                            "high": high, "unit": unit})


@dataclass(frozen=True)
class Thresholds:
    """When each signal fires. Reading speed is about 25 characters a second.

    Each one's metadata names its signal, says what it is in words, bounds it (`low`,
    `high`) and gives its unit: `count`, `share` (0 to 1) or `ms`.
    """

    # repeated prompts: fingerprints (64-bit SimHash) within this many differing bits
    near_repeat_bits: int = _threshold(6, "repeated_prompts", "Bits two fingerprints of "
                                       "near-repeat prompts may differ by", 0, 64, "count")
    min_repeats: int = _threshold(3, "repeated_prompts", "Near-repeat prompts, at least",
                                  1, 10_000, "count")
    min_repeat_share: float = _threshold(0.5, "repeated_prompts", "Share of the prompts that "
                                         "are near-repeats, at least", 0, 1, "share")
    # no reading time: a long answer, then the session ended within seconds
    long_answer_chars: int = _threshold(2000, "no_reading_time", "A long answer has at least "
                                        "this many characters", 1, 10_000_000, "count")
    ended_within_ms: int = _threshold(10_000, "no_reading_time", "Session ended within this "
                                      "time after it", 0, 24 * 3_600_000, "ms")
    # burst: a prompt sent sooner after an answer than it takes to read a quarter of it
    read_chars_per_second: int = _threshold(25, "burst", "Reading speed, in characters a "
                                            "second", 1, 10_000, "count")
    read_share: float = _threshold(0.25, "burst", "Share of an answer read before the next "
                                   "prompt", 0, 1, "share")
    min_burst_prompts: int = _threshold(3, "burst", "Prompts sent too soon, at least",
                                        1, 10_000, "count")
    # no outcome: many tokens, nothing copied, no outcome link
    no_outcome_tokens: int = _threshold(20_000, "no_outcome", "Tokens of a chat, at least",
                                        1, 1_000_000_000, "count")

    # Agent sessions.
    # no outcome: many tokens, and no file edited, no lines changed, no commit or pull
    # request, no outcome link. An agent sends its context again with every model call, so
    # even a short look around a codebase takes tens of thousands of tokens.
    agent_no_outcome_tokens: int = _threshold(100_000, "no_outcome", "Tokens of an agent "
                                              "session, at least", 1, 1_000_000_000, "count")
    # loop: one tool called this many times in a row. Ordinary sessions read or edit a
    # dozen files in a row; twice that with nothing else between is an agent going round.
    loop_calls: int = _threshold(20, "loop", "Calls of one tool in a row", 2, 100_000, "count")
    # ...but a shell tool runs anything (Codex does nearly all its work through one), so
    # only a much longer run of it says the same.
    loop_shell_calls: int = _threshold(80, "loop", "Calls of a shell tool in a row",
                                       2, 100_000, "count")
    # unattended: the agent kept calling the model this long with no prompt from the person
    unattended_ms: int = _threshold(30 * 60 * 1000, "unattended", "Model calls with no prompt "
                                    "from you for at least", 60_000, 7 * 24 * 3_600_000, "ms")
    # ...a longer pause between two model calls ends the stretch: the agent was waiting
    # (for an approval, say), so someone was there.
    unattended_pause_ms: int = _threshold(5 * 60 * 1000, "unattended", "A pause between model "
                                          "calls longer than this ends the stretch",
                                          1000, 24 * 3_600_000, "ms")
    # retries: at least this many model calls failed (time waited for nothing, each one)
    min_failed_requests: int = _threshold(5, "retries", "Failed model calls, at least",
                                          1, 100_000, "count")


THRESHOLDS = Thresholds()
# Where the journal keeps the thresholds its owner changed (the meta table, as JSON):
# only those that differ from the defaults, so a later version's default applies to the rest.
THRESHOLDS_KEY = "signal_thresholds"
# Set by a change of thresholds, in its transaction: until the background writer has stored
# every session's signals again (recount), this names the change it has to finish.
RECOUNT_KEY = "signals_recount"
# Wakes the background writer at once after a change in this process (another process's
# change is found on its next round, within a minute).
_wake = threading.Event()


class ThresholdError(ValueError):
    """A threshold that can't be kept; `field` names which one."""

    def __init__(self, name, message):
        super().__init__(message)
        self.field = name


def threshold_fields():
    """Each threshold's dataclass field, in the order the Settings page lists them."""
    return fields(Thresholds)


def clean_threshold(name, value):
    """A threshold as kept (an int, or a float for a share); ThresholdError if it can't be."""
    known = {f.name: f for f in fields(Thresholds)}
    if name not in known:
        raise ThresholdError(name, "Not a threshold Candor has.")
    meta = known[name].metadata
    low, high = meta["low"], meta["high"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ThresholdError(name, f"Give a number from {low:,} to {high:,}.")
    if known[name].type in (int, "int"):
        if value != int(value):
            raise ThresholdError(name, f"Give a whole number from {low:,} to {high:,}.")
        value = int(value)
    else:
        value = float(value)
    if not low <= value <= high:
        raise ThresholdError(name, f"Give a number from {low:,} to {high:,}.")
    return value


def _changed(db):
    """The thresholds the journal keeps apart from the defaults: {name: value}."""
    try:
        row = db.conn.execute("SELECT value FROM meta WHERE key = ?",
                              [THRESHOLDS_KEY]).fetchone()
    except sqlite3.OperationalError:  # no meta table yet (a journal being made)
        return {}
    try:
        stored = json.loads(row[0]) if row else {}
    except ValueError:
        return {}
    kept = {}
    for name, value in (stored.items() if isinstance(stored, dict) else ()):
        try:
            kept[name] = clean_threshold(name, value)
        except ThresholdError:  # one another version wrote: its default instead
            pass
    return kept


def thresholds(db):
    """The journal's thresholds: the defaults, with those its owner changed."""
    return replace(THRESHOLDS, **_changed(db))


def threshold_values(db):
    """{name: value} of the journal's thresholds: what the API shows and exports record."""
    t = thresholds(db)
    return {f.name: getattr(t, f.name) for f in fields(Thresholds)}


def _in_words(unit, value):
    """A threshold's value as a person reads it: 10,000; 20 s; 50%."""
    if unit == "ms":
        return f"{value / 1000:,g} s"
    if unit == "share":
        return f"{value * 100:g}%"
    return f"{value:,}"


def changed_in_words(values):
    """Each of `values` ({name: value}, as an export records them) that differs from its
    default, in words: ["Tokens of a chat, at least: 10,000 (default 20,000)", …]."""
    said = []
    for f in fields(Thresholds):
        value = values.get(f.name, f.default)
        if isinstance(value, (int, float)) and value != f.default:
            unit = f.metadata["unit"]
            said.append(f"{f.metadata['label']}: {_in_words(unit, value)} "
                        f"(default {_in_words(unit, f.default)})")
    return said


def set_thresholds(db, changes):
    """Change thresholds: {name: value, or None for its default}; returns all, as kept.

    Raises ThresholdError, naming the threshold, before anything is written. A change marks
    every stored signal stale in the same transaction (reads then find them with the new
    thresholds) and leaves storing them again to the background writer (recount), once.
    """
    cleaned = {name: None if value is None else clean_threshold(name, value)
               for name, value in changes.items()}
    with write(db):
        before = _changed(db)
        after = {**before, **cleaned}
        after = {name: value for name, value in after.items()
                 if value is not None and value != getattr(THRESHOLDS, name)}
        if after != before:
            db.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                            [THRESHOLDS_KEY, json.dumps(after, sort_keys=True)])
            db.conn.execute("UPDATE sessions SET signals = NULL WHERE signals IS NOT NULL")
            db.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                            [RECOUNT_KEY, str(time.time_ns())])
    if after != before:
        _wake.set()
    return thresholds(db)


def recount(db, chunk=500):
    """After a change of thresholds, store every session's signals again; returns how many.

    A chunk at a time in short transactions of its own, so ingestion is never held up for
    long. Sessions still going get theirs stored too: the batch that brings their next
    events finds them again (as for any session whose signals are stored).
    """
    row = db.conn.execute("SELECT value FROM meta WHERE key = ?", [RECOUNT_KEY]).fetchone()
    if row is None:
        return 0
    done, after = 0, ""
    while True:
        ids = [r[0] for r in db.conn.execute(
            "SELECT id FROM sessions WHERE signals IS NULL AND id > ? ORDER BY id LIMIT ?",
            [after, chunk])]
        if ids:
            with write(db):
                done += refresh_within(db, f"id IN ({', '.join('?' * len(ids))})", ids)
            after = ids[-1]
        if len(ids) < chunk:
            break
    with write(db):  # unless the thresholds changed again meanwhile: then once more
        db.conn.execute("DELETE FROM meta WHERE key = ? AND value = ?", [RECOUNT_KEY, row[0]])
    return done


NAMES = SIGNALS  # from contract.json, shared with the API and the journal format
# Tools that run any command: many calls of one in a row say little of what the agent did.
SHELL_TOOLS = frozenset({"Bash", "bash", "shell", "exec_command", "local_shell", "write_stdin",
                         "run_shell_command", "powershell"})


def find(session, events, t=THRESHOLDS):
    """The signals of one session: [{"name", "reason"}], from its totals and its events."""
    ordered = sorted((None, e["ts"], e["id"], e["type"], e.get("response_chars"),
                      e.get("fingerprint")) for e in events)
    return _find(session, ordered, t)


def _find(session, events, t=THRESHOLDS):
    """find(), from (session_id, ts, id, type, response_chars, fingerprint) rows in time order.

    One pass over the events, as tuples: refresh() runs it for thousands of sessions
    when many are stale at once (an export after the thresholds change, say).
    """
    found = []
    prompts, prints, rushed = 0, [], 0
    last_answer = previous = None  # (ts, response_chars) of the latest response
    read_after = False  # activity, a copy or a prompt since the latest response
    for _, ts, _, kind, chars, fingerprint in events:
        if kind == "response":
            last_answer = previous = (ts, chars or 0)
            read_after = False
        elif kind == "prompt":
            prompts += 1
            if fingerprint:
                prints.append(int(fingerprint, 16))
            # burst: sooner after the answer than reading a share of it takes
            if previous is not None:
                needed_ms = previous[1] / t.read_chars_per_second * t.read_share * 1000
                if ts - previous[0] < needed_ms:
                    rushed += 1
                previous = None
            read_after = True
        elif kind in ("activity", "copy"):
            read_after = True

    repeats = sum(
        any((fp ^ earlier).bit_count() <= t.near_repeat_bits for earlier in prints[:i])
        for i, fp in enumerate(prints)
    )
    if repeats >= t.min_repeats and repeats >= t.min_repeat_share * prompts:
        found.append({"name": "repeated_prompts",
                      "reason": f"{repeats} of {plural(prompts, 'prompt')} "
                                + ("was a near-repeat" if repeats == 1 else "were near-repeats")})

    if last_answer is not None:
        answered_at, chars = last_answer
        gap = events[-1][1] - answered_at
        if chars >= t.long_answer_chars and gap <= t.ended_within_ms and not read_after:
            found.append({"name": "no_reading_time",
                          "reason": f"A {chars:,}-character answer, and the session ended "
                                    f"{duration(gap / 1000)} later"})

    if rushed >= t.min_burst_prompts:
        found.append({"name": "burst",
                      "reason": f"{plural(rushed, 'prompt')} came faster than the "
                                + ("answer before it" if rushed == 1 else "answers before them")
                                + " could be read"})

    tokens = session["est_tokens_in"] + session["est_tokens_out"]
    if tokens >= t.no_outcome_tokens and not session["copies"] and not session["outcome_url"]:
        found.append({"name": "no_outcome",
                      "reason": f"{plural(tokens, 'token')}, nothing copied, no outcome link"})
    return found


def find_agent(session, calls, requests, prompts, failed, t=THRESHOLDS):
    """The signals of one agent session: [{"name", "reason"}].

    `calls` are its tools' names in the order they were called, `requests` and `prompts`
    the sorted times (ms) of its model calls and of the person's prompts, `failed` how
    many model calls failed. `session` holds its tokens and outcomes.
    """
    found = []
    tokens = session["est_tokens_in"] + session["est_tokens_out"]
    outcomes = ("edits", "lines_changed", "commits", "pull_requests", "outcome_url")
    if tokens >= t.agent_no_outcome_tokens and not any(session[name] for name in outcomes):
        found.append({"name": "no_outcome",
                      "reason": f"{plural(tokens, 'token')}, and no file edited, no commit, "
                                "no outcome link"})

    run, longest, tool, previous = 0, 0, None, None
    for name in calls:
        run = run + 1 if name is not None and name == previous else 1
        previous = name
        needed = t.loop_shell_calls if name in SHELL_TOOLS else t.loop_calls
        if name is not None and run >= needed and run > longest:
            longest, tool = run, name
    if tool is not None:
        found.append({"name": "loop",
                      "reason": f"{tool} was called {plural(longest, 'time')} in a row"})

    # Only where the source records prompts: without any, "no prompt" says nothing.
    if prompts:
        merged = sorted([(ts, 0) for ts in prompts] + [(ts, 1) for ts in requests])
        start = last = None
        made = 0
        stretch = (0, 0)  # (ms, model calls) of the longest stretch without a prompt
        for ts, is_call in merged:
            if not is_call:
                start = None
                continue
            if start is None or ts - last > t.unattended_pause_ms:
                start, made = ts, 0
            made += 1
            last = ts
            stretch = max(stretch, (ts - start, made))
        if stretch[0] >= t.unattended_ms:
            found.append({"name": "unattended",
                          "reason": f"The agent called the model {plural(stretch[1], 'time')} "
                                    f"over {duration(stretch[0] / 1000)} with no prompt from you"})

    if failed >= t.min_failed_requests:
        found.append({"name": "retries", "reason": f"{plural(failed, 'model call')} failed"})
    return found


def _agent_signals(db, chunk, t=THRESHOLDS):
    """{id: signals} of agent sessions (dicts of _SESSION_FIELDS), from their stored calls."""
    ids = [s["id"] for s in chunk]
    where = f"session_id IN ({', '.join('?' * len(ids))})"
    calls, requests, prompts = ({sid: [] for sid in ids} for _ in range(3))
    for sid, tool in db.conn.execute(
            f"SELECT session_id, tool FROM agent_tool_calls WHERE {where} "
            "ORDER BY session_id, ts, call_id", ids):
        calls[sid].append(tool)
    for table, times in (("agent_requests", requests), ("agent_prompts", prompts)):
        for sid, ts in db.conn.execute(
                f"SELECT session_id, ts FROM {table} WHERE {where} ORDER BY session_id, ts",
                ids):
            times[sid].append(ts)
    failed = dict(db.conn.execute(
        f"SELECT session_id, count(*) FROM agent_errors WHERE {where} GROUP BY session_id",
        ids).fetchall())
    return {s["id"]: find_agent(s, calls[s["id"]], requests[s["id"]], prompts[s["id"]],
                                failed.get(s["id"], 0), t) for s in chunk}


_SESSION_FIELDS = ("id", "est_tokens_in", "est_tokens_out", "copies", "outcome_url", "kind",
                   "edits", "lines_changed", "commits", "pull_requests")
# A session with no session_end ends after 30 minutes idle (the extension's rule).
IDLE_MS = 30 * 60 * 1000


def stale(db, where="1", params=()):
    """{id: signals} of the sessions matching `where` whose stored signals are missing.

    Computed in memory and not stored: what a read does, so that reading never
    waits for (or holds) the write lock. Writers store them (refresh_within).
    """
    rows = db.conn.execute(
        f"SELECT {', '.join(_SESSION_FIELDS)} FROM sessions "
        f"WHERE signals IS NULL AND ({where})", list(params)).fetchall()
    found = {}
    t = thresholds(db) if rows else THRESHOLDS
    for start in range(0, len(rows), 500):  # the events of 500 sessions per query
        chunk = [dict(zip(_SESSION_FIELDS, row, strict=True))
                 for row in rows[start:start + 500]]
        found.update((s["id"], []) for s in chunk)  # a kind without signals of its own
        chats = [s for s in chunk if s["kind"] == "chat"]
        events = {s["id"]: [] for s in chats}
        if chats:
            for row in db.conn.execute(
                    "SELECT session_id, ts, id, type, response_chars, fingerprint FROM events "
                    f"WHERE session_id IN ({', '.join('?' * len(chats))})", list(events)):
                events[row[0]].append(row)
        found.update((s["id"], _find(s, sorted(events[s["id"]]), t)) for s in chats)
        agents = [s for s in chunk if s["kind"] == "agent"]
        if agents:
            found.update(_agent_signals(db, agents, t))
    return found


def refresh(db, where="1", params=()):
    """Compute and store the signals of stale sessions matching `where` (SQL on sessions)."""
    with write(db):
        return refresh_within(db, where, params)


def refresh_within(db, where="1", params=()):
    """refresh(), inside a write transaction the caller already holds."""
    updates = [(json.dumps(found), sid) for sid, found in stale(db, where, params).items()]
    db.conn.executemany("UPDATE sessions SET signals = ? WHERE id = ?", updates)
    return len(updates)


def refresh_idle(db, now_ms=None, chunk=500):
    """Store the signals of sessions still without them that have been idle 30 minutes.

    These are sessions the extension never said had ended (a closed laptop, a
    crash) and sessions from before signals were stored. A chunk at a time, each
    in a short transaction of its own, so ingestion is never held up for long.
    Returns how many.
    """
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    done = 0
    while True:
        # Found by a read, so that a journal with nothing to do never takes the write lock.
        ids = [row[0] for row in db.conn.execute(
            "SELECT id FROM sessions WHERE signals IS NULL AND ended_at < ? LIMIT ?",
            [now_ms - IDLE_MS, chunk])]
        if not ids:
            return done
        with write(db):
            done += refresh_within(db, f"id IN ({', '.join('?' * len(ids))})", ids)
        if len(ids) < chunk:
            return done


def start_refresher(path, every=60.0):
    """Run refresh_idle and recount now and every `every` s from a background thread (a writer).

    Reads compute missing signals in memory without storing them; this keeps
    them few. A change of thresholds in this process wakes it at once.
    Returns the thread; `thread.stop()` ends it.
    """
    db = connect(path)
    stopped = threading.Event()

    def run():
        try:
            while not stopped.is_set():
                _wake.clear()
                try:
                    refresh_idle(db)
                    recount(db)
                except sqlite3.OperationalError:  # busy for 10 s: next time
                    pass
                _wake.wait(every)
        finally:
            db.close()

    def stop():
        stopped.set()
        _wake.set()

    thread = threading.Thread(target=run, name="candor-signals", daemon=True)
    thread.stop = stop
    thread.start()
    return thread
