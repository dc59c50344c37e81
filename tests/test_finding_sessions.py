"""Finding sessions again: search (q), filters, paging newest first, and tagging only the
untagged ones with what an undo needs."""

from datetime import datetime, timedelta

import pytest
from agent_logs import claude_assistant, claude_user, write_lines
from support import batch, event, new_id

from candor import journal
from candor.agents import scan

LOCAL = datetime.now().astimezone().tzinfo


def at(day, hour=12):
    return datetime(2026, 11, day, hour, tzinfo=LOCAL)


def chat(client, start, title=None, site="chatgpt", note=None, tag=None):
    """A chat session as the extension sends it (a title only if given), noted and tagged."""
    sid = new_id()
    extra = {"title": title} if title else {}
    sent = batch(event(sid, "session_start", start, site=site, **extra),
                 event(sid, "activity", start + timedelta(minutes=5), site=site, active_ms=60_000))
    assert client.post("/api/v1/events", json=sent).json["accepted"] == 2
    if note or tag:
        changes = {**({"note": note} if note else {}), **({"tag": tag} if tag else {})}
        assert client.patch(f"/api/v1/sessions/{sid}", json=changes).status_code == 200
    return sid


def found(client, **query):
    r = client.get("/api/v1/sessions", query_string=query)
    assert r.status_code == 200, r.json
    return [s["id"] for s in r.json["sessions"]]


def test_search_finds_titles_and_notes_in_any_case(client):
    plan = chat(client, at(1), title="Release PLAN for Q3")
    noted = chat(client, at(2), note="the release notes, finally")
    other = chat(client, at(3), title="Lunch ideas", note="nothing to see")
    untitled = chat(client, at(4))
    assert found(client, q="release") == [noted, plan]
    assert found(client, q="RELEASE plan") == [plan]
    assert found(client, q="ideas") == [other]
    assert found(client, q="no such words") == []
    assert set(found(client, q="")) == {plan, noted, other, untitled}  # an empty box: all


def test_search_takes_percent_underscore_and_backslash_literally(client):
    percent = chat(client, at(1), title="Raise prices 10% for Q3")
    underscore = chat(client, at(2), title="rename user_id everywhere")
    backslash = chat(client, at(3), title=r"paths like C:\temp")
    chat(client, at(4), title="10 x 5 for userXid")  # what % and _ would match as wildcards
    assert found(client, q="10%") == [percent]
    assert found(client, q="user_id") == [underscore]
    assert found(client, q="%") == [percent]
    assert found(client, q="_") == [underscore]
    assert found(client, q="c:\\temp") == [backslash]


def test_search_folds_the_case_of_any_letters(client):
    german = chat(client, at(1), title="Überweisung prüfen")
    greek = chat(client, at(2), note="ΣΟΦΊΑ")
    chat(client, at(3), title="Uberweisung without the umlaut")
    assert found(client, q="überweisung") == [german]
    assert found(client, q="PRÜFEN") == [german]
    assert found(client, q="σοφία") == [greek]


def test_search_and_kind_find_an_agent_session_by_its_project(client, db, tmp_path):
    root = tmp_path / "claude"
    session = "aaaaaaaa-1111-4111-8111-111111111111"
    write_lines(root / "-home-ann-payroll" / f"{session}.jsonl", [
        claude_user(session, 0, cwd="/home/ann/payroll"),
        claude_assistant(session, "m1", "r1", 1, (10, 20, 0, 0), cwd="/home/ann/payroll")])
    scan.scan(db, "claude-code", paths=[root])
    a_chat = chat(client, at(1), title="payroll questions")
    agent = found(client, kind="agent")
    assert len(agent) == 1
    assert found(client, q="PAYROLL") == [a_chat, *agent]  # the chat is the newer
    assert found(client, q="payroll", kind="agent") == agent
    assert found(client, q="payroll", kind="chat") == [a_chat]


def test_filters_combine_with_the_search(client):
    real_claude = chat(client, at(1), title="fix billing", site="claude", tag="real")
    busy_claude = chat(client, at(2), title="billing again", site="claude", tag="busywork")
    real_gpt = chat(client, at(3), title="billing report", site="chatgpt", tag="real")
    untagged = chat(client, at(4), title="billing ideas", site="chatgpt")
    assert found(client, q="billing", tag="real") == [real_gpt, real_claude]
    assert found(client, q="billing", site="claude") == [busy_claude, real_claude]
    assert found(client, q="billing", tag="untagged") == [untagged]
    assert found(client, q="billing", **{"from": "2026-11-02", "to": "2026-11-03"}) == [
        real_gpt, busy_claude]
    assert found(client, q="billing", site="claude", tag="busywork",
                 **{"from": "2026-11-02", "to": "2026-11-02"}) == [busy_claude]


