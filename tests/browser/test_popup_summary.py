"""The real extension's popup and badge against a real server: today's and this week's ratio,
progress toward the goal, sessions waiting for a verdict, the last sync, and the nudge."""

import re
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from accessibility import assert_accessible
from playwright.sync_api import expect
from support import start_server
from test_extension_pairing import open_popup
from test_overview_figures import midday_zone, send

SHOTS = Path("/tmp/shots-goals")


@pytest.fixture
def journal(tmp_path):
    """A server whose journal holds, today in its zone: 20 min real, 40 min busywork, and two
    untagged sessions of 90 and 60 min (2 h 30 min untagged this week); a goal of 70%."""
    name = midday_zone()
    server = start_server(tmp_path / "data", env={"TZ": name})
    zone = ZoneInfo(name)
    today = datetime.now(zone).date()
    send(server, zone, today, 20, "real")
    send(server, zone, today, 40, "busywork")
    server.untagged = [send(server, zone, today, 90), send(server, zone, today, 60)]
    requests.put(f"{server.url}/api/v1/settings/goals", json={"value_ratio": 0.7},
                 headers=server.headers(), timeout=5).raise_for_status()
    yield server
    if server.process.poll() is None:
        server.kill(sig=15)


def badge(browser):
    """The text on the extension's toolbar icon, read in its service worker."""
    return browser.evaluate("chrome.action.getBadgeText({})")


def wait_for_badge(browser, text, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if badge(browser) == text:
            return
        time.sleep(0.2)
    raise AssertionError(f"the badge reads {badge(browser)!r}, not {text!r}; "
                         f"sync state {browser.storage().get('syncState')}")


def shoot(popup, name, widths=(340, 390, 1280)):
    """The popup at its own width, a phone's and a desktop's, light and dark, as screenshots."""
    SHOTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        popup.emulate_media(color_scheme=scheme)
        for width in widths:
            popup.set_viewport_size({"width": width, "height": 800})
            popup.screenshot(path=str(SHOTS / f"popup-{name}-{width}-{scheme}.png"), full_page=True)
    popup.emulate_media(color_scheme="light")
    popup.set_viewport_size({"width": 340, "height": 800})


def test_the_popup_shows_the_day_the_week_the_goal_and_what_waits(browser, journal):
    browser.settings(serverUrl=journal.url, token=journal.token)
    # Pairing asks for a sync; after it, the summary puts the nudge on the icon.
    wait_for_badge(browser, "2h")
    title = browser.evaluate("chrome.action.getTitle({})")
    assert title == ("Candor: 2 h 30 min untagged this week. Open Candor to review your "
                     "sessions.")

    popup = open_popup(browser)
    expect(popup.locator("#today-detail")).to_have_text(
        "20 min real · 40 min busywork · 0 s unsure · 2 h 30 min untagged")
    expect(popup.locator("#ratio")).to_have_text("33%")
    expect(popup.locator("#server-note")).to_be_hidden()
    expect(popup.locator("#coverage")).to_have_text("29%")
    expect(popup.locator("#week-ratio")).to_have_text("33%")
    expect(popup.locator("#week-coverage")).to_have_text("29%")
    expect(popup.locator("#goals li")).to_have_text(
        ["33% real this week — goal 70% below the goal"])
    expect(popup.locator("#week-detail")).to_have_text(
        "1 h 00 min tagged of 3 h 30 min active: too little to read the ratio as a verdict yet.")
    expect(popup.locator("#verdicts")).to_have_class("verdicts nudge")
    expect(popup.locator("#verdicts-text")).to_have_text(
        "2 sessions waiting for your verdict: 2 h 30 min untagged this week.")
    expect(popup.locator("#sync-waiting")).to_have_text("Nothing waiting to sync")
    expect(popup.locator("#sync-text")).to_have_text("Connected to your Candor server")
    # The last sync, in the person's locale (the browser's own formatting of that moment).
    synced = browser.storage()["syncState"]["lastSuccessAt"]
    expected = popup.evaluate(
        "(iso) => new Intl.DateTimeFormat(undefined, {timeStyle: 'short'}).format(new Date(iso))",
        synced)
    expect(popup.locator("#sync-last")).to_have_text(f"Last synced at {expected}")

    assert_accessible(popup, ("light", "dark"))
    popup.emulate_media(color_scheme="light")
    assert popup.evaluate("document.documentElement.scrollWidth") <= 340
    shoot(popup, "nudge")

    # One click to the review queue: the dashboard opens there (and asks to log in if need be).
    with browser.ctx.expect_page() as opened:
        popup.click("#review-link")
    review = opened.value
    review.wait_for_load_state()
    assert review.url == f"{journal.url}/review"
    review.close()

    # Tagged on the dashboard; the next sync takes the badge away.
    requests.post(f"{journal.url}/api/v1/sessions/tag", json={"ids": journal.untagged,
                  "tag": "real"}, headers=journal.headers(), timeout=5).raise_for_status()
    options = browser.ctx.new_page()
    options.goto(browser.url("options/options.html"))
    options.click("#sync-now")
    wait_for_badge(browser, "")
    assert browser.evaluate("chrome.action.getTitle({})") == "Candor"
    popup.reload()
    expect(popup.locator("#verdicts-text")).to_have_text("No session is waiting for your verdict.")
    expect(popup.locator("#verdicts")).to_have_class("verdicts")
    expect(popup.locator("#review-link")).to_be_hidden()
    expect(popup.locator("#goals li")).to_have_text(["81% real this week — goal 70% reached"])
    shoot(popup, "goal-reached", widths=(340,))


def test_the_popup_says_plainly_when_candor_is_not_running_or_not_paired(browser, journal):
    browser.settings(serverUrl=journal.url, token=journal.token)
    wait_for_badge(browser, "2h")
    journal.kill()

    popup = open_popup(browser)
    expect(popup.locator("#server-note")).to_have_text(
        f"Candor is not running at 127.0.0.1:{journal.port}: start it (candor serve) to see "
        "today's figures.")
    expect(popup.locator("#today-detail")).to_have_text(
        re.compile(r"^Figures from .+, when Candor last answered\.$"))
    # The figures last seen stay, and so does the nudge: the time is still untagged.
    expect(popup.locator("#week-ratio")).to_have_text("33%")
    expect(popup.locator("#sync-text")).to_have_text(
        "Server not reachable — events wait safely here")
    assert badge(browser) == "2h"
    shoot(popup, "not-running", widths=(340,))

    browser.settings(token="")
    popup.reload()
    expect(popup.locator("#today-detail")).to_have_text(
        "Not paired: connect the extension to see your figures.")
    expect(popup.locator("#week-ratio")).to_have_text("—")
    expect(popup.locator("#server-note")).to_be_hidden()
    expect(popup.locator("#verdicts")).to_be_hidden()
    expect(popup.locator("#pair-hint")).to_be_visible()
    assert badge(browser) == ""
    shoot(popup, "not-paired", widths=(340,))
