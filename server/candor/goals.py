"""The person's weekly goals: a value ratio to reach, and optionally a coverage.

Both are fractions from 0 to 1, kept in the journal's meta table, so every process
(the server, the CLI, an export) reads the same goals. No goal is None: a week is
then shown as it is, against nothing.
"""

import math
import sqlite3

from .db import write

FIELDS = ("value_ratio", "coverage")
# Where the journal keeps each goal (the meta table).
_META_KEYS = {"value_ratio": "goal_value_ratio", "coverage": "goal_coverage"}
# Passed for a goal that set_goals should leave as it is (None clears one).
KEEP = object()


class GoalError(ValueError):
    """A goal that can't be kept; `field` names which one."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def clean(field, value):
    """A goal as kept (a float from 0 to 1, or None); GoalError saying what is wrong."""
    if value is None:
        return None
    # bool is an int to Python, but "true" is no fraction of anything.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise GoalError(field, "Give a number from 0 to 1 (0.7 for 70%), or null for no goal.")
    value = float(value)
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise GoalError(field, "Give a number from 0 to 1 (0.7 for 70%), or null for no goal.")
    return value


def _read(db, key):
    try:
        row = db.conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    except sqlite3.OperationalError:  # no meta table yet (a journal being made)
        return None
    if row is None:
        return None
    try:
        return clean(key, float(row[0]))
    except (TypeError, ValueError):  # a value another version left unreadable: no goal
        return None


def get_goals(db):
    """The journal's goals: {"value_ratio": float|None, "coverage": float|None}."""
    return {field: _read(db, key) for field, key in _META_KEYS.items()}


def set_goals(db, value_ratio=KEEP, coverage=KEEP):
    """Set the goals given (None clears one, KEEP leaves it); returns all goals as kept.

    Raises GoalError, naming the field, before anything is written.
    """
    given = {field: clean(field, value)
             for field, value in (("value_ratio", value_ratio), ("coverage", coverage))
             if value is not KEEP}
    with write(db):
        for field, value in given.items():
            if value is None:
                db.conn.execute("DELETE FROM meta WHERE key = ?", [_META_KEYS[field]])
            else:
                db.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                [_META_KEYS[field], repr(value)])
    return get_goals(db)
