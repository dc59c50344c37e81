"""Whether the extension keeps conversation titles, changed from the dashboard's Settings page:
the real extension takes the change at its next sync, as its options switch would, and the
page shows it done once the extension has said so."""

import sqlite3
import time

import requests
from accessibility import assert_accessible
from playwright.sync_api import expect
from support import event
from test_sync import by_type, have_a_session, wait_until_synced

from conftest import open_fixture


def listed(server):
    [client] = requests.get(f"{server.url}/api/v1/clients", headers=server.headers(),
                            timeout=5).json()["clients"]
    return client


def keeps_titles(browser):
    """The extension's own setting, read from its service worker's storage (kept by default)."""
    stored = browser.evaluate("chrome.storage.local.get('settings')")["settings"]
    return stored.get("sendTitle", True)


def wait_for(what, check, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"still waiting: {what}")


def titles_received(data_dir, session_id):
    with sqlite3.connect(f"file:{data_dir}/candor.db?mode=ro", uri=True) as db:
        return [row[0] for row in db.execute(
            "SELECT title FROM events WHERE session_id = ? ORDER BY ts, id", [session_id])]


def chat(browser, prompt):
    """A session on the ChatGPT fixture page (left open); its session id."""
    page = open_fixture(browser, "https://chatgpt.com/")
    have_a_session(page, prompt)
    events = browser.wait_for_events(lambda ev: by_type(ev, "copy"), what="copy")
    return page, by_type(events, "copy")[-1]["session_id"]


def test_titles_left_out_from_the_settings_page_reach_the_extension_at_its_next_sync(
        browser, live_server, shots_dir):
    browser.settings(serverUrl=live_server.url, token=live_server.token)
    first, _ = chat(browser, "Outline the quarterly plan")
    first.close()
    wait_until_synced(browser)
    assert (listed(live_server)["titles"], listed(live_server)["titles_asked"]) == (True, None)

    settings = browser.ctx.new_page()
    settings.goto(live_server.login_link())
    settings.goto(f"{live_server.url}/settings")
    row = settings.locator("ul.title-choices li")
    switch = row.get_by_role("checkbox", name="Keep titles in the Chrome extension")
    expect(row).to_contain_text("it keeps titles")
    expect(switch).to_be_checked()
    expect(settings.locator("#titles-h + p")).to_contain_text(
        "a change takes effect at the extension's next sync")

    options = browser.ctx.new_page()
    options.goto(browser.url("options/options.html"))
    expect(options.locator("#send-title")).to_be_checked()

    # Asked on the Settings page: nothing changes in the extension until it syncs.
    switch.uncheck()
    expect(settings.locator("#titles-status")).to_have_text(
        "Asked: the Chrome extension leaves titles out from its next sync.")
    expect(row).to_contain_text("asked to leave titles out: waiting for its next sync")
    assert listed(live_server)["titles_asked"] is False
    assert keeps_titles(browser) is True
    for width in (1280, 390):
        settings.set_viewport_size({"width": width, "height": 900})
        settings.locator("#titles-h").scroll_into_view_if_needed()
        settings.screenshot(path=str(shots_dir / f"settings-titles-asked-{width}.png"))

    # The next session syncs; the answer carries the change and the extension applies it:
    # in its storage, and on its options page, open all along.
    second, session_id = chat(browser, "Draft the release notes")
    wait_for("the extension to leave titles out", lambda: keeps_titles(browser) is False)
    expect(options.locator("#send-title")).not_to_be_checked()
    for width in (1280, 390):
        options.set_viewport_size({"width": width, "height": 900})
        options.locator("#send-title").scroll_into_view_if_needed()
        options.screenshot(path=str(shots_dir / f"options-titles-{width}.png"))

    # Its next batch (the tab closes, the session ends) says so, with no title in it; the
    # Settings page, still open, shows the change done.
    second.close()
    wait_for("a batch saying titles are left out", lambda: listed(live_server)["titles"] is False)
    assert listed(live_server)["titles_asked"] is None
    received = titles_received(live_server.data_dir, session_id)
    assert received[0] == "ChatGPT", "sent before the change"
    assert received[-1] is None, "the session's end came after it"
    expect(settings.locator("#titles-status")).to_have_text(
        "Done: the Chrome extension now leaves titles out.", timeout=15_000)
    expect(row).to_contain_text("it leaves titles out")
    expect(switch).not_to_be_checked()
    for width in (1280, 390):
        settings.set_viewport_size({"width": width, "height": 900})
        settings.locator("#titles-h").scroll_into_view_if_needed()
        settings.screenshot(path=str(shots_dir / f"settings-titles-done-{width}.png"))
    assert_accessible(settings, ("light", "dark"))


def test_every_paired_extension_is_asked_at_once_and_each_shows_done_when_it_says(
        live_server, page):
    def sync(client_id, browser, titles):
        """A batch as an extension sends it, saying whether it keeps titles; the answer."""
        answer = requests.post(f"{live_server.url}/api/v1/events", headers=live_server.headers(),
                               timeout=5, json={"client": {
                                   "id": client_id, "browser": browser,
                                   "extension_version": "0.9.0", "waiting": 0, "titles": titles},
                                   "events": [event()]})
        assert answer.status_code == 200
        return answer.json()

    sync("chrome-install", "chrome", True)
    sync("firefox-install", "firefox", False)
    page.goto(live_server.login_link())
    page.goto(f"{live_server.url}/settings")
    rows = page.locator("ul.title-choices li")
    expect(rows).to_have_count(2)
    chrome, firefox = rows.filter(has_text="Chrome"), rows.filter(has_text="Firefox")
    expect(chrome).to_contain_text("it keeps titles")
    expect(firefox).to_contain_text("it leaves titles out")

    page.get_by_role("button", name="Leave titles out").click()
    expect(page.locator("#titles-status")).to_have_text(
        "Asked: every extension leaves titles out from its next sync.")
    expect(chrome).to_contain_text("asked to leave titles out: waiting for its next sync")
    expect(chrome.get_by_role("checkbox")).not_to_be_checked()
    expect(firefox).to_contain_text("it leaves titles out")

    assert sync("chrome-install", "chrome", True)["settings"] == {"titles": False}
    assert "settings" not in sync("chrome-install", "chrome", False)
    expect(page.locator("#titles-status")).to_have_text(
        "Done: the Chrome extension now leaves titles out.", timeout=15_000)
    expect(chrome).to_contain_text("it leaves titles out")
    assert page.errors == []
