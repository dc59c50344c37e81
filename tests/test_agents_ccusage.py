"""Agent sessions' tokens per local day equal ccusage's on the same files.

ccusage (node_modules/.bin/ccusage, pinned in package.json) is the most used reader of
these logs; the trees here hold its known traps: a request repeated while it streams,
replayed in a side chain and in a running subagent's progress line, a subagent's own
file, a resumed session's file holding the earlier session's lines, a synthetic and an
API error record, a half-written last line, and a file that grows between two scans.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest
from agent_logs import (
    append_lines,
    claude_assistant,
    claude_progress,
    claude_tool_result,
    claude_user,
    codex_lines,
    dumps,
    write_lines,
)
from click.testing import CliRunner

from candor.cli import main
from candor.db import connect

ROOT = Path(__file__).resolve().parents[1]
CCUSAGE = ROOT / "node_modules" / ".bin" / "ccusage"
ZONE = "America/New_York"  # the sessions cross midnight in UTC, and here at another time

pytestmark = pytest.mark.skipif(not CCUSAGE.exists(), reason="npm install gives ccusage")


def ccusage(*args, env):
    done = subprocess.run([str(CCUSAGE), *args, "--json", "--offline", "-z", ZONE],
                          capture_output=True, text=True, timeout=60, check=True,
                          env={"PATH": os.environ["PATH"], **env})
    return {row["date"]: row for row in json.loads(done.stdout)["daily"]}


def candor_days(data_dir, site):
    """{local day: [input, output, cache read, cache write]} from the journal's requests."""
    db = connect(str(data_dir / "candor.db"))
    try:
        days = {}
        for day, tin, tout, cread, cwrite in db.conn.execute(
                "SELECT local_day(r.ts / 1000), sum(r.tokens_in), sum(r.tokens_out), "
                "sum(r.tokens_cache_read), sum(coalesce(r.tokens_cache_write, 0)) "
                "FROM agent_requests r JOIN sessions s ON s.id = r.session_id "
                "WHERE s.site = ? GROUP BY 1", [site]):
            days[day] = [tin, tout, cread, cwrite]
        # The per-day totals the reports read agree with the requests.
        for day, (tin, tout, _, cwrite) in days.items():
            est = db.conn.execute("SELECT sum(est_tokens) FROM day_totals WHERE day = ?",
                                  [day]).fetchone()[0]
            assert est == tin + tout + cwrite, day
        return days
    finally:
        db.close()


