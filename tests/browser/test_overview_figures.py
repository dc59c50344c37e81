"""The overview's figures and charts in a real browser, on a journal of known sessions."""

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import requests
from accessibility import assert_accessible
from playwright.sync_api import expect
from support import batch, event, new_id, start_server

from candor import demo, export
from candor.db import connect


def midday_zone():
    """A fixed-offset zone where it is about midday now, so that "today" holds whole sessions."""
    hours = (12 - datetime.now(timezone.utc).hour) % 24
    hours = hours - 24 if hours > 14 else hours
    return "Etc/UTC" if hours == 0 else f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"


def send(server, zone, day, minutes, tag=None, tokens=0, title=None):
    """A session of `minutes` active from 08:00 local on `day`, tagged; its id."""
    sid = new_id()
    start = datetime(day.year, day.month, day.day, 8, tzinfo=zone)
    events = [event(sid, "activity", start + timedelta(minutes=m), active_ms=60_000)
              for m in range(minutes)]
    events.append(event(sid, "prompt", start, prompt_chars=4 * tokens, est_tokens=tokens,
                        **({"title": title} if title else {})))
    r = requests.post(f"{server.url}/api/v1/events", json=batch(*events),
                      headers=server.headers(), timeout=10)
    assert r.json()["rejected"] == [], r.json()
    if tag:
        requests.patch(f"{server.url}/api/v1/sessions/{sid}", json={"tag": tag},
                       headers=server.headers(), timeout=10).raise_for_status()
    return sid


@pytest.fixture
def journal(tmp_path):
    """A server whose journal holds, in its zone: today 20 min real (1,000 tokens) and 40 min
    busywork (9,000 tokens); a week ago 30 min untagged."""
    name = midday_zone()
    server = start_server(tmp_path / "data", env={"TZ": name})
    zone = ZoneInfo(name)
    today = datetime.now(zone).date()
    server.today = today
    server.long_title = send(server, zone, today, 20, "real", tokens=1000,
                             title="https://chatgpt.com/c/6750a1b2-" + "9f3c" * 30)
    send(server, zone, today, 40, "busywork", tokens=9000)
    send(server, zone, today - timedelta(days=7), 30)
    yield server
    server.kill(sig=15)


