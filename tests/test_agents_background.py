"""Agent sources in Settings, their switches, and the background scanner `candor serve` runs."""

import sqlite3
import time

import pytest
import requests
from agent_logs import append_lines, claude_assistant, codex_lines, write_lines
from support import NAVIGATE, PORT, start_server

from candor import create_app, logins
from candor import db as candor_db
from candor.agents import background, scan
from candor.db import connect

A = "aaaaaaaa-1111-4111-8111-111111111111"
CODEX = "019c8a4c-ed82-79a1-aa28-7738fc5ab61a"


@pytest.fixture
def home(tmp_path):
    """A home with Claude Code and Codex logs, and no Gemini CLI."""
    home = tmp_path / "home"
    write_lines(home / ".claude" / "projects" / "-home-ann-candor" / f"{A}.jsonl", [
        claude_assistant(A, "msg_1", "req_1", 0, (4, 30, 100, 0)),
        claude_assistant(A, "msg_2", "req_2", 3, (2, 20, 0, 100)),
    ])
    write_lines(home / ".codex" / "sessions" / "2026" / "03" / "09"
                / f"rollout-2026-03-09T17-50-00-{CODEX}.jsonl",
                codex_lines(CODEX, [(2_000, 1_500, 80, 30)]))
    return home


@pytest.fixture
def roots(home):
    """The default folders of each source for a user whose home is `home`."""
    return background.default_roots(env={"HOME": str(home)})


@pytest.fixture
def app(tmp_path, roots):
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "PORT": PORT, "TESTING": True,
                      "AGENT_ROOTS": roots})
    yield app
    candor_db.close_all()
    logins.close_all()


@pytest.fixture
def journal(app):
    db = connect(app.config["DATABASE"])
    yield db
    db.close()


def agent_sessions(db, site=None):
    return db.conn.execute("SELECT id FROM sessions WHERE kind = 'agent' AND site = "
                           "coalesce(?, site)", [site]).fetchall()


def data_version(db):
    return db.conn.execute("PRAGMA data_version").fetchone()[0]


