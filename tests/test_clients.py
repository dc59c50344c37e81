"""The extensions paired with the journal: which browser, when they last synced, what waits."""

import json
import re
import time
from datetime import datetime, timedelta, timezone

import msgspec
import pytest
from support import NAVIGATE, event, new_id

from candor import fast_batch, schemas, security
from candor.contract import CLIENT_FIELDS

EXTENSION = {"Origin": "chrome-extension://abcdefghijklmnopabcdefghijklmnop"}


def sent_by(client_fields, *events):
    return {"client": client_fields, "events": list(events) or [event()]}


def test_a_new_journal_has_no_extension(dashboard, anonymous):
    assert dashboard.get("/api/v1/clients").json == {"paired": False, "clients": []}
    refused = anonymous.get("/api/v1/clients")
    assert refused.status_code == 401


def test_each_batch_says_which_browser_synced_when_and_what_still_waits(client, dashboard):
    before = datetime.now(timezone.utc)
    mine = {"id": new_id(), "browser": "firefox", "extension_version": "0.1.0", "waiting": 740}
    assert client.post("/api/v1/events", json=sent_by(mine)).json["accepted"] == 1
    [seen] = dashboard.get("/api/v1/clients").json["clients"]
    assert (seen["id"], seen["browser"], seen["extension_version"], seen["waiting"]) == (
        mine["id"], "firefox", "0.1.0", 740)
    assert seen["paired"] is True and seen["paired_at"] is None
    synced = datetime.fromisoformat(seen["last_sync"])
    assert before - timedelta(seconds=1) <= synced <= datetime.now(timezone.utc)

    # The next batch empties the queue; a batch with a bad event (the slow path) counts too.
    bad = {"bad": True}
    answer = client.post("/api/v1/events", json=sent_by({**mine, "waiting": 0}, event(), bad))
    assert answer.json["accepted"] == 1 and len(answer.json["rejected"]) == 1
    listed = dashboard.get("/api/v1/clients").json
    assert listed["paired"] is True
    assert [(c["id"], c["waiting"]) for c in listed["clients"]] == [(mine["id"], 0)]
    assert datetime.fromisoformat(listed["clients"][0]["last_sync"]) >= synced


def test_an_older_extension_without_waiting_is_listed_too(client, dashboard):
    client.post("/api/v1/events", json=sent_by({"id": "older", "browser": "chrome"}))
    [seen] = dashboard.get("/api/v1/clients").json["clients"]
    assert (seen["id"], seen["browser"], seen["waiting"]) == ("older", "chrome", None)


@pytest.mark.parametrize("waiting", [-1, "3", 1.5, 10**8, None, [1]])
def test_a_bad_waiting_count_is_refused_naming_it(client, dashboard, waiting):
    body = sent_by({"id": "c", "waiting": waiting})
    assert fast_batch.decode(json.dumps(body).encode()) is None
    answer = client.post("/api/v1/events", json=body)
    assert answer.status_code == 422
    assert "waiting" in answer.json["errors"]["json"]["client"]
    assert dashboard.get("/api/v1/clients").json["clients"] == [], "nothing was stored"


def test_pairing_lists_the_extension_until_the_token_is_rotated(app, dashboard, anonymous):
    code = dashboard.post("/api/v1/pairing/code", json={}).json["code"]
    mine = {"id": new_id(), "browser": "chrome", "extension_version": "0.2.0"}
    paired = anonymous.post("/api/v1/pairing", json={"code": code, "client": mine},
                            headers=EXTENSION)
    assert paired.status_code == 200
    listed = dashboard.get("/api/v1/clients").json
    assert listed["paired"] is True
    [seen] = listed["clients"]
    assert (seen["browser"], seen["paired"], seen["last_sync"]) == ("chrome", True, None)
    paired_at = datetime.fromisoformat(seen["paired_at"])

    # `candor token --rotate`, once the clock has moved on: the old token pairs nothing.
    while datetime.now(timezone.utc) <= paired_at + timedelta(milliseconds=1):
        time.sleep(0.001)
    security.rotate_token(app.config["DATA_DIR"])
    token = security.read_token(app.config["DATA_DIR"])
    listed = anonymous.get("/api/v1/clients", headers={"Authorization": f"Bearer {token}"}).json
    assert listed["paired"] is False
    assert [c["paired"] for c in listed["clients"]] == [False]


def test_a_pairing_with_a_bad_client_is_refused_and_the_code_kept(dashboard, anonymous):
    code = dashboard.post("/api/v1/pairing/code", json={}).json["code"]
    refused = anonymous.post("/api/v1/pairing", json={"code": code, "client": {"browser": "x"}},
                             headers=EXTENSION)
    assert refused.status_code == 422 and "client" in refused.json["errors"]["json"]
    assert anonymous.post("/api/v1/pairing", json={"code": code},
                          headers=EXTENSION).status_code == 200


def test_the_client_object_is_the_contracts_in_both_paths():
    assert set(schemas.ClientSchema().fields) == set(CLIENT_FIELDS)
    assert set(fast_batch.Client.__struct_fields__) == set(CLIENT_FIELDS)
    body = sent_by({"id": "c", "browser": "chrome", "extension_version": "1", "waiting": 5})
    client, _ = fast_batch.decode(json.dumps(body).encode())
    assert client == body["client"]
    with pytest.raises(msgspec.ValidationError, match=r"client\.waiting"):
        fast_batch._decoder.decode(json.dumps(sent_by({"id": "c", "waiting": -1})).encode())



def test_the_settings_page_shows_the_paired_extension(client, dashboard):
    client.post("/api/v1/events", json=sent_by({"id": "c1", "browser": "firefox",
                                                "extension_version": "0.1.0", "waiting": 12}))
    page = dashboard.get("/settings", headers=NAVIGATE).get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Firefox" in text and "12 events waiting" in text
