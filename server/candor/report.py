"""The numbers: active time by tag, the value ratio and its coverage, overall and by group.

Reports never read the events. Totals, days and weeks come from the per-day
totals (kept by triggers on the 15-minute buckets, see migrations.m007 and m009);
hours and sites from the buckets themselves. Days and hours are the journal's
time zone's (time_zone.py), not the process's. Local hours are computed in SQL
with integer arithmetic, using the zone's UTC offset for each stretch of the range
(found here, so DST is honoured).
"""

import time
from datetime import date, datetime, timedelta

from . import labels, time_zone
from .journal import range_ms
from .migrations import BUCKET_SECONDS

TAGS = ("real", "busywork", "unsure", None)
GROUPS = ("day", "week", "site", "hour", "label")
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
        "active_seconds": tagged + untagged,
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
        "tagged_sessions": sum(sessions[t] for t in TAGS if t is not None),
        "est_tokens": sum(tokens.values()),
        "real_tokens": tokens["real"],
        "busywork_tokens": tokens["busywork"],
    }


def _utc_offset(t, zone):
    return int(datetime.fromtimestamp(t, zone).utcoffset().total_seconds())


def offset_stretches(start, end, zone):
    """[(from_second, utc_offset)] covering [start, end): where `zone`'s offset changes."""
    stretches = [(start, _utc_offset(start, zone))]
    step = 6 * 3600  # zones change offset at most a few times a year, hours apart
    t = start
    while t < end:
        nxt = min(t + step, end)
        if _utc_offset(nxt, zone) != stretches[-1][1] and nxt < end:
            # Narrow the change down to a bucket boundary.
            lo, hi = t, nxt
            while hi - lo > BUCKET_SECONDS:
                mid = (lo + hi) // 2 // BUCKET_SECONDS * BUCKET_SECONDS
                if mid <= lo:
                    break
                if _utc_offset(mid, zone) == stretches[-1][1]:
                    lo = mid
                else:
                    hi = mid
            stretches.append((hi, _utc_offset(hi, zone)))
        t = nxt
    return stretches


def _local_seconds_sql(stretches, column):
    """SQL for `column` (epoch seconds) as local seconds since the epoch, and its parameters."""
    if len(stretches) == 1:
        return f"{column} + ?", [stretches[0][1]]
    cases, params = [], []
    for (_, offset), (next_begin, _) in zip(stretches, stretches[1:], strict=False):
        cases.append(f"WHEN {column} < ? THEN {column} + ?")
        params += [next_begin, offset]
    return f"CASE {' '.join(cases)} ELSE {column} + ? END", params + [stretches[-1][1]]


def bounds(db, from_day, to_day):
    """The range in seconds [start, end), from the dates or else from the data."""
    start_ms, end_ms = range_ms(from_day, to_day, zone=time_zone.zone(db))
    if start_ms is None or end_ms is None:
        first, last = db.conn.execute(
            "SELECT min(bucket), max(bucket) FROM session_buckets").fetchone()
        if first is None:
            first = last = int(time.time()) // BUCKET_SECONDS * BUCKET_SECONDS
        start_ms = first * 1000 if start_ms is None else start_ms
        end_ms = (last + BUCKET_SECONDS) * 1000 if end_ms is None else end_ms
    return start_ms // 1000, end_ms // 1000


def stats(db, from_day=None, to_day=None, group=None, kind=None):
    """Totals between two inclusive local dates; with `group`, the same fields per group.

    Time and tokens count where they happened (a session over midnight counts on
    both days); a session counts once, in the group where it started. `kind` (chat or
    agent) counts only those sessions: the per-day totals don't tell kinds apart, so
    days and weeks then come from the buckets too. Agent sessions' cache reads are
    `tokens_cache_read`, apart from est_tokens. By label, a session counts under each of
    its labels (so the groups add up to more than the whole) and unlabelled ones under
    `(none)`.
    """
    if group == "label":
        result = stats(db, from_day, to_day, kind=kind)
        result["groups"] = _by_label(db, from_day, to_day, kind)
        return result
    cells = {}  # group key -> tag -> [active_ms, est_tokens, sessions]
    if group in (None, "day", "week") and kind is None:
        for key, tag, ms, tokens, n in _from_day_totals(db, group, from_day, to_day):
            cells.setdefault(key, {})[tag] = [ms, tokens, n]
    else:
        start, end = bounds(db, from_day, to_day)
        stretches = (offset_stretches(start, end, time_zone.zone(db))
                     if group in ("hour", "day", "week") else None)
        for key, tag, ms, tokens in _time_and_tokens(db, group, start, end, stretches, kind):
            cells.setdefault(key, {}).setdefault(tag, [0, 0, 0])[:2] = ms, tokens
        for key, tag, n in _session_counts(db, group, start, end, stretches, kind):
            cells.setdefault(key, {}).setdefault(tag, [0, 0, 0])[2] = n
    overall = {}
    for by_tag in cells.values():
        for tag, figures in by_tag.items():
            total = overall.setdefault(tag, [0, 0, 0])
            for i, value in enumerate(figures):
                total[i] += value
    result = summarize(overall)
    result["tokens_cache_read"] = _cache_reads(db, from_day, to_day, kind)
    if group:
        result["groups"] = _groups(group, cells, from_day, to_day)
    return result


