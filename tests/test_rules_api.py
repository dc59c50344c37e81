"""Rules: kept, checked (RE2 or a 422 naming the field), applied to the past on request and to
sessions as they end (in the real server), labels added, tags suggested but never set."""

import time
from datetime import datetime, timedelta, timezone

import requests
from support import batch, event, new_id

from candor import rules

NOW = datetime.now(timezone.utc)


def make_session(client, minutes_ago=60, end=False, live=None, **fields):
    """A session sent as the extension sends it, to the test client or to a `live` server."""
    sid = new_id()
    start = NOW - timedelta(minutes=minutes_ago)
    events = [event(sid, "session_start", start, **fields),
              event(sid, "activity", start + timedelta(minutes=5), active_ms=60_000)]
    if end:
        events.append(event(sid, "session_end", start + timedelta(minutes=6)))
    sent = (client.post("/api/v1/events", json=batch(*events)).json if client is not None
            else requests.post(f"{live.url}/api/v1/events", json=batch(*events),
                               headers=live.headers()).json())
    assert sent["accepted"] == len(events)
    return sid


def add(client, **rule):
    return client.post("/api/v1/rules", json=rule)


def test_rules_are_created_listed_and_deleted(client):
    r = add(client, field="title", match="glob", pattern="*invoice*", action="label",
            value="  billing ")
    assert r.status_code == 201
    made = r.json
    assert {k: made[k] for k in ("field", "match", "pattern", "action", "value", "matched")} == {
        "field": "title", "match": "glob", "pattern": "*invoice*", "action": "label",
        "value": "billing", "matched": 0}
    add(client, field="site", match="regex", pattern="^chat", action="suggest", value="unsure")
    listed = client.get("/api/v1/rules").json["rules"]
    assert [(x["field"], x["action"]) for x in listed] == [("title", "label"), ("site", "suggest")]
    assert client.delete(f"/api/v1/rules/{made['id']}").status_code == 204
    assert [x["field"] for x in client.get("/api/v1/rules").json["rules"]] == ["site"]
    r = client.delete(f"/api/v1/rules/{made['id']}")
    assert r.status_code == 404 and r.json["message"]
    for beyond in (0, 2**63, 10**32):  # ids no rule can have, SQLite's integers included
        r = client.delete(f"/api/v1/rules/{beyond}")
        assert r.status_code == 404 and r.json["message"], beyond


def test_a_bad_rule_is_a_422_naming_its_field(client):
    good = {"field": "title", "match": "regex", "pattern": "x", "action": "label", "value": "a"}
    for change, field in (({"field": "note"}, "field"), ({"match": "pcre"}, "match"),
                          ({"action": "tag"}, "action"), ({"pattern": ""}, "pattern"),
                          ({"pattern": "(?<=a)b"}, "pattern"),  # a look-behind: not RE2
                          ({"pattern": "(a)\\1"}, "pattern"),  # a back-reference
                          ({"pattern": "a{1000}{1000}"}, "pattern"),  # too big to build
                          ({"pattern": "(unclosed"}, "pattern"),
                          ({"value": "x" * 41}, "value"),
                          ({"action": "suggest", "value": "great"}, "value")):
        r = add(client, **{**good, **change})
        assert r.status_code == 422, change
        assert field in r.json["errors"]["json"], (change, r.json)
    assert client.get("/api/v1/rules").json["rules"] == []


def test_a_pathological_regex_on_a_long_title_finishes(client):
    # (a+)+$ against "aaaa…b" takes exponential time in a backtracking engine (Python's re
    # would not finish this within the age of the universe); RE2 takes linear time.
    sid = make_session(client, title="a" * 480 + "b")
    assert add(client, field="title", match="regex", pattern="(a+)+$", action="label",
               value="pathological").status_code == 201
    assert add(client, field="title", match="regex", pattern="(a+)+b$", action="label",
               value="found").status_code == 201
    done = client.post("/api/v1/rules/apply", json={})
    assert done.status_code == 200
    assert client.get(f"/api/v1/sessions/{sid}").json["labels"] == ["found"]


