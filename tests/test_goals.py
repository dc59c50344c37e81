"""Weekly goals (GET/PUT /api/v1/settings/goals) and the popup's summary (GET /api/v1/summary)."""

from datetime import date, datetime, timedelta, timezone

import pytest
from support import batch, event, new_id

from candor import goals

NO_GOALS = {"value_ratio": None, "coverage": None}


def test_goals_are_set_read_back_and_cleared(client, anonymous):
    assert client.get("/api/v1/settings/goals").json == NO_GOALS
    r = client.put("/api/v1/settings/goals", json={"value_ratio": 0.7})
    assert (r.status_code, r.json) == (200, {"value_ratio": 0.7, "coverage": None})
    # A goal left out stays as it is; both ends of the range are goals too.
    assert client.put("/api/v1/settings/goals", json={"coverage": 1}).json == {
        "value_ratio": 0.7, "coverage": 1.0}
    assert client.put("/api/v1/settings/goals", json={"coverage": 0}).json["coverage"] == 0.0
    assert str(client.put("/api/v1/settings/goals", data='{"coverage": -0.0}',
                          content_type="application/json").json["coverage"]) == "0.0"
    assert client.get("/api/v1/settings/goals").json == {"value_ratio": 0.7, "coverage": 0.0}
    # null clears a goal.
    assert client.put("/api/v1/settings/goals", json={"value_ratio": None}).json == {
        "value_ratio": None, "coverage": 0.0}
    assert anonymous.get("/api/v1/settings/goals").status_code == 401
    assert anonymous.put("/api/v1/settings/goals", json={"coverage": 0.5}).status_code == 401
    assert client.get("/api/v1/settings/goals").json["coverage"] == 0.0


@pytest.mark.parametrize("body, field", [
    ({"value_ratio": 1.5}, "value_ratio"),
    ({"value_ratio": -0.1}, "value_ratio"),
    ({"value_ratio": 70}, "value_ratio"),  # a percentage, not a fraction
    ({"coverage": "0.5"}, "coverage"),
    ({"coverage": True}, "coverage"),
    ({"coverage": [0.5]}, "coverage"),
    ({"value_ratio": 0.5, "verdict": 1}, "verdict"),
])
def test_a_goal_that_is_not_a_fraction_is_a_422_naming_it_and_changes_nothing(client, body, field):
    client.put("/api/v1/settings/goals", json={"value_ratio": 0.6, "coverage": 0.8})
    r = client.put("/api/v1/settings/goals", json=body)
    assert r.status_code == 422, r.json
    assert field in r.json["errors"]["json"], r.json
    assert r.json["message"]
    assert client.get("/api/v1/settings/goals").json == {"value_ratio": 0.6, "coverage": 0.8}


def test_a_body_that_is_not_json_is_a_400_not_a_500(client):
    r = client.put("/api/v1/settings/goals", data="{value_ratio: 0.7",
                   content_type="application/json")
    assert r.status_code == 400
    r = client.put("/api/v1/settings/goals", data='{"value_ratio": NaN}',
                   content_type="application/json")
    assert r.status_code == 400


def test_goals_live_in_the_journal_for_every_process(db):
    assert goals.set_goals(db, value_ratio=0.7, coverage=0.5) == {"value_ratio": 0.7,
                                                                   "coverage": 0.5}
    assert db.conn.execute(
        "SELECT key, value FROM meta WHERE key LIKE 'goal_%' ORDER BY key").fetchall() == [
        ("goal_coverage", "0.5"), ("goal_value_ratio", "0.7")]
    with pytest.raises(goals.GoalError) as error:
        goals.set_goals(db, value_ratio=0.8, coverage=float("nan"))
    assert error.value.field == "coverage"
    assert goals.get_goals(db) == {"value_ratio": 0.7, "coverage": 0.5}, "nothing half-written"


def test_a_goal_is_met_as_the_percentages_shown_say():
    week = {"value_ratio": 0.695, "coverage": 0.4}
    assert goals.met({"value_ratio": 0.7, "coverage": 0.5}, week) == {
        "value_ratio": True, "coverage": False}  # 69.5% reads 70%: the goal of 70% is met
    assert goals.met({"value_ratio": 0.71, "coverage": None}, week) == {
        "value_ratio": False, "coverage": None}
    assert goals.met({"value_ratio": 0.7, "coverage": 0.5}, {"value_ratio": None,
                                                             "coverage": None}) == NO_GOALS


