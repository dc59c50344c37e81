"""What agent sessions did and how it went: prompts, failed calls, tool names, edits, and
the agent signals (no outcome, loop, unattended, retries), through the real scan and server."""

import json
import os
import re
import subprocess
import sys
import uuid

import pytest
import requests
from agent_logs import (
    SECRET,
    claude_api_error,
    claude_assistant,
    claude_command,
    claude_meta,
    claude_retry,
    claude_tool_result,
    claude_user,
    codex_lines,
    dumps,
    gemini_chat,
    write_lines,
)
from support import NAVIGATE, start_server
from test_otlp import claude_metrics, post  # Claude Code's own metrics, as it sends them

from candor import coach as coach_journals
from candor import security
from candor.db import connect

NAMESPACE = uuid.UUID("3b0f6f1e-5c7a-5d43-9a0e-6f1c2d8b7a90")
CODEX = "019c8a4c-ed82-79a1-aa28-7738fc5ab61a"
GEMINI = "c0ffee00-3333-4333-8333-333333333333"
SMALL = (3, 40, 200, 1_000)  # input, output, cache write, cache read: a few hundred tokens


def sid(site, source_id):
    return str(uuid.uuid5(NAMESPACE, f"{site}:{source_id}"))


def source_id(n):
    return f"{n:08x}-1111-4111-8111-111111111111"


