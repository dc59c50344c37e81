"""GET /api/v1/stats: the value ratio and coverage, checked against figures computed apart."""

import random
from datetime import date, datetime, timedelta

import pytest
from support import batch, event, new_id

from candor import demo

LOCAL = datetime.now().astimezone().tzinfo


def expected(sessions, tags, first, last, group=None):
    """The report computed straight from the raw events whose local date is in [first, last]."""
    cells = {}  # (group key, tag) -> [active_ms, tokens, set of sessions]

    def key_of(moment, site):
        return {None: None, "day": moment.date().isoformat(),
                "week": "{}-W{:02d}".format(*moment.date().isocalendar()[:2]),
                "hour": str(moment.hour), "site": site}[group]

    for sid, events in sessions.items():
        site = min(events, key=lambda e: (e["ts"], e["id"]))["site"]
        # A session counts once, where it started; time and tokens where they happened.
        started = datetime.fromtimestamp(min(e["ts"] for e in events) / 1000)
        if first <= started.date() <= last:
            cells.setdefault((key_of(started, site), tags.get(sid)), [0, 0, set()])[2].add(sid)
        for e in events:
            moment = datetime.fromtimestamp(e["ts"] / 1000)
            active = e.get("active_ms", 0) if e["type"] == "activity" else 0
            tokens = e.get("est_tokens", 0) if e["type"] in ("prompt", "response") else 0
            if not first <= moment.date() <= last or not (active or tokens):
                continue
            cell = cells.setdefault((key_of(moment, site), tags.get(sid)), [0, 0, set()])
            cell[0] += active
            cell[1] += tokens
    out = {}
    for key in {k for k, _ in cells}:
        def total(tag, i, key=key):
            cell = cells.get((key, tag), [0, 0, set()])
            return len(cell[2]) if i == 2 else cell[i]
        real, busy, unsure, untagged = (total(t, 0) / 1000 for t in TAGS)
        tok_real, tok_busy = total("real", 1), total("busywork", 1)
        n_real, n_busy = total("real", 2), total("busywork", 2)
        out[key] = {
            "real_seconds": real, "busywork_seconds": busy, "unsure_seconds": unsure,
            "untagged_seconds": untagged,
            "value_ratio": real / (real + busy) if real + busy else None,
            "coverage": (real + busy + unsure) / (real + busy + unsure + untagged)
            if real + busy + unsure + untagged else None,
            "value_ratio_by_tokens": tok_real / (tok_real + tok_busy) if tok_real + tok_busy
            else None,
            "value_ratio_by_sessions": n_real / (n_real + n_busy) if n_real + n_busy else None,
            "sessions": sum(total(t, 2) for t in TAGS),
            "est_tokens": sum(total(t, 1) for t in TAGS),
            "active_seconds": real + busy + unsure + untagged,
            "tagged_sessions": sum(total(t, 2) for t in TAGS if t is not None),
            "real_tokens": tok_real, "busywork_tokens": tok_busy,
        }
        if group is None:
            out[key]["tokens_cache_read"] = 0  # chat sessions read no cache
    return out


TAGS = ("real", "busywork", "unsure", None)
EMPTY = {"real_seconds": 0, "busywork_seconds": 0, "unsure_seconds": 0, "untagged_seconds": 0,
         "value_ratio": None, "coverage": None, "value_ratio_by_tokens": None,
         "value_ratio_by_sessions": None, "sessions": 0, "est_tokens": 0, "active_seconds": 0,
         "tagged_sessions": 0, "real_tokens": 0, "busywork_tokens": 0}


def assert_same(got, want, where):
    assert set(got) == set(want), where
    for key, value in want.items():
        assert got[key] == pytest.approx(value), (where, key)


def test_stats_match_figures_computed_from_the_events(client):
    rng = random.Random(7)
    first_day = date(2026, 10, 1)
    sessions, tags = {}, {}
    for sid, kind, events in demo.generate(rng, first_day, days=14):
        sessions[sid] = events
        for start in range(0, len(events), 1000):
            r = client.post("/api/v1/events",
                            json=batch(*[demo.as_json(e) for e in events[start:start + 1000]]))
            assert r.json["rejected"] == []
        if rng.random() < 0.7:
            tags[sid] = demo.verdict(rng, kind)
            r = client.patch(f"/api/v1/sessions/{sid}", json={"tag": tags[sid]})
            assert r.status_code == 200
    assert len(sessions) > 40

    for first, last in [(date(2026, 10, 1), date(2026, 10, 14)),
                        (date(2026, 10, 3), date(2026, 10, 3)),
                        (date(2026, 10, 5), date(2026, 10, 11)),
                        (date(2026, 9, 1), date(2026, 9, 30))]:
        query = {"from": first.isoformat(), "to": last.isoformat()}
        got = client.get("/api/v1/stats", query_string=query).json
        assert_same(got, expected(sessions, tags, first, last).get(
            None, {**EMPTY, "tokens_cache_read": 0}), query)
        for group in ("day", "week", "hour", "site"):
            got = client.get("/api/v1/stats", query_string={**query, "group": group}).json
            want = expected(sessions, tags, first, last, group)
            by_key = {g.pop("key"): g for g in got.pop("groups")}
            for key, figures in by_key.items():
                assert_same(figures, want.get(key, EMPTY), (query, group, key))
            assert set(want) <= set(by_key), (query, group)


