"""The Settings page's form in a real browser: date format, weekly goals, signal thresholds."""

import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
from accessibility import assert_accessible
from playwright.sync_api import expect
from support import batch, event, new_id, start_server

STARTED = datetime.now(timezone.utc).replace(hour=12, minute=0) - timedelta(days=3)


@pytest.fixture
def server(tmp_path):
    """A journal in UTC with one chat that ended: 13,000 tokens, nothing copied (no signal with
    the default thresholds; "no outcome" from 10,000)."""
    server = start_server(tmp_path / "data", env={"TZ": "UTC"})
    sid = new_id()
    events = [
        event(sid, "prompt", STARTED, prompt_chars=24_000, est_tokens=6_000),
        event(sid, "response", STARTED + timedelta(seconds=20), response_chars=28_000,
              est_tokens=7_000),
        event(sid, "activity", STARTED + timedelta(seconds=200), active_ms=150_000),
        event(sid, "session_end", STARTED + timedelta(seconds=300)),
    ]
    r = requests.post(f"{server.url}/api/v1/events", json=batch(*events),
                      headers=server.headers(), timeout=10)
    assert r.json()["accepted"] == 4
    server.session_id = sid
    yield server
    server.kill(sig=15)


def settings(server):
    return requests.get(f"{server.url}/api/v1/settings", headers=server.headers(),
                        timeout=5).json()


def signal_names(server):
    found = requests.get(f"{server.url}/api/v1/sessions/{server.session_id}",
                         headers=server.headers(), timeout=5).json()["signals"]
    return [s["name"] for s in found]


def test_dates_show_in_the_format_chosen_on_the_settings_page(server, page):
    page.goto(server.login_link())
    page.goto(f"{server.url}/settings")
    page.select_option("#date-format-choice", "M/D/YYYY")
    page.click("#date-format button[type=submit]")
    expect(page.locator("#date-format-status")).to_contain_text(
        "Saved: pages now show dates as")
    assert settings(server)["date_format"] == "M/D/YYYY"
    page.goto(f"{server.url}/sessions/{server.session_id}")
    expect(page.locator("main")).to_contain_text(
        f"{STARTED:%a} {STARTED.month}/{STARTED.day}/{STARTED.year}, 12:00")
    assert settings(server)["time_zone"] == "UTC"  # weeks and days as before


def test_thresholds_are_changed_in_peoples_units_and_reset(server, page):
    page.goto(server.login_link())
    page.goto(f"{server.url}/settings")
    form = page.locator("#thresholds")
    status = page.locator("#thresholds-status")
    reset = form.locator('.reset-threshold[data-threshold="no_outcome_tokens"]')
    expect(form.locator("#threshold-no_outcome_tokens-default")).to_have_text("default 20,000")
    expect(reset).to_be_disabled()
    assert signal_names(server) == []

    page.fill("#threshold-no_outcome_tokens", "10000")
    page.fill("#threshold-read_share", "50")  # percent on the page, a fraction in the API
    page.fill("#threshold-ended_within_ms", "20")  # seconds on the page, ms in the API
    page.click("#thresholds button[type=submit]")
    expect(status).to_contain_text("Saved 3 thresholds")
    kept = settings(server)["thresholds"]
    assert (kept["no_outcome_tokens"], kept["read_share"], kept["ended_within_ms"]) == (
        10_000, 0.5, 20_000)
    expect(reset).to_be_enabled()
    # The session's signals follow the new thresholds.
    deadline = time.monotonic() + 15
    while signal_names(server) != ["no_outcome"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert signal_names(server) == ["no_outcome"]

    # A value out of bounds is stopped in the page, and nothing changes.
    page.fill("#threshold-loop_calls", "1")
    page.click("#thresholds button[type=submit]")
    assert form.locator("#threshold-loop_calls:invalid").count() == 1
    assert settings(server)["thresholds"]["loop_calls"] == 20
    page.fill("#threshold-loop_calls", "20")

    reset.click()
    expect(status).to_contain_text("“Tokens of a chat, at least” is back to its default, 20000.")
    expect(page.locator("#threshold-no_outcome_tokens")).to_have_value("20000")
    expect(reset).to_be_disabled()
    assert settings(server)["thresholds"]["no_outcome_tokens"] == 20_000
    assert settings(server)["thresholds"]["read_share"] == 0.5

    page.click("#reset-thresholds")
    expect(status).to_have_text("Every threshold is back to its default.")
    expect(page.locator("#threshold-read_share")).to_have_value("25")
    body = settings(server)
    assert body["thresholds"] == body["threshold_defaults"]


def test_weekly_goals_and_the_titles_the_extension_sends(server, page):
    page.goto(server.login_link())
    page.goto(f"{server.url}/settings")
    page.fill("#goal-value-ratio", "70")
    page.click("#goals-settings button[type=submit]")
    expect(page.locator("#goals-settings-status")).to_have_text(
        "Saved: a value ratio of 70% and no coverage goal each week.")
    assert settings(server)["goals"] == {"value_ratio": 0.7, "coverage": None}
    page.reload()
    expect(page.locator("#goal-value-ratio")).to_have_value("70")
    # The one chat came without its title: the page says so, and where that is chosen.
    expect(page.locator("#titles-now")).to_contain_text("came without one")
    expect(page.locator("#titles-h + p")).to_contain_text("Keep each conversation's title")


def test_the_settings_page_passes_the_accessibility_check_and_fits_a_phone(server, page):
    page.goto(server.login_link())
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{server.url}/settings")
        assert_accessible(page)
        page.set_viewport_size({"width": 390, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.errors == []
