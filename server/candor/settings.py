"""The journal's settings in one place: what the Settings page and /api/v1/settings show and change.

Each setting lives where its idea does (the time zone in time_zone and journal, the owner's
name in export, the signal thresholds in signals, the goals in goals); this reads them
together, checks a change of several as a whole before writing any, and keeps the one
setting that is only about how pages look: the date format.
"""

from datetime import date

from . import export, goals, journal, signals, time_zone
from .db import write

# How pages show a date, by the pattern a person recognises. Exports and the API keep ISO
# dates whatever is chosen; weeks stay ISO weeks (from Monday) everywhere.
DATE_FORMATS = {
    "D MMM YYYY": lambda d: f"{d.day} {d:%b %Y}",
    "MMM D, YYYY": lambda d: f"{d:%b} {d.day}, {d.year}",
    "YYYY-MM-DD": lambda d: d.isoformat(),
    "D/M/YYYY": lambda d: f"{d.day}/{d.month}/{d.year}",
    "M/D/YYYY": lambda d: f"{d.month}/{d.day}/{d.year}",
    "D.M.YYYY": lambda d: f"{d.day}.{d.month}.{d.year}",
}
DEFAULT_DATE_FORMAT = "D MMM YYYY"
_DATE_FORMAT_KEY = "date_format"  # in the meta table


class SettingError(ValueError):
    """A setting that can't be kept; `field` names it (`thresholds.loop_calls`, say)."""

    def __init__(self, name, message):
        super().__init__(message)
        self.field = name


def format_date(day, pattern=DEFAULT_DATE_FORMAT):
    """`day` (a date) as `pattern` (one of DATE_FORMATS) shows it: 5 Dec 2026, 12/5/2026…"""
    return DATE_FORMATS.get(pattern, DATE_FORMATS[DEFAULT_DATE_FORMAT])(day)


def date_format(db):
    """The date format pages use (one of DATE_FORMATS)."""
    row = db.conn.execute("SELECT value FROM meta WHERE key = ?", [_DATE_FORMAT_KEY]).fetchone()
    return row[0] if row and row[0] in DATE_FORMATS else DEFAULT_DATE_FORMAT


def threshold_defaults():
    """{name: default} of the signal thresholds."""
    return {f.name: f.default for f in signals.threshold_fields()}


def titles_seen(db):
    """Whether the newest chat session came with its title: what the extension last did.

    Keeping titles is the extension's choice (its options); the journal sees only whether
    they arrive. None when no chat session has arrived yet.
    """
    row = db.conn.execute(
        "SELECT title IS NOT NULL, started_at FROM sessions WHERE kind = 'chat' "
        "ORDER BY started_at DESC LIMIT 1").fetchone()
    if row is None:
        return {"kept": None, "session_started_at": None}
    return {"kept": bool(row[0]), "session_started_at": journal.iso(row[1])}


def read(db):
    """Every setting, as GET /api/v1/settings gives them."""
    return {
        "time_zone": time_zone.name(db),
        "date_format": date_format(db),
        "owner": export.owner_name(db),
        "thresholds": signals.threshold_values(db),
        "threshold_defaults": threshold_defaults(),
        "goals": goals.get_goals(db),
        "titles": titles_seen(db),
    }


def _checked(changes):
    """`changes` cleaned; SettingError naming the first field that can't be kept."""
    if "time_zone" in changes and not time_zone.is_zone(changes["time_zone"]):
        raise SettingError("time_zone", "Unknown time zone: give an IANA name such as "
                                        "Europe/Paris or America/New_York.")
    if "date_format" in changes and changes["date_format"] not in DATE_FORMATS:
        raise SettingError("date_format", f"Choose one of {', '.join(DATE_FORMATS)}.")
    cleaned = dict(changes)
    if "owner" in changes:
        try:
            cleaned["owner"] = export.clean_owner(changes["owner"])
        except ValueError as error:
            raise SettingError("owner", str(error)) from None
    if changes.get("thresholds") is not None:
        for name, value in changes["thresholds"].items():
            try:
                if value is not None:
                    signals.clean_threshold(name, value)
            except signals.ThresholdError as error:
                raise SettingError(f"thresholds.{name}", str(error)) from None
    for name, value in (changes.get("goals") or {}).items():
        try:
            goals.clean(name, value)
        except goals.GoalError as error:
            raise SettingError(f"goals.{name}", str(error)) from None
    return cleaned


def change(db, changes):
    """Change the settings given; returns every setting, as read() does.

    All are checked before any is written. `thresholds` maps names to values, or to None
    for a default; `thresholds: None` puts every one back to its default. `goals` maps
    value_ratio and coverage to a fraction, or None for no goal. A new time zone counts
    the day totals again, once; new thresholds have the stored signals found again in
    the background.
    """
    changes = _checked(changes)
    if "time_zone" in changes:
        journal.set_time_zone(db, changes["time_zone"])
    if "date_format" in changes:
        with write(db):
            db.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                            [_DATE_FORMAT_KEY, changes["date_format"]])
    if "owner" in changes:
        export.set_owner(db, changes["owner"])
    if "thresholds" in changes:
        asked = changes["thresholds"]
        signals.set_thresholds(db, {name: None for name in threshold_defaults()}
                               if asked is None else asked)
    if changes.get("goals"):
        goals.set_goals(db, **changes["goals"])
    return read(db)


def show_date(value, pattern):
    """A date, or an ISO date's text, as `pattern` shows it (other text as it is)."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return format_date(value, pattern)
