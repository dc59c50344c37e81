"""The dashboard in a real browser, against a real `candor serve --demo`."""

import json
import os
import re
import subprocess
import sys
import time
from datetime import date, timedelta

import pytest
import requests
from accessibility import assert_accessible
from playwright.sync_api import expect
from support import start_server

from candor import security
from conftest import api


def test_tag_three_sessions_with_the_keyboard_and_see_the_ratio_move(demo, page, shots_dir):
    page.goto(demo.login_link())
    assert page.url == f"{demo.url}/"  # the token left the address bar
    first = (date.today() - timedelta(days=83)).isoformat()
    last = date.today().isoformat()
    before = api(demo, "/api/v1/stats", **{"from": first, "to": last})

    page.goto(f"{demo.url}/review")
    rows = page.locator("li.session")
    ids = [rows.nth(i).get_attribute("data-id") for i in range(3)]
    for key, n in (("r", 1), ("b", 2), ("r", 3)):
        page.keyboard.press(key)
        expect(page.locator("li.session[data-tag]:not([data-tag=''])")).to_have_count(n)
    page.screenshot(path=str(shots_dir / "dashboard-review.png"))

    tags = [api(demo, f"/api/v1/sessions/{i}")["tag"] for i in ids]
    assert tags == ["real", "busywork", "real"]
    seconds = [api(demo, f"/api/v1/sessions/{i}")["active_seconds"] for i in ids]
    after = api(demo, "/api/v1/stats", **{"from": first, "to": last})
    assert after["real_seconds"] == pytest.approx(before["real_seconds"] + seconds[0] + seconds[2])
    assert after["busywork_seconds"] == pytest.approx(before["busywork_seconds"] + seconds[1])
    assert after["value_ratio"] != before["value_ratio"]

    # The overview shows the new ratio for the default range (the last 12 weeks).
    page.goto(f"{demo.url}/")
    card = page.locator(".cards > .card").nth(1)  # the chosen range's ratio
    assert card.locator(".big").inner_text().startswith(f"{after['value_ratio'] * 100:.0f}%")
    page.screenshot(path=str(shots_dir / "dashboard-overview.png"), full_page=True)
    assert page.errors == []


def test_undo_puts_the_last_tag_back(demo, page):
    page.goto(demo.login_link())
    page.goto(f"{demo.url}/review")
    first_id = page.locator("li.session").first.get_attribute("data-id")
    page.keyboard.press("u")
    expect(page.locator("li.session[data-tag='unsure']")).to_have_count(1)
    page.keyboard.press("z")
    expect(page.locator("#status")).to_have_text("Undone.")
    assert api(demo, f"/api/v1/sessions/{first_id}")["tag"] is None


def test_note_and_outcome_link_from_the_keyboard(demo, page):
    page.goto(demo.login_link())
    page.goto(f"{demo.url}/review")
    first_id = page.locator("li.session").first.get_attribute("data-id")
    page.keyboard.press("n")
    page.fill("#ask-input", "Drafted the release notes")
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_have_text("Note saved.")
    page.keyboard.press("o")
    page.fill("#ask-input", "https://docs.example/release-notes")
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_have_text("Outcome link saved.")
    session = api(demo, f"/api/v1/sessions/{first_id}")
    assert (session["note"], session["outcome_url"]) == (
        "Drafted the release notes", "https://docs.example/release-notes")


def test_session_page_tags_and_forgets(demo, page, shots_dir):
    page.goto(demo.login_link())
    sid = api(demo, "/api/v1/sessions", tag="untagged", limit=1)["sessions"][0]["id"]
    page.goto(f"{demo.url}/sessions/{sid}")
    page.screenshot(path=str(shots_dir / "dashboard-session.png"), full_page=True)
    page.click("button[data-tag='busywork']")
    expect(page.locator("#status")).to_have_text("Tag saved.")
    assert api(demo, f"/api/v1/sessions/{sid}")["tag"] == "busywork"
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#forget")
    page.wait_for_url(f"{demo.url}/review")
    r = requests.get(f"{demo.url}/api/v1/sessions/{sid}", timeout=10,
                     headers={"Authorization": f"Bearer {demo.token}"})
    assert r.status_code == 404


