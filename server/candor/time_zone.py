"""The journal's time zone: one IANA zone, kept in the journal, used by every process.

Local days (the per-day totals, date filters, "today", the times pages show) are
days in this zone, whatever the TZ of the process that reads or writes: a CLI run
from a shell with another TZ counts days as the running server does, and one server
shows an imported journal in its worker's zone. The zone is the machine's when the
journal is made (found once) and changes only when the user changes it.

Each connection defines the SQL function local_day(seconds) from the stored zone
(`install`); the per-day triggers use it. A connection re-reads the stored zone at
the start of each write transaction (`follow`), so a change made by another process
or connection is followed by the next write.
"""

import os
import sqlite3
import zoneinfo
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

META_KEY = "time_zone"
# Files under zoneinfo that are not zones a person lives in.
_NOT_ZONES = {"localtime", "posixrules", "Factory"}
_EPOCH = datetime(1970, 1, 1)


@lru_cache(maxsize=1)
def names():
    """Every IANA time zone name this machine knows, sorted."""
    return tuple(sorted(zoneinfo.available_timezones() - _NOT_ZONES))


@lru_cache(maxsize=1)
def _known():
    return frozenset(names())


def is_zone(name):
    """Whether `name` is an IANA time zone name this machine knows."""
    return isinstance(name, str) and name in _known()


@lru_cache(maxsize=1)
def machine():
    """The machine's time zone as an IANA name, or UTC when it can't be told.

    From TZ when it names a zone, else where /etc/localtime links to, else
    /etc/timezone (Debian). Found once per process: only a new journal asks.
    """
    candidates = []
    if os.environ.get("TZ"):
        candidates.append(os.environ["TZ"].removeprefix(":"))
    try:
        candidates.append(os.readlink("/etc/localtime"))  # …/zoneinfo/Europe/Paris
    except OSError:
        pass
    try:
        candidates.append(Path("/etc/timezone").read_text().strip())
    except OSError:
        pass
    for candidate in candidates:
        name = candidate.rsplit("zoneinfo/", 1)[-1]
        if is_zone(name):
            return name
    return "UTC"


class _Zone:
    """A connection's zone, and local_day() in it (with the days it already worked out)."""

    def __init__(self, name):
        self.set(name)

    def set(self, name):
        self.name, self.info, self._days = name, zoneinfo.ZoneInfo(name), {}

    def local_day(self, seconds):
        """The local date (YYYY-MM-DD) of a Unix time in seconds."""
        if seconds is None:
            return None
        day = self._days.get(seconds)
        if day is None:
            if len(self._days) > 10_000:
                self._days.clear()
            try:
                day = datetime.fromtimestamp(seconds, self.info).date().isoformat()
            except (OverflowError, OSError, ValueError):  # beyond what zoneinfo handles
                day = (_EPOCH + timedelta(seconds=seconds)).date().isoformat()
            self._days[seconds] = day
        return day


def stored(db):
    """The zone stored in the journal, or None (none yet, or not one this machine knows)."""
    try:
        row = db.conn.execute("SELECT value FROM meta WHERE key = ?", [META_KEY]).fetchone()
    except sqlite3.OperationalError:  # no meta table yet (a journal being made)
        return None
    return row[0] if row and is_zone(row[0]) else None


def install(db):
    """Define local_day() on db's connection, in the journal's zone (else the machine's)."""
    db.time_zone = _Zone(stored(db) or machine())
    db.conn.create_function("local_day", 1, db.time_zone.local_day, deterministic=True)


def use(db, name):
    """Make local_day() on this connection count in `name` (a migration or a change)."""
    db.time_zone.set(name)


def follow(db):
    """Bring local_day() to the stored zone; called as each write transaction begins."""
    name = stored(db)
    if name is not None and name != db.time_zone.name:
        db.time_zone.set(name)


def name(db):
    """The journal's time zone name."""
    found = stored(db)
    if found is not None:
        return found
    return db.time_zone.name if hasattr(db, "time_zone") else machine()


def zone(db):
    """The journal's time zone (a ZoneInfo)."""
    return zoneinfo.ZoneInfo(name(db))


def today(zone_info):
    """Today's date in `zone_info`."""
    return datetime.now(timezone.utc).astimezone(zone_info).date()


def day_start(day, zone_info):
    """The first moment of the date `day` in `zone_info`, as an aware datetime."""
    # A day whose midnight a clock change skips starts when the clocks say 00:00
    # with the offset before the change: the moment the day begins.
    return datetime(day.year, day.month, day.day, tzinfo=zone_info)

