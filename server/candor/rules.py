"""Rules the person writes once: a pattern on a session's site, title, project or URL that
adds a label or suggests a tag.

A suggested tag is only ever a suggestion (`sessions.suggested_tag`): the person accepts
it or not. Regular expressions run on RE2, in time linear in the text, so no pattern can
stall the journal; globs are translated to RE2 too (never to Python's `re`).

Rules look at each session once, as it ends (the background applier below), and at
every session when asked (`apply_to_past`). Either way the matching is done from a read,
outside the write lock, and its outcome written afterwards in a short transaction.
"""

import logging
import sqlite3
import threading
import time

import re2

from . import labels
from .db import connect, write
from .journal import iso
from .signals import IDLE_MS

log = logging.getLogger(__name__)

FIELDS = ("site", "title", "project", "url")
MATCHES = ("glob", "regex")
ACTIONS = ("label", "suggest")
TAGS = ("real", "busywork", "unsure")
MAX_PATTERN = 500
MAX_RULES = 200
# RE2 refuses a pattern whose compiled program would need more memory than this: a
# pattern like a{1000}{1000} is answered "too big", not built.
_MAX_MEM = 8 << 20
_CHUNK = 500
_RULE_FIELDS = ("id", "field", "match", "pattern", "action", "value", "created_at")


class BadRule(ValueError):
    """A rule that can't be kept; `field` names what is wrong with it."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


class NotFound(Exception):
    """No such rule."""


def _options():
    options = re2.Options()
    options.max_mem = _MAX_MEM
    options.log_errors = False  # a refused pattern is answered, not logged to stderr
    return options


def glob_to_regex(glob):
    """A glob (`*`, `?`, `[abc]`, `[!abc]`) as an RE2 pattern matching the whole text.

    Everything else is taken literally, so a glob can't smuggle in a regular expression.
    """
    out, i = [], 0
    while i < len(glob):
        char = glob[i]
        i += 1
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            end = glob.find("]", i + 1 if glob[i:i + 1] in ("!", "]") else i)
            if end < 0:
                out.append(re2.escape("["))
                continue
            inside = glob[i:end]
            i = end + 1
            negate = inside.startswith("!")
            inside = inside[1:] if negate else inside
            # Inside a class only \ and ] (and a leading ^) mean something to RE2.
            inside = inside.replace("\\", "\\\\").replace("]", "\\]").replace("^", "\\^")
            out.append(f"[{'^' if negate else ''}{inside}]")
        else:
            out.append(re2.escape(char))
    return "".join(out)


def compile_pattern(match, pattern):
    """An RE2 matcher for `pattern`: a regex is searched anywhere in the text (as written,
    case and all); a glob must match the whole text, in any case. Raises BadRule."""
    if not isinstance(pattern, str) or not pattern:
        raise BadRule("pattern", "A rule needs a pattern.")
    if len(pattern) > MAX_PATTERN:
        raise BadRule("pattern", f"A pattern is at most {MAX_PATTERN} characters.")
    source = pattern if match == "regex" else f"(?is)^(?:{glob_to_regex(pattern)})$"
    try:
        compiled = re2.compile(source, _options())
    except re2.error as error:
        reason = error.args[0] if error.args else "not a pattern RE2 accepts"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise BadRule("pattern", f"Not a pattern RE2 can run: {reason}.") from None
    return compiled.search


def check(rule):
    """The rule's fields, cleaned; raises BadRule naming the first that is wrong."""
    for name, allowed in (("field", FIELDS), ("match", MATCHES), ("action", ACTIONS)):
        if rule.get(name) not in allowed:
            raise BadRule(name, f"One of {', '.join(allowed)}.")
    compile_pattern(rule["match"], rule.get("pattern"))
    value = rule.get("value")
    if rule["action"] == "suggest":
        if value not in TAGS:
            raise BadRule("value", f"A suggested tag is one of {', '.join(TAGS)}.")
    else:
        try:
            cleaned = labels.clean([value])
        except labels.BadLabels as error:
            raise BadRule("value", str(error)) from None
        if not cleaned:
            raise BadRule("value", "A label rule needs the label to add.")
        value = cleaned[0]
    return {"field": rule["field"], "match": rule["match"], "pattern": rule["pattern"],
            "action": rule["action"], "value": value}


