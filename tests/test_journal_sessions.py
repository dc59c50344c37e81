"""An imported journal's sessions are found as its worker finds them: the same filters and
search (GET /api/v1/journals/<name>/sessions, the page), its days the worker's.

The worker's journal is a real SQLite file, exported and imported by the real `candor`
command; the worker's server and the coach's are real processes in other time zones.
"""

import json

import pytest
import requests
from coach_journals import (
    COACH_DAY,
    COACH_ZONE,
    NOTE,
    TITLE,
    WORKER_DAY,
    WORKER_ZONE,
    export_and_import,
    worker_journal,
)
from support import NAVIGATE, start_server

from candor import coach, config, export
from candor.db import connect

# Filters as a person combines them; each must find the same sessions in the worker's
# journal and in the coach's import of it.
QUERIES = [
    {},
    {"q": "invoice"},  # a title and a note, in any case
    {"q": "über"},  # beyond ASCII: found in "Über-invoice"
    {"q": "refactor", "kind": "chat"},
    {"tag": "real"},
    {"tag": "untagged", "kind": "chat"},
    {"kind": "agent"},
    {"site": "claude"},
    {"site": "claude-code", "tag": "busywork"},
    {"signal": "burst"},
    {"signal": "repeated_prompts", "tag": "untagged"},
    {"label": "acme"},
    {"label": "hiring", "q": "e"},
    {"from": WORKER_DAY, "to": WORKER_DAY},
    {"from": COACH_DAY, "to": COACH_DAY},
    {"sort": "signals", "limit": 20},
]


def get(server, path, **params):
    return requests.get(f"{server.url}{path}", params=params, headers=server.headers(),
                        timeout=30)


def listed(server, path, **params):
    r = get(server, path, **params)
    assert r.status_code == 200, (path, params, r.text[:300])
    return r.json()


def ids(answer):
    return [s["id"] for s in answer["sessions"]]


@pytest.fixture
def worker_and_coach(tmp_path):
    """The worker's server (its journal in Auckland) and the coach's (in New York), with
    the worker's journal imported as 'ada', titles and notes kept; and the id of the
    session of 10 November, the worker's morning."""
    worker_dir, coach_dir = tmp_path / "worker", tmp_path / "coach"
    morning = worker_journal(worker_dir)
    export_and_import(worker_dir, coach_dir, tmp_path)
    worker = start_server(worker_dir, env={"TZ": WORKER_ZONE})
    try:
        coach_server = start_server(coach_dir, env={"TZ": COACH_ZONE})
    except BaseException:
        worker.kill()
        raise
    yield worker, coach_server, morning
    worker.kill()
    coach_server.kill()


def test_a_coach_finds_the_sessions_the_worker_finds(worker_and_coach):
    worker, coach_server, morning = worker_and_coach
    for query in QUERIES:
        params = {"limit": 500, **query}
        own = listed(worker, "/api/v1/sessions", **params)
        imported = listed(coach_server, "/api/v1/journals/ada/sessions", **params)
        assert ids(imported) == ids(own), query
        # The same sessions as the worker's list gives them, but the machine: the export
        # doesn't say which of the worker's machines a session came from.
        assert imported["sessions"] == [{k: v for k, v in s.items() if k != "machine"}
                                        for s in own["sessions"]], query
    # The filters really filter: each query above finds some sessions, and not all.
    everything = len(listed(worker, "/api/v1/sessions", limit=500)["sessions"])
    for query in QUERIES[1:-1]:
        if query.get("from") == COACH_DAY:
            continue
        found = listed(coach_server, "/api/v1/journals/ada/sessions", limit=500, **query)
        assert 0 < len(found["sessions"]) < everything, query
    searched = listed(coach_server, "/api/v1/journals/ada/sessions", q="INVOICE")["sessions"]
    assert {s["title"] for s in searched} >= {TITLE} and NOTE in {s["note"] for s in searched}


def test_dates_are_the_workers_not_the_coachs(worker_and_coach):
    worker, coach_server, morning = worker_and_coach
    # 09:00 on the 10th where the worker is; 15:00 on the 9th where the coach is.
    on_workers_day = listed(coach_server, "/api/v1/journals/ada/sessions",
                            **{"from": WORKER_DAY, "to": WORKER_DAY})
    assert ids(on_workers_day) == [morning]
    assert morning not in ids(listed(coach_server, "/api/v1/journals/ada/sessions",
                                     **{"from": COACH_DAY, "to": COACH_DAY}))
    # The coach's own journal counts its days in New York: not what the journal's list uses.
    assert get(coach_server, "/api/v1/settings/time-zone").json()["time_zone"] == COACH_ZONE