def scan(data_dir, *args, env=None):
    result = CliRunner().invoke(main, ["agents", "scan", *args],
                                env={"CANDOR_DATA_DIR": str(data_dir), **(env or {})},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def set_zone(data_dir):
    result = CliRunner().invoke(main, ["time-zone", ZONE],
                                env={"CANDOR_DATA_DIR": str(data_dir)}, catch_exceptions=False)
    assert result.exit_code == 0, result.output


def claude_tree(root):
    """Two projects' transcripts with every trap ccusage knows, and a half-written line."""
    a, b = "aaaaaaaa-1111-4111-8111-111111111111", "bbbbbbbb-2222-4222-8222-222222222222"
    first = root / "projects" / "-home-ann-candor"
    main_file = write_lines(first / f"{a}.jsonl", [
        {"type": "summary", "summary": "x", "leafUuid": "l"},
        claude_user(a, 0),
        # streaming: the same request three times, output growing
        claude_assistant(a, "msg_1", "req_1", 0.1, (4, 3, 14_000, 0)),
        claude_assistant(a, "msg_1", "req_1", 0.2, (4, 3, 14_000, 0), tool="toolu_1"),
        claude_assistant(a, "msg_1", "req_1", 0.3, (4, 310, 14_000, 0), tool="toolu_2"),
        claude_tool_result(a, 0.5),
        claude_assistant(a, "msg_2", "req_2", 1, (1, 120, 200, 14_000)),
        # a side chain replays msg_2
        claude_assistant(a, "msg_2", "req_2", 1.1, (1, 120, 200, 14_000), sidechain=True),
        claude_assistant(a, "msg_3", "req_3", 8, (6, 45, 0, 14_200), sidechain=True),
        # a running subagent's request, nested (also in the subagent's own file)
        claude_progress(a, "msg_s1", "req_s1", 9, (3, 80, 900, 0)),
        claude_progress(a, "msg_s3", "req_s3", 9.2, (2, 20, 30, 900)),  # only here
        # caught while streaming: this copy is partial, but it is not in a side chain
        claude_progress(a, "msg_s2", "req_s2", 10, (3, 6, 50, 900)),
        claude_assistant(a, "msg_syn", "req_syn", 9.5, (0, 0, 0, 0), model="<synthetic>"),
        {**claude_assistant(a, "msg_err", "req_err", 9.6, (0, 0, 0, 0)),
         "isApiErrorMessage": True},
        claude_assistant(a, "msg_4", None, 70, (2, 33, 10, 15_000)),  # no requestId
        claude_assistant(a, "msg_5", "req_5", 75, (5, 500, 700, 15_500)),
    ], tail=dumps(claude_assistant(a, "msg_6", "req_6", 76, (7, 70, 70, 7)))[:150])
    write_lines(first / a / "subagents" / "agent-1a2b.jsonl", [
        claude_assistant(a, "msg_s1", "req_s1", 9, (3, 80, 900, 0), sidechain=True),
        claude_assistant(a, "msg_s2", "req_s2", 10, (3, 60, 50, 900), sidechain=True),
        claude_assistant(a, "msg_1", "req_1", 10.5, (4, 310, 14_000, 0), sidechain=True),
    ])
    second = root / "projects" / "-home-ann-other"
    write_lines(second / f"{b}.jsonl", [
        # resumed: the earlier session's lines come first
        claude_assistant(a, "msg_2", "req_2", 1, (1, 120, 200, 14_000)),
        claude_user(b, 300, cwd="/home/ann/other"),
        claude_assistant(b, "msg_b1", "req_b1", 301, (10, 1_000, 5_000, 0),
                         model="claude-opus-4-1-20250805", cwd="/home/ann/other"),
        claude_assistant(b, "msg_b2", "req_b2", 1500, (12, 2_000, 0, 5_000),
                         model="claude-opus-4-1-20250805", cwd="/home/ann/other"),
    ])
    return main_file, a


def assert_same_days(data_dir, site, theirs):
    ours = candor_days(data_dir, site)
    assert sorted(ours) == sorted(theirs)
    for day, row in theirs.items():
        assert ours[day] == [row["inputTokens"], row["outputTokens"], row["cacheReadTokens"],
                             row["cacheCreationTokens"]], day


def test_claude_code_days_equal_ccusage_before_and_after_the_file_grows(tmp_path):
    logs, data = tmp_path / "claude", tmp_path / "data"
    main_file, a = claude_tree(logs)
    env = {"HOME": str(tmp_path / "home"), "CLAUDE_CONFIG_DIR": str(logs)}
    set_zone(data)
    out = scan(data, "--source", "claude-code", env=env)
    assert "3 of 3 files read" in out
    theirs = ccusage("claude", "daily", env=env)
    assert len(theirs) >= 2  # the tree spans days
    assert_same_days(data, "claude-code", theirs)

    # The half-written line is finished, and more is appended: the next scan reads that.
    text = main_file.read_text()
    whole = dumps(claude_assistant(a, "msg_6", "req_6", 76, (7, 70, 70, 7)))
    main_file.write_text(text + whole[150:] + "\n")
    append_lines(main_file, [
        claude_assistant(a, "msg_7", "req_7", 2000, (9, 90, 90, 9)),
        claude_assistant(a, "msg_7", "req_7", 2000.1, (9, 900, 90, 9)),
    ])
    out = scan(data, "--source", "claude-code", env=env)
    assert "1 of 3 files read" in out and "2 requests" in out
    assert_same_days(data, "claude-code", ccusage("claude", "daily", env=env))


def test_codex_days_equal_ccusage(tmp_path):
    home, data = tmp_path / "codex", tmp_path / "data"
    first = "019c8a4c-ed82-79a1-aa28-7738fc5ab61a"
    second = "019c8a4d-8f45-7010-8b5d-7fad920aa6f9"
    rollout = write_lines(
        home / "sessions" / "2026" / "03" / "09" / f"rollout-2026-03-09T17-50-00-{first}.jsonl",
        codex_lines(first, [(20_000, 12_000, 800, 300), (26_000, 19_500, 1_200, 700),
                            (31_000, 25_000, 400, 0)]))
    write_lines(
        home / "archived_sessions" / f"rollout-2026-03-09T20-00-00-{second}.jsonl",
        codex_lines(second, [(9_000, 0, 100, 50), (12_000, 8_960, 200, 120)], start=100,
                    model="gpt-5.1-codex-mini"))
    env = {"HOME": str(tmp_path / "home"), "CODEX_HOME": str(home)}
    set_zone(data)
    scan(data, "--source", "codex", env=env)
    assert_same_days(data, "codex", _codex_rows(ccusage("codex", "daily", env=env)))

    more = codex_lines(first, [(20_000, 12_000, 800, 300), (26_000, 19_500, 1_200, 700),
                               (31_000, 25_000, 400, 0), (40_000, 30_000, 900, 100)])
    append_lines(rollout, more[-8:])  # the fourth turn, as Codex appends it
    out = scan(data, "--source", "codex", env=env)
    assert ", 1 request," in out
    assert_same_days(data, "codex", _codex_rows(ccusage("codex", "daily", env=env)))


def _codex_rows(days):
    """ccusage's Codex days, with cache writes (Codex says none) as 0."""
    return {day: {**row, "cacheCreationTokens": row.get("cacheCreationTokens") or 0}
            for day, row in days.items()}


@pytest.mark.parametrize("how", ["forked_from_id", "thread_spawn"])
def test_a_forked_codex_session_counts_only_its_own_turns(tmp_path, how):
    home, data = tmp_path / "codex", tmp_path / "data"
    parent_id = "019c8a4c-ed82-79a1-aa28-7738fc5ab61a"
    child_id = "019c8a53-a0dd-7130-bcd7-95445d84846a"
    day = home / "sessions" / "2026" / "03" / "09"
    parent = codex_lines(parent_id, [(20_000, 12_000, 800, 300), (26_000, 19_500, 1_200, 700)])
    write_lines(day / f"rollout-2026-03-09T17-50-00-{parent_id}.jsonl", parent)
    meta = codex_lines(child_id, [], start=60)[0]
    meta["payload"]["source"] = "cli"
    if how == "forked_from_id":
        meta["payload"]["forked_from_id"] = parent_id
    else:
        meta["payload"]["source"] = {"subagent": {"thread_spawn": {
            "parent_thread_id": parent_id, "depth": 1}}}
    own = codex_lines(child_id, [(5_000, 1_000, 100, 10)], start=61)[3:]
    parent_total = [line for line in parent if line["payload"].get("type") == "token_count"
                    and line["payload"]["info"]][-1]["payload"]["info"]["total_token_usage"]
    for line in own:  # the child's totals go on from its parent's
        if line["payload"].get("type") == "token_count":
            total = line["payload"]["info"]["total_token_usage"]
            line["payload"]["info"]["total_token_usage"] = {
                k: v + parent_total[k] for k, v in total.items()}
    # The child's rollout starts by replaying its parent's history, as written.
    write_lines(day / f"rollout-2026-03-09T18-50-00-{child_id}.jsonl", [meta, *parent, *own])
    env = {"HOME": str(tmp_path / "home"), "CODEX_HOME": str(home)}
    set_zone(data)
    out = scan(data, "--source", "codex", env=env)
    assert "2 sessions, 3 requests" in out
    assert_same_days(data, "codex", _codex_rows(ccusage("codex", "daily", env=env)))