def test_a_session_over_midnight_is_split_by_its_active_time(client):
    sid = new_id()
    evening = datetime(2026, 11, 10, 23, 50, tzinfo=LOCAL)
    client.post("/api/v1/events", json=batch(
        event(sid, "activity", evening, active_ms=300_000),
        event(sid, "activity", evening + timedelta(minutes=20), active_ms=120_000)))
    client.patch(f"/api/v1/sessions/{sid}", json={"tag": "real"})

    def real_on(day):
        return client.get("/api/v1/stats", query_string={"from": day, "to": day}).json[
            "real_seconds"]

    assert real_on("2026-11-10") == 300
    assert real_on("2026-11-11") == 120


def test_no_active_time_gives_no_ratio_and_no_coverage(client):
    s = client.get("/api/v1/stats").json
    assert s["value_ratio"] is None and s["coverage"] is None
    assert s["real_seconds"] == s["untagged_seconds"] == 0


def test_only_unsure_time_has_coverage_but_no_ratio(client):
    sid = new_id()
    client.post("/api/v1/events", json=batch(event(sid, "activity", active_ms=90_000)))
    client.patch(f"/api/v1/sessions/{sid}", json={"tag": "unsure"})
    s = client.get("/api/v1/stats").json
    assert s["value_ratio"] is None
    assert s["coverage"] == 1.0


@pytest.mark.parametrize("query,field", [
    ({"from": "2026-11-05", "to": "2026-11-04"}, "to"),
    ({"from": "2026-13-01"}, "from"),
    ({"to": "tomorrow"}, "to"),
    ({"to": "9999-12-31"}, "to"),
    ({"from": "0001-01-01"}, "from"),
])
def test_bad_dates_are_named(client, query, field):
    r = client.get("/api/v1/stats", query_string=query)
    assert r.status_code == 422
    assert field in r.json["errors"]["query"]


def test_an_empty_date_means_no_bound(client):
    # An HTML form sends its empty date boxes as "from=&to=".
    assert client.get("/api/v1/stats?from=&to=").json == client.get("/api/v1/stats").json


def test_all_time_counts_sessions_with_no_active_time(client):
    old, recent = new_id(), new_id()
    client.post("/api/v1/events", json=batch(
        event(old, "session_start", datetime(2025, 1, 5, 9, 0, tzinfo=LOCAL)),  # nothing else
        event(recent, "activity", datetime(2026, 11, 1, 9, 0, tzinfo=LOCAL), active_ms=1000)))
    assert client.get("/api/v1/stats").json["sessions"] == 2
    weeks = client.get("/api/v1/stats", query_string={"group": "week"}).json["groups"]
    assert weeks[0]["key"] == "2025-W01" and weeks[0]["sessions"] == 1


def test_sites_and_kinds_in_one_pass_equal_their_stats_apart(tmp_path):
    """The overview's figures by site and by kind (report.by_site_and_kind, one pass over the
    buckets) are those of stats(group="site") and stats(kind=...), over any dates."""
    from candor import report
    from candor.db import connect, write

    db = connect(str(tmp_path / "candor.db"))
    try:
        demo.fill(db, days=21, seed=3)
        demo.fill_agents(db, days=21, seed=4)
        with write(db):  # some tags, so every tag has figures
            db.conn.execute("UPDATE sessions SET tag = 'real' WHERE rowid % 3 = 0")
            db.conn.execute("UPDATE sessions SET tag = 'busywork' WHERE rowid % 3 = 1")
        today = date.today()
        for first, last in [(today - timedelta(days=20), today),
                            (today - timedelta(days=6), today),
                            (today - timedelta(days=40), today - timedelta(days=10)),
                            (today + timedelta(days=1), today + timedelta(days=2))]:
            sites, kinds = report.by_site_and_kind(db, first, last)
            assert sites == report.stats(db, first, last, "site")["groups"]
            assert kinds == {kind: report.stats(db, first, last, kind=kind)
                             for kind in ("chat", "agent")}
        sites, kinds = report.by_site_and_kind(db, today - timedelta(days=20), today)
        assert len(sites) > 2 and kinds["agent"]["real_seconds"] > 0
        assert kinds["chat"]["real_seconds"] > 0
    finally:
        db.close()
