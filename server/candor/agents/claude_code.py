"""Claude Code's transcripts: projects/<project>/<sessionId>.jsonl, and its subagents' files.

A request is written again while it streams (growing output_tokens) and replayed in
side chains; subagents write projects/<project>/<sessionId>/subagents/agent-*.jsonl,
which count toward their parent session. A request is keyed by message.id + requestId
(of its copies, one not in a side chain wins, then the largest token total), as
ccusage counts them. Only lines holding "usage" are parsed; of the others only the
timestamp and sessionId are picked out, and whether the line is the person's prompt or
a failed request Claude Code will try again (told apart by keys, never by reading text).
"""

import json
import re
from pathlib import Path

from . import BadRecord, Request, count, ms, obj, project, text, tool_name

SITE = "claude-code"
FILE_PATTERN = "*.jsonl"
WHOLE_FILES = False
# A key in a compact JSON line: a quote inside a string is escaped, so '{"' or ',"'
# before a key can't come from a message's text.
_TIMESTAMP = b'"timestamp":"'
_SESSION = b'"sessionId":"'
_VALUE = re.compile(rb'[^"\\]{1,200}(?=")')
_USER = b'"type":"user"'
# A "user" line holding any of these is not a prompt the person typed: a tool's result, a
# note Claude Code adds (isMeta, a compacted conversation's summary), the agent prompting a
# subagent (a side chain, a progress line), the echo of a command run in Claude Code
# itself (/clear, !ls), or the mark left when the person interrupted the agent.
_NOT_PROMPT = (b'"tool_use_id":"', b'"isMeta":true', b'"isCompactSummary":true',
               b'"isVisibleInTranscriptOnly":true', b'"isSidechain":true',
               b'"type":"progress"', b'"content":"<command-', b'"content":"<local-command-',
               b'"content":"<bash-', b':"[Request interrupted by user')
# A request that failed and that Claude Code will try again (Claude Code 2).
_RETRY = b'"subtype":"api_error"'


def default_roots(env, home):
    """The folders read when none is given: every projects/ folder Claude Code writes to."""
    if env.get("CLAUDE_CONFIG_DIR"):
        return [Path(p.strip()) / "projects" for p in env["CLAUDE_CONFIG_DIR"].split(",")
                if p.strip()]
    config = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else home / ".config"
    return [home / ".claude" / "projects", config / "claude" / "projects"]


def _parent_session(path):
    """The session a subagent's file belongs to (<sessionId>/subagents/agent-*.jsonl)."""
    parts = Path(path).parts
    if len(parts) >= 3 and parts[-2] == "subagents":
        return parts[-3]
    return None


def _last_value(line, key):
    """The text value of the last `key` in a compact JSON line (not inside a string), or None.

    Found from the end, without parsing: the top level's timestamp comes last.
    """
    at = line.rfind(key)
    while at > 0 and line[at - 1] not in b"{,":
        at = line.rfind(key, 0, at)
    if at <= 0:
        return None
    value = _VALUE.match(line, at + len(key))
    return value.group().decode("utf-8", "replace") if value else None


def read_line(path, number, line, place, records):
    """Take what one line says into `records`; raises BadRecord or ValueError (not JSON)."""
    parent = place.state.get("parent", 0)
    if parent == 0:
        parent = place.state["parent"] = _parent_session(path)
    if b'"usage"' not in line:
        stamp = _last_value(line, _TIMESTAMP)
        session = parent or _last_value(line, _SESSION)
        if stamp and session:
            try:
                when = ms(stamp)
            except BadRecord:
                return
            records.times.add((session, when))
            if _USER in line:
                if not parent and not any(mark in line for mark in _NOT_PROMPT):
                    records.prompts.add((session, when))
            elif _RETRY in line:
                record = json.loads(line)
                key = text(record, "uuid") if isinstance(record, dict) else None
                records.errors.add((session, key[:200] if key else str(when), when))
        return
    record = json.loads(line)
    if not isinstance(record, dict):
        raise BadRecord("not a JSON object")
    kind = record.get("type")
    outer = record
    if kind == "progress":  # a running subagent's message, nested (Claude Code 2.1)
        record = obj(obj(record, "data"), "message")
        if not record:
            return
    elif kind != "assistant":
        return
    message = obj(record, "message")
    usage = obj(message, "usage")
    session = parent or text(outer, "sessionId") or text(record, "sessionId")
    stamp = text(record, "timestamp") or text(outer, "timestamp")
    if not session or not stamp:
        return
    when = ms(stamp)
    records.times.add((session, when))
    if record.get("isApiErrorMessage") is True or outer.get("isApiErrorMessage") is True:
        # A request that failed for good; its copies (a subagent's, replayed) share the id.
        key = text(message, "id") or text(record, "uuid") or text(outer, "uuid")
        records.errors.add((session, key[:200] if key else str(when), when))
        return
    project_name = project(outer.get("cwd"), outer.get("gitBranch"))
    if project_name:  # the latest record's (whatever order the lines come in)
        records.projects[session] = max(records.projects.get(session, (when, project_name)),
                                        (when, project_name))
    content = message.get("content")
    if isinstance(content, list):
        for block in content:
            if (isinstance(block, dict) and block.get("type") == "tool_use"
                    and isinstance(block.get("id"), str)):
                records.tool_calls.add((session, block["id"][:200], tool_name(block), when))
    message_id, request_id = text(message, "id"), text(record, "requestId")
    model = text(message, "model")
    if not usage or not message_id or request_id == "" or not model or model == "<synthetic>":
        return
    cache_write = usage.get("cache_creation_input_tokens")
    if cache_write is None:
        split = obj(usage, "cache_creation")
        cache_write = (count(split, "ephemeral_5m_input_tokens")
                       + count(split, "ephemeral_1h_input_tokens"))
    else:
        cache_write = count(usage, "cache_creation_input_tokens")
    records.requests.append(Request(
        key=f"{message_id}:{request_id}" if request_id else message_id,
        session=session, ts=when, model=model[:100],
        tokens_in=count(usage, "input_tokens"), tokens_out=count(usage, "output_tokens"),
        tokens_cache_read=count(usage, "cache_read_input_tokens"),
        tokens_cache_write=cache_write, tokens_reasoning=None,
        preferred=record.get("isSidechain") is not True,
    ))