def no_sideways_scroll(page, width=390):
    page.set_viewport_size({"width": width, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_overview_leads_with_today_this_week_and_the_week_before(journal, page):
    page.goto(journal.login_link())
    glance = page.locator("section.glance")
    expect(glance.locator(".card").nth(0)).to_contain_text("Today")
    expect(glance.locator(".card").nth(0).locator(".big")).to_have_text("1 h 00 min")
    expect(glance.locator(".card").nth(0)).to_contain_text("2 sessions")
    this_week = glance.locator(".card").nth(1)
    expect(this_week.locator(".big")).to_have_text("1 h 00 min")
    # A week ago, the same weekday: 30 min; twice as much now.
    expect(this_week.locator(".change")).to_contain_text("+100% on the week before by this day (30 min)")
    expect(this_week).to_contain_text("The week before, in all: 30 min")

    card = page.locator(".cards > .card").nth(0)  # this week's ratio
    expect(card.locator(".big")).to_contain_text("33%")
    # What the ratio rests on: tagged time of all, and how few sessions.
    expect(card).to_contain_text("Coverage 100% · 1 h 00 min tagged of 1 h 00 min, 2 sessions")
    expect(card).to_contain_text("from few sessions: an early reading, not a verdict")
    expect(card.locator(".by-tokens")).to_have_text(
        "By tokens 10%: 9,000 of the 10,000 tokens of sessions tagged real or busywork went to "
        "busywork.")
    expect(page.locator("footer.page-zone")).to_contain_text(
        f"Days and times on this page are in {midday_zone()}")
    # Cards side by side start on one line.
    for row in ("section.glance > .card", ".cards > .card"):
        tops = {round(box["y"]) for box in page.locator(row).evaluate_all(
            "cards => cards.map(c => c.getBoundingClientRect().toJSON())")}
        assert len(tops) == 1, (row, tops)
    assert page.errors == []


def test_charts_are_labelled_with_rounded_numbers_and_show_values_on_focus(journal, page):
    page.goto(journal.login_link())
    drawings = page.locator("figure.chart svg.chart-drawing:visible")
    assert drawings.count() == 5  # by tag, by day, week by week, by site, by hour
    for i in range(drawings.count()):
        label = drawings.nth(i).get_attribute("aria-label")
        assert drawings.nth(i).get_attribute("role") == "img"
        assert label and not re.search(r"\d\.\d", label), label  # no 226.21273446381213
    day_label = page.locator(".chart-wide svg.chart-drawing[aria-label^='Active time, day by day']")
    assert "1 h 30 min of active time in all; the most, 1 h 00 min" in day_label.get_attribute(
        "aria-label")
    weeks = page.locator(".chart-wide svg.chart-drawing[aria-label^='Value ratio and coverage']")
    monday = journal.today - timedelta(days=journal.today.weekday())
    assert f"to the week of {monday:%a} {monday.day} {monday:%b %Y}: value ratio" in \
        weeks.get_attribute("aria-label")
    # Weeks read as dates, from the first week with activity: two weeks, not twelve.
    ticks = weeks.locator("text").all_text_contents()
    assert f"{monday.day} {monday:%b}" in ticks and not any(t.startswith("W") for t in ticks)

    # The keyboard reaches the values: one Tab stop per chart, at its latest value; the arrow
    # keys move along it, its label shows; the next Tab goes on to the next chart.
    page.locator("a.preset").last.focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.chart-points .point')"):
            break
    focused = page.locator(".chart-points .point:focus")
    expect(focused).to_have_count(1)
    expect(focused.locator(".tip")).to_be_visible()
    assert focused.locator(".tip text").all_text_contents()[0] == "Untagged"
    page.keyboard.press("Home")
    assert focused.locator(".tip text").all_text_contents()[:2] == ["Real output", "20 min"]
    page.keyboard.press("ArrowRight")
    assert focused.locator(".tip text").all_text_contents()[:2] == ["Busywork", "40 min"]
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.chart-points').ariaLabel").startswith(
        "Active time, day by day")

    # The mouse too: the day's column tells its total on hover.
    day = page.locator(".chart-wide .chart-points[aria-label^='Active time, day by day'] .point")
    day.last.hover()
    expect(day.last.locator(".tip")).to_be_visible()
    expect(day.last.locator(".tip")).to_contain_text("1 h 00 min active")
    assert page.errors == []


def test_an_empty_range_draws_plain_empty_charts(journal, page):
    page.goto(journal.login_link())
    page.goto(f"{journal.url}/?from=2025-01-06&to=2025-01-19")
    chart = page.locator("figure.chart:has-text('Active time, day by day') .chart-wide")
    expect(chart).to_contain_text("No active time on these days.")
    texts = chart.locator("svg.chart-drawing text")
    title, message = texts.nth(0).bounding_box(), texts.nth(1).bounding_box()
    assert message["y"] >= title["y"] + title["height"]  # under its title, not over it
    assert chart.locator(".chart-points").count() == 0  # nothing to focus
    assert "No data" not in page.locator("main").inner_text()
    assert_accessible(page)


@pytest.mark.parametrize("path, scheme", [("/", "light"), ("/", "dark"), ("/review", "light"),
                                          ("/session", "light")])
def test_pages_pass_the_accessibility_check_and_fit_a_phone(journal, page, path, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(journal.login_link())
    if path == "/session":
        path = f"/sessions/{journal.long_title}"  # a title of one long unbroken word
    page.goto(f"{journal.url}{path}")
    assert_accessible(page)
    no_sideways_scroll(page)
    expect(page.locator("footer.page-zone")).to_be_visible()
    if path == "/":
        # At 390 the phone drawing shows, its text no smaller than 10 px on screen.
        drawing = page.locator("svg.chart-drawing:visible").first
        assert drawing.evaluate("e => e.closest('.chart-box').classList.contains('chart-narrow')")
        size = drawing.evaluate("e => e.querySelector('text').getBoundingClientRect().height")
        assert size >= 10


def test_the_report_fits_a_phone_and_prints_dates_on_one_line(playwright_instance, tmp_path,
                                                              page):
    db = connect(str(tmp_path / "candor.db"))
    demo.fill(db, days=21)
    path = tmp_path / "journal.html"
    path.write_text(export.render(export.build(db), "html"))
    db.close()
    page.goto(path.as_uri())
    no_sideways_scroll(page)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 680, "height": 1000})  # A4 within its margins
    # The lines each date's text takes: its range's boxes at distinct heights.
    lines = page.locator("td.date").evaluate_all(
        "cells => cells.map(c => { const r = document.createRange(); r.selectNodeContents(c);"
        " return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; })")
    assert lines and max(lines) == 1, lines  # one line each, never 2026-11-⏎12
    # Page 1 holds the figures and the first two charts whole: no chart too tall to fit
    # is pushed to page 2, leaving page 1 half empty.
    second = page.locator("figure").nth(1).bounding_box()
    assert second["y"] + second["height"] < 1000
