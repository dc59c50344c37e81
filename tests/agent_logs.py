"""Agents' usage logs written as the agents write them, for the agent-scan tests.

Every text field (prompts, answers, thinking, tool inputs and outputs, summaries) holds
SECRET, so a test can check that none of it reaches the journal. Lines are compact JSON
(separators without spaces), as the real files are and as ccusage expects.
"""

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

SECRET = "SENTINEL-7f3a9c-do-not-store"
T0 = datetime(2026, 3, 9, 22, 50, tzinfo=timezone.utc)


def stamp(minutes):
    """T0 + minutes, as the agents write it (UTC, milliseconds, Z)."""
    moment = T0 + timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def dumps(record):
    return json.dumps(record, separators=(",", ":"))


def claude_user(session, minutes, cwd="/home/ann/candor"):
    return {"parentUuid": None, "isSidechain": False, "userType": "external", "cwd": cwd,
            "sessionId": session, "version": "2.1.3", "gitBranch": "main", "type": "user",
            "message": {"role": "user", "content": f"prompt {SECRET}"},
            "uuid": f"u-{session}-{minutes}", "timestamp": stamp(minutes)}


def claude_meta(session, minutes):
    """A note Claude Code adds in the person's name (isMeta): not a prompt."""
    return {**claude_user(session, minutes), "isMeta": True,
            "message": {"role": "user", "content": f"Caveat: {SECRET}"},
            "uuid": f"m-{session}-{minutes}"}


def claude_command(session, minutes):
    """The echo of a command run in Claude Code itself (/clear): not a prompt."""
    return {**claude_user(session, minutes), "message": {"role": "user", "content": (
        f"<command-name>/clear</command-name><command-args>{SECRET}</command-args>")},
        "uuid": f"c-{session}-{minutes}"}


def claude_api_error(session, minutes, n):
    """A request that failed for good: Claude Code's synthetic answer (isApiErrorMessage)."""
    record = claude_assistant(session, f"err-{n}", None, minutes, (0, 0, 0, 0),
                              model="<synthetic>")
    record["message"]["content"] = [{"type": "text", "text": f"API Error: 529 {SECRET}"}]
    record["isApiErrorMessage"] = True
    return record


def claude_retry(session, minutes, n):
    """A failed request Claude Code will try again (a system line, no usage)."""
    return {"parentUuid": None, "isSidechain": False, "userType": "external",
            "cwd": "/home/ann/candor", "sessionId": session, "version": "2.1.3",
            "gitBranch": "main", "type": "system", "subtype": "api_error", "level": "error",
            "error": {"status": 529, "error": {"message": SECRET}}, "retryInMs": 1000,
            "retryAttempt": n, "maxRetries": 10, "timestamp": stamp(minutes),
            "uuid": f"retry-{session}-{minutes}-{n}"}


def claude_tool_result(session, minutes):
    return {"isSidechain": False, "cwd": "/home/ann/candor", "sessionId": session,
            "type": "user", "message": {"role": "user", "content": [
                {"tool_use_id": "toolu_x", "type": "tool_result", "content": f"out {SECRET}"}]},
            "toolUseResult": {"stdout": SECRET}, "uuid": f"r-{session}-{minutes}",
            "timestamp": stamp(minutes)}


def claude_assistant(session, message_id, request_id, minutes, tokens, sidechain=False,
                     model="claude-sonnet-4-5-20250929", tool=None, cwd="/home/ann/candor",
                     tool_name="Bash"):
    """An assistant line; tokens = (input, output, cache write, cache read); `tool` is the
    id of a tool call (of `tool_name`) it makes."""
    tin, tout, cwrite, cread = tokens
    content = [{"type": "text", "text": f"answer {SECRET}"},
               {"type": "thinking", "thinking": SECRET, "signature": SECRET}]
    if tool:
        content.append({"type": "tool_use", "id": tool, "name": tool_name,
                        "input": {"command": f"echo {SECRET}"}})
    record = {"parentUuid": None, "isSidechain": sidechain, "userType": "external", "cwd": cwd,
              "sessionId": session, "version": "2.1.3", "gitBranch": "main",
              "message": {"id": message_id, "type": "message", "role": "assistant",
                          "model": model, "content": content, "stop_reason": None,
                          "usage": {"input_tokens": tin, "cache_creation_input_tokens": cwrite,
                                    "cache_read_input_tokens": cread, "output_tokens": tout,
                                    "service_tier": "standard"}},
              "type": "assistant", "uuid": f"a-{message_id}-{minutes}-{tout}",
              "timestamp": stamp(minutes)}
    if request_id is not None:
        record["requestId"] = request_id
    return record


def claude_progress(session, message_id, request_id, minutes, tokens):
    """A running subagent's request, nested in a progress line (Claude Code 2.1)."""
    inner = claude_assistant(session, message_id, request_id, minutes, tokens)
    return {"type": "progress", "sessionId": session, "cwd": "/home/ann/candor",
            "timestamp": stamp(minutes), "uuid": f"p-{message_id}",
            "data": {"type": "agent_progress", "prompt": SECRET,
                     "message": {"type": "assistant", "message": inner["message"],
                                 "requestId": request_id, "timestamp": stamp(minutes)}}}


