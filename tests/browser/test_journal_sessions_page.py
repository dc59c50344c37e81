"""A coach finds sessions in an imported journal as its worker does, in a real browser: the
Sessions page's filters and search, kept in the address, its days the worker's; read-only.

The worker's journal (in Auckland) is exported and imported by the real `candor` command;
the coach's real server runs in New York.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from accessibility import assert_accessible
from coach_journals import (
    COACH_DAY,
    COACH_ZONE,
    TITLE,
    WORKER_DAY,
    WORKER_ZONE,
    export_and_import,
    worker_journal,
)
from playwright.sync_api import expect
from support import start_server

from conftest import api

SESSIONS = "/journals/ada/sessions"


@pytest.fixture(scope="module")
def coach_server(tmp_path_factory):
    """The coach's server in New York, with the worker's journal imported as 'ada' (titles
    and notes kept); and the id of the worker's session at 09:00 on 10 November."""
    tmp_path = tmp_path_factory.mktemp("coach")
    morning = worker_journal(tmp_path / "worker")
    export_and_import(tmp_path / "worker", tmp_path / "coach", tmp_path)
    server = start_server(tmp_path / "coach", env={"TZ": COACH_ZONE})
    server.morning = morning
    yield server
    server.kill()


def shown(page):
    """The ids of the sessions listed on the page, in order."""
    return page.locator("li.session").evaluate_all("rows => rows.map(r => r.dataset.id)")


def ids(server, **params):
    return [s["id"] for s in api(server, f"/api/v1{SESSIONS}", **params)["sessions"]]


def query_of(page):
    return parse_qs(urlsplit(page.url).query, keep_blank_values=True)


def test_a_coach_filters_and_searches_an_imported_journal(coach_server, page, shots_dir):
    page.goto(coach_server.login_link())
    page.goto(f"{coach_server.url}{SESSIONS}")
    expect(page.locator("nav a[aria-current=page]")).to_have_text("Journals")
    assert shown(page) == ids(coach_server, limit=50)
    expect(page.locator("button[data-tag]")).to_have_count(0)  # the tags are the worker's
    page.fill("input[name=q]", "INVOICE")  # any case finds it
    page.select_option("select[name=kind]", "chat")
    page.select_option("select[name=label]", "acme")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(f"**{SESSIONS}?*")
    # Only the filters chosen are in the address, to bookmark.
    assert query_of(page) == {"q": ["INVOICE"], "kind": ["chat"], "label": ["acme"]}
    expected = ids(coach_server, q="INVOICE", kind="chat", label="acme")
    assert coach_server.morning in expected and shown(page) == expected
    expect(page.locator(f"li.session[data-id='{coach_server.morning}'] .what a")).to_have_text(
        TITLE)
    page.screenshot(path=str(shots_dir / "journal-sessions-filtered.png"), full_page=True)
    # The bookmark, opened later, shows the same view with its filters filled in.
    bookmark = page.url
    page.goto(f"{coach_server.url}/journals")
    page.goto(bookmark)
    assert shown(page) == expected
    expect(page.locator("input[name=q]")).to_have_value("INVOICE")
    expect(page.locator("select[name=kind]")).to_have_value("chat")
    expect(page.locator("select[name=label]")).to_have_value("acme")
    # A row opens the session in the journal, where the coach keeps a note on it.
    page.click(f"li.session[data-id='{coach_server.morning}'] .what a")
    page.wait_for_url(f"**{SESSIONS}/{coach_server.morning}")
    expect(page.locator("#coach-note")).to_be_visible()
    page.go_back()
    page.click("text=Clear filters")
    page.wait_for_url(f"**{SESSIONS}")
    assert shown(page) == ids(coach_server, limit=50)
    assert page.errors == []


def test_its_dates_are_the_workers_not_the_coachs(coach_server, page):
    page.goto(coach_server.login_link())
    page.goto(f"{coach_server.url}{SESSIONS}")
    page.fill("input[name=from]", WORKER_DAY)
    page.fill("input[name=to]", WORKER_DAY)
    page.click("form.filters button[type=submit]")
    page.wait_for_url(f"**from={WORKER_DAY}**")
    assert shown(page) == [coach_server.morning]
    # 09:00 on the 10th where the worker is (15:00 on the 9th where the coach is).
    expect(page.locator("li.session .when")).to_contain_text("10 Nov 2026, 09:00")
    expect(page.locator("footer.page-zone")).to_contain_text(WORKER_ZONE)
    page.goto(f"{coach_server.url}{SESSIONS}?from={COACH_DAY}&to={COACH_DAY}")
    assert coach_server.morning not in shown(page)
    assert shown(page) == ids(coach_server, **{"from": COACH_DAY, "to": COACH_DAY})
    assert page.errors == []


def test_older_pages_keep_the_filters(coach_server, page):
    newest = api(coach_server, f"/api/v1{SESSIONS}", kind="chat", limit=50)
    assert newest["next_cursor"]
    page.goto(coach_server.login_link())
    page.goto(f"{coach_server.url}{SESSIONS}?kind=chat")
    assert shown(page) == [s["id"] for s in newest["sessions"]]
    page.click("text=Older sessions")
    page.wait_for_url("**cursor=*")
    assert query_of(page)["kind"] == ["chat"]  # the filter goes along
    assert shown(page) == ids(coach_server, kind="chat", limit=50, cursor=newest["next_cursor"])
    page.click("text=back to the newest")
    page.wait_for_url(f"**{SESSIONS}?kind=chat")
    assert shown(page) == [s["id"] for s in newest["sessions"]]
    page.fill("input[name=q]", "no session is called this")
    page.click("form.filters button[type=submit]")
    expect(page.locator("main > .callout").last).to_have_text(
        "No session matches these filters. Show every session.")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", [SESSIONS, f"{SESSIONS}?q=invoice&tag=untagged&kind=chat"])
def test_the_page_passes_the_accessibility_check(coach_server, page, path, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(coach_server.login_link())
    page.goto(f"{coach_server.url}{path}")
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