def scan(home, data_dir):
    """`candor agents scan`, run as a user runs it, in its own process."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "XDG_CONFIG_HOME")}
    done = subprocess.run([sys.executable, "-m", "candor", "agents", "scan"],
                          capture_output=True, text=True, timeout=120,
                          env={**env, "HOME": str(home), "CANDOR_DATA_DIR": str(data_dir)})
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def rows(data_dir, sql, params=()):
    db = connect(str(data_dir / "candor.db"))
    try:
        return db.conn.execute(sql, params).fetchall()
    finally:
        db.close()


def claude_session(home, session, records, project="-home-ann-candor"):
    return write_lines(home / ".claude" / "projects" / project / f"{session}.jsonl", records)


# --- what the readers take from each source -------------------------------------------

@pytest.fixture
def outcomes_home(tmp_path):
    home = tmp_path / "home"
    a = source_id(1)
    claude_session(home, a, [
        claude_user(a, 0),                       # the person's prompt
        claude_meta(a, 0.05),                    # Claude Code's note: not a prompt
        claude_command(a, 0.1),                  # /clear: not a prompt
        claude_assistant(a, "msg_1", "req_1", 1, SMALL, tool="toolu_e", tool_name="Edit"),
        claude_tool_result(a, 1.5),              # a tool's result: not a prompt
        claude_assistant(a, "msg_2", "req_2", 2, SMALL, tool="toolu_w", tool_name="Write"),
        claude_retry(a, 3, 1),                   # failed, tried again
        claude_retry(a, 3.1, 2),
        claude_api_error(a, 3.5, 1),             # failed for good
        claude_user(a, 10),
        claude_assistant(a, "msg_3", "req_3", 11, SMALL, tool="toolu_r", tool_name="Read"),
    ])
    write_lines(home / ".claude" / "projects" / "-home-ann-candor" / a / "subagents"
                / "agent-1.jsonl", [
        {**claude_user(a, 4), "isSidechain": True},  # the agent prompting its subagent
        claude_assistant(a, "msg_s", "req_s", 4.5, SMALL, sidechain=True, tool="toolu_s",
                         tool_name="Grep"),
        {**claude_api_error(a, 3.5, 1), "isSidechain": True},  # the same failure, replayed
    ])
    write_lines(home / ".codex" / "sessions" / "2026" / "03" / "09"
                / f"rollout-2026-03-09T17-50-00-{CODEX}.jsonl",
                codex_lines(CODEX, [(2_000, 1_500, 80, 30), (3_000, 2_800, 120, 70)],
                            tool="apply_patch", failed=(1,)))
    chats = home / ".gemini" / "tmp" / "ab12" / "chats"
    chats.mkdir(parents=True)
    (chats / "session-1.json").write_text(dumps(gemini_chat(
        GEMINI, [(1_000, 400, 50, 20), (1_500, 1_000, 70, 0)], tool="replace", failed=(1,))))
    return home


def test_readers_keep_prompts_failed_calls_and_tool_names_and_count_edits(
        outcomes_home, tmp_path):
    data_dir = tmp_path / "data"
    scan(outcomes_home, data_dir)
    claude, codex, gemini = (sid("claude-code", source_id(1)), sid("codex", CODEX),
                             sid("gemini-cli", GEMINI))

    def per_session(sql):
        found = {}
        for session, value in rows(data_dir, sql):
            found.setdefault(session, []).append(value)
        return found

    prompts = per_session("SELECT session_id, ts FROM agent_prompts ORDER BY session_id, ts")
    start = min(prompts[claude])
    assert [(ts - start) / 60_000 for ts in prompts[claude]] == [0, 10]
    assert len(prompts[codex]) == 2 and len(prompts[gemini]) == 2  # one per turn
    failed = per_session("SELECT session_id, key FROM agent_errors")
    assert len(failed[claude]) == 3  # two tried again, one for good (counted once)
    assert len(failed[codex]) == 1 and len(failed[gemini]) == 1
    tools = per_session("SELECT session_id, tool FROM agent_tool_calls ORDER BY ts")
    assert tools[claude] == ["Edit", "Write", "Grep", "Read"]
    assert tools[codex] == ["apply_patch", "apply_patch"]
    assert tools[gemini] == ["replace", "replace"]
    outcomes = {row[0]: row[1:] for row in rows(
        data_dir, "SELECT id, edits, lines_changed, commits, pull_requests FROM sessions")}
    # Edits are counted from the tools that change files; the rest no transcript says.
    assert outcomes == {claude: (2, None, None, None), codex: (2, None, None, None),
                        gemini: (2, None, None, None)}
    # A failed call is not a model call that counted.
    assert rows(data_dir, "SELECT requests FROM sessions WHERE id = ?", [claude]) == [(4,)]
    for file in data_dir.rglob("*"):
        if file.is_file():
            assert SECRET.encode() not in file.read_bytes(), file
    assert all(SECRET in p.read_text() for p in outcomes_home.rglob("*.json*"))


# --- the agent signals, each on a session built to show it, and on a calm twin -----------

def big(n):
    """Many tokens in one model call: a large cache write."""
    return (5, 500, 60_000 + n, 10_000)


def calls(session, first, tools, minutes=0.5, tokens=SMALL, start=0):
    """Model calls from minute `start`, `minutes` apart, each calling one of `tools`."""
    return [claude_assistant(session, f"msg_{session[:8]}_{first + i}", f"req_{first + i}",
                             start + i * minutes, tokens, tool=f"toolu_{first + i}",
                             tool_name=tool)
            for i, tool in enumerate(tools)]


WORK = ["Read", "Edit", "Bash"] * 10  # a session at work: reading, editing, testing
SESSIONS = {
    # (name, records) by source session id; what each should show
    "no_outcome": lambda s: [claude_user(s, 0), *calls(s, 0, ["Read", "Grep", "Read"],
                                                       tokens=big(1))],
    "edited": lambda s: [claude_user(s, 0), *calls(s, 0, ["Read", "Edit", "Read"],
                                                   tokens=big(1))],
    "loop": lambda s: [claude_user(s, 0), *calls(s, 0, ["Read"] * 25), *calls(
        s, 100, ["Edit"], start=13)],
    "varied": lambda s: [claude_user(s, 0), *calls(s, 0, ["Read", "Grep"] * 12 + ["Edit"])],
    "shell": lambda s: [claude_user(s, 0), *calls(s, 0, ["Bash"] * 25 + ["Edit"])],
    # one prompt, then a model call every 2 minutes for 40 minutes
    "unattended": lambda s: [claude_user(s, 0), *calls(s, 0, WORK[:21], minutes=2)],
    # the same calls, with the person prompting every 10 minutes
    "attended": lambda s: [*[claude_user(s, m) for m in (0, 10, 20, 30)],
                           *calls(s, 0, WORK[:21], minutes=2)],
    # the same calls, with a pause of 12 minutes in the middle (the agent waited)
    "paused": lambda s: [claude_user(s, 0), *calls(s, 0, WORK[:11], minutes=2),
                         *calls(s, 50, WORK[:10], minutes=2, start=32)],
    "retries": lambda s: [claude_user(s, 0), *calls(s, 0, ["Edit"]),
                          *[claude_retry(s, 1 + i * 0.1, i) for i in range(5)],
                          claude_api_error(s, 2, 1), *calls(s, 10, ["Read"], start=3)],
    "one_retry": lambda s: [claude_user(s, 0), *calls(s, 0, ["Edit"]), claude_retry(s, 1, 1),
                            *calls(s, 10, ["Read"], start=3)],
}
EXPECTED = {"no_outcome": ["no_outcome"], "edited": [], "loop": ["loop"], "varied": [],
            "shell": [], "unattended": ["unattended"], "attended": [], "paused": [],
            "retries": ["retries"], "one_retry": []}


@pytest.fixture
def signals_home(tmp_path):
    home = tmp_path / "home"
    for n, (name, records) in enumerate(SESSIONS.items()):
        claude_session(home, source_id(100 + n), records(source_id(100 + n)), f"-home-{name}")
    # Codex does its work through one shell tool, and marks a failed turn.
    write_lines(home / ".codex" / "sessions" / "2026" / "03" / "09"
                / f"rollout-2026-03-09T17-50-00-{CODEX}.jsonl",
                codex_lines(CODEX, [(2_000, 1_500, 80, 30)] * 25, tool="exec_command",
                            failed=range(6)))
    return home


def session_ids():
    return {name: sid("claude-code", source_id(100 + n)) for n, name in enumerate(SESSIONS)}


def test_each_agent_signal_shows_on_a_session_built_for_it_and_not_on_a_calm_one(
        live_server, signals_home):
    scan(signals_home, live_server.data_dir)
    got = {}
    for name, session in session_ids().items():
        answer = requests.get(f"{live_server.url}/api/v1/sessions/{session}",
                              headers=live_server.headers(), timeout=10)
        assert answer.status_code == 200, name
        got[name] = [s["name"] for s in answer.json()["signals"]]
    assert got == EXPECTED
    codex = requests.get(f"{live_server.url}/api/v1/sessions/{sid('codex', CODEX)}",
                         headers=live_server.headers(), timeout=10).json()
    # 25 shell calls in a row are how Codex works: not a loop; six failed turns are retries.
    assert [s["name"] for s in codex["signals"]] == ["retries"]


def test_agent_signals_say_why_in_plain_words(live_server, signals_home):
    scan(signals_home, live_server.data_dir)
    ids = session_ids()

    def reasons(name):
        return [s["reason"] for s in requests.get(
            f"{live_server.url}/api/v1/sessions/{ids[name]}", headers=live_server.headers(),
            timeout=10).json()["signals"]]

    assert reasons("no_outcome") == [
        "181,518 tokens, and no file edited, no commit, no outcome link"]
    assert reasons("loop") == ["Read was called 25 times in a row"]
    assert reasons("unattended") == [
        "The agent called the model 21 times over 40 min with no prompt from you"]
    assert reasons("retries") == ["6 model calls failed"]


def test_agent_signals_are_stored_by_the_scan_and_filter_the_review_queue(
        live_server, signals_home):
    scan(signals_home, live_server.data_dir)
    ids = session_ids()
    stored = dict(rows(live_server.data_dir, "SELECT id, signals FROM sessions"))
    assert all(stored[session] is not None for session in ids.values())  # not left to reads
    listed = requests.get(f"{live_server.url}/api/v1/sessions",
                          params={"signal": "loop", "tag": "untagged"},
                          headers=live_server.headers(), timeout=10).json()["sessions"]
    assert [s["id"] for s in listed] == [ids["loop"]]
    # An outcome link says what the session produced: "no outcome" goes.
    changed = requests.patch(f"{live_server.url}/api/v1/sessions/{ids['no_outcome']}",
                             json={"outcome_url": "https://git.example/pr/7"},
                             headers=live_server.headers(), timeout=10)
    assert changed.status_code == 200 and changed.json()["signals"] == []


def test_outcomes_the_agent_reports_show_on_its_page_and_end_no_outcome(live_server, tmp_path):
    home = tmp_path / "home"
    session = source_id(7)
    claude_session(home, session, [claude_user(session, 0),
                                   *calls(session, 0, ["Read", "Grep", "Bash"], tokens=big(1))])
    scan(home, live_server.data_dir)
    url = f"{live_server.url}/api/v1/sessions/{sid('claude-code', session)}"

    def shown():
        return requests.get(url, headers=live_server.headers(), timeout=10).json()

    def page():
        return requests.get(f"{live_server.url}/sessions/{sid('claude-code', session)}",
                            headers={**live_server.headers(), **NAVIGATE}, timeout=10).text

    before = shown()
    assert [s["name"] for s in before["signals"]] == ["no_outcome"]
    assert (before["edits"], before["lines_changed"], before["commits"]) == (0, None, None)
    assert page().count('<span class="muted">not reported</span>') == 3
    assert post(live_server, "metrics", claude_metrics(session)).ok
    after = shown()
    assert (after["lines_changed"], after["commits"], after["pull_requests"]) == (13, 1, 1)
    assert after["signals"] == []  # a commit is an outcome
    html = page()
    assert "<dt>Lines changed</dt><dd>13</dd>" in html and "<dt>Commits</dt><dd>1</dd>" in html
    assert '<span class="muted">not reported</span>' not in html


def test_a_journal_with_agent_signals_exports_verifies_and_imports(signals_home, tmp_path):
    worker, coach = tmp_path / "worker", tmp_path / "coach"
    scan(signals_home, worker)
    exported = tmp_path / "journal.json"

    def candor(*args, data_dir):
        done = subprocess.run([sys.executable, "-m", "candor", *args], capture_output=True,
                              text=True, timeout=120,
                              env={**os.environ, "CANDOR_DATA_DIR": str(data_dir)})
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    candor("export", "--format", "json", "-o", str(exported), data_dir=worker)
    sent = json.loads(exported.read_text())
    assert {name: sent["summary"]["signals"][name] for name in
            ("no_outcome", "loop", "unattended", "retries")} == {
        "no_outcome": 1, "loop": 1, "unattended": 1, "retries": 2}
    outcomes = ("edits", "lines_changed", "commits", "pull_requests")
    made = {r["id"]: tuple(r[k] for k in outcomes) for r in sent["sessions"]
            if r["kind"] == "agent"}
    assert any(figures[0] for figures in made.values())  # edits were counted and sent
    candor("verify", str(exported), data_dir=worker)
    candor("import", str(exported), "--name", "ann", data_dir=coach)
    db = connect(str(coach / "candor.db"))
    try:
        journal = coach_journals.open_journal(db, str(coach), "ann")
        try:
            kept = [json.loads(found) for (found,) in journal.conn.execute(
                "SELECT signals FROM sessions WHERE kind = 'agent'")]
            arrived = {row[0]: tuple(row[1:]) for row in journal.conn.execute(
                f"SELECT id, {', '.join(outcomes)} FROM sessions WHERE kind = 'agent'")}
        finally:
            journal.close()
    finally:
        db.close()
    assert sorted(s["name"] for found in kept for s in found) == [
        "loop", "no_outcome", "retries", "retries", "unattended"]
    assert arrived == made  # the coach sees what each agent session produced


def test_the_demo_journal_has_agent_sessions_beside_its_chats(tmp_path):
    server = start_server(tmp_path / "unused", extra_args=["--demo"])
    try:
        def stats(kind):
            return requests.get(f"{server.url}/api/v1/stats", params={"kind": kind},
                                headers=server.headers(), timeout=10).json()

        server.token = security.read_token(re.search(
            r"CANDOR_DATA_DIR=(\S+) candor open",
            (tmp_path / f"server-{server.port}.log").read_text()).group(1))
        chats, agents = stats("chat"), stats("agent")
        assert chats["sessions"] > 50 and agents["sessions"] >= 10
        assert agents["value_ratio"] is not None and agents["coverage"] < 1  # some tagged
        listed = requests.get(f"{server.url}/api/v1/sessions",
                              params={"kind": "agent", "limit": 500},
                              headers=server.headers(), timeout=10).json()["sessions"]
        assert {s["site"] for s in listed} == {"claude-code", "codex"}
        assert {x["name"] for s in listed for x in s["signals"]} <= {
            "no_outcome", "loop", "unattended", "retries"}
        assert any(s["signals"] for s in listed) and any(s["edits"] for s in listed)
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)
