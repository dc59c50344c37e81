"""The popup and the options page, as a person sees and uses them (screenshots in /tmp/shots)."""

import time

import requests
from playwright.sync_api import expect
from test_sync import by_type, have_a_session, wait_until_synced

from conftest import open_fixture


def open_popup(browser):
    popup = browser.ctx.new_page()
    popup.set_viewport_size({"width": 340, "height": 560})
    popup.goto(browser.url("popup/popup.html"))
    return popup


def test_popup_shows_the_session_and_tagging_it_reaches_the_server(browser, live_server, shots_dir):
    browser.settings(serverUrl=live_server.url, token=live_server.token)
    page = open_fixture(browser, "https://chatgpt.com/")
    have_a_session(page, "Draft the release notes for version two")
    events = browser.wait_for_events(lambda ev: by_type(ev, "copy"), what="copy")
    session_id = events[0]["session_id"]
    page.close()  # the session ends and its active time is sent
    wait_until_synced(browser)

    popup = open_popup(browser)
    popup.wait_for_selector("#session-card:not([hidden])")
    assert popup.inner_text("#session-site") == "ChatGPT"
    assert popup.text_content("#session-title") == "Last session"
    assert "1 prompt" in popup.inner_text("#session-counts")
    expect(popup.locator("#sync-text")).to_contain_text("Connected")
    popup.click("button[data-tag=real]")
    expect(popup.locator("#tag-status")).to_contain_text("Saved to your journal")
    assert popup.get_attribute("button[data-tag=real]", "aria-pressed") == "true"
    popup.screenshot(path=str(shots_dir / "popup-session.png"), full_page=True)

    session = requests.get(
        f"{live_server.url}/api/v1/sessions/{session_id}", headers=live_server.headers(), timeout=5
    ).json()
    assert session["tag"] == "real"

    # Today's figures come from the server: a tagged real session gives a 100 % ratio.
    popup.reload()
    expect(popup.locator("#ratio")).to_have_text("100%")
    popup.screenshot(path=str(shots_dir / "popup-today.png"), full_page=True)


def test_popup_when_not_paired_says_how_to_connect(browser, shots_dir):
    browser.settings(serverUrl="http://127.0.0.1:9", token="")
    popup = open_popup(browser)
    popup.wait_for_selector("#pair-hint:not([hidden])")
    assert popup.get_attribute("#pair-link", "href") == "http://127.0.0.1:9/connect"
    assert popup.get_attribute("#dashboard", "href") == "http://127.0.0.1:9/"
    popup.screenshot(path=str(shots_dir / "popup-not-paired.png"), full_page=True)


def test_pause_in_one_click(browser):
    popup = open_popup(browser)
    popup.click("#pause")
    popup.wait_for_selector("#paused-note:not([hidden])")
    assert browser.storage()["settings"]["paused"] is True
    popup.click("#pause")
    popup.wait_for_selector("#paused-note", state="hidden")
    assert browser.storage()["settings"]["paused"] is False


def test_options_page_shows_events_the_server_refused(browser, live_server, shots_dir):
    browser.settings(serverUrl=live_server.url, token=live_server.token)
    # An event the server's schema refuses (a timestamp from 2019) put in the queue directly.
    browser.evaluate("""async () => {
        const meta = { nextSeq: 2, count: 1, segments: [1], sentThrough: 0, lost: 0, merged: 0 };
        const event = {
            id: crypto.randomUUID(), session_id: crypto.randomUUID(), type: "prompt",
            ts: "2019-01-01T00:00:00.000Z", site: "chatgpt", prompt_chars: 3, est_tokens: 1,
        };
        await chrome.storage.local.set({
            "queue.meta": meta, "queue.segment.1": [{ seq: 1, event }],
        });
    }""")
    options = browser.ctx.new_page()
    options.set_viewport_size({"width": 900, "height": 1400})
    options.goto(browser.url("options/options.html"))
    options.click("#sync-now")
    options.wait_for_selector("#rejected:not([hidden]) td")
    assert "ts" in options.inner_text("#rejected")
    assert browser.queued_events() == []
    expect(options.locator("#pair-state")).to_contain_text("Paired")
    time.sleep(0.2)
    options.screenshot(path=str(shots_dir / "options.png"), full_page=True)


def test_options_privacy_switches_change_what_is_sent(browser):
    options = browser.ctx.new_page()
    options.goto(browser.url("options/options.html"))
    # The journal stays on this machine: addresses and titles are kept unless turned off.
    assert options.is_checked("#send-url") and options.is_checked("#send-title")
    options.uncheck("#send-title")
    options.uncheck("#send-url")
    options.wait_for_function("""async () => {
        const { settings } = await chrome.storage.local.get("settings");
        return settings && !settings.sendTitle && !settings.sendUrl;
    }""")
    page = open_fixture(browser, "https://chatgpt.com/")
    have_a_session(page, "Question without a title")
    events = browser.wait_for_events(lambda ev: by_type(ev, "response"), what="response")
    response = by_type(events, "response")[0]
    assert "title" not in response and "url" not in response
    options.check("#send-title")
    options.wait_for_function("""async () =>
        (await chrome.storage.local.get("settings")).settings.sendTitle""")
    have_a_session(page, "Question with a title")
    events = browser.wait_for_events(lambda ev: len(by_type(ev, "response")) == 2, what="2nd")
    assert by_type(events, "response")[1]["title"] == "ChatGPT"


def test_turning_a_site_off_stops_tracking_it(browser):
    options = browser.ctx.new_page()
    options.goto(browser.url("options/options.html"))
    options.get_by_label("ChatGPT").uncheck()
    options.wait_for_timeout(200)
    assert browser.storage()["settings"]["sites"]["chatgpt"] is False
    page = open_fixture(browser, "https://chatgpt.com/")
    have_a_session(page, "Untracked question")
    page.close()
    assert browser.queued_events() == []
    # Back on, a new page counts: once its session is queued, the first page's would be too.
    options.get_by_label("ChatGPT").check()
    page = open_fixture(browser, "https://chatgpt.com/")
    have_a_session(page, "Tracked question")
    events = browser.wait_for_events(lambda ev: by_type(ev, "copy"), what="copy")
    assert len({e["session_id"] for e in events}) == 1
    [prompt] = by_type(events, "prompt")
    assert prompt["prompt_chars"] == len("Tracked question")


def test_popup_warns_long_before_the_queue_loses_anything(browser, shots_dir):
    # Twenty thousand events waiting (the server has been off for about two weeks).
    browser.evaluate("""() => chrome.storage.local.set({ "queue.meta":
        { nextSeq: 20001, count: 20000, segments: [], sentThrough: 0, lost: 0, merged: 0 } })""")
    popup = open_popup(browser)
    expect(popup.locator("#queue-warning")).to_contain_text("Many events are waiting to sync")
    expect(popup.locator("#sync-waiting")).to_contain_text("20,000 events waiting")
    popup.screenshot(path=str(shots_dir / "popup-queue-warning.png"), full_page=True)