def write_lines(path, records, tail=""):
    """Write records as JSON lines (and an unfinished `tail`, if any)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(dumps(r) + "\n" for r in records) + tail, encoding="utf-8")
    return path


def append_lines(path, records):
    with open(path, "a", encoding="utf-8") as f:
        f.write("".join(dumps(r) + "\n" for r in records))


def codex_lines(conversation, turns, start=0, model="gpt-5.3-codex", cwd="/home/ann/candor",
                repeat_each=True, tool="shell", failed=()):
    """A Codex rollout: turns are (input, cached, output, reasoning) per turn; each turn
    makes one call of `tool`, and the turns numbered in `failed` end with an error."""
    lines = [{"timestamp": stamp(start), "type": "session_meta", "payload": {
        "id": conversation, "timestamp": stamp(start), "cwd": cwd, "originator": "codex_cli_rs",
        "cli_version": "0.104.0", "source": "cli", "model_provider": "openai",
        "base_instructions": {"text": SECRET},
        "git": {"commit_hash": "86b4a8d9", "branch": "feature", "repository_url": SECRET}}},
        {"timestamp": stamp(start), "type": "response_item", "payload": {
            "type": "message", "role": "user",
            "content": [{"type": "input_text", "text": SECRET}]}},
        {"timestamp": stamp(start), "type": "event_msg", "payload": {
            "type": "token_count", "info": None, "rate_limits": {}}}]
    totals = [0, 0, 0, 0, 0]
    for n, (tin, cached, out, reasoning) in enumerate(turns):
        minute = start + 1 + n * 2
        lines.append({"timestamp": stamp(minute), "type": "turn_context", "payload": {
            "turn_id": f"t{n}", "cwd": cwd, "model": model, "user_instructions": SECRET}})
        lines.append({"timestamp": stamp(minute), "type": "event_msg", "payload": {
            "type": "user_message", "message": SECRET, "images": []}})
        lines.append({"timestamp": stamp(minute), "type": "response_item", "payload": {
            "type": "function_call", "name": tool, "arguments": SECRET,
            "call_id": f"call_{conversation[:8]}_{n}"}})
        lines.append({"timestamp": stamp(minute), "type": "response_item", "payload": {
            "type": "function_call_output", "call_id": f"call_{conversation[:8]}_{n}",
            "output": SECRET}})
        last = {"input_tokens": tin, "cached_input_tokens": cached, "output_tokens": out,
                "reasoning_output_tokens": reasoning, "total_tokens": tin + out}
        totals = [a + b for a, b in zip(totals, (tin, cached, out, reasoning, tin + out),
                                        strict=True)]
        total = dict(zip(last, totals, strict=True))
        usage = {"timestamp": stamp(minute + 1), "type": "event_msg", "payload": {
            "type": "token_count", "info": {"total_token_usage": total,
                                            "last_token_usage": last,
                                            "model_context_window": 258400},
            "rate_limits": {}}}
        lines.append(usage)
        if repeat_each:  # Codex writes the same total again
            lines.append({**usage, "timestamp": stamp(minute + 1.5)})
        lines.append({"timestamp": stamp(minute + 1), "type": "event_msg", "payload": {
            "type": "agent_message", "message": SECRET}})
        if n in failed:
            lines.append({"timestamp": stamp(minute + 1.25), "type": "event_msg", "payload": {
                "type": "error", "message": f"stream disconnected {SECRET}"}})
    return lines


def gemini_chat(session, answers, start=0, tool="run_shell_command", failed=()):
    """A Gemini CLI chat file: answers are (input, cached, output, thoughts); each calls
    `tool` once, and the answers numbered in `failed` are followed by an error."""
    messages = []
    for n, (tin, cached, out, thoughts) in enumerate(answers):
        if n in failed:
            messages.append({"id": f"m{n}e", "timestamp": stamp(start + n * 2 + 0.5),
                             "type": "error", "content": f"[API Error: {SECRET}]"})
        messages.append({"id": f"m{n}u", "timestamp": stamp(start + n * 2), "type": "user",
                         "content": SECRET})
        messages.append({"id": f"m{n}g", "timestamp": stamp(start + n * 2 + 1), "type": "gemini",
                         "content": SECRET, "thoughts": [{"subject": SECRET,
                                                          "description": SECRET}],
                         "toolCalls": [{"id": f"tc{n}", "name": tool,
                                        "args": {"command": SECRET},
                                        "result": [{"output": SECRET}]}],
                         "tokens": {"input": tin, "output": out, "cached": cached,
                                    "thoughts": thoughts, "tool": 0,
                                    "total": tin + out + thoughts},
                         "model": "gemini-2.5-pro"})
    return {"sessionId": session, "projectHash": "ab12", "startTime": stamp(start),
            "lastUpdated": stamp(start + len(answers) * 2), "messages": messages}