def test_pages_follow_each_other_with_the_filters_kept(worker_and_coach):
    worker, coach_server, _ = worker_and_coach
    query = {"kind": "chat", "tag": "untagged"}
    whole = ids(listed(coach_server, "/api/v1/journals/ada/sessions", limit=500, **query))
    assert len(whole) > 14
    pages, cursor = [], None
    for _ in range(len(whole)):  # a cursor that leads nowhere must not page forever
        answer = listed(coach_server, "/api/v1/journals/ada/sessions", limit=7, **query,
                        **({"cursor": cursor} if cursor else {}))
        pages.append(ids(answer))
        cursor = answer["next_cursor"]
        if cursor is None:
            break
    assert [sid for page in pages for sid in page] == whole
    assert all(len(page) == 7 for page in pages[:-1])


@pytest.mark.parametrize("path,params,status,field", [
    ("/api/v1/journals/nobody/sessions", {}, 404, None),
    ("/api/v1/journals/ada/sessions", {"cursor": "not-a-cursor"}, 422, "cursor"),
    ("/api/v1/journals/ada/sessions", {"tag": "maybe"}, 422, "tag"),
    ("/api/v1/journals/ada/sessions", {"kind": "robot"}, 422, "kind"),
    ("/api/v1/journals/ada/sessions", {"from": "2026-11-10", "to": "2026-11-01"}, 422, "to"),
    ("/api/v1/journals/ada/sessions", {"limit": "0"}, 422, "limit"),
])
def test_bad_questions_are_answered(app, client, db, tmp_path, path, params, status, field):
    import_journal(app, db, tmp_path, ())
    r = client.get(path, query_string=params)
    assert r.status_code == status, r.text
    assert {"code", "status", "message"} <= set(r.json)
    if field:
        assert set(r.json["errors"]["query"]) == {field}


def test_the_call_is_in_the_openapi_document(anonymous):
    spec = anonymous.get("/api/v1/openapi.json").json
    call = spec["paths"]["/api/v1/journals/{name}/sessions"]["get"]
    assert {p["name"] for p in call["parameters"] if p["in"] == "query"} >= {
        "q", "tag", "kind", "site", "label", "signal", "from", "to", "limit", "cursor", "sort"}
    assert "worker's time zone" in call["description"]
    assert call["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SessionPage"}


def import_journal(app, db, tmp_path, redaction):
    """The worker's journal, leaving out `redaction`, imported as 'ada' into the app's."""
    worker_journal(tmp_path / "worker")
    worker = connect(str(config.data_dir(str(tmp_path / "worker")) / "candor.db"))
    try:
        data = export.build(worker, redaction=redaction, owner="Ada")
    finally:
        worker.close()
    coach.import_journal(db, app.config["DATA_DIR"], json.dumps(data).encode(), data, name="ada")


@pytest.mark.parametrize("redaction,hint,finds", [
    ((), None, {"title", "note"}),
    (("titles",), "Its owner left titles out of the export: the search looks in notes only.",
     {"note"}),
    (("notes",), "Its owner left notes out of the export: the search looks in titles only.",
     {"title"}),
    (("titles", "notes"),
     "Its owner left titles and notes out of the export: there is nothing to search.", set()),
])
def test_a_search_finds_what_the_export_kept_and_the_page_says_so(app, db, client, dashboard,
                                                                  tmp_path, redaction, hint,
                                                                  finds):
    import_journal(app, db, tmp_path, redaction)
    found = client.get("/api/v1/journals/ada/sessions", query_string={"q": "invoice"}).json
    where = {("title" if s["title"] == TITLE else "note") for s in found["sessions"]}
    assert where == finds
    page = dashboard.get("/journals/ada/sessions?q=invoice", headers=NAVIGATE).text
    assert 'name="q" value="invoice"' in page
    if hint:
        assert hint in page
        assert 'aria-describedby="search-hint"' in page
    else:
        assert "search-hint" not in page
    if not finds:
        assert "No session matches these filters." in page