def by_site_and_kind(db, from_day=None, to_day=None):
    """stats(group="site")["groups"], and {kind: stats(kind=kind)} for chat and agent, of the
    same dates, from one pass over their buckets.

    The overview shows both; each alone joins every bucket of the range to its session,
    and for a year of a heavy user those joins were most of the page's time.
    """
    start, end = bounds(db, from_day, to_day)
    sites, kinds = {}, {"chat": {}, "agent": {}}
    for site, kind, tag, ms, tokens in db.conn.execute(
            "SELECT s.site, s.kind, b.tag, SUM(b.ms), SUM(b.tokens) FROM ("
            "  SELECT session_id, tag, SUM(active_ms) AS ms, SUM(est_tokens) AS tokens"
            "  FROM session_buckets WHERE bucket >= ? AND bucket < ? GROUP BY 1, 2"
            ") b JOIN sessions s ON s.id = b.session_id GROUP BY 1, 2, 3", [start, end]):
        for cells, key in ((sites, site), (kinds, kind)):
            cell = cells.setdefault(key, {}).setdefault(tag, [0, 0, 0])
            cell[0] += ms
            cell[1] += tokens
    for site, kind, tag, n in db.conn.execute(
            "SELECT site, kind, tag, COUNT(*) FROM sessions "
            "WHERE started_at >= ? AND started_at < ? GROUP BY 1, 2, 3",
            [start * 1000, end * 1000]):
        for cells, key in ((sites, site), (kinds, kind)):
            cells.setdefault(key, {}).setdefault(tag, [0, 0, 0])[2] += n
    by_kind = {}
    for kind in ("chat", "agent"):
        by_kind[kind] = summarize(kinds.get(kind, {}))
        by_kind[kind]["tokens_cache_read"] = _cache_reads(db, from_day, to_day, kind)
    return _groups("site", sites, from_day, to_day), by_kind


def _by_label(db, from_day, to_day, kind=None):
    """The groups of stats(group="label"), most active time first."""
    start, end = bounds(db, from_day, to_day)
    cells = {}
    # Each session's rows once per label: a LEFT JOIN gives unlabelled sessions one NULL.
    for key, tag, ms, tokens in db.conn.execute(
            f"SELECT coalesce(l.label, '{labels.NONE}'), b.tag, SUM(b.ms), SUM(b.tokens) FROM ("
            "  SELECT session_id, tag, SUM(active_ms) AS ms, SUM(est_tokens) AS tokens"
            "  FROM session_buckets WHERE bucket >= ? AND bucket < ? GROUP BY 1, 2"
            ") b JOIN sessions s ON s.id = b.session_id "
            "LEFT JOIN session_labels l ON l.session_id = b.session_id "
            f"WHERE {'s.kind = ?' if kind else 'true'} GROUP BY 1, 2",
            [start, end] + ([kind] if kind else [])):
        cells.setdefault(key, {}).setdefault(tag, [0, 0, 0])[:2] = ms, tokens
    for key, tag, n in db.conn.execute(
            f"SELECT coalesce(l.label, '{labels.NONE}'), s.tag, COUNT(*) FROM sessions s "
            "LEFT JOIN session_labels l ON l.session_id = s.id "
            f"WHERE s.started_at >= ? AND s.started_at < ? AND {'s.kind = ?' if kind else 'true'} "
            "GROUP BY 1, 2", [start * 1000, end * 1000] + ([kind] if kind else [])):
        cells.setdefault(key, {}).setdefault(tag, [0, 0, 0])[2] = n
    return _groups("label", cells, from_day, to_day)


def _key_sql(group, column, stretches):
    """SQL for a row's group key from `column` (epoch seconds), and its parameters."""
    if group is None:
        return "NULL", []
    if group == "site":
        return "site", []
    local, params = _local_seconds_sql(stretches, column)
    day = f"(({local}) / {_DAY})"
    return {
        "day": (day, params),
        "week": (f"({day} - ({day} + 3) % 7)", params * 2),  # the day number of its Monday
        "hour": (f"(({local}) % {_DAY} / 3600)", params),
    }[group]


