"""Sessions: listing with filters and cursors, tagging with history, notes, forgetting."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from support import batch, event, new_id

from candor import coach, config, demo, export, ingest, journal
from candor.db import connect

LOCAL = datetime.now().astimezone().tzinfo


def local(y, m, d, h=12, minute=0):
    return datetime(y, m, d, h, minute, tzinfo=LOCAL)


def make_session(client, start, site="chatgpt", active_ms=60_000, minutes=10):
    sid = new_id()
    events = [event(sid, "session_start", start, site=site),
              event(sid, "activity", start + timedelta(minutes=minutes), site=site,
                    active_ms=active_ms)]
    assert client.post("/api/v1/events", json=batch(*events)).json["accepted"] == 2
    return sid


def ids(response):
    return [s["id"] for s in response.json["sessions"]]


def test_newest_first_and_paged_with_a_cursor(client):
    made = [make_session(client, local(2026, 11, 1, 8) + timedelta(hours=i)) for i in range(7)]
    seen, cursor = [], None
    while True:
        r = client.get("/api/v1/sessions", query_string={"limit": 3, **(
            {"cursor": cursor} if cursor else {})})
        assert r.status_code == 200
        seen += ids(r)
        cursor = r.json["next_cursor"]
        if cursor is None:
            break
    assert seen == made[::-1]


def test_sessions_with_the_same_start_are_paged_without_loss(client):
    start = local(2026, 11, 2, 9)
    made = {make_session(client, start) for _ in range(5)}
    first = client.get("/api/v1/sessions", query_string={"limit": 2})
    rest = client.get("/api/v1/sessions", query_string={"limit": 10,
                                                        "cursor": first.json["next_cursor"]})
    assert set(ids(first)) | set(ids(rest)) == made
    assert len(ids(first)) + len(ids(rest)) == 5


def test_filters_by_local_dates_site_and_tag(client):
    a = make_session(client, local(2026, 11, 3, 10), site="claude")
    b = make_session(client, local(2026, 11, 4, 10), site="chatgpt")
    c = make_session(client, local(2026, 11, 5, 23, 55), site="claude", minutes=20)  # past midnight
    client.patch(f"/api/v1/sessions/{a}", json={"tag": "real"})

    def query(**q):
        return ids(client.get("/api/v1/sessions", query_string=q))

    assert query(**{"from": "2026-11-04", "to": "2026-11-04"}) == [b]
    assert query(**{"from": "2026-11-06", "to": "2026-11-06"}) == [c]  # it overlaps the 6th
    assert query(site="claude") == [c, a]
    assert query(tag="real") == [a]
    assert query(tag="untagged") == [c, b]
    assert query(tag="busywork") == []


@pytest.mark.parametrize("query,field", [
    ({"from": "2026-11-05", "to": "2026-11-04"}, "to"),
    ({"from": "05/11/2026"}, "from"),
    ({"tag": "great"}, "tag"),
    ({"limit": 0}, "limit"),
    ({"limit": 501}, "limit"),
    ({"cursor": "bm90IGEgY3Vyc29y"}, "cursor"),
    ({"cursor": "%%%"}, "cursor"),
])
def test_bad_filters_are_named(client, query, field):
    r = client.get("/api/v1/sessions", query_string=query)
    assert r.status_code == 422
    assert field in r.json["errors"]["query"]


def test_tagging_keeps_a_history(client, db):
    sid = make_session(client, local(2026, 11, 6, 9))
    for tag in ("busywork", "busywork", "real", None):
        r = client.patch(f"/api/v1/sessions/{sid}", json={"tag": tag})
        assert r.status_code == 200
        assert r.json["tag"] == tag
    history = journal.tag_history(db, sid)
    assert [(h["old"], h["new"]) for h in history] == [
        (None, "busywork"), ("busywork", "real"), ("real", None)]


def test_note_and_outcome_link(client):
    sid = make_session(client, local(2026, 11, 6, 9))
    r = client.patch(f"/api/v1/sessions/{sid}",
                     json={"note": "Shipped the fix", "outcome_url": "https://git.example/pr/7"})
    assert (r.json["note"], r.json["outcome_url"]) == ("Shipped the fix", "https://git.example/pr/7")
    assert r.json["tag"] is None
    r = client.patch(f"/api/v1/sessions/{sid}", json={"outcome_url": None})
    assert r.json["outcome_url"] is None
    assert r.json["note"] == "Shipped the fix"


@pytest.mark.parametrize("body,field", [
    ({"tag": "great"}, "tag"),
    ({"tag": 1}, "tag"),
    ({"outcome_url": "javascript:alert(1)"}, "outcome_url"),
    ({"outcome_url": "not a url"}, "outcome_url"),
    ({"note": "n" * 10_001}, "note"),
    ({"started_at": "2026-01-01"}, "started_at"),
])
def test_bad_changes_are_named_and_change_nothing(client, body, field):
    sid = make_session(client, local(2026, 11, 6, 9))
    before = client.get(f"/api/v1/sessions/{sid}").json
    r = client.patch(f"/api/v1/sessions/{sid}", json=body)
    assert r.status_code == 422
    assert field in r.json["errors"]["json"]
    assert client.get(f"/api/v1/sessions/{sid}").json == before


def test_an_empty_change_changes_nothing(client):
    sid = make_session(client, local(2026, 11, 6, 9))
    before = client.get(f"/api/v1/sessions/{sid}").json
    r = client.patch(f"/api/v1/sessions/{sid}", json={})
    assert r.status_code == 200 and r.json == {k: before[k] for k in r.json}


def test_unknown_sessions_are_404(client):
    sid = new_id()
    assert client.get(f"/api/v1/sessions/{sid}").status_code == 404
    assert client.patch(f"/api/v1/sessions/{sid}", json={"tag": "real"}).status_code == 404
    assert client.delete(f"/api/v1/sessions/{sid}").status_code == 404
    assert client.get("/api/v1/sessions/not-a-uuid").status_code == 404


def test_forgetting_a_session_removes_it_everywhere(client, db):
    sid = make_session(client, local(2026, 11, 7, 9))
    keep = make_session(client, local(2026, 11, 7, 10))
    client.patch(f"/api/v1/sessions/{sid}", json={"tag": "real"})
    assert client.delete(f"/api/v1/sessions/{sid}").status_code == 204
    assert ids(client.get("/api/v1/sessions")) == [keep]
    for table in ("events", "session_buckets", "tag_changes"):
        assert db.conn.execute(f"SELECT count(*) FROM {table} WHERE session_id = ?",
                               [sid]).fetchone()[0] == 0
    assert client.get("/api/v1/stats").json["real_seconds"] == 0


def test_inclusive_local_dates_become_midnights_in_the_journals_zone():
    paris = ZoneInfo("Europe/Paris")  # the journal's, whatever the process's TZ
    start, end = journal.range_ms(date(2026, 11, 7), date(2026, 11, 8), zone=paris)
    assert datetime.fromtimestamp(start / 1000, paris) == datetime(2026, 11, 7, tzinfo=paris)
    assert datetime.fromtimestamp(end / 1000, paris) == datetime(2026, 11, 9, tzinfo=paris)
    assert start == datetime(2026, 11, 6, 23, tzinfo=timezone.utc).timestamp() * 1000
    assert journal.range_ms(zone=paris) == (None, None)


def test_bulk_tagging_tags_the_known_sessions_and_keeps_history(client, db):
    made = [make_session(client, local(2026, 11, 8, 9 + i)) for i in range(3)]
    stranger = new_id()
    r = client.post("/api/v1/sessions/tag", json={"ids": made + [stranger], "tag": "busywork"})
    assert r.status_code == 200
    assert r.json == {"tagged": 3, "changed": [{"id": sid, "previous": None} for sid in made]}
    assert ids(client.get("/api/v1/sessions", query_string={"tag": "busywork"})) == made[::-1]
    assert all(journal.tag_history(db, sid)[-1]["new"] == "busywork" for sid in made)
    assert client.get("/api/v1/stats").json["busywork_seconds"] == 180


@pytest.mark.parametrize("body,field", [
    ({"ids": [], "tag": "real"}, "ids"),
    ({"ids": ["nope"], "tag": "real"}, "ids"),
    ({"ids": [new_id()], "tag": "great"}, "tag"),
    ({"ids": [new_id()]}, "tag"),
    ({"ids": [new_id()], "tag": "real", "only_untagged": "maybe"}, "only_untagged"),
    ({"ids": [new_id()], "tag": "real", "only_untagged": None}, "only_untagged"),
    ({"ids": [new_id()], "tag": "real", "only_untaged": True}, "only_untaged"),
])
def test_bad_bulk_tags_are_named(client, body, field):
    r = client.post("/api/v1/sessions/tag", json=body)
    assert r.status_code == 422
    assert field in r.json["errors"]["json"]


def test_recent_sites_for_the_review_filter(client, db):
    now = datetime.now(LOCAL)
    for site in ("claude", "claude", "gemini"):
        make_session(client, now - timedelta(days=2), site=site)
    make_session(client, now - timedelta(days=200), site="poe")  # too long ago
    assert journal.recent_sites(db) == ["claude", "gemini"]


def test_forgetting_everything_needs_the_words_and_forgets_for_good(client, db):
    made = [make_session(client, local(2026, 11, 9, 9 + i)) for i in range(3)]
    for wrong in ({}, {"confirm": "yes"}):
        r = client.delete("/api/v1/sessions", query_string=wrong)
        assert r.status_code == 422 and "confirm" in r.json["errors"]["query"]
    assert len(ids(client.get("/api/v1/sessions"))) == 3
    r = client.delete("/api/v1/sessions", query_string={"confirm": "forget everything"})
    assert r.status_code == 200 and r.json["forgotten"] == 3
    assert ids(client.get("/api/v1/sessions")) == []
    assert client.get("/api/v1/stats").json["untagged_seconds"] == 0
    for table in ("events", "session_buckets", "tag_changes"):
        assert db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    again = client.post("/api/v1/events", json=batch(event(made[0], "activity", active_ms=5)))
    assert again.json["duplicates"] == 1  # a late re-send doesn't bring it back


def test_most_signals_first(client):
    calm = make_session(client, local(2026, 11, 10, 9))  # newest, no signal
    two, t0 = new_id(), local(2026, 11, 10, 8)  # a burst, and no time to read the last answer
    client.post("/api/v1/events", json=batch(*[e for i in range(4) for e in (
        event(two, "prompt", t0 + timedelta(seconds=i * 30), prompt_chars=10),
        event(two, "response", t0 + timedelta(seconds=i * 30 + 10), response_chars=4000))]))
    one = new_id()  # oldest: no time to read its one answer
    client.post("/api/v1/events", json=batch(
        event(one, "response", local(2026, 11, 10, 7), response_chars=3000)))
    newest = client.get("/api/v1/sessions").json["sessions"]
    assert [s["id"] for s in newest] == [calm, two, one]
    assert [len(s["signals"]) for s in newest] == [0, 2, 1]
    ranked = client.get("/api/v1/sessions", query_string={"sort": "signals"}).json
    assert [s["id"] for s in ranked["sessions"]] == [two, one, calm]
    assert ranked["next_cursor"] is None
    top = client.get("/api/v1/sessions", query_string={"sort": "signals", "limit": 2}).json
    assert [s["id"] for s in top["sessions"]] == [two, one]


# --- forgetting, said exactly -----------------------------------------------------------

def forgotten_at(db, sid):
    return db.conn.execute("SELECT at FROM forgotten_sessions WHERE id = ?", [sid]).fetchone()[0]


def test_forgetting_everything_says_what_it_deleted_and_what_it_kept(app, client, db, tmp_path):
    made = [make_session(client, local(2026, 11, 9, 9 + i)) for i in range(3)]
    client.patch(f"/api/v1/sessions/{made[0]}", json={"tag": "real"})
    client.patch(f"/api/v1/sessions/{made[0]}", json={"tag": "busywork"})
    coach.set_note(db, "session", made[1], "Good session", coach="Grace")
    coach.set_note(db, "week", "2026-W45", "A calm week", coach="Grace")
    # A journal this user imported to review as a coach.
    worker = connect(str(config.data_dir(str(tmp_path / "worker")) / "candor.db"))
    demo.fill(worker, days=3, seed=5)
    path = tmp_path / "ada.json"
    path.write_text(export.render(export.build(worker, owner="Ada"), "json"))
    worker.close()
    coach.import_file(db, app.config["DATA_DIR"], path)

    rule = {"field": "site", "match": "glob", "pattern": "chat*", "action": "label",
            "value": "chats"}
    assert client.post("/api/v1/rules", json=rule).status_code == 201
    client.put("/api/v1/settings/goals", json={"value_ratio": 0.7})
    r = client.delete("/api/v1/sessions", query_string={"confirm": "forget everything"})
    assert r.status_code == 200
    assert r.json == {
        "forgotten": 3,
        "deleted": {"sessions": 3, "events": 6, "tag_changes": 2, "coach_session_notes": 1},
        "kept": ["coach_week_notes", "imported_journals", "token", "forgotten_sessions",
                 "backups", "rules", "settings", "merge_key"],
    }
    # What it says it kept is there; what it says it deleted is gone.
    assert [(n["kind"], n["key"]) for n in coach.notes(db)] == [("week", "2026-W45")]
    assert [j["name"] for j in coach.journals(db)] == ["ada"]
    assert client.get("/api/v1/journals/ada/stats").status_code == 200
    assert client.get("/api/v1/stats").status_code == 200  # the same token still works
    assert [x["value"] for x in client.get("/api/v1/rules").json["rules"]] == ["chats"]
    assert client.get("/api/v1/settings/goals").json["value_ratio"] == 0.7
    assert db.conn.execute("SELECT count(*) FROM forgotten_sessions").fetchone()[0] == 3
    for table in ("sessions", "events", "session_buckets", "tag_changes", "day_totals"):
        assert db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table


def test_forgetting_a_session_deletes_coach_notes_on_it_only(client, db):
    sid, other = (make_session(client, local(2026, 11, 9, h)) for h in (9, 10))
    coach.set_note(db, "session", sid, "About this one", coach="Grace")
    coach.set_note(db, "session", other, "About the other", coach="Grace")
    assert client.delete(f"/api/v1/sessions/{sid}").status_code == 204
    assert [n["key"] for n in coach.notes(db)] == [other]


def test_a_tab_left_open_after_forgetting_starts_a_new_session(client, db):
    now = datetime.now().astimezone()
    sid = new_id()
    before = [event(sid, "session_start", now - timedelta(minutes=10)),
              event(sid, "prompt", now - timedelta(minutes=9), prompt_chars=10),
              event(sid, "activity", now - timedelta(minutes=8), active_ms=60_000)]
    assert client.post("/api/v1/events", json=batch(*before)).json["accepted"] == 3
    assert client.delete(f"/api/v1/sessions/{sid}").status_code == 204
    # The same tab goes on: events made after the forgetting.
    after = [event(sid, "prompt", now + timedelta(minutes=1), prompt_chars=20),
             event(sid, "activity", now + timedelta(minutes=2), active_ms=30_000),
             event(sid, "session_end", now + timedelta(minutes=3))]
    late = event(sid, "copy", now - timedelta(minutes=7))  # made before, sent after
    r = client.post("/api/v1/events", json=batch(after[1], *before, late, after[0]))
    assert r.json == {"accepted": 2, "duplicates": 4, "rejected": []}
    new = ingest.successor(sid, forgotten_at(db, sid))
    assert new != sid
    assert ids(client.get("/api/v1/sessions")) == [new]
    s = client.get(f"/api/v1/sessions/{new}").json
    assert (s["prompts"], s["active_seconds"], s["copies"]) == (1, 30, 0)
    # Re-sends of the later events land in the same new session, once.
    r = client.post("/api/v1/events", json=batch(*after[::-1], *after))
    assert r.json == {"accepted": 1, "duplicates": 5, "rejected": []}
    assert ids(client.get("/api/v1/sessions")) == [new]
    assert client.get(f"/api/v1/sessions/{sid}").status_code == 404
    assert db.conn.execute("SELECT count(*) FROM events WHERE session_id = ?",
                           [sid]).fetchone()[0] == 0


def test_forgetting_the_new_session_too_starts_a_third(client, db):
    now = datetime.now().astimezone()
    sid = new_id()
    client.post("/api/v1/events", json=batch(event(sid, "prompt", now - timedelta(minutes=5))))
    client.delete(f"/api/v1/sessions/{sid}")
    second = ingest.successor(sid, forgotten_at(db, sid))
    client.post("/api/v1/events", json=batch(event(sid, "prompt", now + timedelta(minutes=1))))
    assert client.delete(f"/api/v1/sessions/{second}").status_code == 204
    r = client.post("/api/v1/events", json=batch(
        event(sid, "prompt", now + timedelta(minutes=2)),  # before the second forgetting's reach
        event(sid, "prompt", now + timedelta(minutes=3))))
    # The second forgetting reaches to its session's last event (1 min ahead, clocks skew).
    third = ingest.successor(second, forgotten_at(db, second))
    assert r.json["accepted"] == 2
    assert ids(client.get("/api/v1/sessions")) == [third]


def test_a_browser_clock_running_ahead_does_not_bring_forgotten_events_back(client, db):
    ahead = datetime.now().astimezone() + timedelta(minutes=30)  # the browser's clock
    sid = new_id()
    events = [event(sid, "prompt", ahead), event(sid, "activity", ahead + timedelta(seconds=5),
                                                 active_ms=5000)]
    client.post("/api/v1/events", json=batch(*events))
    client.delete(f"/api/v1/sessions/{sid}")
    assert client.post("/api/v1/events", json=batch(*events)).json["duplicates"] == 2
    assert ids(client.get("/api/v1/sessions")) == []
    later = event(sid, "prompt", ahead + timedelta(seconds=6))
    assert client.post("/api/v1/events", json=batch(later)).json["accepted"] == 1
    assert ids(client.get("/api/v1/sessions")) == [ingest.successor(sid, forgotten_at(db, sid))]


def test_the_settings_page_says_what_forgetting_everything_deletes_and_keeps(dashboard):
    page = dashboard.get("/settings").get_data(as_text=True)
    card = page[page.index('id="forget-what"'):page.index('id="forget-everything"')]
    said = " ".join(card.split())
    for deleted in ("events", "active time", "tag history", "labels", "a coach's notes on them"):
        assert deleted in said.split("It keeps")[0], deleted
    # One phrase per entry of the API's "kept".
    kept = {"coach_week_notes": "a coach's notes on your weeks",
            "imported_journals": "journals you imported", "token": "its token",
            "forgotten_sessions": "ids of the forgotten sessions", "backups": "your backups",
            "rules": "your rules", "settings": "your settings",
            "merge_key": "the merge key your machines share"}
    assert list(kept) == list(journal.KEPT_BY_FORGETTING)
    for phrase in kept.values():
        assert phrase in said.split("It keeps")[1], phrase


@pytest.mark.parametrize("tokenizers, expected", [
    ((), None),
    (("o200k", "o200k"), "o200k"),
    (("chars/4",), "chars/4"),
    (("o200k", "chars/4"), "mixed"),
    ((None,), "chars/4"),  # sent before the field existed: characters / 4 was the only way
])
def test_a_session_says_how_its_tokens_were_counted(client, tokenizers, expected):
    sid = new_id()
    start = local(2026, 11, 9, 10)
    events = [event(sid, "session_start", start)]
    for i, tokenizer in enumerate(tokenizers):
        kind = ("prompt", "response")[i % 2]
        events.append(event(sid, kind, start + timedelta(minutes=i + 1), est_tokens=66,
                            **({"tokenizer": tokenizer} if tokenizer else {})))
    assert client.post("/api/v1/events", json=batch(*events)).json["accepted"] == len(events)
    one = client.get(f"/api/v1/sessions/{sid}").json
    assert one["tokenizer"] == expected
    assert [e.get("tokenizer") for e in one["timeline"] if e["type"] != "session_start"] == \
        list(tokenizers)
    assert [s["tokenizer"] for s in client.get("/api/v1/sessions").json["sessions"]] == [expected]
    page = client.get(f"/sessions/{sid}").get_data(as_text=True)
    words = {"o200k": "tokens counted with o200k", "chars/4": "estimated (characters ÷ 4)",
             "mixed": "mixed (o200k and characters ÷ 4)"}
    for tokenizer, said in words.items():
        assert (said in page) == (tokenizer == expected)
    listed = client.get("/review").get_data(as_text=True)
    if expected:
        assert words[expected] in listed


def test_the_list_answers_sessions_as_the_schema_dumps_them(client, db):
    from candor.api.sessions import listed
    from candor.schemas import SessionSchema

    sid = new_id()
    sent = batch(event(sid, "session_start", title="Plan"),
                 event(sid, "prompt", prompt_chars=9, est_tokens=3, fingerprint="0" * 16),
                 event(sid, "session_end"), event(new_id(), "activity", active_ms=5000))
    assert client.post("/api/v1/events", json=sent).json["accepted"] == 4
    sessions, _ = journal.list_sessions(db, limit=50)
    sessions[0]["internal"] = "never shown"
    assert [listed(s) for s in sessions] == SessionSchema(many=True).dump(sessions)
    answered = client.get("/api/v1/sessions").json["sessions"]
    assert answered == SessionSchema(many=True).dump(journal.list_sessions(db, limit=50)[0])


def test_pages_name_sites_as_people_do(client, db):
    chat, custom = new_id(), new_id()
    sent = batch(event(chat, "activity", active_ms=60_000),
                 event(custom, "activity", active_ms=60_000, site="custom:ai.corp.example"))
    assert client.post("/api/v1/events", json=sent).json["accepted"] == 2
    session = client.get(f"/sessions/{chat}").get_data(as_text=True)
    assert "A ChatGPT session" in session and "A chatgpt session" not in session
    review = client.get("/review").get_data(as_text=True)
    assert '<span class="site">ai.corp.example</span>' in review
    assert '<span class="site">ChatGPT</span>' in review
    assert ">custom:ai.corp.example<" not in review
    overview = client.get("/?range=4w").get_data(as_text=True)
    assert "ChatGPT" in overview and "ai.corp.example" in overview
