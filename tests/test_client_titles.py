"""Whether each extension keeps conversation titles: it says so in each batch, the Settings
page may ask for the other choice, and the answers to its batches carry that wish until
a batch says it was done."""

import json
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils
from support import event, new_id

from candor import fast_batch, migrations, security
from candor.db import connect

BAD = {"bad": True}  # an event no schema takes: its batch goes the slow (Flask) way


def sent(client, mine, titles, *extra):
    """Post one batch from the extension `mine` (a client object) saying `titles`; the answer."""
    body = {"client": {**mine, "titles": titles}, "events": [event(), *extra]}
    answer = client.post("/api/v1/events", json=body)
    assert answer.status_code == 200, answer.json
    return answer.json


def listed(dashboard, client_id):
    return next(c for c in dashboard.get("/api/v1/clients").json["clients"]
                if c["id"] == client_id)


def extension():
    return {"id": new_id(), "browser": "chrome", "extension_version": "0.9.0", "waiting": 0}


@pytest.mark.parametrize("extra", [(), (BAD,)], ids=["plain batch", "batch with a bad event"])
def test_each_batch_says_whether_its_extension_keeps_titles(client, dashboard, extra):
    mine = extension()
    sent(client, mine, True, *extra)
    seen = listed(dashboard, mine["id"])
    assert (seen["titles"], seen["titles_asked"]) == (True, None)
    sent(client, mine, False, *extra)
    assert listed(dashboard, mine["id"])["titles"] is False
    # An older extension that doesn't say leaves what the last batch said.
    client.post("/api/v1/events", json={"client": {"id": mine["id"]}, "events": [event()]})
    assert listed(dashboard, mine["id"])["titles"] is False


@pytest.mark.parametrize("titles", ["true", 1, 0, None, "no", [True], {"on": True}])
def test_a_titles_that_is_not_true_or_false_is_refused_naming_it(client, dashboard, titles):
    body = {"client": {"id": "c", "titles": titles}, "events": [event()]}
    assert fast_batch.decode(json.dumps(body).encode()) is None
    answer = client.post("/api/v1/events", json=body)
    assert answer.status_code == 422
    assert "titles" in answer.json["errors"]["json"]["client"]
    assert dashboard.get("/api/v1/clients").json["clients"] == [], "nothing was stored"


@pytest.mark.parametrize("extra", [(), (BAD,)], ids=["plain batch", "batch with a bad event"])
def test_a_wish_rides_on_each_answer_until_the_extension_says_it_was_done(
        client, dashboard, extra):
    mine = extension()
    assert "settings" not in sent(client, mine, True, *extra)
    asked = dashboard.patch(f"/api/v1/clients/{mine['id']}", json={"titles": False})
    assert asked.status_code == 200, asked.json
    assert (asked.json["id"], asked.json["titles"], asked.json["titles_asked"]) == (
        mine["id"], True, False)

    # Until the extension says it leaves titles out, every answer asks it to.
    for _ in range(2):
        answer = sent(client, mine, True, *extra)
        assert answer["settings"] == {"titles": False}
        assert answer["accepted"] == 1
    assert listed(dashboard, mine["id"])["titles_asked"] is False

    # It did: nothing more is asked, and the page sees it done.
    assert "settings" not in sent(client, mine, False, *extra)
    seen = listed(dashboard, mine["id"])
    assert (seen["titles"], seen["titles_asked"]) == (False, None)
    # The choice stays the extension's: its options page turns titles back on, and the
    # server asks nothing of it.
    assert "settings" not in sent(client, mine, True, *extra)
    assert listed(dashboard, mine["id"])["titles"] is True


def test_a_wish_the_extension_already_meets_asks_nothing(client, dashboard):
    mine = extension()
    sent(client, mine, False)
    asked = dashboard.patch(f"/api/v1/clients/{mine['id']}", json={"titles": False}).json
    assert (asked["titles"], asked["titles_asked"]) == (False, None)
    assert "settings" not in sent(client, mine, False)
    # Asked one way, then the other way back: nothing is left to ask.
    dashboard.patch(f"/api/v1/clients/{mine['id']}", json={"titles": True})
    assert dashboard.patch(f"/api/v1/clients/{mine['id']}",
                           json={"titles": False}).json["titles_asked"] is None


