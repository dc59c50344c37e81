"""Labels on sessions: set, cleaned, refused, filtered by, counted in the stats by label."""

from datetime import datetime, timedelta

from support import batch, event, new_id

LOCAL = datetime.now().astimezone().tzinfo
START = datetime(2026, 11, 10, 9, tzinfo=LOCAL)


def make_session(client, start, minutes=10, active_ms=60_000, **fields):
    sid = new_id()
    events = [event(sid, "session_start", start, **fields),
              event(sid, "activity", start + timedelta(minutes=minutes), active_ms=active_ms)]
    assert client.post("/api/v1/events", json=batch(*events)).json["accepted"] == 2
    return sid


def test_labels_are_set_trimmed_kept_once_and_read_back(client):
    sid = make_session(client, START)
    r = client.patch(f"/api/v1/sessions/{sid}",
                     json={"labels": ["  hiring ", "billing-migration", "hiring", ""]})
    assert r.status_code == 200
    assert r.json["labels"] == ["billing-migration", "hiring"]
    assert client.get(f"/api/v1/sessions/{sid}").json["labels"] == ["billing-migration", "hiring"]
    listed = client.get("/api/v1/sessions").json["sessions"]
    assert listed[0]["labels"] == ["billing-migration", "hiring"]
    # Replaced whole; an empty list takes them all off.
    assert client.patch(f"/api/v1/sessions/{sid}", json={"labels": ["acme"]}).json["labels"] == [
        "acme"]
    assert client.patch(f"/api/v1/sessions/{sid}", json={"labels": []}).json["labels"] == []


def test_a_label_over_40_characters_or_an_eleventh_is_a_422_naming_labels(client):
    sid = make_session(client, START)
    client.patch(f"/api/v1/sessions/{sid}", json={"labels": ["kept"]})
    at_most = "x" * 40
    assert client.patch(f"/api/v1/sessions/{sid}",
                        json={"labels": [f"  {at_most}  "]}).status_code == 200
    for labels in (["x" * 41], [f"label {i}" for i in range(11)], "not a list", [7], [None],
                   ["a\x00b"], ["\x1b[31mred"]):
        r = client.patch(f"/api/v1/sessions/{sid}", json={"labels": labels})
        assert r.status_code == 422, labels
        assert "labels" in r.json["errors"]["json"], labels
    assert client.get(f"/api/v1/sessions/{sid}").json["labels"] == [at_most]  # unchanged
    ten = [f"label {i}" for i in range(10)]
    assert len(client.patch(f"/api/v1/sessions/{sid}", json={"labels": ten}).json["labels"]) == 10


def test_the_list_filters_by_label(client):
    a = make_session(client, START)
    b = make_session(client, START + timedelta(hours=1))
    make_session(client, START + timedelta(hours=2))
    client.patch(f"/api/v1/sessions/{a}", json={"labels": ["acme", "hiring"]})
    client.patch(f"/api/v1/sessions/{b}", json={"labels": ["acme"]})
    found = client.get("/api/v1/sessions", query_string={"label": "acme"}).json["sessions"]
    assert [s["id"] for s in found] == [b, a]
    found = client.get("/api/v1/sessions", query_string={"label": "hiring"}).json["sessions"]
    assert [s["id"] for s in found] == [a]
    assert client.get("/api/v1/sessions", query_string={"label": "nobody"}).json["sessions"] == []
    r = client.get("/api/v1/sessions", query_string={"label": "x" * 41})
    assert r.status_code == 422 and "label" in r.json["errors"]["query"]


def test_stats_by_label_count_a_session_under_each_label_and_unlabelled_under_none(client):
    both = make_session(client, START, active_ms=120_000)
    acme = make_session(client, START + timedelta(hours=1), active_ms=60_000)
    bare = make_session(client, START + timedelta(hours=2), active_ms=30_000)
    client.patch(f"/api/v1/sessions/{both}", json={"labels": ["acme", "hiring"], "tag": "real"})
    client.patch(f"/api/v1/sessions/{acme}", json={"labels": ["acme"], "tag": "busywork"})
    client.patch(f"/api/v1/sessions/{bare}", json={"tag": "real"})
    day = START.date().isoformat()
    r = client.get("/api/v1/stats", query_string={"from": day, "to": day, "group": "label"})
    assert r.status_code == 200
    groups = {g["key"]: g for g in r.json["groups"]}
    assert set(groups) == {"acme", "hiring", "(none)"}
    assert groups["acme"]["sessions"] == 2
    assert groups["acme"]["active_seconds"] == 180
    assert groups["acme"]["value_ratio"] == 120 / 180
    assert groups["hiring"]["sessions"] == 1 and groups["hiring"]["real_seconds"] == 120
    assert groups["(none)"]["sessions"] == 1 and groups["(none)"]["active_seconds"] == 30
    # The whole counts each session once.
    assert r.json["sessions"] == 3 and r.json["active_seconds"] == 210
    assert [g["key"] for g in r.json["groups"]][0] == "acme"  # most time first


def test_forgetting_a_session_takes_its_labels(client, db):
    sid = make_session(client, START)
    client.patch(f"/api/v1/sessions/{sid}", json={"labels": ["acme"]})
    assert client.delete(f"/api/v1/sessions/{sid}").status_code == 204
    assert db.conn.execute("SELECT count(*) FROM session_labels").fetchone()[0] == 0
    day = START.date().isoformat()
    groups = client.get("/api/v1/stats", query_string={"from": day, "to": day,
                                                       "group": "label"}).json["groups"]
    assert groups == []
