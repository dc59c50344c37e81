"""`candor agents scan`, run as a user would: sessions, incremental reads, privacy, bad input."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from agent_logs import (
    SECRET,
    T0,
    append_lines,
    claude_assistant,
    claude_tool_result,
    claude_user,
    codex_lines,
    dumps,
    gemini_chat,
    write_lines,
)
from click.testing import CliRunner

from candor.agents import files
from candor.cli import main
from candor.db import connect
from candor.journal import AGENT_TABLES

A = "aaaaaaaa-1111-4111-8111-111111111111"
B = "bbbbbbbb-2222-4222-8222-222222222222"
CODEX = "019c8a4c-ed82-79a1-aa28-7738fc5ab61a"
GEMINI = "c0ffee00-3333-4333-8333-333333333333"
NAMESPACE = uuid.UUID("3b0f6f1e-5c7a-5d43-9a0e-6f1c2d8b7a90")


def sid(site, source_id):
    return str(uuid.uuid5(NAMESPACE, f"{site}:{source_id}"))


@pytest.fixture
def home(tmp_path):
    """A home folder holding logs of all three sources."""
    home = tmp_path / "home"
    project = home / ".claude" / "projects" / "-home-ann-candor"
    write_lines(project / f"{A}.jsonl", [
        claude_user(A, 0),
        claude_assistant(A, "msg_1", "req_1", 0.1, (4, 3, 1_000, 0)),
        claude_assistant(A, "msg_1", "req_1", 0.4, (4, 300, 1_000, 0), tool="toolu_1"),
        claude_tool_result(A, 1),
        claude_assistant(A, "msg_2", "req_2", 2, (1, 50, 100, 1_000), tool="toolu_2"),
        # 20 minutes away: the gap is not active time
        claude_user(A, 22),
        claude_assistant(A, "msg_3", "req_3", 23, (2, 20, 0, 1_100)),
    ])
    write_lines(project / A / "subagents" / "agent-7.jsonl", [
        claude_assistant(A, "msg_s", "req_s", 3, (5, 60, 300, 0), sidechain=True,
                         model="claude-haiku-4-5-20251001", tool="toolu_s"),
        claude_assistant(A, "msg_2", "req_2", 3.5, (1, 50, 100, 1_000), sidechain=True),
    ])
    write_lines(home / ".config" / "claude" / "projects" / "-x" / f"{B}.jsonl", [
        claude_assistant(B, "msg_b", "req_b", 40, (3, 30, 0, 0), cwd="/srv/other")])
    write_lines(home / ".codex" / "sessions" / "2026" / "03" / "09"
                / f"rollout-2026-03-09T17-50-00-{CODEX}.jsonl",
                codex_lines(CODEX, [(2_000, 1_500, 80, 30), (3_000, 2_800, 120, 70)]))
    chats = home / ".gemini" / "tmp" / "ab12" / "chats"
    chats.mkdir(parents=True)
    (chats / "session-1.json").write_text(json.dumps(gemini_chat(
        GEMINI, [(1_000, 400, 50, 20), (1_500, 1_000, 70, 0)])))
    (home / ".gemini" / "tmp" / "ab12" / "logs.json").write_text(json.dumps([SECRET]))
    return home


@pytest.fixture
def run(tmp_path, home):
    data_dir = tmp_path / "data"

    def run(*args, env=None):
        return CliRunner().invoke(main, ["agents", *args], catch_exceptions=False, env={
            "CANDOR_DATA_DIR": str(data_dir), "HOME": str(home), "CLAUDE_CONFIG_DIR": "",
            "CODEX_HOME": "", "XDG_CONFIG_HOME": "", **(env or {})})

    run.data_dir = data_dir
    run.home = home
    return run


def journal_rows(data_dir, sql, params=()):
    db = connect(str(data_dir / "candor.db"))
    try:
        return db.conn.execute(sql, params).fetchall()
    finally:
        db.close()


def sessions(data_dir):
    cols = ("id", "site", "kind", "tokens_in", "tokens_out", "tokens_cache_read",
            "tokens_cache_write", "tokens_reasoning", "requests", "tool_calls", "models",
            "project", "active_ms", "started_at", "ended_at")
    return {row[0]: dict(zip(cols, row, strict=True)) for row in journal_rows(
        data_dir, f"SELECT {', '.join(cols)} FROM sessions ORDER BY id")}


def everything(data_dir):
    """Every row of every table, to compare a journal before and after."""
    db = connect(str(data_dir / "candor.db"))
    try:
        tables = [t for (t,) in db.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(map(repr, db.conn.execute(f"SELECT * FROM {t}"))) for t in tables}
    finally:
        db.close()


def test_a_scan_makes_one_agent_session_per_source_session(run):
    result = run("scan")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("claude-code: 3 of 3 files read, 2 sessions, 5 requests")
    assert lines[1].startswith("codex: 1 of 1 file read, 1 session, 2 requests")
    assert lines[2].startswith("gemini-cli: 1 of 1 file read, 1 session, 2 requests")
    assert all("0 lines skipped" in line for line in lines), result.output
    found = sessions(run.data_dir)
    assert set(found) == {sid("claude-code", A), sid("claude-code", B), sid("codex", CODEX),
                          sid("gemini-cli", GEMINI)}
    a = found[sid("claude-code", A)]
    # msg_1 once (largest copy), msg_2 once (not the side chain's), the subagent's own
    assert (a["kind"], a["requests"], a["tokens_in"], a["tokens_out"]) == ("agent", 4, 12, 430)
    assert (a["tokens_cache_write"], a["tokens_cache_read"]) == (1_400, 2_100)
    assert a["tokens_reasoning"] is None and a["tool_calls"] == 3
    assert json.loads(a["models"]) == ["claude-haiku-4-5-20251001", "claude-sonnet-4-5-20250929"]
    assert a["project"] == "candor (main)"
    start = int(T0.timestamp() * 1000)
    assert (a["started_at"], a["ended_at"]) == (start, start + 23 * 60_000)
    assert a["active_ms"] == (3.5 + 1) * 60_000  # 0 to 3.5 min, then 22 to 23: the gap left out
    assert found[sid("claude-code", B)]["project"] == "other (main)"
    codex = found[sid("codex", CODEX)]
    assert (codex["tokens_in"], codex["tokens_cache_read"], codex["tokens_out"],
            codex["tokens_reasoning"], codex["tokens_cache_write"]) == (700, 4_300, 200, 100, None)
    assert (codex["requests"], codex["tool_calls"], codex["project"]) == (2, 2, "candor (feature)")
    gemini = found[sid("gemini-cli", GEMINI)]
    assert (gemini["tokens_in"], gemini["tokens_cache_read"], gemini["tokens_out"],
            gemini["tokens_reasoning"]) == (1_100, 1_400, 140, 20)
    assert gemini["tool_calls"] == 2 and gemini["project"] is None


def test_a_second_scan_adds_nothing(run):
    run("scan")
    before = everything(run.data_dir)
    again = run("scan")
    assert again.exit_code == 0
    assert "claude-code: 0 of 3 files read, 0 sessions, 0 requests, 0 tokens" in again.output
    assert everything(run.data_dir) == before
    # Touched but unchanged: read again, still nothing new.
    for path in run.home.rglob("*.json*"):
        os.utime(path, None)
    assert "0 requests" in run("scan").output
    after = everything(run.data_dir)
    assert {t: v for t, v in after.items() if t != "agent_files"} == {
        t: v for t, v in before.items() if t != "agent_files"}


def test_only_what_was_appended_is_read_and_a_half_written_line_waits(run):
    path = next(run.home.glob(".claude/projects/-home-ann-candor/*.jsonl"))
    run("scan", "--source", "claude-code")
    line = dumps(claude_assistant(A, "msg_4", "req_4", 24, (7, 70, 700, 7000)))
    with open(path, "a") as f:
        f.write(line[:100])
    out = run("scan", "--source", "claude-code").output
    assert "1 of 3 files read" in out and "0 requests" in out
    with open(path, "a") as f:
        f.write(line[100:] + "\n")
    out = run("scan", "--source", "claude-code").output
    assert "1 request, 777 tokens (+7,000 cache reads)" in out
    assert sessions(run.data_dir)[sid("claude-code", A)]["requests"] == 5


def test_a_replaced_or_truncated_file_is_read_again_without_counting_twice(run):
    path = next(run.home.glob(".claude/projects/-home-ann-candor/*.jsonl"))
    run("scan", "--source", "claude-code")
    first = sessions(run.data_dir)
    records = [json.loads(line) for line in path.read_text().splitlines()]
    # Replaced: a new file (new inode) with the same records and one more, in another order
    path.unlink()
    write_lines(path, [*reversed(records),
                       claude_assistant(A, "msg_9", "req_9", 23.5, (1, 1, 1, 1))])
    out = run("scan", "--source", "claude-code").output
    assert ", 1 request," in out, out
    second = sessions(run.data_dir)[sid("claude-code", A)]
    assert second["requests"] == first[sid("claude-code", A)]["requests"] + 1
    # Truncated in place: read again from the start, nothing counted twice
    with open(path, "r+") as f:
        f.truncate(len(dumps(records[-1])) + 1)
    out = run("scan", "--source", "claude-code").output
    assert "0 requests" in out
    assert sessions(run.data_dir)[sid("claude-code", A)] == second


def test_nothing_of_any_text_reaches_the_journal(run):
    path = next(run.home.glob(".claude/projects/-home-ann-candor/*.jsonl"))
    first = run("scan")
    append_lines(path, [claude_user(A, 30), claude_tool_result(A, 31),
                        claude_assistant(A, "msg_5", "req_5", 32, (1, 2, 3, 4), tool="toolu_5")])
    (path.parent / "broken.jsonl").write_text('{"usage":{"input_tokens":"' + SECRET + '"}}\n')
    second = run("scan")
    assert SECRET not in first.output + second.output
    seen = 0
    for file in run.data_dir.rglob("*"):
        if file.is_file():
            seen += 1
            assert SECRET.encode() not in file.read_bytes(), file
    assert seen
    # The sentinel is in every fixture's text: the check above could see it.
    assert all(SECRET in p.read_text() for p in run.home.rglob("*.json*") if p.stat().st_size)


def test_bad_lines_are_skipped_and_named_and_the_rest_is_read(run):
    path = next(run.home.glob(".claude/projects/-home-ann-candor/*.jsonl"))
    run("scan", "--source", "claude-code")
    before = sessions(run.data_dir)
    good = claude_assistant(A, "msg_6", "req_6", 25, (1, 10, 0, 0))
    wrong_type = claude_assistant(A, "msg_7", "req_7", 26, (1, 10, 0, 0))
    wrong_type["message"]["usage"]["output_tokens"] = "ten"
    wrong_shape = claude_assistant(A, "msg_8", "req_8", 27, (1, 10, 0, 0))
    wrong_shape["message"]["usage"] = [1]
    with open(path, "a") as f:
        f.write('{"type":"assistant","usage":{not json\n')      # line 8
        f.write(dumps(wrong_type) + "\n")                      # line 9
        f.write(dumps(wrong_shape) + "\n")                     # line 10
        f.write(dumps(good) + "\n")                            # line 11
    result = run("scan", "--source", "claude-code")
    assert result.exit_code == 0
    assert f"{path}:8: not JSON" in result.output
    assert f"{path}:9: not a record this reader knows (output_tokens is not a count)" in (
        result.output)
    assert f"{path}:10: not a record this reader knows (usage is not an object)" in (
        result.output)
    assert ", 1 request, 11 tokens" in result.output and "3 lines skipped" in result.output
    after = sessions(run.data_dir)[sid("claude-code", A)]
    assert after["requests"] == before[sid("claude-code", A)]["requests"] + 1
    assert {k: v for k, v in sessions(run.data_dir).items() if k != sid("claude-code", A)} == {
        k: v for k, v in before.items() if k != sid("claude-code", A)}
    # The next scan reads only what comes after: the bad lines are not read again.
    append_lines(path, [claude_assistant(A, "msg_10", "req_10", 28, (1, 1, 0, 0))])
    later = run("scan", "--source", "claude-code")
    assert ", 1 request, 2 tokens" in later.output and "0 lines skipped" in later.output
    assert "skipped /" not in later.output


def test_a_very_long_line_is_skipped(run, monkeypatch):
    monkeypatch.setattr(files, "MAX_LINE_BYTES", 4096)
    path = next(run.home.glob(".claude/projects/-home-ann-candor/*.jsonl"))
    long = claude_assistant(A, "msg_l", "req_l", 25, (1, 10, 0, 0))
    long["message"]["content"][0]["text"] = "x" * 20_000
    append_lines(path, [long, claude_assistant(A, "msg_m", "req_m", 26, (2, 20, 0, 0))])
    result = run("scan", "--source", "claude-code")
    assert result.exit_code == 0
    assert f"{path}:8: a line longer than 4096 bytes; skipped" in result.output
    assert "6 requests, 1,897 tokens" in result.output  # msg_m read, msg_l not
    assert ", 1 line skipped" in result.output


def test_a_file_that_vanishes_and_a_folder_that_cant_be_read_are_skipped(run, monkeypatch):
    from candor.agents import scan

    gone = run.home / ".claude" / "projects" / "-home-ann-candor" / "gone.jsonl"
    real_find = scan.find_files

    def find_files(module, folders, records):
        return sorted([*real_find(module, folders, records), str(gone)])

    monkeypatch.setattr(scan, "find_files", find_files)
    locked = run.home / ".claude" / "projects" / "-locked"
    write_lines(locked / "c.jsonl", [claude_assistant(B, "msg_x", "req_x", 1, (1, 1, 1, 1))])
    real_walk = os.walk

    def walk(top, onerror=None, **kwargs):  # root reads any folder: refuse this one as a
        for parent, dirs, names in real_walk(top, onerror=onerror, **kwargs):  # user's would
            if Path(parent) == locked:
                onerror(PermissionError(13, "Permission denied", str(locked)))
                continue
            yield parent, dirs, names

    monkeypatch.setattr(scan.os, "walk", walk)
    result = run("scan", "--source", "claude-code")
    assert result.exit_code == 0
    assert f"{gone}: vanished before it could be read; skipped" in result.output
    assert f"{locked}: cannot read this folder (Permission denied)" in result.output
    assert "3 of 4 files read, 2 sessions, 5 requests" in result.output
    assert "2 lines skipped" in result.output


def test_paths_sources_and_empty_homes(run, tmp_path):
    missing = run("scan", "--source", "codex", "--path", str(tmp_path / "nowhere"))
    assert missing.exit_code != 0 and f"No such folder: {tmp_path / 'nowhere'}" in (
        missing.output)
    two = run("scan", "--path", str(tmp_path))
    assert two.exit_code != 0 and "exactly one --source" in two.output
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = run("scan", "--source", "gemini-cli", "--path", str(empty))
    assert nothing.exit_code == 0 and f"gemini-cli: nothing found in {empty}" in nothing.output
    elsewhere = tmp_path / "elsewhere"
    (run.home / ".codex").rename(elsewhere)
    found = run("scan", "--source", "codex", "--path", str(elsewhere))
    assert found.exit_code == 0 and "1 of 1 file read, 1 session" in found.output
    by_env = run("scan", "--source", "claude-code",
                 env={"CLAUDE_CONFIG_DIR": f"{tmp_path / 'none'},{run.home / '.claude'}"})
    assert "2 of 2 files read, 1 session" in by_env.output


def test_sessions_and_stats_take_kind(run, client, app):
    result = CliRunner().invoke(main, ["agents", "scan"], catch_exceptions=False, env={
        "CANDOR_DATA_DIR": app.config["DATA_DIR"], "HOME": str(run.home),
        "CLAUDE_CONFIG_DIR": "", "CODEX_HOME": "", "XDG_CONFIG_HOME": ""})
    assert result.exit_code == 0
    agents = client.get("/api/v1/sessions", query_string={"kind": "agent"}).get_json()
    assert len(agents["sessions"]) == 4
    one = next(s for s in agents["sessions"] if s["id"] == sid("codex", CODEX))
    assert (one["kind"], one["site"], one["tokens_in"], one["tokens_cache_read"],
            one["requests"], one["models"], one["project"]) == (
        "agent", "codex", 700, 4_300, 2, ["gpt-5.3-codex"], "candor (feature)")
    detail = client.get(f"/api/v1/sessions/{one['id']}").get_json()
    assert detail["tokens_reasoning"] == 100 and detail["timeline"] == []
    assert client.get("/api/v1/sessions", query_string={"kind": "chat"}).get_json()[
        "sessions"] == []
    assert client.get("/api/v1/sessions", query_string={"kind": "robot"}).status_code == 422
    every = client.get("/api/v1/stats").get_json()
    agent = client.get("/api/v1/stats", query_string={"kind": "agent", "group": "day"}).get_json()
    chat = client.get("/api/v1/stats", query_string={"kind": "chat"}).get_json()
    tokens = (12 + 430 + 1_400) + 33 + (700 + 200) + (1_100 + 140)
    assert every["est_tokens"] == agent["est_tokens"] == tokens and chat["est_tokens"] == 0
    assert every["sessions"] == agent["sessions"] == 4 and chat["sessions"] == 0
    assert every["tokens_cache_read"] == 2_100 + 4_300 + 1_400
    assert sum(g["est_tokens"] for g in agent["groups"]) == tokens
    assert every["untagged_seconds"] == agent["untagged_seconds"] > 0


def test_exports_and_stats_work_with_agent_sessions(run, tmp_path):
    run("scan")
    env = {"CANDOR_DATA_DIR": str(run.data_dir)}
    for fmt in ("json", "csv", "html"):
        target = tmp_path / f"journal.{fmt}"
        done = CliRunner().invoke(main, ["export", "--format", fmt, "-o", str(target)], env=env,
                                  catch_exceptions=False)
        assert done.exit_code == 0 and "Exported 4 sessions" in done.output, done.output
    checked = CliRunner().invoke(main, ["verify", str(tmp_path / "journal.json")], env=env)
    assert checked.exit_code == 0, checked.output
    table = CliRunner().invoke(main, ["stats", "--group", "site"], env=env)
    assert table.exit_code == 0 and "claude-code" in table.output and "gemini-cli" in table.output


def test_a_forgotten_agent_session_leaves_nothing_and_stays_forgotten(run, client, app):
    env = {"CANDOR_DATA_DIR": app.config["DATA_DIR"], "HOME": str(run.home),
           "CLAUDE_CONFIG_DIR": "", "CODEX_HOME": "", "XDG_CONFIG_HOME": ""}
    CliRunner().invoke(main, ["agents", "scan"], env=env, catch_exceptions=False)
    gone = sid("claude-code", A)
    assert client.delete(f"/api/v1/sessions/{gone}").status_code == 204
    data_dir = Path(app.config["DATA_DIR"])
    for table in AGENT_TABLES:
        assert journal_rows(data_dir, f"SELECT count(*) FROM {table} WHERE session_id = ?",
                            [gone]) == [(0,)], table
    path = next(run.home.glob(".claude/projects/-home-ann-candor/*.jsonl"))
    append_lines(path, [claude_assistant(A, "msg_z", "req_z", 40, (1, 1, 1, 1))])
    out = CliRunner().invoke(main, ["agents", "scan"], env=env, catch_exceptions=False).output
    assert "claude-code: 1 of 3 files read, 0 sessions, 0 requests" in out
    assert gone not in {s["id"] for s in client.get("/api/v1/sessions").get_json()["sessions"]}
    everything = client.delete("/api/v1/sessions", query_string={
        "confirm": "forget everything"}).get_json()
    assert everything["forgotten"] == 3
    for table in AGENT_TABLES:
        assert journal_rows(data_dir, f"SELECT count(*) FROM {table}") == [(0,)], table


def test_chat_signals_are_not_given_to_agent_sessions(run, client, app):
    CliRunner().invoke(main, ["agents", "scan", "--source", "codex"], catch_exceptions=False,
                       env={"CANDOR_DATA_DIR": app.config["DATA_DIR"], "HOME": str(run.home),
                            "CODEX_HOME": ""})
    one = sid("codex", CODEX)
    db = connect(str(Path(app.config["DATA_DIR"]) / "candor.db"))
    db.conn.execute("UPDATE sessions SET tokens_out = 90000, est_tokens_out = 90000, "
                    "signals = NULL WHERE id = ?", [one])  # many tokens, no outcome
    db.conn.commit()
    db.close()
    assert client.get(f"/api/v1/sessions/{one}").get_json()["signals"] == []
    changed = client.patch(f"/api/v1/sessions/{one}", json={"outcome_url": None})
    assert changed.status_code == 200 and changed.get_json()["signals"] == []


def test_an_agent_sessions_page_shows_its_exact_counts(run, client, app):
    result = CliRunner().invoke(main, ["agents", "scan"], catch_exceptions=False, env={
        "CANDOR_DATA_DIR": app.config["DATA_DIR"], "HOME": str(run.home),
        "CLAUDE_CONFIG_DIR": "", "CODEX_HOME": "", "XDG_CONFIG_HOME": ""})
    assert result.exit_code == 0
    page = client.get(f"/sessions/{sid('codex', CODEX)}").get_data(as_text=True)
    assert "A Codex CLI agent session in candor (feature)" in page
    assert "<dt>Model calls</dt><dd>2</dd>" in page
    assert "700 / " in page and "exact, from the agent" in page
    assert "~" not in page.split("<dl")[1].split("</dl>")[0]  # exact, not estimated
    assert "4,300" in page  # cache reads shown apart, never hidden
    assert "<dt>Prompts</dt>" not in page


def test_the_review_queue_lists_agent_sessions_with_their_exact_counts(run, client, app):
    result = CliRunner().invoke(main, ["agents", "scan", "--source", "codex"],
                                catch_exceptions=False, env={
        "CANDOR_DATA_DIR": app.config["DATA_DIR"], "HOME": str(run.home),
        "CLAUDE_CONFIG_DIR": "", "CODEX_HOME": "", "XDG_CONFIG_HOME": ""})
    assert result.exit_code == 0
    page = client.get("/review").get_data(as_text=True)
    assert "A Codex CLI agent session in candor (feature)" in page
    assert "2 model calls / " in page and "0 prompts" not in page
    assert "4,300 cache reads" in page


# A scan in a process of its own, as `candor agents scan` runs (this test process runs
# other tests' threads, and a process with threads never forks its readers).
_SCAN_ALONE = """
import sys
from candor.agents import scan
from candor.db import connect
scan.FILES_PER_COMMIT = 2
scan.PARALLEL_BYTES = int(sys.argv[3])
db = connect(sys.argv[1])
try:
    report = scan.scan(db, "claude-code", [sys.argv[2]], readers=int(sys.argv[4]))
