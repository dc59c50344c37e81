"""The overview's weekly goal, set in a real browser and shown against this week's figures."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from accessibility import assert_accessible
from playwright.sync_api import expect
from support import candor, start_server
from test_overview_figures import midday_zone, no_sideways_scroll, send


@pytest.fixture
def week(tmp_path):
    """A server whose journal holds, today in its zone: 20 min real, 40 min busywork and
    60 min untagged (a ratio of 33% from half the time tagged); the week before, 30 min real."""
    name = midday_zone()
    server = start_server(tmp_path / "data", env={"TZ": name})
    zone = ZoneInfo(name)
    today = datetime.now(zone).date()
    send(server, zone, today, 20, "real")
    send(server, zone, today, 40, "busywork")
    send(server, zone, today, 60)
    send(server, zone, today - timedelta(days=7), 30, "real")
    yield server
    server.kill(sig=15)


def goals(server):
    return requests.get(f"{server.url}/api/v1/settings/goals", headers=server.headers(),
                        timeout=5).json()


def save(page, ratio, coverage):
    page.fill("#goal-ratio-input", ratio)
    page.fill("#goal-coverage-input", coverage)
    with page.expect_navigation():  # the page reads the week against the new goals again
        page.click("#goals-form button[type=submit]")


def test_a_weekly_goal_set_on_the_overview_shows_this_week_against_it(page, week):
    page.goto(week.login_link())
    card = page.locator("section.goals")
    expect(card.locator("#goal-none")).to_contain_text("No goal set")
    expect(card.locator("#goal-ratio")).to_have_count(0)

    save(page, "70", "80")
    assert goals(week) == {"value_ratio": 0.7, "coverage": 0.8}
    expect(card.locator("#goal-ratio")).to_have_text(
        "33% real this week — goal 70% below the goal")
    expect(card.locator("#goal-coverage")).to_have_text(
        "50% tagged this week — goal 80% below the goal")
    # The coverage beside the ratio: half the time tagged is no verdict yet.
    expect(card.locator("#goal-basis")).to_have_text(
        "The ratio rests on 1 h 00 min tagged of 2 h 00 min active (50% coverage): too little "
        "to read as a verdict yet, tag more sessions.")
    expect(card.locator("#goal-basis a")).to_have_attribute("href", "/review")
    expect(page.locator("#goal-ratio-input")).to_have_value("70")

    assert_accessible(page, ("light", "dark"))
    page.emulate_media(color_scheme="light")
    no_sideways_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    # A goal within reach reads as reached; an empty box is no goal.
    save(page, "30", "")
    assert goals(week) == {"value_ratio": 0.3, "coverage": None}
    expect(card.locator("#goal-ratio")).to_have_text("33% real this week — goal 30% reached")
    expect(card.locator("#goal-coverage")).to_have_count(0)
    expect(card.locator("#goal-basis")).to_contain_text("(50% coverage)")

    save(page, "", "")
    assert goals(week) == {"value_ratio": None, "coverage": None}
    expect(card.locator("#goal-none")).to_be_visible()
    assert page.errors == []


def test_an_imported_journals_overview_shows_no_goals(page, week, tmp_path):
    requests.put(f"{week.url}/api/v1/settings/goals", json={"value_ratio": 0.7},
                 headers=week.headers(), timeout=5).raise_for_status()
    exported = requests.get(f"{week.url}/api/v1/export", params={"format": "json"},
                            headers=week.headers(), timeout=10)
    path = tmp_path / "journal.json"
    path.write_bytes(exported.content)
    coach = start_server(tmp_path / "coach")
    try:
        candor("import", str(path), "--name", "ada", data_dir=coach.data_dir, tz="UTC")
        page.goto(coach.login_link())
        page.goto(f"{coach.url}/journals/ada")
        expect(page.locator("h1")).to_have_text("Overview")
        expect(page.locator("section.goals")).to_have_count(0)
    finally:
        coach.kill(sig=15)
