"""GET /api/v1/stats: the value ratio and coverage, checked against figures computed apart."""

import random
from datetime import date, datetime, timedelta

import pytest
from support import batch, event, new_id

from candor import demo

LOCAL = datetime.now().astimezone().tzinfo


def expected(sessions, tags, first, last):
    """Seconds by tag from the raw activity events whose local date is in [first, last]."""
    seconds = {"real": 0, "busywork": 0, "unsure": 0, None: 0}
    for sid, events in sessions.items():
        for e in events:
            day = datetime.fromtimestamp(e["ts"] / 1000).date()
            if e["type"] == "activity" and first <= day <= last:
                seconds[tags.get(sid)] += e["active_ms"] / 1000
    real, busy, unsure, untagged = (seconds[k] for k in ("real", "busywork", "unsure", None))
    tagged = real + busy + unsure
    return {
        "real_seconds": real, "busywork_seconds": busy, "unsure_seconds": unsure,
        "untagged_seconds": untagged,
        "value_ratio": real / (real + busy) if real + busy else None,
        "coverage": tagged / (tagged + untagged) if tagged + untagged else None,
    }


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
        got = client.get("/api/v1/stats", query_string={"from": first.isoformat(),
                                                        "to": last.isoformat()}).json
        want = expected(sessions, tags, first, last)
        assert got.keys() == want.keys()
        for key, value in want.items():
            assert got[key] == pytest.approx(value), (first, last, key)


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