def test_rules_apply_to_the_past_on_request_and_a_suggestion_never_sets_the_tag(client):
    invoice = make_session(client, title="Invoice run for ACME", url="https://chatgpt.com/c/1")
    other = make_session(client, title="Vacation plans", site="claude")
    tagged = make_session(client, title="invoice check")
    client.patch(f"/api/v1/sessions/{tagged}", json={"tag": "real", "labels": ["mine"]})
    add(client, field="title", match="glob", pattern="*invoice*", action="label", value="billing")
    add(client, field="url", match="regex", pattern=r"chatgpt\.com/c/", action="suggest",
        value="busywork")
    add(client, field="site", match="glob", pattern="claude", action="label", value="personal")
    # Made after the sessions: nothing until they are applied to the past.
    assert [x["matched"] for x in client.get("/api/v1/rules").json["rules"]] == [0, 0, 0]
    assert client.get(f"/api/v1/sessions/{invoice}").json["labels"] == []

    done = client.post("/api/v1/rules/apply", json={}).json
    assert done == {"sessions": 3, "matched": 3, "labelled": 3, "suggested": 1}
    assert [x["matched"] for x in client.get("/api/v1/rules").json["rules"]] == [2, 1, 1]
    s = client.get(f"/api/v1/sessions/{invoice}").json
    assert s["labels"] == ["billing"]
    assert s["suggested_tag"] == "busywork" and s["tag"] is None  # suggested, not set
    assert s["tag_history"] == []
    assert client.get(f"/api/v1/sessions/{other}").json["labels"] == ["personal"]
    kept = client.get(f"/api/v1/sessions/{tagged}").json
    assert kept["labels"] == ["billing", "mine"] and kept["tag"] == "real"
    untagged = client.get("/api/v1/sessions", query_string={"tag": "untagged"}).json["sessions"]
    assert {x["id"] for x in untagged} == {invoice, other}
    stats = client.get("/api/v1/stats").json
    assert stats["busywork_seconds"] == 0 and stats["coverage"] == 60 / 180

    # Applying again changes nothing and counts the same.
    assert client.post("/api/v1/rules/apply", json={}).json["labelled"] == 0
    assert [x["matched"] for x in client.get("/api/v1/rules").json["rules"]] == [2, 1, 1]

    # Deleting the suggesting rule takes its suggestion back; the labels stay.
    suggesting = client.get("/api/v1/rules").json["rules"][1]["id"]
    client.delete(f"/api/v1/rules/{suggesting}")
    s = client.get(f"/api/v1/sessions/{invoice}").json
    assert s["suggested_tag"] is None and s["labels"] == ["billing"]


def test_a_glob_is_taken_literally_but_for_its_wildcards(client):
    dotted = make_session(client, title="v1.2 release")
    plain = make_session(client, title="v132 release")
    add(client, field="title", match="glob", pattern="V1.2 *", action="label", value="release")
    add(client, field="title", match="glob", pattern="v1[!.]2*", action="label", value="other")
    client.post("/api/v1/rules/apply", json={})
    assert client.get(f"/api/v1/sessions/{dotted}").json["labels"] == ["release"]
    assert client.get(f"/api/v1/sessions/{plain}").json["labels"] == ["other"]


def test_the_openapi_document_has_rules_and_labels(client):
    doc = client.get("/api/v1/openapi.json").json
    assert {"get", "post"} <= set(doc["paths"]["/api/v1/rules"])
    assert "delete" in doc["paths"]["/api/v1/rules/{rule_id}"]
    assert "post" in doc["paths"]["/api/v1/rules/apply"]
    schemas = doc["components"]["schemas"]
    assert {"field", "match", "pattern", "action", "value", "matched"} <= set(
        schemas["Rule"]["properties"])
    assert {"labels", "suggested_tag"} <= set(schemas["Session"]["properties"])
    assert "labels" in schemas["SessionChange"]["properties"]


def test_glob_translation_keeps_regex_syntax_out():
    assert rules.glob_to_regex("a.b*") == "a\\.b.*"
    assert rules.glob_to_regex("[!a-c]?") == "[^a-c]."
    assert rules.glob_to_regex("[unclosed") == "\\[unclosed"
    search = rules.compile_pattern("glob", "(a+)+$")
    assert search("(a+)+$") and not search("aaa")


def wait_for(check, seconds=30):
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_the_server_applies_rules_to_sessions_as_they_end(live_server):
    api = f"{live_server.url}/api/v1"
    headers = live_server.headers()
    r = requests.post(f"{api}/rules", headers=headers, json={
        "field": "title", "match": "regex", "pattern": "(?i)billing", "action": "label",
        "value": "billing"})
    assert r.status_code == 201
    requests.post(f"{api}/rules", headers=headers, json={
        "field": "title", "match": "glob", "pattern": "*billing*", "action": "suggest",
        "value": "real"})

    ended = make_session(None, live=live_server, title="Billing migration", end=True)
    going = make_session(None, live=live_server, minutes_ago=8, title="Billing questions")

    def read(sid):
        return requests.get(f"{api}/sessions/{sid}", headers=headers).json()

    s = wait_for(lambda: read(ended)["labels"] and read(ended))
    assert s["labels"] == ["billing"]
    assert s["suggested_tag"] == "real" and s["tag"] is None
    # A session still going is left until it ends.
    assert read(going)["labels"] == []
    assert [x["matched"] for x in requests.get(f"{api}/rules", headers=headers).json()[
        "rules"]] == [1, 1]
