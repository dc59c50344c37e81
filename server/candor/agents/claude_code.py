"""Claude Code's transcripts: projects/<project>/<sessionId>.jsonl, and its subagents' files.

A request is written again while it streams (growing output_tokens) and replayed in
side chains; subagents write projects/<project>/<sessionId>/subagents/agent-*.jsonl,
which count toward their parent session. A request is keyed by message.id + requestId
(of its copies, one not in a side chain wins, then the largest token total), as
ccusage counts them. Only lines holding "usage" are parsed, and of those only the fields
named below (msgspec skips the rest, message text, without building it); of the other
lines only the timestamp and sessionId are picked out, and whether the line is the
person's prompt or a failed request Claude Code will try again (told apart by keys,
never by reading text).
"""

import json
import re
from pathlib import Path
from typing import Annotated, Any

import msgspec
from msgspec import Meta, Struct

from . import BadRecord, Request, ms, project, text

SITE = "claude-code"
FILE_PATTERN = "*.jsonl"
WHOLE_FILES = False
# A key in a compact JSON line: a quote inside a string is escaped, so '{"' or ',"'
# before a key can't come from a message's text.
_TIMESTAMP = b'"timestamp":"'
_SESSION = b'"sessionId":"'
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


_USUAL = re.compile(r"(\d{4}-\d\d-\d\dT\d\d):([0-5]\d):([0-5]\d)\.(\d{3})Z", re.ASCII)
_HOURS = {}  # "2026-03-09T22" -> its seconds since the epoch
_MINUTES = {}  # "2026-03-09T22:50:" -> its seconds since the epoch (from _USUAL's form)
_PROJECTS = {}  # (cwd, git branch) -> project()
# msgspec reads a usage line into these, skipping every other field (message text, tool
# inputs: most of the line's bytes) without building it; json.loads of those lines was a
# third of a scan. Types are checked as elsewhere: a count is a non-negative integer.
_Count = Annotated[int, Meta(ge=0)]


class _Split(Struct):
    ephemeral_5m_input_tokens: _Count | None = None
    ephemeral_1h_input_tokens: _Count | None = None


class _Usage(Struct):
    input_tokens: _Count | None = None
    output_tokens: _Count | None = None
    cache_read_input_tokens: _Count | None = None
    cache_creation_input_tokens: _Count | None = None
    cache_creation: _Split | None = None


class _Block(Struct):
    type: Any = None
    id: Any = None
    name: Any = None


class _Message(Struct):
    id: str | None = None
    model: str | None = None
    usage: _Usage | None = None
    content: list[_Block] | str | None = None


class _Record(Struct):
    type: Any = None
    sessionId: str | None = None
    timestamp: str | None = None
    requestId: str | None = None
    uuid: str | None = None
    isSidechain: Any = None
    isApiErrorMessage: Any = None
    cwd: Any = None
    gitBranch: Any = None
    message: _Message | None = None
    data: "_Data | None" = None


class _Data(Struct):
    message: _Record | None = None


_DECODER = msgspec.json.Decoder(_Record)
_EXPECTED = {"int": "a count", "str": "text", "object": "an object", "array": "a list"}
_WHERE = re.compile(r"Expected `(\w+)[^`]*`.* - at `\$(?:.*\.)?(\w+)(?:\[\d+\])?`$")


def _decode(line):
    """The line as a _Record; BadRecord naming a field of the wrong type, ValueError if not
    JSON."""
    try:
        return _DECODER.decode(line)
    except msgspec.ValidationError as error:
        found = _WHERE.match(str(error))
        if not found:
            raise BadRecord("not a JSON object") from None
        expected = _EXPECTED.get(found.group(1), found.group(1))
        raise BadRecord(f"{found.group(2)} is not {expected}") from None


def _first_raw(line, key):
    """The bytes of the first `key`'s text value in a compact JSON line (not inside a
    string), or None; None too for a value of more than 200 bytes or holding an escape.

    The top level's sessionId comes near the start, before any nested record.
    """
    at = line.find(key)
    while at > 0 and line[at - 1] not in b"{,":
        at = line.find(key, at + 1)
    return None if at <= 0 else _raw_value(line, at + len(key))


def _last_raw(line, key):
    """As _first_raw, for the last `key`: the top level's timestamp comes last."""
    at = line.rfind(key)
    while at > 0 and line[at - 1] not in b"{,":
        at = line.rfind(key, 0, at)
    return None if at <= 0 else _raw_value(line, at + len(key))


def _raw_value(line, start):
    # 1 to 200 bytes up to the closing quote, none of them a backslash; found without a
    # regular expression (this runs on every line).
    end = line.find(b'"', start, start + 201)
    if end <= start:
        return None
    value = line[start:end]
    return None if b"\\" in value else value


_TEXTS = {}  # bytes of a session id -> its text: the same few, on line after line


def _text(raw):
    if raw is None:
        return None
    found = _TEXTS.get(raw)
    if found is None:
        if len(_TEXTS) > 10_000:
            _TEXTS.clear()
        found = _TEXTS[raw] = raw.decode("utf-8", "replace")
    return found


_MINUTES_RAW = {}  # b"2026-03-09T22:50:" -> its seconds since the epoch


