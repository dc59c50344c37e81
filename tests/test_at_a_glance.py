"""The figures the overview leads with, on a journal of known sessions sent as the extension does."""

from datetime import date, datetime, timedelta

import pytest
from support import batch, event, new_id

from candor import report, time_zone

TODAY = date(2026, 11, 12)  # a Thursday
MONDAY = date(2026, 11, 9)


def session(client, zone, day, minutes, tag=None, tokens=0, hour=10):
    """A session of `minutes` active on `day` (local), with `tokens` in its prompt; tagged."""
    sid = new_id()
    start = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
    events = [event(sid, "activity", start + timedelta(minutes=m), active_ms=60_000)
              for m in range(minutes)]
    if tokens:
        events.append(event(sid, "prompt", start, prompt_chars=tokens * 4, est_tokens=tokens))
    assert client.post("/api/v1/events", json=batch(*events)).json["rejected"] == []
    if tag:
        assert client.patch(f"/api/v1/sessions/{sid}", json={"tag": tag}).status_code == 200
    return sid


@pytest.fixture
def week(client, db):
    """This week: 20 min real (1,000 tokens) and 40 min busywork (9,000 tokens), Tuesday and
    today; the week before: 30 min untagged on its Thursday, 60 min real on its Sunday."""
    zone = time_zone.zone(db)
    session(client, zone, MONDAY + timedelta(days=1), 20, "real", tokens=1000)
    session(client, zone, TODAY, 40, "busywork", tokens=9000)
    session(client, zone, TODAY - timedelta(days=7), 30)
    session(client, zone, MONDAY - timedelta(days=1), 60, "real")
    return db


def test_today_this_week_and_the_week_before_by_the_same_day(week):
    glance = report.at_a_glance(week, TODAY)
    assert glance["today"]["active_seconds"] == 40 * 60
    assert glance["today"]["sessions"] == 1
    assert glance["this_week"]["active_seconds"] == 60 * 60
    assert glance["last_week"]["active_seconds"] == 90 * 60
    # Monday to Thursday of the week before: the Sunday is not part of it yet.
    assert glance["last_week_so_far"]["active_seconds"] == 30 * 60
    assert glance["change"] == pytest.approx(1.0)  # twice as much: +100%
    assert glance["monday"] == MONDAY


def test_no_change_without_a_week_before(client, db):
    session(client, time_zone.zone(db), TODAY, 15, "real")
    glance = report.at_a_glance(db, TODAY)
    assert glance["this_week"]["active_seconds"] == 15 * 60
    assert glance["change"] is None


def test_the_ratio_by_tokens_beside_the_ratio_by_time(week):
    figures = report.at_a_glance(week, TODAY)["this_week"]
    assert figures["value_ratio"] == pytest.approx(20 / 60)
    assert figures["value_ratio_by_tokens"] == pytest.approx(1000 / 10_000)
    assert (figures["real_tokens"], figures["busywork_tokens"]) == (1000, 9000)
    assert figures["tagged_sessions"] == 2
    assert report.ratios_differ(figures)
    # The week before: all of its tagged time real, and no tokens: one ratio says it all.
    before = report.at_a_glance(week, TODAY)["last_week"]
    assert before["value_ratio"] == 1.0 and before["value_ratio_by_tokens"] is None
    assert report.ratios_differ({**figures, "value_ratio_by_tokens": 0.31}) is False


def test_a_chart_starts_at_the_first_week_with_activity(week):
    weeks = report.stats(week, TODAY - timedelta(weeks=12), TODAY, "week")["groups"]
    assert weeks[0]["active_seconds"] == 0  # the range asked for begins with empty weeks
    shown = report.from_first_activity(weeks)
    assert [g["key"] for g in shown] == ["2026-W45", "2026-W46"]
