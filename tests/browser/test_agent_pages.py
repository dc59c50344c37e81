"""Agent sessions on the dashboard in a real browser, against a real `candor serve`: the
overview's ratios for chats and for agent sessions beside the whole, an agent session's
outcomes and signals, and agent signals in the review queue."""

import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from accessibility import assert_accessible
from agent_logs import (
    T0,
    claude_assistant,
    claude_retry,
    claude_user,
    write_lines,
)
from playwright.sync_api import expect
from support import batch, event, new_id

from conftest import CHROMIUM

SHOTS = Path("/tmp/shots-signals")
LOOPING = "aaaaaaaa-1111-4111-8111-000000000001"
FAILING = "aaaaaaaa-1111-4111-8111-000000000002"


def agent_home(tmp_path):
    """Claude Code transcripts of the last hour and a half: one session going round in a
    loop (25 reads, then one edit), then a longer one whose model calls kept failing."""
    start = (datetime.now(timezone.utc) - timedelta(minutes=90) - T0).total_seconds() / 60
    home = tmp_path / "home"
    project = home / ".claude" / "projects" / "-home-ann-candor"

    def call(session, n, minutes, tool):
        return claude_assistant(session, f"msg_{session[-1]}_{n}", f"req_{n}", start + minutes,
                                (3, 40, 200, 1_000), tool=f"toolu_{session[-1]}_{n}",
                                tool_name=tool)

    write_lines(project / f"{LOOPING}.jsonl", [
        claude_user(LOOPING, start), *[call(LOOPING, n, n * 0.5, "Read") for n in range(25)],
        call(LOOPING, 25, 13, "Edit")])
    write_lines(project / f"{FAILING}.jsonl", [
        claude_user(FAILING, start + 14), claude_user(FAILING, start + 30),
        *[call(FAILING, n, 15 + n * 2, ("Read", "Edit")[n % 2]) for n in range(16)],
        *[claude_retry(FAILING, start + 22 + n * 0.1, n) for n in range(6)]])
    return home


def scan(home, data_dir):
    env = {k: v for k, v in os.environ.items()
           if k not in ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "XDG_CONFIG_HOME")}
    done = subprocess.run([sys.executable, "-m", "candor", "agents", "scan"], timeout=120,
                          capture_output=True, text=True,
                          env={**env, "HOME": str(home), "CANDOR_DATA_DIR": str(data_dir)})
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def journal(live_server, tmp_path):
    """A journal with a chat session tagged real and agent sessions, one tagged busywork."""
    server = live_server
    scan(agent_home(tmp_path), server.data_dir)
    chat = new_id()
    now = datetime.now(timezone.utc) - timedelta(minutes=100)
    sent = requests.post(f"{server.url}/api/v1/events", headers=server.headers(), timeout=10,
                         json=batch(event(chat, "prompt", now, prompt_chars=300, est_tokens=75),
                                    event(chat, "response", now + timedelta(seconds=20),
                                          response_chars=2000, est_tokens=500),
                                    event(chat, "activity", now + timedelta(seconds=90),
                                          active_ms=90_000)))
    assert sent.ok and sent.json()["rejected"] == []
    server.ids = {"chat": chat, "looping": _id(server, LOOPING), "failing": _id(server, FAILING)}
    for sid, tag in ((chat, "real"), (server.ids["looping"], "busywork")):
        assert requests.patch(f"{server.url}/api/v1/sessions/{sid}", json={"tag": tag},
                              headers=server.headers(), timeout=10).ok
    return server


def _id(server, source_id):
    sessions = requests.get(f"{server.url}/api/v1/sessions", params={"kind": "agent"},
                            headers=server.headers(), timeout=10).json()["sessions"]
    ids = {s["id"] for s in sessions}
    wanted = str(uuid.uuid5(uuid.UUID("3b0f6f1e-5c7a-5d43-9a0e-6f1c2d8b7a90"),
                            f"claude-code:{source_id}"))
    assert wanted in ids
    return wanted


@pytest.fixture
def page(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-background-networking"])
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors
    yield page
    browser.close()


def shoot(page, name):
    SHOTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
    page.set_viewport_size({"width": 1280, "height": 900})


def stats(server, **params):
    return requests.get(f"{server.url}/api/v1/stats", params=params, headers=server.headers(),
                        timeout=10).json()


def test_the_overview_shows_the_ratio_of_chats_and_of_agent_sessions_beside_the_whole(
        journal, page):
    page.goto(journal.login_link())
    card = page.locator("section.card").nth(1)  # the chosen range (the last 12 weeks)
    every = stats(journal, **{"from": (datetime.now() - timedelta(days=83)).date().isoformat(),
                              "to": datetime.now().date().isoformat()})
    assert 0 < every["value_ratio"] < 1  # real chat time and busywork agent time
    expect(card.locator(".big")).to_contain_text(f"{every['value_ratio'] * 100:.0f}%")
    chats, agents = card.locator("table.by-kind tr.kind-chat"), card.locator(
        "table.by-kind tr.kind-agent")
    expect(chats.locator("th")).to_have_text("Chats")
    expect(chats.locator("td").nth(0)).to_have_text("100%")  # its one session is real
    expect(chats.locator("td").nth(2)).to_have_text("1")
    expect(agents.locator("th")).to_have_text("Agent sessions")
    expect(agents.locator("td").nth(0)).to_have_text("0%")  # the tagged one is busywork
    # One of the two agent sessions is tagged: a shaky ratio says so.
    expect(agents.locator("td").nth(1)).to_contain_text("low")
    expect(agents.locator("td").nth(2)).to_have_text("2")
    shoot(page, "overview")
    assert_accessible(page)
    assert page.errors == []


def test_an_agent_sessions_page_shows_its_outcomes_and_signals(journal, page):
    page.goto(journal.login_link())
    page.goto(f"{journal.url}/sessions/{journal.ids['looping']}")
    outcomes = page.locator("section[aria-labelledby=outcomes-h]")
    expect(outcomes.locator("dt")).to_have_text(
        ["Edits", "Lines changed", "Commits", "Pull requests"])
    expect(outcomes.locator("dd")).to_have_text(
        ["1", "not reported", "not reported", "not reported"])
    signals = page.locator("section[aria-labelledby=signals-h] ul.signals li")
    expect(signals).to_have_text(["Read was called 25 times in a row"])
    shoot(page, "agent-session")
    assert_accessible(page)
    assert page.errors == []


def test_the_review_queue_shows_and_filters_agent_signals(journal, page):
    page.goto(journal.login_link())
    page.goto(f"{journal.url}/review")
    row = page.locator(f"li.session[data-id='{journal.ids['failing']}']")
    expect(row.locator("ul.signals li")).to_have_text(["6 model calls failed"])
    expect(row.locator(".when")).to_contain_text("16 model calls / 16 tool calls, 8 edits ·")
    page.select_option("select[name=signal]", "retries")
    page.click("form.range button[type=submit]")
    page.wait_for_url("**signal=retries**")
    expect(page.locator("li.session")).to_have_count(1)
    expect(page.locator("li.session")).to_have_attribute("data-id", journal.ids["failing"])
    shoot(page, "review-retries")
    assert page.errors == []