def test_an_extension_that_never_said_is_asked_until_it_says(client, dashboard):
    older = {"id": new_id(), "browser": "firefox"}
    client.post("/api/v1/events", json={"client": older, "events": [event()]})
    assert dashboard.patch(f"/api/v1/clients/{older['id']}",
                           json={"titles": True}).json["titles_asked"] is True
    answer = client.post("/api/v1/events", json={"client": older, "events": [event()]}).json
    assert answer["settings"] == {"titles": True}
    assert "settings" not in sent(client, older, True)


def test_every_paired_extension_can_be_asked_at_once(app, client, dashboard, anonymous):
    chrome, firefox = extension(), {**extension(), "browser": "firefox"}
    sent(client, chrome, True)
    sent(client, firefox, False)
    every = dashboard.patch("/api/v1/clients", json={"titles": False})
    assert every.status_code == 200
    asked = {c["id"]: c["titles_asked"] for c in every.json["clients"]}
    assert asked == {chrome["id"]: False, firefox["id"]: None}
    assert sent(client, chrome, True)["settings"] == {"titles": False}
    assert "settings" not in sent(client, firefox, False)

    # An extension unpaired since (the token rotated, once the clock has moved on) is not asked.
    # The token's time is its file's, which the file system keeps coarser than the clock:
    # wait until a file written now is stamped after the last sync.
    last = max(datetime.fromisoformat(c["last_sync"])  # the batches just sent included
               for c in dashboard.get("/api/v1/clients").json["clients"])
    probe = Path(app.config["DATA_DIR"]) / "clock-probe"
    while True:
        probe.write_text("now")
        if probe.stat().st_mtime_ns > (last + timedelta(milliseconds=1)).timestamp() * 1e9:
            break
        time.sleep(0.001)
    probe.unlink()
    security.rotate_token(app.config["DATA_DIR"])
    token = security.read_token(app.config["DATA_DIR"])
    headers = {"Authorization": f"Bearer {token}"}
    anonymous.patch("/api/v1/clients", json={"titles": True}, headers=headers)
    listed_now = anonymous.get("/api/v1/clients", headers=headers).json["clients"]
    assert {c["id"]: c["titles_asked"] for c in listed_now} == {
        chrome["id"]: False, firefox["id"]: None}


@pytest.mark.parametrize("body, field", [
    ({"titles": "no"}, "titles"),
    ({"titles": 0}, "titles"),
    ({"titles": None}, "titles"),
    ({}, "titles"),
    ({"titles": True, "urls": False}, "urls"),
])
def test_a_bad_wish_is_a_422_naming_the_field_and_asks_nothing(client, dashboard, body, field):
    mine = extension()
    sent(client, mine, True)
    for path in (f"/api/v1/clients/{mine['id']}", "/api/v1/clients"):
        answer = dashboard.patch(path, json=body)
        assert answer.status_code == 422, (path, answer.json)
        assert field in answer.json["errors"]["json"]
    assert listed(dashboard, mine["id"])["titles_asked"] is None


def test_asking_an_unknown_extension_is_a_404(dashboard, anonymous):
    answer = dashboard.patch("/api/v1/clients/nobody", json={"titles": False})
    assert answer.status_code == 404 and "nobody" in answer.json["message"]
    assert anonymous.patch("/api/v1/clients", json={"titles": False}).status_code == 401


def test_m019_keeps_the_extensions_known_before_it(tmp_path):
    path = str(tmp_path / "candor.db")
    old = sqlite_utils.Database(sqlite3.connect(path))
    migrations.apply(old, stop_before="m019_client_titles")
    old.conn.execute("INSERT INTO clients (id, browser, last_sync, waiting) "
                     "VALUES ('c', 'chrome', 1, 3)")
    old.conn.commit()
    old.close()
    db = connect(path)  # applies what is pending
    assert db.conn.execute(
        "SELECT id, browser, waiting, titles, titles_wish FROM clients").fetchall() == [
        ("c", "chrome", 3, None, None)]
    db.close()