def wait_until(check, seconds=10.0):
    """Poll `check` until it is true (or fail after `seconds`)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# The API


def test_each_source_is_listed_with_its_folders_sessions_and_switch(client, app, home):
    r = client.get("/api/v1/settings/agent-sources")
    assert r.status_code == 200, r.json
    listed = {s["source"]: s for s in r.json["sources"]}
    assert list(listed) == ["claude-code", "codex", "gemini-cli"]
    claude = listed["claude-code"]
    assert claude == {"source": "claude-code", "label": "Claude Code",
                      "folders": [str(home / ".claude" / "projects")], "found": True,
                      "on": False, "sessions": 0, "last_seen": None}
    assert listed["codex"]["folders"] == [str(home / ".codex" / "sessions")]
    assert listed["gemini-cli"]["found"] is False and listed["gemini-cli"]["folders"] == []

    with app.app_context():
        # as `candor agents scan` does
        scan.scan(candor_db.get_db(), "claude-code", env={"HOME": str(home)})
    claude = next(s for s in client.get("/api/v1/settings/agent-sources").json["sources"]
                  if s["source"] == "claude-code")
    assert claude["sessions"] == 1
    assert claude["last_seen"] == "2026-03-09T22:53:00.000+00:00"  # its last record's time
    assert claude["on"] is False  # a scan by hand switches nothing on


def test_a_source_is_switched_on_and_off(client):
    r = client.put("/api/v1/settings/agent-sources/codex", json={"on": True})
    assert r.status_code == 200, r.json
    assert r.json["source"] == "codex" and r.json["on"] is True
    listed = {s["source"]: s["on"] for s in client.get("/api/v1/settings/agent-sources")
              .json["sources"]}
    assert listed == {"claude-code": False, "codex": True, "gemini-cli": False}

    r = client.put("/api/v1/settings/agent-sources/codex", json={"on": False})
    assert r.status_code == 200 and r.json["on"] is False
    assert not any(s["on"] for s in client.get("/api/v1/settings/agent-sources")
                   .json["sources"])


@pytest.mark.parametrize("body", [{"on": "yes"}, {"on": 1}, {"on": None}, {}, {"on": "true"}])
def test_a_bad_switch_value_is_answered_422_naming_the_field(client, body):
    r = client.put("/api/v1/settings/agent-sources/codex", json=body)
    assert r.status_code == 422, r.json
    assert "on" in r.json["errors"]["json"], r.json
    assert not any(s["on"] for s in client.get("/api/v1/settings/agent-sources")
                   .json["sources"])


def test_an_unknown_source_is_404(client):
    r = client.put("/api/v1/settings/agent-sources/cursor", json={"on": True})
    assert r.status_code == 404
    assert "cursor" in r.json["message"]


# The Settings page


def test_the_settings_page_lists_the_sources_and_their_switches(dashboard, home):
    dashboard.put("/api/v1/settings/agent-sources/codex", json={"on": True})
    page = dashboard.get("/settings", headers=NAVIGATE).get_data(as_text=True)
    assert "Claude Code" in page and "Codex CLI" in page and "Gemini CLI" in page
    assert str(home / ".claude" / "projects") in page
    gemini_row = page[page.index('<tr data-source="gemini-cli">'):]
    gemini_row = gemini_row[:gemini_row.index("</tr>")]
    assert "not found here" in gemini_row and "checkbox" not in gemini_row
    off = 'data-source="claude-code" aria-label="Scan Claude Code in the background">'
    assert off in page
    assert 'data-source="codex" aria-label="Scan Codex CLI in the background" checked>' in page
    assert "agent_sources.js" in page


def test_the_settings_page_shows_sessions_and_when_last_seen(dashboard, app, home):
    with app.app_context():
        scan.scan(candor_db.get_db(), "claude-code", env={"HOME": str(home)})
    page = dashboard.get("/settings", headers=NAVIGATE).get_data(as_text=True)
    claude_row = page[page.index('<tr data-source="claude-code">'):]
    claude_row = claude_row[:claude_row.index("</tr>")]
    assert '<td data-label="Sessions">1</td>' in claude_row
    assert " 9 Mar 2026, " in claude_row or " 10 Mar 2026, " in claude_row  # journal's zone


# The background scanner


def test_candor_serve_scans_a_source_once_it_is_switched_on(tmp_path, home):
    server = start_server(tmp_path / "live-data", env={
        "HOME": str(home), "CLAUDE_CONFIG_DIR": "", "CODEX_HOME": "", "XDG_CONFIG_HOME": ""})
    url = f"{server.url}/api/v1/settings/agent-sources"

    def claude():
        listed = requests.get(url, headers=server.headers(), timeout=5).json()["sources"]
        return next(s for s in listed if s["source"] == "claude-code")

    try:
        assert claude()["found"] and claude()["sessions"] == 0  # off until switched on
        r = requests.put(f"{url}/claude-code", json={"on": True}, headers=server.headers(),
                         timeout=5)
        assert r.status_code == 200, r.text
        # Well before the minute between rounds: switching on wakes the scanner.
        wait_until(lambda: claude()["sessions"] == 1, seconds=20)
    finally:
        server.kill(15)


def test_a_source_switched_on_is_scanned_in_the_background(app, journal, roots):
    background.switch(journal, "claude-code", True)
    thread = background.start_scanner(app.config["DATABASE"], roots, every=0.05)
    try:
        wait_until(lambda: agent_sessions(journal, "claude-code"))
        assert not agent_sessions(journal, "codex")  # off: left alone
    finally:
        thread.stop()


def test_with_every_source_off_nothing_is_scanned(app, journal, roots):
    thread = background.start_scanner(app.config["DATABASE"], roots, every=0.05)
    try:
        wait_until(lambda: thread.scanner.runs >= 3)  # it did run, three times
        assert agent_sessions(journal) == []
    finally:
        thread.stop()


def test_a_scan_with_nothing_new_writes_nothing(journal, roots, home):
    background.switch(journal, "claude-code", True)
    background.switch(journal, "codex", True)
    scanner = background.Scanner(journal, roots)
    watcher = connect(str(journal.conn.execute("PRAGMA database_list").fetchone()[2]))
    try:
        before = data_version(watcher)
        scanner.step()
        assert data_version(watcher) != before  # the first scan did write
        rows = journal.conn.execute("SELECT * FROM sessions ORDER BY id").fetchall()
        assert len(rows) == 2

        before = data_version(watcher)
        scanner.step()
        scanner.step()
        assert data_version(watcher) == before  # no transaction committed at all
        assert journal.conn.execute("SELECT * FROM sessions ORDER BY id").fetchall() == rows

        # Nor begun: with another connection holding the write lock, an idle scan
        # doesn't wait for it (and fail: no busy wait here).
        holder = sqlite3.connect(journal.conn.execute("PRAGMA database_list").fetchone()[2])
        journal.conn.execute("PRAGMA busy_timeout = 0")
        try:
            holder.execute("BEGIN IMMEDIATE")
            scanner.step()
            assert scanner.last_error is None
        finally:
            holder.rollback()
            holder.close()
            journal.conn.execute("PRAGMA busy_timeout = 10000")

        append_lines(home / ".claude" / "projects" / "-home-ann-candor" / f"{A}.jsonl",
                     [claude_assistant(A, "msg_3", "req_3", 5, (1, 10, 0, 0))])
        scanner.step()
        assert data_version(watcher) != before  # and something new is written
    finally:
        watcher.close()


def test_a_failing_source_does_not_stop_the_others(journal, roots, monkeypatch):
    background.switch(journal, "claude-code", True)
    background.switch(journal, "codex", True)
    real_scan = scan.scan

    def unreadable_claude(db, source, paths=None, env=None, home=None):
        if source == "claude-code":
            raise PermissionError(13, "Permission denied", paths[0])
        return real_scan(db, source, paths, env, home)

    monkeypatch.setattr(scan, "scan", unreadable_claude)
    scanner = background.Scanner(journal, roots)
    scanner.step()
    assert "Permission denied" in scanner.last_error
    assert agent_sessions(journal, "codex") and not agent_sessions(journal, "claude-code")


def test_a_failing_round_does_not_stop_the_scanner(app, journal, roots, monkeypatch):
    background.switch(journal, "claude-code", True)
    real_is_on, failures = background.is_on, []

    def busy_once(db, source):
        if not failures:
            failures.append(source)
            raise sqlite3.OperationalError("database is locked")
        return real_is_on(db, source)

    monkeypatch.setattr(background, "is_on", busy_once)
    thread = background.start_scanner(app.config["DATABASE"], roots, every=0.05)
    try:
        wait_until(lambda: agent_sessions(journal, "claude-code"))
        assert failures == ["claude-code"]
        assert thread.is_alive()
    finally:
        thread.stop()


def test_a_big_scan_commits_a_few_files_at_a_time(journal, home, monkeypatch):
    project = home / ".claude" / "projects" / "-many"
    for n in range(5):
        session = f"cccccccc-{n:04d}-4333-8333-333333333333"
        write_lines(project / f"{session}.jsonl",
                    [claude_assistant(session, f"m{n}", f"r{n}", n, (1, 10, 0, 0))])
    real_write, commits = scan.write, []

    def counted(db):
        commits.append(1)
        return real_write(db)

    monkeypatch.setattr(scan, "write", counted)
    monkeypatch.setattr(scan, "FILES_PER_COMMIT", 2)
    report = scan.scan(journal, "claude-code", env={"HOME": str(home)})
    assert len(commits) == 3  # 6 files, 2 a transaction
    assert (report.files_read, report.sessions, report.requests) == (6, 6, 7)
    assert len(agent_sessions(journal, "claude-code")) == 6