def _rules(db):
    found = [dict(zip(_RULE_FIELDS, row, strict=True)) for row in db.conn.execute(
        f"SELECT {', '.join(_RULE_FIELDS)} FROM rules ORDER BY id")]
    for rule in found:
        rule["created_at"] = iso(rule["created_at"])
    return found


def list_rules(db):
    """Every rule, oldest first, each with `matched`: how many sessions it has matched."""
    counts = dict(db.conn.execute(
        "SELECT rule_id, count(*) FROM rule_matches GROUP BY rule_id").fetchall())
    return [{**rule, "matched": counts.get(rule["id"], 0)} for rule in _rules(db)]


def add_rule(db, rule, now_ms=None):
    """Keep a new rule (checked first: BadRule); it applies to sessions that end from now on."""
    rule = check(rule)
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    with write(db):
        if db.conn.execute("SELECT count(*) FROM rules").fetchone()[0] >= MAX_RULES:
            raise BadRule("rules", f"At most {MAX_RULES} rules.")
        rule_id = db.conn.execute(
            "INSERT INTO rules (field, match, pattern, action, value, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [rule[k] for k in ("field", "match", "pattern", "action", "value")] + [now_ms],
        ).lastrowid
    return {"id": rule_id, **rule, "created_at": iso(now_ms), "matched": 0}


def remove_rule(db, rule_id):
    """Delete a rule. The labels it added stay (they are the session's now); the tags it
    suggested go, unless another rule suggests one too. Raises NotFound."""
    if not 0 < rule_id < 2**63:  # no such row, and SQLite can't even bind it
        raise NotFound(rule_id)
    with write(db):
        action = db.conn.execute("SELECT action FROM rules WHERE id = ?", [rule_id]).fetchone()
        if action is None:
            raise NotFound(rule_id)
        if action[0] == "suggest":
            db.conn.execute(
                "UPDATE sessions SET suggested_tag = NULL WHERE id IN "
                "(SELECT session_id FROM rule_matches WHERE rule_id = ?1) AND NOT EXISTS "
                "(SELECT 1 FROM rule_matches m JOIN rules r ON r.id = m.rule_id "
                " WHERE m.session_id = sessions.id AND r.action = 'suggest' AND r.id != ?1)",
                [rule_id])
        db.conn.execute("DELETE FROM rule_matches WHERE rule_id = ?", [rule_id])
        db.conn.execute("DELETE FROM rules WHERE id = ?", [rule_id])


def _matchers(rules):
    """(rule, search) pairs; a stored rule RE2 refuses now (another RE2) is left out."""
    found = []
    for rule in rules:
        try:
            found.append((rule, compile_pattern(rule["match"], rule["pattern"])))
        except BadRule:
            log.warning("rule %s is not a pattern RE2 accepts: left out", rule["id"])
    return found


def decide(matchers, session):
    """The rules `session` (a dict with FIELDS) matches, in rule order."""
    return [rule for rule, search in matchers
            if session.get(rule["field"]) and search(session[rule["field"]]) is not None]


_SELECT = f"SELECT id, {', '.join(FIELDS)} FROM sessions"


def _read(db, where, params):
    return [dict(zip(("id", *FIELDS), row, strict=True))
            for row in db.conn.execute(f"{_SELECT} WHERE {where}", params)]


