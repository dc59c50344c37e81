"""What the server cannot take never holds the rest up, and the token goes only to Candor.

Real Chromium with the extension, a real `candor serve`: titles that are not text (a lone
surrogate) or that an emoji straddles at the length limit, a queued event the server
refuses as a whole, and a program that is not Candor listening where the server should be.
"""

import json
import os
import shutil
import subprocess
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from support import free_port
from test_firefox import FIREFOX, puppeteer_dir
from test_sync import have_a_session, stored_event_ids, wait_until_synced

from conftest import EXTENSION, SITES

CHATGPT = (SITES / "chatgpt.html").read_text()
LONE = "Plan \ud83d"  # half of an emoji: not text
STRADDLING = "t" * 511 + "\U0001F600 and more"  # the emoji is the 512th character


def page_titled(browser, title):
    """The ChatGPT fixture page whose script sets document.title to `title` (any UTF-16 string)."""
    page = browser.ctx.new_page()
    html = CHATGPT.replace(
        "<title>ChatGPT</title>",
        f"<title>ChatGPT</title><script>document.title = {json.dumps(title)};</script>",
    )
    page.route(
        "https://chatgpt.com/**",
        lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"),
    )
    page.goto("https://chatgpt.com/")
    return page


def journal_sessions(server):
    answer = requests.get(f"{server.url}/api/v1/sessions", headers=server.headers(), timeout=5)
    answer.raise_for_status()
    return answer.json()["sessions"]


def test_sessions_with_titles_that_are_not_text_all_reach_the_journal(browser, live_server):
    browser.settings(serverUrl=live_server.url, token=live_server.token, sendTitle=True)
    for title, prompt in [
        (LONE, "A first question"),
        (STRADDLING, "A second question"),
        ("Ordinary title", "A third question"),
    ]:
        page = page_titled(browser, title)
        assert page.evaluate("document.title") == title, "the page holds the title as given"
        have_a_session(page, prompt)
        browser.wait_for_events(lambda ev: any(e["type"] == "copy" for e in ev), what="a copy")
        page.close()  # the session ends
        wait_until_synced(browser)

    sessions = journal_sessions(live_server)
    assert sorted(s["title"] for s in sessions) == sorted(
        ["Plan \ufffd", "t" * 511 + "\U0001F600", "Ordinary title"]
    ), "every session arrived, its title well-formed and cut between characters"
    assert all((s["prompts"], s["responses"], s["copies"]) == (1, 1, 1) for s in sessions)
    assert browser.storage().get("refusedCount", 0) == 0
    assert browser.storage()["syncState"]["status"] == "ok"


