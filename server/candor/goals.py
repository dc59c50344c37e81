"""The person's weekly goals: a value ratio to reach, and optionally a coverage.

Both are fractions from 0 to 1, kept in the journal's meta table, so every process
(the server, the CLI, an export) reads the same goals. A goal not set is None: the
week is then shown as it is, against nothing.
"""

import math
import sqlite3
from datetime import timedelta

from . import report, time_zone
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
    value = float(value) + 0.0  # -0.0 becomes 0.0: no goal of "-0%"
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


def _whole_percent(fraction):
    # Half up, as the pages and the popup round a percentage for display.
    return math.floor(fraction * 100 + 0.5)


def met(goals, week):
    """For each goal, whether `week` (report fields) reaches it as shown in whole percents.

    None where there is no goal, or no figure to hold against it (nothing tagged yet).
    """
    return {field: None if goals[field] is None or week.get(field) is None
            else _whole_percent(week[field]) >= _whole_percent(goals[field])
            for field in FIELDS}


# The figures of a day or a week the popup shows (the rest of a report stays on the server).
FIGURES = ("value_ratio", "coverage", "active_seconds", "real_seconds", "busywork_seconds",
           "unsure_seconds", "untagged_seconds", "sessions")


def summary(db, today=None):
    """What the extension's popup and badge show, in one cheap read.

    Today and this week (Monday to today, in the journal's time zone) with their value
    ratio and coverage, the goals and whether this week meets them, and how many
    sessions wait for a verdict (all untagged ones, as the review queue lists them).
    """
    today = today or time_zone.today(time_zone.zone(db))
    monday = today - timedelta(days=today.weekday())
    week = report.stats(db, monday, today)
    day = report.stats(db, today, today)
    goals = get_goals(db)
    waiting = db.conn.execute("SELECT count(*) FROM sessions WHERE tag IS NULL").fetchone()[0]
    return {
        "today": {"date": today, **{f: day[f] for f in FIGURES}},
        "this_week": {"from": monday, "to": today, **{f: week[f] for f in FIGURES}},
        "untagged_sessions": waiting,
        "goals": goals,
        "goals_met": met(goals, week),
        "time_zone": time_zone.name(db),
    }