def at(day, hour):
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


def session(client, start, minutes, tag=None):
    """A session of `minutes` active minutes from `start` (an hour at most per activity)."""
    sid = new_id()
    events = [event(sid, "session_start", ts=start)]
    left, moment = minutes, start
    while left > 0:
        step = min(left, 60)
        moment += timedelta(minutes=step)
        events.append(event(sid, "activity", ts=moment, active_ms=step * 60_000))
        left -= step
    assert client.post("/api/v1/events", json=batch(*events)).json["accepted"] == len(events)
    if tag:
        assert client.patch(f"/api/v1/sessions/{sid}", json={"tag": tag}).status_code == 200
    return sid


def test_the_summary_of_a_journal_with_known_sessions(client, db):
    client.put("/api/v1/settings/time-zone", json={"time_zone": "UTC"})
    wednesday = date(2026, 11, 25)
    monday = date(2026, 11, 23)
    session(client, at(wednesday, 9), 90, "real")
    session(client, at(wednesday, 14), 30, "busywork")
    session(client, at(wednesday, 16), 60)  # untagged today
    session(client, at(monday, 10), 60, "real")
    session(client, at(monday, 15), 45)  # untagged this week
    session(client, at(monday - timedelta(days=1), 10), 120)  # untagged, the week before
    session(client, at(wednesday + timedelta(days=1), 10), 30, "busywork")  # after "today"
    goals.set_goals(db, value_ratio=0.8, coverage=0.6)

    got = goals.summary(db, today=wednesday)
    assert got["today"] == {
        "date": wednesday, "value_ratio": 0.75, "coverage": 2 / 3, "active_seconds": 180 * 60,
        "real_seconds": 90 * 60, "busywork_seconds": 30 * 60, "unsure_seconds": 0,
        "untagged_seconds": 60 * 60, "sessions": 3}
    week = got["this_week"]
    assert (week["from"], week["to"]) == (monday, wednesday)
    assert week["value_ratio"] == pytest.approx(150 / 180)
    assert week["coverage"] == pytest.approx(180 / 285)
    assert (week["untagged_seconds"], week["sessions"]) == (105 * 60, 5)
    # Every untagged session waits for a verdict, this week's or not, as in the review queue.
    assert got["untagged_sessions"] == 3
    assert got["goals"] == {"value_ratio": 0.8, "coverage": 0.6}
    assert got["goals_met"] == {"value_ratio": True, "coverage": True}  # 83% and 63%
    assert got["time_zone"] == "UTC"


def test_the_summary_through_the_api_is_today_in_the_journals_zone(client, anonymous):
    client.put("/api/v1/settings/time-zone", json={"time_zone": "UTC"})
    empty = client.get("/api/v1/summary").json
    assert empty["untagged_sessions"] == 0
    assert (empty["today"]["value_ratio"], empty["today"]["coverage"]) == (None, None)
    assert empty["goals"] == NO_GOALS and empty["goals_met"] == NO_GOALS

    now = datetime.now(timezone.utc)
    session(client, now - timedelta(minutes=1), 1, "real")
    session(client, now - timedelta(minutes=1), 1)
    client.put("/api/v1/settings/goals", json={"value_ratio": 0.7})
    got = client.get("/api/v1/summary").json
    today = (now - timedelta(minutes=1)).date().isoformat()
    assert got["today"]["date"] == today
    assert (got["today"]["value_ratio"], got["today"]["coverage"]) == (1.0, 0.5)
    assert got["this_week"]["to"] == today
    assert date.fromisoformat(got["this_week"]["from"]).weekday() == 0
    assert got["untagged_sessions"] == 1
    assert got["goals"] == {"value_ratio": 0.7, "coverage": None}
    assert got["goals_met"] == {"value_ratio": True, "coverage": None}
    assert anonymous.get("/api/v1/summary").status_code == 401