finally:
    db.close()
print(report.readers, report.files_read, report.requests, len(report.skipped))
"""


def test_files_read_by_other_processes_make_the_same_journal(run, tmp_path):
    from candor.agents import scan

    folder = run.home / ".claude" / "projects"
    for n in range(5):  # more sessions, so the batches below differ
        s = f"cccccccc-{n:04d}-4333-8333-333333333333"
        write_lines(folder / "-home-ann-more" / f"{s}.jsonl", [
            claude_user(s, n), claude_assistant(s, f"msg_c{n}", f"req_c{n}", n + 1,
                                                (n, 10 * n, 100, 1_000), tool=f"toolu_c{n}"),
            claude_assistant(A, "msg_2", "req_2", 3.6, (1, 50, 100, 1_000), sidechain=True)])
    journals = {}
    for readers, new_bytes in ((1, scan.PARALLEL_BYTES), (2, 0)):
        data_dir = tmp_path / f"data-{readers}"
        data_dir.mkdir()
        done = subprocess.run(
            [sys.executable, "-c", _SCAN_ALONE, str(data_dir / "candor.db"), str(folder),
             str(new_bytes), str(readers)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        # readers used (0: read in this process), files read, requests, lines skipped
        assert done.stdout.split() == [str(0 if readers == 1 else 2), "7", "9", "0"]
        journals[readers] = everything(data_dir)
        for table in ("_sqlite_migrations", "meta"):  # when each ran, the journal's own id
            journals[readers].pop(table, None)
    assert journals[1] == journals[2]