def _time_and_tokens(db, group, start, end, stretches, kind=None):
    """(key, tag, active_ms, est_tokens) rows from the buckets in [start, end)."""
    if group == "site" or kind:  # buckets carry neither site nor kind: join the sessions
        key, params = (("s.site", []) if group == "site" else
                       _key_sql(group, "b.bucket", stretches))
        return db.conn.execute(
            f"SELECT {key}, b.tag, SUM(b.ms), SUM(b.tokens) FROM ("
            "  SELECT session_id, bucket, tag, SUM(active_ms) AS ms, SUM(est_tokens) AS tokens"
            "  FROM session_buckets WHERE bucket >= ? AND bucket < ? GROUP BY 1, 2, 3"
            ") b JOIN sessions s ON s.id = b.session_id "
            f"WHERE {'s.kind = ?' if kind else 'true'} GROUP BY 1, 2",
            params + [start, end] + ([kind] if kind else []))
    key, params = _key_sql(group, "bucket", stretches)
    return db.conn.execute(
        f"SELECT {key}, tag, SUM(active_ms), SUM(est_tokens) FROM session_buckets "
        "WHERE bucket >= ? AND bucket < ? GROUP BY 1, 2", params + [start, end])


def _cache_reads(db, from_day, to_day, kind):
    """Agent sessions' cache reads between the dates (by when each request was made)."""
    if kind == "chat":
        return 0
    start, end = range_ms(from_day, to_day, zone=time_zone.zone(db))
    return db.conn.execute(
        "SELECT coalesce(SUM(r.tokens_cache_read), 0) FROM agent_requests r "
        "JOIN sessions s ON s.id = r.session_id WHERE r.ts >= ? AND r.ts < ?",
        [start if start is not None else -2**62, end if end is not None else 2**62]
    ).fetchone()[0]


def _from_day_totals(db, group, from_day, to_day):
    """(key, tag, active_ms, est_tokens, sessions) rows from the per-day totals."""
    sums = {}
    for day, tag, ms, tokens, n in db.conn.execute(
            "SELECT day, tag, active_ms, est_tokens, sessions FROM day_totals "
            "WHERE day >= ? AND day <= ?",
            [from_day.isoformat() if from_day else "", to_day.isoformat() if to_day else "~"]):
        key = None
        if group:
            key = (date.fromisoformat(day) - _EPOCH_DAY).days
            if group == "week":
                key -= (key + 3) % 7  # the day number of its Monday
        cell = sums.setdefault((key, tag or None), [0, 0, 0])
        cell[0] += ms
        cell[1] += tokens
        cell[2] += n
    return [(key, tag, *figures) for (key, tag), figures in sums.items()]


def _session_counts(db, group, start, end, stretches, kind=None):
    """(key, tag, sessions) rows for the sessions that started in [start, end)."""
    key, params = _key_sql(group, "started_at / 1000", stretches)
    # Days and weeks come from day_totals, unless only one kind is asked for.
    return db.conn.execute(
        f"SELECT {key}, tag, COUNT(*) FROM sessions "
        f"WHERE started_at >= ? AND started_at < ? AND {'kind = ?' if kind else 'true'} "
        "GROUP BY 1, 2", params + [start * 1000, end * 1000] + ([kind] if kind else []))


def _groups(group, cells, from_day, to_day):
    if group in ("site", "label"):
        groups = [{"key": k, **summarize(v)} for k, v in cells.items()]
        return sorted(groups, key=lambda g: -(g["real_seconds"] + g["busywork_seconds"]
                                               + g["unsure_seconds"] + g["untagged_seconds"]))
    keys = _all_keys(group, from_day, to_day, cells)
    return [{"key": _label(group, k), **summarize(cells.get(k, {}))} for k in keys]


def _all_keys(group, from_day, to_day, found):
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


def at_a_glance(db, today, kind=None):
    """The figures a person looks for first: today, this week, last week and the change.

    This week runs from Monday to `today` (a date in the journal's zone). It is set
    against last week's same days, Monday to the same weekday, so a Tuesday is not
    measured against a whole week; last week whole is there too. `change` is the
    difference in active time as a share of last week's same days (None when those
    had none).
    """
    monday = today - timedelta(days=today.weekday())
    last_monday = monday - timedelta(days=7)
    this_week = stats(db, monday, today, kind=kind)
    so_far = stats(db, last_monday, today - timedelta(days=7), kind=kind)
    before = so_far["active_seconds"]
    return {
        "today": stats(db, today, today, kind=kind),
        "this_week": this_week,
        "last_week": stats(db, last_monday, monday - timedelta(days=1), kind=kind),
        "last_week_so_far": so_far,
        "change": (this_week["active_seconds"] - before) / before if before else None,
        "monday": monday,
    }


def ratios_differ(figures, points=5):
    """Whether the ratio weighted by tokens is `points` percentage points or more off the time one.

    Below that the two tell the same story and one figure is enough.
    """
    by_time, by_tokens = figures["value_ratio"], figures["value_ratio_by_tokens"]
    if by_time is None or by_tokens is None:
        return by_time != by_tokens
    return abs(by_time - by_tokens) * 100 >= points


def from_first_activity(groups):
    """`groups` (days or weeks) from the first with active time: no run of empty ones first."""
    for i, group in enumerate(groups):
        # From the tags' times: the weeks of a journal exported before active_seconds have them.
        if any(group.get(f"{tag}_seconds") for tag in ("real", "busywork", "unsure", "untagged")):
            return groups[i:]
    return []
