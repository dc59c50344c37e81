"""Signals: reasons to suspect a session was busywork. Suggestions for the user, never tags.

Every signal is computed from the session's events and totals, with the
thresholds below (one place, so they can be read and tuned). A session's signals
are cached as JSON in `sessions.signals`; NULL means stale (its events or its
outcome link changed) and they are computed again when next read.
"""

import json
from dataclasses import dataclass

from .db import write


@dataclass(frozen=True)
class Thresholds:
    """When each signal fires. Reading speed is about 25 characters a second."""

    # repeated prompts: fingerprints (64-bit SimHash) within this many differing bits
    near_repeat_bits: int = 6
    min_repeats: int = 3            # ...at least this many prompts repeat an earlier one
    min_repeat_share: float = 0.5   # ...and they are at least this share of the prompts
    # no reading time: a long answer, then the session ended within seconds
    long_answer_chars: int = 2000
    ended_within_ms: int = 10_000
    # burst: a prompt sent sooner after an answer than it takes to read a quarter of it
    read_chars_per_second: int = 25
    read_share: float = 0.25
    min_burst_prompts: int = 3
    # no outcome: many tokens, nothing copied, no outcome link
    no_outcome_tokens: int = 20_000


THRESHOLDS = Thresholds()
NAMES = ("repeated_prompts", "no_reading_time", "burst", "no_outcome")


def _hamming(a, b):
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def find(session, events, t=THRESHOLDS):
    """The signals of one session: [{"name", "reason"}], from its totals and its events."""
    events = sorted(events, key=lambda e: (e["ts"], e["id"]))
    found = []

    prints = [e["fingerprint"] for e in events if e["type"] == "prompt" and e.get("fingerprint")]
    repeats = sum(
        any(_hamming(fp, earlier) <= t.near_repeat_bits for earlier in prints[:i])
        for i, fp in enumerate(prints)
    )
    prompts = sum(e["type"] == "prompt" for e in events)
    if repeats >= t.min_repeats and repeats >= t.min_repeat_share * prompts:
        found.append({"name": "repeated_prompts",
                      "reason": f"{repeats} of {prompts} prompts were near-repeats"})

    answers = [e for e in events if e["type"] == "response"]
    if answers and events:
        last = answers[-1]
        after = [e for e in events if (e["ts"], e["id"]) > (last["ts"], last["id"])]
        read_after = any(e["type"] in ("activity", "copy", "prompt") for e in after)
        gap = events[-1]["ts"] - last["ts"]
        chars = last.get("response_chars") or 0
        if chars >= t.long_answer_chars and gap <= t.ended_within_ms and not read_after:
            found.append({"name": "no_reading_time",
                          "reason": f"A {chars:,}-character answer, and the session ended "
                                    f"{gap / 1000:.0f} s later"})

    rushed, previous = 0, None
    for e in events:
        if e["type"] == "response":
            previous = e
        elif e["type"] == "prompt" and previous is not None:
            needed_ms = (previous.get("response_chars") or 0) / t.read_chars_per_second \
                * t.read_share * 1000
            if e["ts"] - previous["ts"] < needed_ms:
                rushed += 1
            previous = None
    if rushed >= t.min_burst_prompts:
        found.append({"name": "burst",
                      "reason": f"{rushed} prompts came faster than the answers before them "
                                "could be read"})

    tokens = session["est_tokens_in"] + session["est_tokens_out"]
    if tokens >= t.no_outcome_tokens and not session["copies"] and not session["outcome_url"]:
        found.append({"name": "no_outcome",
                      "reason": f"{tokens:,} tokens, nothing copied, no outcome link"})
    return found


_EVENT_FIELDS = ("id", "type", "ts", "response_chars", "fingerprint")
_SESSION_FIELDS = ("id", "est_tokens_in", "est_tokens_out", "copies", "outcome_url")


def refresh(db, where="1", params=()):
    """Compute and store the signals of stale sessions matching `where` (SQL on sessions)."""
    with write(db):
        stale = db.conn.execute(
            f"SELECT {', '.join(_SESSION_FIELDS)} FROM sessions "
            f"WHERE signals IS NULL AND ({where})", list(params)).fetchall()
        updates = []
        for start in range(0, len(stale), 500):  # the events of 500 sessions per query
            chunk = [dict(zip(_SESSION_FIELDS, row, strict=True))
                     for row in stale[start:start + 500]]
            events = {}
            for row in db.conn.execute(
                    f"SELECT session_id, {', '.join(_EVENT_FIELDS)} FROM events "
                    f"WHERE session_id IN ({', '.join('?' * len(chunk))})",
                    [s["id"] for s in chunk]):
                events.setdefault(row[0], []).append(dict(zip(_EVENT_FIELDS, row[1:],
                                                              strict=True)))
            updates += [(json.dumps(find(s, events.get(s["id"], []))), s["id"]) for s in chunk]
        db.conn.executemany("UPDATE sessions SET signals = ? WHERE id = ?", updates)
    return len(updates)