def pages(client, limit, **query):
    """Every session the list gives, page by page, following its cursors."""
    seen, cursor, count = [], None, 0
    while True:
        r = client.get("/api/v1/sessions", query_string={
            "limit": limit, **query, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.json
        seen += [s["id"] for s in r.json["sessions"]]
        count += 1
        cursor = r.json["next_cursor"]
        if cursor is None:
            return seen, count


def test_paging_keeps_the_filters_and_loses_nothing(client):
    made = []
    for i in range(23):
        made.append(chat(client, at(1 + i % 20, 8 + i % 7), site=("claude", "chatgpt")[i % 2],
                         title=f"{'report' if i % 3 else 'other'} {i}",
                         tag=(None, "real", "busywork")[i % 3]))
    # The same start for three more: the cursor orders them by id and skips none.
    made += [chat(client, at(25), site="claude", title=f"report twin {n}") for n in range(3)]
    listed = found(client, limit=500)
    assert sorted(listed) == sorted(made)
    for query in ({}, {"site": "claude"}, {"tag": "untagged"}, {"q": "report"},
                  {"q": "report", "site": "claude", "tag": "untagged"}, {"kind": "chat"},
                  {"from": "2026-11-05", "to": "2026-11-15"}):
        everything = found(client, limit=500, **query)
        assert everything, query
        for limit in (1, 2, 5):
            seen, count = pages(client, limit, **query)
            assert seen == everything, (query, limit)  # same order, no repeats, no gaps
            assert count == -(-len(everything) // limit)  # a last full page has no cursor


def test_paging_with_a_signal_reads_page_by_page(client, db):
    bursts = []
    for i in range(7):  # prompts faster than their answers could be read: a burst
        sid, t0 = new_id(), at(10 + i, 9)
        bursts.append(sid)
        client.post("/api/v1/events", json=batch(*[e for n in range(4) for e in (
            event(sid, "prompt", t0 + timedelta(seconds=n * 30), prompt_chars=10),
            event(sid, "response", t0 + timedelta(seconds=n * 30 + 10), response_chars=4000))]))
        chat(client, at(10 + i, 8))  # a calm one each day
    seen, _ = pages(client, 2, signal="burst")
    assert seen == bursts[::-1]


def explained(db, **filters):
    """The query plan of the list's page query with these filters, a page in."""
    first, cursor = journal.list_sessions(db, limit=1, **filters)
    queries = []
    db.conn.set_trace_callback(lambda sql: queries.append(sql) if "LIMIT" in sql else None)
    try:
        journal.list_sessions(db, limit=1, cursor=cursor, **filters)
    finally:
        db.conn.set_trace_callback(None)
    return " / ".join(row[3] for row in db.conn.execute(f"EXPLAIN QUERY PLAN {queries[0]}"))


@pytest.mark.parametrize("filters,index", [
    ({}, "sessions_newest"),
    ({"tag": "untagged"}, "sessions_by_tag_newest"),
    ({"tag": "real"}, "sessions_by_tag_newest"),
    ({"site": "claude"}, "sessions_by_site_newest"),
    ({"kind": "chat"}, "sessions_by_kind_newest"),
    ({"q": "report"}, "sessions_newest"),
    ({"site": "claude", "q": "report"}, "sessions_by_site_newest"),
])
def test_a_page_seeks_along_an_index_in_list_order(client, db, filters, index):
    for i in range(4):
        chat(client, at(1 + i), site="claude", title="report", tag="real" if i % 2 else None)
    plan = explained(db, **filters)
    assert f"USING INDEX {index} (" in plan, plan  # a search into the index, not a scan
    assert "(started_at,id)<(?,?)" in plan, plan  # the cursor seeks
    assert "TEMP B-TREE" not in plan, plan  # already in list order: nothing sorted


def test_sites_lists_every_site_once(client, db):
    for site in ("poe", "claude", "claude", "custom:ai.corp.example"):
        chat(client, at(1), site=site)
    assert journal.sites(db) == ["claude", "custom:ai.corp.example", "poe"]


@pytest.mark.parametrize("query,field", [
    ({"q": "x" * 201}, "q"),
    ({"kind": "robot"}, "kind"),
    ({"signal": "boredom"}, "signal"),
    ({"site": "x" * 271}, "site"),
])
def test_bad_filters_are_named(client, query, field):
    r = client.get("/api/v1/sessions", query_string=query)
    assert r.status_code == 422
    assert field in r.json["errors"]["query"]


def test_tagging_only_the_untagged_answers_what_it_changed(client, db):
    untagged = [chat(client, at(1 + i)) for i in range(3)]
    real = chat(client, at(5), tag="real")
    unsure = chat(client, at(6), tag="unsure")
    r = client.post("/api/v1/sessions/tag", json={
        "ids": [*untagged, real, unsure, new_id()], "tag": "busywork", "only_untagged": True})
    assert r.status_code == 200
    assert r.json == {"tagged": 5, "changed": [{"id": sid, "previous": None} for sid in untagged]}
    assert [journal.get_session(db, sid)["tag"] for sid in [*untagged, real, unsure]] == [
        "busywork", "busywork", "busywork", "real", "unsure"]
    assert journal.tag_history(db, real)[-1]["new"] == "real"  # no history entry made


def test_tagging_all_answers_each_previous_tag_and_one_call_per_tag_undoes_it(client, db):
    sessions = {chat(client, at(1 + i), tag=tag): tag
                for i, tag in enumerate((None, "real", "busywork", "unsure", None))}
    r = client.post("/api/v1/sessions/tag", json={"ids": list(sessions), "tag": "unsure"})
    changed = {c["id"]: c["previous"] for c in r.json["changed"]}
    assert changed == {sid: tag for sid, tag in sessions.items() if tag != "unsure"}
    # Undo: each previous tag back, "untagged" too, one call per distinct previous tag.
    for previous in set(changed.values()):
        back = [sid for sid, tag in changed.items() if tag == previous]
        assert client.post("/api/v1/sessions/tag",
                           json={"ids": back, "tag": previous}).status_code == 200
    assert {sid: journal.get_session(db, sid)["tag"] for sid in sessions} == sessions
    assert client.get("/api/v1/stats").json["untagged_seconds"] == 120


def test_the_sessions_page_keeps_its_filters_in_the_address(dashboard):
    from support import NAVIGATE

    for i in range(3):
        sid = new_id()
        sent = batch(event(sid, "session_start", at(1 + i), site="claude", title=f"report {i}"),
                     event(sid, "activity", at(1 + i) + timedelta(minutes=1), site="claude",
                           active_ms=30_000))
        assert dashboard.post("/api/v1/events", json=sent).json["accepted"] == 2
    page = dashboard.get("/sessions?q=report&site=claude&tag=untagged&from=2026-11-01"
                         "&to=2026-11-30&kind=chat", headers=NAVIGATE).get_data(as_text=True)
    assert page.count('<li class="session"') == 3
    assert 'value="report"' in page and '<option value="claude" selected>' in page
    nonsense = dashboard.get("/sessions?tag=great&kind=robot&from=9999-12-31&to=someday"
                             "&cursor=%25%25%25&signal=boredom", headers=NAVIGATE)
    assert nonsense.status_code == 200  # a bad value is left out, never a 500
    assert nonsense.get_data(as_text=True).count('<li class="session"') == 3


def test_the_session_page_says_what_active_time_is_and_leaves_out_empty_rows(dashboard, db,
                                                                             tmp_path):
    from support import NAVIGATE

    sid, t0 = new_id(), at(3, 16)
    sent = batch(event(sid, "session_start", t0),
                 event(sid, "prompt", t0 + timedelta(minutes=1), prompt_chars=40),
                 event(sid, "activity", t0 + timedelta(minutes=2), active_ms=60_000),
                 event(sid, "activity", t0 + timedelta(minutes=3), active_ms=0),
                 event(sid, "activity", t0 + timedelta(minutes=4), active_ms=300),
                 event(sid, "session_end", t0 + timedelta(minutes=6)))
    assert dashboard.post("/api/v1/events", json=sent).json["accepted"] == 6
    page = dashboard.get(f"/sessions/{sid}", headers=NAVIGATE).get_data(as_text=True)
    assert "the time this tab was in front and you were using it" in page
    assert "1 min of the 6 min from start to end" in page
    assert page.count('<tr class="ev-activity">') == 1  # the 0 s ones are left out
    assert page.count("<tr class=") == 4  # started, prompt, active 1 min, ended
    assert len(dashboard.get(f"/api/v1/sessions/{sid}").json["timeline"]) == 6  # all kept

    root = tmp_path / "claude"
    agent = "aaaaaaaa-1111-4111-8111-111111111111"
    write_lines(root / "-home-ann-payroll" / f"{agent}.jsonl", [
        claude_user(agent, 0), claude_assistant(agent, "m1", "r1", 2, (10, 20, 0, 0)),
        claude_assistant(agent, "m2", "r2", 30, (10, 20, 0, 0))])
    scan.scan(db, "claude-code", paths=[root])
    agent_id = found(dashboard, kind="agent")[0]
    page = dashboard.get(f"/sessions/{agent_id}", headers=NAVIGATE).get_data(as_text=True)
    assert "the time between the agent's records, leaving out gaps over 5 minutes" in page
    assert "2 min of the 30 min from its first record to its last" in page
