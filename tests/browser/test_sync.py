"""The extension and a real `candor serve`: sessions arrive, exactly once, whatever happens."""

import sqlite3
import time

import requests
from support import start_server
from test_capture import ASSISTANT_COPY

from conftest import open_fixture

SENTINEL = "SENTINEL-sync-91be"


def by_type(events, kind):
    return [e for e in events if e["type"] == kind]


def have_a_session(page, prompt):
    """Type, send, let the answer stream, copy it."""
    page.wait_for_selector("div#prompt-textarea")
    page.click("div#prompt-textarea")
    page.keyboard.type(prompt)
    page.click('[data-testid="send-button"]')
    # The fixture counts finished answers in <body data-streamed>.
    page.wait_for_function(
        "document.body.dataset.streamed === "
        "String(document.querySelectorAll('[data-message-author-role=assistant]').length)"
    )
    page.locator(ASSISTANT_COPY).last.click()


def wait_until_synced(browser, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not browser.queued_events():
            return
        time.sleep(0.2)
    raise AssertionError(
        f"still queued: {browser.queued_events()} / sync state {browser.storage().get('syncState')}"
    )


def stored_event_ids(data_dir):
    with sqlite3.connect(f"file:{data_dir}/candor.db?mode=ro", uri=True) as db:
        return [row[0] for row in db.execute("SELECT id FROM events")]


def files_contain(data_dir, text):
    return any(text.encode() in path.read_bytes() for path in data_dir.rglob("*") if path.is_file())


def test_a_session_reaches_the_server_with_its_counts_and_no_text(browser, live_server):
    browser.settings(serverUrl=live_server.url, token=live_server.token)
    page = open_fixture(browser, "https://chatgpt.com/")
    have_a_session(page, f"Summarise this report for me {SENTINEL}")
    browser.wait_for_events(lambda ev: by_type(ev, "copy"), what="copy")
    page.close()  # the tab closes: its session ends
    wait_until_synced(browser)

    sessions = requests.get(
        f"{live_server.url}/api/v1/sessions", headers=live_server.headers(), timeout=5
    ).json()
    [session] = sessions["sessions"]
    assert session["site"] == "chatgpt"
    assert (session["prompts"], session["responses"], session["copies"]) == (1, 1, 1)
    assert session["active_seconds"] > 0
    assert session["model"] == "gpt-4o"
    assert session["est_tokens_in"] > 0 and session["est_tokens_out"] > 0
    assert session["url"].startswith("https://chatgpt.com/c/")
    assert browser.storage()["syncState"]["status"] == "ok"
    assert not files_contain(live_server.data_dir, SENTINEL), "prompt text reached the server"
    # No AI tab open and nothing to send: no alarm will wake the service worker.
    assert browser.evaluate("chrome.alarms.getAll()") == []


def test_every_event_arrives_once_after_worker_kill_browser_restart_and_server_outage(
    browser, live_server, tmp_path
):
    port, data_dir, url = live_server.port, live_server.data_dir, live_server.url
    browser.settings(serverUrl=url, token=live_server.token)
    live_server.kill()  # the server is down from here on

    page = open_fixture(browser, "https://chatgpt.com/")
    have_a_session(page, "First question while the server is down")
    browser.wait_for_events(lambda ev: by_type(ev, "copy"), what="first copy")

    # The browser stops the idle service worker; the next prompt wakes a fresh one.
    browser.evaluate("globalThis.beforeTheKill = true")
    browser.stop_service_worker()
    have_a_session(page, "Second question after the worker was stopped")
    events = browser.wait_for_events(lambda ev: len(by_type(ev, "copy")) == 2, what="second copy")
    assert browser.evaluate("typeof globalThis.beforeTheKill") == "undefined", "a fresh worker"
    assert len({e["session_id"] for e in events}) == 1, "the session outlives the worker"

    browser.restart()
    queued = browser.queued_events()
    assert [e["id"] for e in queued] == [e["id"] for e in events], "the queue outlives the browser"

    server = start_server(data_dir, port=port).process
    try:
        # The user presses "Sync now" in the options page rather than waiting for the backoff.
        options = browser.ctx.new_page()
        options.goto(browser.url("options/options.html"))
        options.click("#sync-now")
        wait_until_synced(browser)
        stored = stored_event_ids(data_dir)
        assert sorted(stored) == sorted(e["id"] for e in queued), "every event arrived, once"
        assert browser.queued_events() == []
    finally:
        server.terminate()
        server.wait(timeout=10)

