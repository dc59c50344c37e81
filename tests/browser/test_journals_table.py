"""The coach's Journals table in a real browser: what each journal covers, sorted by any column;
an imported journal's pages in its worker's time zone, saying what a newer export changed."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from accessibility import assert_accessible
from playwright.sync_api import expect
from support import start_server

from candor import config, demo, journal
from candor.db import connect
from conftest import CHROMIUM

SHOTS = Path("/tmp/shots-coach")
# (owner, seed, the worker's time zone, days)
WORKERS = [("Ada Lovelace", 11, "Asia/Kolkata", 20), ("Grace Hopper", 12, "America/New_York", 9),
           ("Sam Okafor", 13, "Europe/Paris", 30)]


def cli(*args, data_dir):
    done = subprocess.run([sys.executable, "-m", "candor", *map(str, args)], capture_output=True,
                          text=True, timeout=60,
                          env={**os.environ, "CANDOR_DATA_DIR": str(data_dir)})
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def coach(tmp_path):
    """A coach's `candor serve --demo`, with three workers' journals imported, one of them twice
    (a newer export, after its worker forgot a session and changed a verdict)."""
    server = start_server(tmp_path / "unused", extra_args=["--demo"])
    log = (tmp_path / f"server-{server.port}.log").read_text()
    coach_dir = server.data_dir = Path(re.search(r"CANDOR_DATA_DIR=(\S+) candor open",
                                                 log).group(1))
    for owner, seed, zone, days in WORKERS:
        worker_dir = tmp_path / f"worker-{seed}"
        db = connect(str(config.data_dir(str(worker_dir)) / "candor.db"))
        journal.set_time_zone(db, zone)
        demo.fill(db, days=days, seed=seed)
        path = tmp_path / f"{seed}.json"
        cli("export", "-o", path, "--owner", owner, data_dir=worker_dir)
        cli("import", path, data_dir=coach_dir)
        if seed == 11:  # Ada's next week: a session forgotten, a verdict changed
            sessions = json.loads(path.read_text())["sessions"]
            journal.forget_session(db, sessions[-1]["id"])
            changed = next(s for s in reversed(sessions) if s["tag"] == "busywork")
            journal.change_session(db, changed["id"], {"tag": "real"})
            cli("export", "-o", path, data_dir=worker_dir)
            assert "1 changed tag, 1 removed" in cli("import", path, data_dir=coach_dir)
        db.close()
    yield server
    server.kill(sig=15)


@pytest.fixture
def page(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-background-networking"])
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    yield page
    assert errors == []
    browser.close()


def column(page, index):
    """The text of one column of the Journals table, top to bottom."""
    return page.locator(f"table.journals tbody tr > :nth-child({index})").all_inner_texts()


def percents(texts):
    return [int(re.match(r"(\d+)%", t).group(1)) for t in texts]


def test_the_journals_table_sorts_by_any_column(coach, page):
    SHOTS.mkdir(exist_ok=True)
    page.goto(coach.login_link())
    page.goto(f"{coach.url}/journals")
    rows = page.locator("table.journals tbody tr")
    expect(rows).to_have_count(3)
    assert column(page, 1) == ["Ada Lovelace", "Grace Hopper", "Sam Okafor"]
    expect(page.locator("th[aria-sort]")).to_have_text("Journal▲")
    assert column(page, 5) == ["Asia/Kolkata", "America/New York", "Europe/Paris"]
    assert all(re.fullmatch(r"\d{1,2} \w{3}( \d{4})? – \d{1,2} \w{3} \d{4}", c)
               for c in column(page, 2)), column(page, 2)

    page.click("th >> text=Value ratio")
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Value ratio")
    ratios = percents(column(page, 6))
    assert ratios == sorted(ratios)
    page.click("th >> text=Value ratio")  # again: the other way
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Value ratio")
    assert percents(column(page, 6)) == sorted(ratios, reverse=True)
    assert "sort=value_ratio" in page.url and "order=desc" in page.url

    # From the keyboard: a heading is a link like any other.
    page.locator("th a", has_text="Time zone").focus()
    page.keyboard.press("Enter")
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Time zone")
    assert column(page, 5) == sorted(column(page, 5))
    page.locator("th a", has_text="Sessions").click()
    sessions = [int(n) for n in column(page, 9)]
    assert sessions == sorted(sessions)
    # The range form keeps the order chosen.
    page.click("form.range button[type=submit]")
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Sessions")

    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "journals-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls
    page.screenshot(path=str(SHOTS / "journals-390.png"), full_page=True)


def test_an_imported_journal_is_shown_in_its_workers_zone_and_says_what_changed(coach, page):
    SHOTS.mkdir(exist_ok=True)
    page.goto(coach.login_link())
    page.goto(f"{coach.url}/journals")
    page.click("text=Ada Lovelace")
    said = page.locator("main > .callout").first
    expect(said).to_contain_text("in Asia/Kolkata, not yours")
    expect(page.locator(".journal-changes")).to_contain_text(
        "0 new sessions, 1 changed tag, 1 removed")
    # The week-note picker lists the weeks the journal covers, newest first.
    weeks = page.locator("#week-key option").all_inner_texts()
    assert len(weeks) >= 3 and weeks == sorted(weeks, reverse=True)
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "journal-1280.png"), full_page=True)
    page.click(".journal-changes a")
    expect(page.locator("ol.queue .badge", has_text="tag changed from busywork")).to_have_count(1)
    page.screenshot(path=str(SHOTS / "journal-sessions-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.go_back()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "journal-390.png"), full_page=True)


def test_the_owners_name_is_set_once_on_settings(coach, page):
    page.goto(coach.login_link())
    page.goto(f"{coach.url}/settings")
    page.fill("#owner-name", "  Grace Hopper ")
    page.click("#owner button[type=submit]")
    expect(page.locator("#owner-status")).to_have_text(
        "Exports now say “Candor journal of Grace Hopper”.")
    expect(page.locator("#owner-name")).to_have_value("Grace Hopper")
    page.reload()
    expect(page.locator("#owner-name")).to_have_value("Grace Hopper")
    page.fill("#owner-name", "x" * 100 + "\t")
    page.evaluate("document.getElementById('owner-name').value = 'a\\tb'")
    page.click("#owner button[type=submit]")
    expect(page.locator("#owner-status")).to_contain_text("Not changed")