@pytest.mark.skipif(not FIREFOX.exists(), reason="needs /usr/bin/firefox-esr")
@pytest.mark.skipif(
    shutil.which("node") is None or puppeteer_dir() is None,
    reason="needs node and puppeteer-core (npm install)",
)
def test_firefox_a_session_on_a_page_whose_title_is_not_text_arrives_whole(live_server, tmp_path):
    # Firefox keeps a lone surrogate through messages and storage (Chromium's storage
    # replaces it): only the extension itself can make the title well-formed there.
    run = subprocess.run(
        ["node", str(Path(__file__).with_name("firefox_session.cjs")), str(EXTENSION),
         live_server.url, live_server.login_link(), str(SITES / "chatgpt.html"),
         str(tmp_path / "firefox-profile")],
        env={**os.environ, "PUPPETEER_DIR": puppeteer_dir(), "TITLE_JSON": json.dumps(LONE)},
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr + run.stdout
    [session] = journal_sessions(live_server)
    assert session["title"] == "Plan \ufffd"
    assert (session["prompts"], session["responses"], session["copies"]) == (1, 1, 1)


def queue_events(browser, events):
    """Put `events` in the extension's persistent queue, as lib/queue.js stores them."""
    browser.evaluate(
        """async (events) => {
            const meta = { nextSeq: events.length + 1, count: events.length, segments: [1],
                           sentThrough: 0, lost: 0, merged: 0 };
            await chrome.storage.local.set({
                "queue.meta": meta,
                "queue.segment.1": events.map((event, i) => ({ seq: i + 1, event })),
            });
        }""",
        events,
    )


def an_event(session_id, type, minutes_ago, **fields):
    ts = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    return {"id": str(uuid.uuid4()), "session_id": session_id, "type": type,
            "ts": ts.isoformat(timespec="milliseconds"), "site": "chatgpt", **fields}


def test_an_event_the_server_refuses_as_a_whole_is_dropped_alone(browser, live_server, shots_dir):
    session = str(uuid.uuid4())
    good_before = [an_event(session, "session_start", 30)] + [
        an_event(session, "activity", 29 - i / 10, active_ms=15_000) for i in range(10)
    ]
    # Larger than the server's 4 MB body limit on its own: every batch holding it gets 413.
    huge = an_event(session, "prompt", 20, prompt_chars=10, model="m" * (4 * 1024 * 1024 + 1))
    good_after = [
        an_event(session, "prompt", 19, prompt_chars=120, est_tokens=30),
        an_event(session, "response", 18, response_chars=900, est_tokens=225),
    ] + [an_event(session, "activity", 17 - i / 10, active_ms=15_000) for i in range(20)] + [
        an_event(session, "session_end", 10)
    ]
    queue_events(browser, good_before + [huge] + good_after)

    options = browser.ctx.new_page()
    options.goto(browser.url("options/options.html"))
    browser.settings(serverUrl=live_server.url, token=live_server.token)
    options.click("#sync-now")
    deadline = time.monotonic() + 60
    while browser.queued_events():
        # Said briefly: the queue holds a 4 MB event.
        assert time.monotonic() < deadline, (
            f"{len(browser.queued_events())} events still queued; "
            f"sync state {browser.storage().get('syncState')}")
        time.sleep(0.2)

    good = good_before + good_after
    assert sorted(stored_event_ids(live_server.data_dir)) == sorted(e["id"] for e in good)
    [session_row] = journal_sessions(live_server)
    assert (session_row["prompts"], session_row["responses"]) == (1, 1)

    stored = browser.storage()
    assert stored["refusedCount"] == 1
    [entry] = stored["rejectedLog"]
    assert (entry["id"], entry["type"], entry["site"], entry["status"]) == (
        huge["id"], "prompt", "chatgpt", 413)
    assert entry["message"], "the server's reason is kept"
    assert stored["syncState"]["status"] == "ok"

    # The options page shows the log: when, what, where and why.
    options.reload()
    row = options.locator("#rejected tbody tr")
    row.wait_for()
    cells = row.locator("td").all_inner_texts()
    assert cells[0] and cells[1] == "prompt on chatgpt"
    assert entry["message"] in cells[2]
    assert "1 event refused" in options.inner_text("#refused-total")
    options.locator("#rejected-title").scroll_into_view_if_needed()
    options.screenshot(path=str(shots_dir / "options-refused.png"), full_page=True)

    # The popup counts it beside the queue's figures, and points to the log.
    popup = browser.ctx.new_page()
    popup.set_viewport_size({"width": 340, "height": 560})
    popup.goto(browser.url("popup/popup.html"))
    popup.wait_for_selector("#sync-refused:not([hidden])")
    popup.screenshot(path=str(shots_dir / "popup-refused.png"), full_page=True)
    assert popup.inner_text("#sync-refused").startswith("1 event refused")
    assert popup.inner_text("#sync-waiting") == "Nothing waiting to sync"

    # The person has read the log and clears it.
    options.click("#clear-rejected")
    options.wait_for_selector("#rejected", state="hidden")
    assert options.inner_text("#refused-total") == "None."
    assert (browser.storage()["refusedCount"], browser.storage()["rejectedLog"]) == (0, [])


class Impostor(BaseHTTPRequestHandler):
    """Whatever else may listen on Candor's port: it answers everything, and keeps what it got."""

    seen = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        Impostor.seen.append({"method": self.command, "path": self.path,
                              "headers": dict(self.headers), "body": body})
        payload = json.dumps({"proof": "0" * 64, "accepted": 0, "duplicates": 0, "rejected": [],
                              "status": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = _answer

    def log_message(self, *args):
        pass


def test_a_server_that_does_not_know_the_token_gets_nothing(browser, live_server, shots_dir):
    # Another program holds the port the extension knows; Candor runs on another one.
    token = live_server.token
    Impostor.seen = []
    port = free_port()
    impostor = ThreadingHTTPServer(("127.0.0.1", port), Impostor)
    threading.Thread(target=impostor.serve_forever, daemon=True).start()
    try:
        session = str(uuid.uuid4())
        events = [an_event(session, "session_start", 5), an_event(session, "activity", 4, active_ms=15_000)]
        queue_events(browser, events)
        browser.settings(serverUrl=f"http://127.0.0.1:{port}", token=token)

        deadline = time.monotonic() + 20
        while browser.storage().get("syncState", {}).get("status") != "untrusted_server":
            assert time.monotonic() < deadline, browser.storage().get("syncState")
            time.sleep(0.1)

        popup = browser.ctx.new_page()
        popup.set_viewport_size({"width": 340, "height": 560})
        popup.goto(browser.url("popup/popup.html"))
        popup.wait_for_selector("#sync-text:has-text('does not know')")
        popup.screenshot(path=str(shots_dir / "popup-untrusted.png"), full_page=True)
        assert popup.inner_text("#sync-text") == (
            f"The server at 127.0.0.1:{port} does not know this extension's token: not sending "
            "anything. Pair again from the dashboard if you rotated the token.")

        assert Impostor.seen, "the extension did ask"
        assert {r["path"] for r in Impostor.seen} == {"/api/v1/pairing/proof"}
        assert not any(
            "authorization" in {k.lower() for k in r["headers"]} or token in r["body"]
            for r in Impostor.seen
        )
        assert len(browser.queued_events()) == 2, "the events wait for the real server"
    finally:
        impostor.shutdown()
        impostor.server_close()

    # The person saves Candor's real address: opening the popup shows it, and the events go.
    browser.settings(serverUrl=live_server.url)
    popup.reload()
    popup.wait_for_selector("#sync-text:has-text('Connected')")
    wait_until_synced(browser)
    assert sorted(stored_event_ids(live_server.data_dir)) == sorted(e["id"] for e in events)
