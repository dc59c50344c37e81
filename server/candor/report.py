"""The numbers: active time by tag, the value ratio and its coverage, overall and by group.

Reports read only the 15-minute buckets (never the events). Local days, weeks
and hours are computed in SQL with integer arithmetic, using the machine's UTC
offset for each stretch of the range (found here, so DST is honoured), which
keeps a year of a heavy user's buckets to a single indexed scan.
"""

import time
from datetime import date, timedelta

from .journal import range_ms
from .migrations import BUCKET_SECONDS

TAGS = ("real", "busywork", "unsure", None)
GROUPS = ("day", "week", "site", "hour")
_DAY = 86_400
_EPOCH_DAY = date(1970, 1, 1)


def ratio(part, whole):
    """part / whole, or None when there is nothing to divide."""
    return part / whole if whole else None


def summarize(by_tag):
    """Report fields from {tag: (active_ms, est_tokens, sessions)} (tag None = untagged)."""
    ms = {t: by_tag.get(t, (0, 0, 0))[0] for t in TAGS}
    tokens = {t: by_tag.get(t, (0, 0, 0))[1] for t in TAGS}
    sessions = {t: by_tag.get(t, (0, 0, 0))[2] for t in TAGS}
    real, busy, unsure, untagged = (ms[t] / 1000 for t in TAGS)
    tagged = real + busy + unsure
    return {
        "real_seconds": real,
        "busywork_seconds": busy,
        "unsure_seconds": unsure,
        "untagged_seconds": untagged,
        "value_ratio": ratio(real, real + busy),
        "coverage": ratio(tagged, tagged + untagged),
        "value_ratio_by_tokens": ratio(tokens["real"], tokens["real"] + tokens["busywork"]),
        "value_ratio_by_sessions": ratio(sessions["real"],
                                         sessions["real"] + sessions["busywork"]),
        "sessions": sum(sessions.values()),
        "est_tokens": sum(tokens.values()),
    }


def _utc_offset(t):
    return time.localtime(t).tm_gmtoff


def offset_stretches(start, end):
    """[(from_second, utc_offset)] covering [start, end): where the local offset changes."""
    stretches = [(start, _utc_offset(start))]
    step = 6 * 3600  # zones change offset at most a few times a year, hours apart
    t = start
    while t < end:
        nxt = min(t + step, end)
        if _utc_offset(nxt) != stretches[-1][1] and nxt < end:
            # Narrow the change down to a bucket boundary.
            lo, hi = t, nxt
            while hi - lo > BUCKET_SECONDS:
                mid = (lo + hi) // 2 // BUCKET_SECONDS * BUCKET_SECONDS
                if mid <= lo:
                    break
                if _utc_offset(mid) == stretches[-1][1]:
                    lo = mid
                else:
                    hi = mid
            stretches.append((hi, _utc_offset(hi)))
        t = nxt
    return stretches


def _local_seconds_sql(stretches):
    """SQL for a bucket's local time in seconds since the epoch, and its parameters."""
    if len(stretches) == 1:
        return "(bucket + ?)", [stretches[0][1]]
    cases, params = [], []
    for (_, offset), (next_begin, _) in zip(stretches, stretches[1:], strict=False):
        cases.append("WHEN bucket < ? THEN bucket + ?")
        params += [next_begin, offset]
    return f"(CASE {' '.join(cases)} ELSE bucket + ? END)", params + [stretches[-1][1]]


def _bounds(db, from_day, to_day):
    """The range in seconds [start, end), from the dates or else from the data."""
    start_ms, end_ms = range_ms(from_day, to_day)
    if start_ms is None or end_ms is None:
        first, last = db.conn.execute(
            "SELECT min(bucket), max(bucket) FROM session_buckets").fetchone()
        if first is None:
            first = last = int(time.time()) // BUCKET_SECONDS * BUCKET_SECONDS
        start_ms = first * 1000 if start_ms is None else start_ms
        end_ms = (last + BUCKET_SECONDS) * 1000 if end_ms is None else end_ms
    return start_ms // 1000, end_ms // 1000


def stats(db, from_day=None, to_day=None, group=None):
    """Totals between two inclusive local dates; with `group`, the same fields per group."""
    start, end = _bounds(db, from_day, to_day)
    rows = db.conn.execute(
        "SELECT tag, SUM(active_ms), SUM(est_tokens), COUNT(DISTINCT session_id) "
        "FROM session_buckets WHERE bucket >= ? AND bucket < ? GROUP BY tag", [start, end]
    ).fetchall()
    result = summarize({tag: (ms, tokens, n) for tag, ms, tokens, n in rows})
    if group:
        result["groups"] = _groups(db, group, start, end, from_day, to_day)
    return result


def _groups(db, group, start, end, from_day, to_day):
    if group == "site":
        sql = ("SELECT s.site, b.tag, SUM(b.active_ms), SUM(b.est_tokens), "
               "COUNT(DISTINCT b.session_id) FROM session_buckets b "
               "JOIN sessions s ON s.id = b.session_id "
               "WHERE b.bucket >= ? AND b.bucket < ? GROUP BY 1, 2")
        params = [start, end]
    else:
        local, params = _local_seconds_sql(offset_stretches(start, end))
        key = {
            "day": f"local / {_DAY}",
            "week": f"local / {_DAY} - (local / {_DAY} + 3) % 7",  # the day number of its Monday
            "hour": f"local % {_DAY} / 3600",
        }[group]
        sql = (f"SELECT {key}, tag, SUM(active_ms), SUM(est_tokens), COUNT(DISTINCT session_id) "
               f"FROM (SELECT {local} AS local, tag, active_ms, est_tokens, session_id "
               "      FROM session_buckets WHERE bucket >= ? AND bucket < ?) GROUP BY 1, 2")
        params = params + [start, end]
    found = {}
    for key, tag, ms, tokens, n in db.conn.execute(sql, params):
        found.setdefault(key, {})[tag] = (ms, tokens, n)
    if group == "site":
        groups = [{"key": k, **summarize(v)} for k, v in found.items()]
        return sorted(groups, key=lambda g: -(g["real_seconds"] + g["busywork_seconds"]
                                               + g["unsure_seconds"] + g["untagged_seconds"]))
    keys = _all_keys(group, start, end, from_day, to_day, found)
    return [{"key": _label(group, k), **summarize(found.get(k, {}))} for k in keys]


def _all_keys(group, start, end, from_day, to_day, found):
    """Every day, week or hour of the range, so a chart has no holes."""
    if group == "hour":
        return range(24)
    first = (from_day - _EPOCH_DAY).days if from_day else (min(found) if found else 0)
    last = (to_day - _EPOCH_DAY).days if to_day else (max(found) if found else 0)
    if group == "week":
        first -= (first + 3) % 7
        return range(first, last + 1, 7)
    return range(first, last + 1)


def _label(group, key):
    if group == "hour":
        return str(key)
    day = _EPOCH_DAY + timedelta(days=key)
    if group == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()
