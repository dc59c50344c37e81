"""Codex CLI's rollouts: $CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl and archived_sessions/.

Usage comes as `token_count` events holding the session's cumulative total and the
last turn's usage; the same total is often written again, and counts once. A turn is
keyed by its session and the cumulative total after it. A forked session starts by
replaying its parent's history: its events from before the fork are not its own.
Codex's input includes the cached part; Candor's tokens_in is the uncached part (as
ccusage's), and output already includes reasoning. The person's prompts are its
`user_message` events (the `user` messages of the history also carry the instructions
Codex adds), and a turn that failed is an `error` event; neither's text is read.
"""

import json
import re
from pathlib import Path

from . import BadRecord, Request, count, ms, obj, project, text, tool_name

SITE = "codex"
FILE_PATTERN = "rollout-*.jsonl"
WHOLE_FILES = False
_TIMESTAMP = re.compile(rb'^\{"timestamp":"([^"\\]{10,40})"')
_ID_IN_NAME = re.compile(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$")
_TOTALS = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens",
           "total_tokens")


def default_roots(env, home):
    """The folders read when none is given."""
    base = Path(env["CODEX_HOME"]) if env.get("CODEX_HOME") else home / ".codex"
    return [base / "sessions", base / "archived_sessions"]


def _session(path, state):
    if "session" not in state:
        found = _ID_IN_NAME.search(Path(path).name)
        state["session"] = found.group(1) if found else Path(path).stem
    return state["session"]


def read_line(path, number, line, place, records):
    """Take what one line says into `records`; raises BadRecord or ValueError (not JSON)."""
    state = place.state
    stamp = _TIMESTAMP.match(line)
    when = None
    if stamp:
        try:
            when = ms(stamp.group(1).decode())
        except BadRecord:
            when = None
    forked_at = state.get("forked_at")
    replayed = forked_at is not None and when is not None and when < forked_at
    if b'"session_meta"' in line[:120]:
        _meta(json.loads(line), state, records)
    elif b'"turn_context"' in line[:120]:
        record = json.loads(line)
        model = text(obj(record, "payload"), "model")
        if model:
            state["model"] = model[:100]
    elif b'"payload":{"type":"user_message"' in line[:160]:
        if when is not None and not replayed:
            records.prompts.add((_session(path, state), when))
    elif b'"payload":{"type":"error"' in line[:160]:
        if when is not None and not replayed:
            records.errors.add((_session(path, state), f"error:{when}", when))
    elif b'"token_count"' in line and not replayed:
        _turn(json.loads(line), state, records, _session(path, state))
    elif b'"call_id"' in line and not replayed:
        payload = obj(json.loads(line), "payload")
        if str(payload.get("type", "")).endswith("_call") and isinstance(
                payload.get("call_id"), str):
            records.tool_calls.add((_session(path, state), payload["call_id"][:200],
                                    tool_name(payload), when))
    if when is not None and not replayed:
        records.times.add((_session(path, state), when))


def _meta(record, state, records):
    payload = obj(record, "payload")
    if "session" in state and state.get("meta_seen"):
        return  # a fork's replay carries its parent's session_meta too: the first is ours
    state["meta_seen"] = True
    if text(payload, "id"):
        state["session"] = payload["id"]
    source = payload.get("source")
    forked = payload.get("forked_from_id") or (
        isinstance(source, dict) and isinstance(source.get("subagent"), dict)
        and "thread_spawn" in source["subagent"])
    if forked and text(payload, "timestamp"):
        state["forked_at"] = ms(payload["timestamp"])
    git = payload.get("git") if isinstance(payload.get("git"), dict) else {}
    name = project(payload.get("cwd"), git.get("branch"))
    if name:
        records.projects[state["session"]] = (ms(payload.get("timestamp") or record.get(
            "timestamp")), name)


def _turn(record, state, records, session):
    info = obj(record, "payload").get("info")
    if info is None:
        return
    if not isinstance(info, dict):
        raise BadRecord("info is not an object")
    total = obj(info, "total_token_usage")
    totals = [count(total, name) for name in _TOTALS]
    if not total or totals == state.get("total"):
        return  # the same total again: nothing new
    last = obj(info, "last_token_usage")
    if last:
        turn = [count(last, name) for name in _TOTALS]
    else:
        before = state.get("total") or [0] * len(_TOTALS)
        turn = [max(0, a - b) for a, b in zip(totals, before, strict=True)]
    state["total"] = totals
    input_tokens, cached, output, reasoning, _ = turn
    cached = min(cached, input_tokens)
    records.requests.append(Request(
        key=f"{session}:{':'.join(map(str, totals))}", session=session,
        ts=ms(record.get("timestamp")), model=state.get("model"),
        tokens_in=input_tokens - cached, tokens_out=output, tokens_cache_read=cached,
        tokens_cache_write=None, tokens_reasoning=reasoning,
    ))