def _write(db, sessions, matchers):
    """Store what the rules made of `sessions` (read before), in one short transaction.

    Returns (sessions matched, labels added, tags suggested).
    """
    outcomes = {s["id"]: decide(matchers, s) for s in sessions}  # before taking the lock
    matched = labelled = suggested = 0
    ids = list(outcomes)
    with write(db):
        # Forgotten since they were read: nothing is written for them.
        present = {row[0] for row in db.conn.execute(
            f"SELECT id FROM sessions WHERE id IN ({', '.join('?' * len(ids))})", ids)}
        for session_id in ids:
            if session_id not in present:
                continue
            db.conn.execute("DELETE FROM rule_matches WHERE session_id = ?", [session_id])
            found = outcomes[session_id]
            matched += bool(found)
            db.conn.executemany("INSERT INTO rule_matches (rule_id, session_id) VALUES (?, ?)",
                                [(rule["id"], session_id) for rule in found])
            for rule in found:
                if rule["action"] == "label":
                    labelled += labels.add_within(db, session_id, rule["value"])
            tag = next((r["value"] for r in found if r["action"] == "suggest"), None)
            if tag is not None:
                suggested += db.conn.execute(
                    "UPDATE sessions SET suggested_tag = ? WHERE id = ? "
                    "AND suggested_tag IS NOT ?", [tag, session_id, tag]).rowcount
        db.conn.executemany("UPDATE sessions SET rules_checked = 1 WHERE id = ?",
                            [(i,) for i in present])
    return matched, labelled, suggested


def apply_ended(db, now_ms=None):
    """Apply the rules to sessions that ended since the last time; returns how many.

    Ended: its signals are stored (it said it ended, or it was rebuilt from an agent's
    logs) or it has been idle 30 minutes. Found by a read, so a journal with nothing
    new never takes the write lock.
    """
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    done = 0
    while True:
        sessions = _read(db, "rules_checked = 0 AND (signals IS NOT NULL OR ended_at < ?) "
                             "LIMIT ?", [now_ms - IDLE_MS, _CHUNK])
        if not sessions:
            return done
        _write(db, sessions, _matchers(_rules(db)))
        done += len(sessions)
        if len(sessions) < _CHUNK:
            return done


def apply_to_past(db):
    """Apply every rule to every session, a chunk at a time; returns what it did.

    {"sessions": looked at, "matched": sessions some rule matched, "labelled": labels
    added, "suggested": tags suggested}. Labels added by hand or before stay; a rule's
    matches are counted afresh.
    """
    matchers = _matchers(_rules(db))
    totals = {"sessions": 0, "matched": 0, "labelled": 0, "suggested": 0}
    after = ""
    while True:
        sessions = _read(db, "id > ? ORDER BY id LIMIT ?", [after, _CHUNK])
        if not sessions:
            return totals
        matched, labelled, suggested = _write(db, sessions, matchers)
        totals["sessions"] += len(sessions)
        totals["matched"] += matched
        totals["labelled"] += labelled
        totals["suggested"] += suggested
        after = sessions[-1]["id"]


def start_applier(path, every=60.0, poll=2.0):
    """Apply the rules to sessions as they end, from a background thread (a writer).

    Looks every `poll` s whether another connection committed anything (PRAGMA
    data_version, a read of nothing), and every `every` s anyway (a session ends by
    going idle without a write). Returns the thread; `thread.stop()` ends it.
    """
    db = connect(path)
    stopped = threading.Event()

    def run():
        seen, last = None, 0.0
        try:
            while True:
                try:
                    version = db.conn.execute("PRAGMA data_version").fetchone()[0]
                    if version != seen or time.monotonic() - last >= every:
                        seen, last = version, time.monotonic()
                        apply_ended(db)
                except sqlite3.OperationalError:  # busy for 10 s: next time
                    pass
                if stopped.wait(poll):
                    return
        finally:
            db.close()

    thread = threading.Thread(target=run, name="candor-rules", daemon=True)
    thread.stop = stopped.set
    thread.start()
    return thread