def _when(raw):
    """_ms() of a timestamp's bytes, the usual form read without making text of it."""
    start = _MINUTES_RAW.get(raw[:17])
    if (start is None or len(raw) != 24 or raw[19] != 46 or raw[23] != 90  # "." and "Z"
            or not raw[17:19].isdigit() or not raw[20:23].isdigit() or raw[17:19] > b"59"):
        stamp = raw.decode("utf-8", "replace")
        when = _ms(stamp)
        if stamp[:17] in _MINUTES:
            if len(_MINUTES_RAW) > 100_000:
                _MINUTES_RAW.clear()
            _MINUTES_RAW[raw[:17]] = _MINUTES[stamp[:17]]
        return when
    micros = (start + int(raw[17:19])) * 1_000_000 + int(raw[20:23]) * 1000
    return int(micros / 1_000_000 * 1000)


def _ms(stamp):
    """ms(stamp), the usual form (2026-03-09T22:50:00.000Z) read here with the minute's
    start worked out once: ms() on every line took a tenth of a scan's time."""
    start = _MINUTES.get(stamp[:17])  # "2026-03-09T22:50:"
    if start is None:
        usual = _USUAL.fullmatch(stamp)
        if usual is None:
            return ms(stamp)
        start = _minute(stamp[:17])
    second, milli = stamp[17:19], stamp[20:23]
    if (len(stamp) != 24 or stamp[19] != "." or stamp[23] != "Z" or not stamp.isascii()
            or not second.isdigit()
            or not milli.isdigit() or second > "59"):
        return ms(stamp)
    # As ms() computes it (float seconds, then milliseconds), to the same millisecond.
    micros = (start + int(second)) * 1_000_000 + int(milli) * 1000
    return int(micros / 1_000_000 * 1000)


def _minute(prefix):
    """Seconds since the epoch at the start of the minute `prefix` ("2026-03-09T22:50:")."""
    if len(_MINUTES) > 100_000:
        _MINUTES.clear()
        _HOURS.clear()
    hour = prefix[:13]
    start = _HOURS.get(hour)
    if start is None:
        start = _HOURS[hour] = ms(hour + ":00:00Z") // 1000
    _MINUTES[prefix] = start = start + int(prefix[14:16]) * 60
    return start


def _project(cwd, branch):
    """project(cwd, branch), worked out once per working folder and branch."""
    if not isinstance(cwd, str) or not isinstance(branch, (str, type(None))):
        return project(cwd, branch)
    name = _PROJECTS.get((cwd, branch), False)
    if name is False:
        if len(_PROJECTS) > 10_000:
            _PROJECTS.clear()
        name = _PROJECTS[(cwd, branch)] = project(cwd, branch)
    return name


def read_line(path, number, line, place, records):
    """Take what one line says into `records`; raises BadRecord or ValueError (not JSON)."""
    parent = place.state.get("parent", 0)
    if parent == 0:
        parent = place.state["parent"] = _parent_session(path)
    if b'"usage"' not in line:
        stamp = _last_raw(line, _TIMESTAMP)
        session = parent or _text(_first_raw(line, _SESSION))
        if stamp and session:
            try:
                when = _when(stamp)
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
    outer = record = _decode(line)
    if record.type == "progress":  # a running subagent's message, nested (Claude Code 2.1)
        record = record.data.message if record.data else None
        if record is None:
            return
    elif record.type != "assistant":
        return
    message = record.message or _Message()
    session = parent or outer.sessionId or record.sessionId
    stamp = record.timestamp or outer.timestamp
    if not session or not stamp:
        return
    when = _ms(stamp)
    records.times.add((session, when))
    if record.isApiErrorMessage is True or outer.isApiErrorMessage is True:
        # A request that failed for good; its copies (a subagent's, replayed) share the id.
        key = message.id or record.uuid or outer.uuid
        records.errors.add((session, key[:200] if key else str(when), when))
        return
    project_name = _project(outer.cwd, outer.gitBranch)
    if project_name:  # the latest record's (whatever order the lines come in)
        records.projects[session] = max(records.projects.get(session, (when, project_name)),
                                        (when, project_name))
    if isinstance(message.content, list):
        for block in message.content:
            if block.type == "tool_use" and isinstance(block.id, str):
                name = block.name[:100] if isinstance(block.name, str) and block.name else None
                records.tool_calls.add((session, block.id[:200], name, when))
    usage, message_id, request_id, model = (message.usage, message.id, record.requestId,
                                            message.model)
    if (usage is None or not message_id or request_id == "" or not model
            or model == "<synthetic>"):
        return
    cache_write = usage.cache_creation_input_tokens
    if cache_write is None:
        split = usage.cache_creation or _Split()
        cache_write = (split.ephemeral_5m_input_tokens or 0) + (
            split.ephemeral_1h_input_tokens or 0)
    records.requests.append(Request(
        key=f"{message_id}:{request_id}" if request_id else message_id,
        session=session, ts=when, model=model[:100],
        tokens_in=usage.input_tokens or 0, tokens_out=usage.output_tokens or 0,
        tokens_cache_read=usage.cache_read_input_tokens or 0,
        tokens_cache_write=cache_write, tokens_reasoning=None,
        preferred=record.isSidechain is not True,
    ))

