"""Gemini CLI's chats: ~/.gemini/tmp/<project hash>/chats/*.json, one JSON document each.

A chat file is written whole each time, so it is read whole when it changed; each
answer (a message of type "gemini") is keyed by the chat's and the message's ids.
Gemini's input includes the cached part and its output leaves out the thoughts:
Candor's tokens_in is the uncached input and tokens_out includes the thoughts. A message
of type "user" is the person's prompt, one of type "error" a request that failed.
"""

import json
from pathlib import Path

from . import BadRecord, Request, count, ms, obj, text, tool_name

SITE = "gemini-cli"
FILE_PATTERN = "*.json"
WHOLE_FILES = True


def default_roots(env, home):
    """The folders read when none is given."""
    return [home / ".gemini" / "tmp"]


def wanted(path):
    """Only the chats/ files hold chats."""
    return Path(path).parent.name == "chats"


def read_document(path, data, records):
    """Take what a whole chat file says into `records`; raises BadRecord or ValueError."""
    chat = json.loads(data)
    if not isinstance(chat, dict):
        raise BadRecord("not a JSON object")
    session = text(chat, "sessionId") or Path(path).stem
    messages = chat.get("messages") or []
    if not isinstance(messages, list):
        raise BadRecord("messages is not a list")
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        try:
            when = ms(message.get("timestamp"))
        except BadRecord:
            continue
        records.times.add((session, when))
        kind = message.get("type")
        if kind == "user":
            records.prompts.add((session, when))
        elif kind == "error":
            key = text(message, "id") or str(index)
            records.errors.add((session, key[:200], when))
        if kind != "gemini":
            continue
        for call in message.get("toolCalls") or []:
            if isinstance(call, dict) and isinstance(call.get("id"), str):
                records.tool_calls.add((session, call["id"][:200], tool_name(call), when))
        tokens = obj(message, "tokens")
        if not tokens:
            continue
        input_tokens, cached = count(tokens, "input"), count(tokens, "cached")
        thoughts = count(tokens, "thoughts")
        cached = min(cached, input_tokens)
        key = text(message, "id") or str(index)
        model = text(message, "model")
        records.requests.append(Request(
            key=f"{session}:{key}", session=session, ts=when,
            model=model[:100] if model else None,
            tokens_in=input_tokens - cached, tokens_out=count(tokens, "output") + thoughts,
            tokens_cache_read=cached, tokens_cache_write=None, tokens_reasoning=thoughts,
        ))