@pytest.fixture
def coach_journal(demo, tmp_path):
    """A second worker's journal, tampered with and force-imported into the demo server."""
    from candor import config, export
    from candor import demo as demo_data
    from candor.db import connect
    db = connect(str(config.data_dir(str(tmp_path / "worker")) / "candor.db"))
    demo_data.fill(db, days=20, seed=9)
    data = export.build(db, owner="Ada Lovelace")
    db.close()
    data["sessions"][0]["prompts"] += 1
    path = tmp_path / "ada.json"
    path.write_text(json.dumps(data))
    data_dir = re.search(r"sessions in (\S+)", (tmp_path / f"server-{demo.port}.log")
                         .read_text()).group(1)
    done = subprocess.run([sys.executable, "-m", "candor", "import", str(path), "--force"],
                          env={**os.environ, "CANDOR_DATA_DIR": data_dir}, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return "ada-lovelace"


def test_journals_side_by_side_and_read_only(demo, page, coach_journal, shots_dir):
    page.goto(demo.login_link())
    page.goto(f"{demo.url}/journals")
    row = page.locator("table.journals tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("th")).to_contain_text("Ada Lovelace")
    expect(row.locator(".badge")).to_have_text("unverified")
    page.screenshot(path=str(shots_dir / "dashboard-journals.png"))
    page.click("text=Ada Lovelace")
    expect(page.locator(".callout").first).to_contain_text("Unverified")
    page.screenshot(path=str(shots_dir / "dashboard-journal-overview.png"), full_page=True)
    page.goto(f"{demo.url}/journals/{coach_journal}/sessions")
    page.locator("ol.queue a").first.click()
    expect(page.locator("#forget")).to_have_count(0)
    expect(page.locator("button[data-tag]")).to_have_count(0)
    # A coach's note on the session is kept with the imported journal.
    page.fill("#coach-note", "Ask about the rewrites")
    page.click("form.coach-note button[type=submit]")
    expect(page.locator("#status")).to_have_text("Note saved.")
    r = requests.get(f"{demo.url}/api/v1/journals/{coach_journal}/notes", timeout=10,
                     headers={"Authorization": f"Bearer {demo.token}"})
    assert [n["note"] for n in r.json()["notes"]] == ["Ask about the rewrites"]


@pytest.mark.parametrize("path", ["/", "/review", "/session", "/settings", "/connect",
                                  "/?range=1y", "locked", "/journals", "/journals/ada-lovelace",
                                  "/journals/ada-lovelace/sessions"])
def test_every_page_passes_the_accessibility_check(demo, page, coach_journal, path):
    if path == "locked":
        page.goto(f"{demo.url}/")  # no cookie yet: the page that explains how to get in
    else:
        page.goto(demo.login_link())
        if path == "/session":
            sid = api(demo, "/api/v1/sessions", limit=1)["sessions"][0]["id"]
            path = f"/sessions/{sid}"
        page.goto(f"{demo.url}{path}")
    assert_accessible(page)
    page.set_viewport_size({"width": 400, "height": 800})  # a narrow window
    assert page.evaluate("document.documentElement.scrollWidth") <= 400


def test_the_settings_page_exports_a_journal(demo, page, tmp_path, shots_dir):
    page.goto(demo.login_link())
    page.goto(f"{demo.url}/settings")
    page.screenshot(path=str(shots_dir / "dashboard-settings.png"), full_page=True)
    page.select_option("select[name=format]", "json")
    page.uncheck("input[value=notes]")
    with page.expect_download() as download:
        page.click("form[action='/api/v1/export'] button[type=submit]")
    path = tmp_path / "journal.json"
    download.value.save_as(path)
    data = json.loads(path.read_text())
    assert data["redaction"] == ["titles"]
    assert len(data["sessions"]) == len(api(demo, "/api/v1/sessions", limit=500)["sessions"])


def test_deleting_everything_asks_for_the_words(demo, page):
    page.goto(demo.login_link())
    page.goto(f"{demo.url}/settings")
    page.fill("#confirm-forget", "yes please")
    page.click("#forget-everything button")
    expect(page.locator("#status")).to_contain_text("Nothing deleted")
    assert api(demo, "/api/v1/sessions", limit=1)["sessions"]
    page.fill("#confirm-forget", "forget everything")
    page.click("#forget-everything button")
    expect(page.locator("#status")).to_contain_text("Deleted")
    assert api(demo, "/api/v1/sessions", limit=1)["sessions"] == []


def test_the_review_queue_can_put_the_most_signals_first(demo, page):
    untagged = api(demo, "/api/v1/sessions", tag="untagged", limit=500)["sessions"]
    # Most signals first; among equals, newest first (started_at is ISO 8601 in UTC).
    ranked = sorted(untagged, key=lambda s: (len(s["signals"]), s["started_at"], s["id"]),
                    reverse=True)[:50]
    counts = [len(s["signals"]) for s in ranked]
    assert counts[0] > counts[-1]  # the demo has sessions with more signals and with fewer
    assert [len(s["signals"]) for s in untagged[:50]] != counts  # newest first is another order
    page.goto(demo.login_link())
    page.goto(f"{demo.url}/review?sort=signals")
    expect(page.locator("li.session")).to_have_count(len(ranked))
    shown = page.locator("li.session").evaluate_all(
        "items => items.map(li => [li.dataset.id, li.querySelectorAll('ul.signals li').length])")
    assert shown == [[s["id"], len(s["signals"])] for s in ranked]


def test_the_time_zone_is_changed_on_the_settings_page(demo, page):
    page.goto(demo.login_link())
    page.goto(f"{demo.url}/settings")
    expect(page.locator("#time-zone-now")).to_have_text(
        api(demo, "/api/v1/settings/time-zone")["time_zone"])
    page.fill("#time-zone-name", "Atlantis/Capital")
    page.click("#time-zone button")
    expect(page.locator("#time-zone-status")).to_contain_text("Not changed")
    expect(page.locator("#time-zone-status")).to_contain_text("Unknown time zone")
    page.fill("#time-zone-name", "Pacific/Auckland")
    page.click("#time-zone button")
    expect(page.locator("#time-zone-status")).to_contain_text("now counted in Pacific/Auckland")
    expect(page.locator("#time-zone-now")).to_have_text("Pacific/Auckland")
    assert api(demo, "/api/v1/settings/time-zone")["time_zone"] == "Pacific/Auckland"
    assert [e for e in page.errors if "422" not in e] == []


def test_an_agent_source_is_switched_on_on_the_settings_page(tmp_path, page):
    from agent_logs import claude_assistant, write_lines

    home = tmp_path / "home"
    session = "aaaaaaaa-1111-4111-8111-111111111111"
    write_lines(home / ".claude" / "projects" / "-home-ann-candor" / f"{session}.jsonl",
                [claude_assistant(session, "msg_1", "req_1", 0, (4, 30, 100, 0))])
    server = start_server(tmp_path / "data", env={
        "HOME": str(home), "CLAUDE_CONFIG_DIR": "", "CODEX_HOME": "", "XDG_CONFIG_HOME": ""})
    server.token = security.read_token(server.data_dir)
    try:
        page.goto(server.login_link())
        page.goto(f"{server.url}/settings")
        claude = page.locator('tr[data-source="claude-code"]')
        expect(claude).to_contain_text(str(home / ".claude" / "projects"))
        expect(page.locator('tr[data-source="gemini-cli"]')).to_contain_text("not found here")
        expect(page.locator('tr[data-source="gemini-cli"] input')).to_have_count(0)
        assert_accessible(page)

        claude.locator("input").check()
        expect(page.locator("#agent-sources-status")).to_contain_text(
            "Claude Code is scanned about once a minute")
        def claude_source():
            return next(s for s in api(server, "/api/v1/settings/agent-sources")["sources"]
                        if s["source"] == "claude-code")

        assert claude_source()["on"] is True
        deadline = time.monotonic() + 15  # scanned at once, not a minute later
        while claude_source()["sessions"] != 1:
            assert time.monotonic() < deadline, "not scanned"
            time.sleep(0.05)
        page.reload()
        expect(claude.locator('td[data-label="Sessions"]')).to_have_text("1")
        claude.locator("input").uncheck()
        expect(page.locator("#agent-sources-status")).to_contain_text("no longer scanned")
        assert claude_source()["on"] is False
        page.set_viewport_size({"width": 390, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.errors == []
    finally:
        server.kill(sig=15)
