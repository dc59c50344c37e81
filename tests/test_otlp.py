"""The OpenTelemetry receiver (POST /v1/traces, /v1/logs, /v1/metrics), against the real
server process and its SQLite file: both encodings, gzip, refusals, re-sent batches, one
path of tokens with transcript scans, site names, and no text kept."""

import base64
import copy
import gzip
import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
import zlib

import pytest
import requests
from agent_logs import SECRET, T0, claude_assistant, claude_user, write_lines
from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from support import NAVIGATE, SAME_ORIGIN, candor, start_server

from candor.agents import telemetry

A = "aaaaaaaa-1111-4111-8111-111111111111"
NAMESPACE = uuid.UUID("3b0f6f1e-5c7a-5d43-9a0e-6f1c2d8b7a90")
NS = 1_000_000  # nanoseconds in a millisecond
START = int(T0.timestamp() * 1000)
MESSAGES = {"traces": (trace_service_pb2.ExportTraceServiceRequest,
                       trace_service_pb2.ExportTraceServiceResponse),
            "logs": (logs_service_pb2.ExportLogsServiceRequest,
                     logs_service_pb2.ExportLogsServiceResponse),
            "metrics": (metrics_service_pb2.ExportMetricsServiceRequest,
                        metrics_service_pb2.ExportMetricsServiceResponse)}


def sid(site, source_id):
    return str(uuid.uuid5(NAMESPACE, f"{site}:{source_id}"))


def attrs(**values):
    """OTLP/JSON attributes; a key's dots are written as __ (session__id: session.id)."""
    out = []
    for key, value in values.items():
        if isinstance(value, bool):
            wrapped = {"boolValue": value}
        elif isinstance(value, int):
            wrapped = {"intValue": str(value)}  # 64-bit integers come as strings in OTLP/JSON
        elif isinstance(value, float):
            wrapped = {"doubleValue": value}
        else:
            wrapped = {"stringValue": value}
        out.append({"key": key.replace("__", "."), "value": wrapped})
    return out


def resource(service):
    return {"attributes": attrs(service__name=service, service__version="2.1.3",
                                host__arch="amd64")}


def nanos(minutes):
    return str((START + int(minutes * 60_000)) * NS)


# --- Claude Code's logs and metrics, as its exporter writes them (OTLP/JSON) --------

def claude_logs(session, minutes=0.0, requests_=((1_000, 200, 5_000, 300),), prefix="req"):
    """A prompt, model requests (input, output, cache read, cache write), a tool result and
    a failed request; every text attribute holds SECRET."""
    def record(event, at, **extra):
        return {"timeUnixNano": nanos(at), "observedTimeUnixNano": nanos(at),
                "body": {"stringValue": f"claude_code.{event}"},
                "attributes": attrs(event__name=event, event__timestamp="2026-03-09T22:50:00Z",
                                    session__id=session, prompt__id=f"p-{session}",
                                    user__email=f"ann@{SECRET}.example", **extra)}

    records = [record("user_prompt", minutes, prompt=f"fix it {SECRET}", prompt_length=42)]
    for n, (tin, tout, cread, cwrite) in enumerate(requests_):
        records.append(record("api_request", minutes + 0.1 + n, model="claude-sonnet-4-5",
                              input_tokens=tin, output_tokens=tout, cache_read_tokens=cread,
                              cache_creation_tokens=cwrite, cost_usd=0.012, duration_ms=900,
                              request_id=f"{prefix}_{n}"))
    records.append(record("tool_result", minutes + 0.5, tool_name="Bash", success="true",
                          duration_ms=30, tool_parameters=json.dumps({"command": SECRET})))
    records.append(record("api_error", minutes + 0.7, model="claude-sonnet-4-5",
                          error=f"overloaded {SECRET}", status_code="529", attempt=1,
                          request_id=f"{prefix}_failed"))
    return {"resourceLogs": [{"resource": resource("claude-code"), "scopeLogs": [
        {"scope": {"name": "com.anthropic.claude_code.events", "version": "2.1.3"},
         "logRecords": records}]}]}


def agent_logs(service, session_key, session, records):
    """Log records of another agent: (event name, minutes, attributes)."""
    return {"resourceLogs": [{"resource": resource(service), "scopeLogs": [{"logRecords": [
        {"timeUnixNano": nanos(at), "body": {"stringValue": f"{SECRET} body"},
         "attributes": attrs(**{session_key: session, "event__name": event,
                                "user__email": f"ann@{SECRET}.example", **extra})}
        for event, at, extra in records]}]}]}


def codex_logs(conversation):
    """Codex's events: a completed response (its tokens), a stream event, a prompt, a tool
    result, a failed and a good API request; text attributes hold SECRET."""
    return agent_logs("codex_cli_rs", "conversation__id", conversation, [
        ("codex.user_prompt", 0, {"prompt": SECRET, "prompt_length": 40}),
        ("codex.api_request", 0.1, {"attempt": 1, "duration_ms": "300",
                                    "http__response__status_code": 200}),
        ("codex.sse_event", 0.2, {"event__kind": "response.output_text.delta",
                                  "duration_ms": "1"}),
        ("codex.sse_event", 0.3, {"event__kind": "response.completed", "model": "gpt-5-codex",
                                  "input_token_count": "5000", "cached_token_count": 3_000,
                                  "output_token_count": "400", "reasoning_token_count": 100,
                                  "tool_token_count": "0"}),
        ("codex.tool_result", 0.4, {"tool_name": "shell", "call_id": "call_1",
                                    "arguments": SECRET, "output": SECRET, "success": "true"}),
        ("codex.api_request", 0.5, {"attempt": 2, "http__response__status_code": 500,
                                    "error__message": f"server error {SECRET}"}),
    ])


def gemini_logs(session):
    """Gemini CLI's events: a response (its tokens), a tool call, a prompt, a failure."""
    return agent_logs("gemini-cli", "session__id", session, [
        ("gemini_cli.user_prompt", 0, {"prompt": SECRET, "prompt_length": 40,
                                       "prompt_id": "p1"}),
        ("gemini_cli.api_response", 0.2, {
            "model": "gemini-2.5-pro", "input_token_count": 1_000,
            "cached_content_token_count": 400, "output_token_count": 50,
            "thoughts_token_count": 20, "tool_token_count": 0, "total_token_count": 1_070,
            "response_text": SECRET, "prompt_id": "p1", "status_code": 200}),
        ("gemini_cli.tool_call", 0.3, {"function_name": "read_file", "function_args": SECRET,
                                       "success": True, "duration_ms": 12}),
        ("gemini_cli.api_error", 0.6, {"model": "gemini-2.5-pro", "error": SECRET,
                                       "status_code": 429}),
    ])


def claude_metrics(session, minutes=1.0, temporality=1):
    """Lines of code (10 added, 3 removed), a commit, a pull request, 42.5 s active, and the
    token metric (which must not add to the api_request events' tokens)."""
    def point(value, at=minutes, **extra):
        key = "asDouble" if isinstance(value, float) else "asInt"
        return {"startTimeUnixNano": nanos(at - 1), "timeUnixNano": nanos(at),
                key: value if key == "asDouble" else str(value),
                "attributes": attrs(session__id=session, user__email=f"ann@{SECRET}.example",
                                    terminal__type="xterm", **extra)}

    def total(name, unit, *points):
        return {"name": name, "unit": unit, "sum": {
            "dataPoints": list(points), "aggregationTemporality": temporality,
            "isMonotonic": True}}

    return {"resourceMetrics": [{"resource": resource("claude-code"), "scopeMetrics": [
        {"scope": {"name": "com.anthropic.claude_code", "version": "2.1.3"}, "metrics": [
            total("claude_code.lines_of_code.count", "count", point(10, type="added"),
                  point(3, type="removed")),
            total("claude_code.commit.count", "count", point(1)),
            total("claude_code.pull_request.count", "count", point(1)),
            total("claude_code.active_time.total", "s", point(42.5, type="cli")),
            total("claude_code.token.usage", "tokens", point(99_999, type="input",
                                                             model="claude-sonnet-4-5")),
            {"name": "claude_code.session.count", "unit": "count",
             "gauge": {"dataPoints": [point(1)]}},
        ]}]}]}


# --- GenAI spans, as an instrumented agent platform sends them ----------------------

def span(trace, span_id, operation, minutes, conversation, status=0, parent="", **extra):
    values = {"gen_ai.operation.name": operation, "gen_ai.conversation.id": conversation,
              "gen_ai.provider.name": "openai", **extra}
    return {"traceId": trace, "spanId": span_id, "parentSpanId": parent,
            "name": f"{operation} x", "kind": 3, "startTimeUnixNano": nanos(minutes),
            "endTimeUnixNano": nanos(minutes + 0.2), "status": {"code": status},
            "attributes": attrs(**{k.replace(".", "__"): v for k, v in values.items()})}


def genai_spans(service, conversation, trace="5b8efff798038103d269b633813fc60c"):
    """An agent run: a chat with cached input, a tool call, a failed chat, the agent's own
    span, and an HTTP span without gen_ai attributes; text attributes hold SECRET."""
    text = {"gen_ai.input.messages": json.dumps([{"role": "user", "content": SECRET}]),
            "gen_ai.output.messages": json.dumps([{"role": "assistant", "content": SECRET}]),
            "gen_ai.system_instructions": SECRET}
    spans = [
        span(trace, "0000000000000001", "invoke_agent", 0, conversation,
             **{"gen_ai.agent.name": "triage", "gen_ai.usage.input_tokens": 9_999}),
        span(trace, "0000000000000002", "chat", 0.1, conversation, parent="0000000000000001",
             **{"gen_ai.request.model": "gpt-5", "gen_ai.response.model": "gpt-5-2025-08-07",
                "gen_ai.usage.input_tokens": 1_000, "gen_ai.usage.output_tokens": 300,
                "gen_ai.usage.cache_read.input_tokens": 600,
                "gen_ai.usage.cache_creation.input_tokens": 100,
                "gen_ai.usage.reasoning.output_tokens": 120, **text}),
        span(trace, "0000000000000003", "execute_tool", 0.4, conversation,
             parent="0000000000000001",
             **{"gen_ai.tool.name": "open_pull_request", "gen_ai.tool.call.id": "call_1",
                "gen_ai.tool.call.arguments": json.dumps({"title": SECRET}),
                "gen_ai.tool.call.result": SECRET}),
        span(trace, "0000000000000004", "chat", 0.6, conversation, status=2,
             parent="0000000000000001", **{"gen_ai.request.model": "gpt-5",
                                           "error.type": SECRET, **text}),
        {"traceId": trace, "spanId": "0000000000000005", "name": "POST", "kind": 3,
         "startTimeUnixNano": nanos(0.15), "endTimeUnixNano": nanos(0.16),
         "attributes": attrs(http__url=f"https://api.example/{SECRET}")},
    ]
    return {"resourceSpans": [{"resource": resource(service), "scopeSpans": [
        {"scope": {"name": "agent-platform"}, "spans": spans}]}]}


def to_protobuf(signal, body):
    """The same request as protobuf: OTLP/JSON's hex ids are bytes there."""
    body = copy.deepcopy(body)

    def ids(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("traceId", "spanId", "parentSpanId"):
                    value[key] = base64.b64encode(bytes.fromhex(item)).decode()
                else:
                    ids(item)
        elif isinstance(value, list):
            for item in value:
                ids(item)

    ids(body)
    return json_format.ParseDict(body, MESSAGES[signal][0]()).SerializeToString()


def post(server, signal, body, encoding="json", gzipped=False, headers=None):
    """POST a body as an exporter does (JSON or protobuf, gzipped or not)."""
    if encoding == "json":
        data, content_type = json.dumps(body).encode(), "application/json"
    else:
        data, content_type = to_protobuf(signal, body), "application/x-protobuf"
    sent = {"Content-Type": content_type, **server.headers(), **(headers or {})}
    if gzipped:
        data = gzip.compress(data)
        sent["Content-Encoding"] = "gzip"
    return requests.post(f"{server.url}/v1/{signal}", data=data, headers=sent, timeout=30)


def rows(server, sql, params=()):
    conn = sqlite3.connect(f"file:{server.data_dir / 'candor.db'}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


SESSION_COLUMNS = ("site", "kind", "tokens_in", "tokens_out", "tokens_cache_read",
                   "tokens_cache_write", "tokens_reasoning", "requests", "tool_calls", "models",
                   "lines_changed", "commits", "pull_requests", "active_ms", "started_at")


def sessions(server):
    return {row[0]: dict(zip(SESSION_COLUMNS, row[1:], strict=True)) for row in rows(
        server, f"SELECT id, {', '.join(SESSION_COLUMNS)} FROM sessions ORDER BY id")}


def everything(server):
    """Every row of every table, to compare the journal before and after."""
    conn = sqlite3.connect(f"file:{server.data_dir / 'candor.db'}?mode=ro", uri=True)
    try:
        tables = [t for (t,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(map(repr, conn.execute(f"SELECT * FROM {t}"))) for t in tables}
    finally:
        conn.close()


@pytest.fixture
def server(tmp_path):
    """A real `candor serve` whose user has no agent logs (HOME is empty)."""
    (tmp_path / "home").mkdir()
    server = start_server(tmp_path / "data", env={
        "HOME": str(tmp_path / "home"), "CLAUDE_CONFIG_DIR": "", "CODEX_HOME": "",
        "XDG_CONFIG_HOME": ""})
    yield server
    server.kill()


def errors_of(server):
    return rows(server, "SELECT session_id, key FROM agent_errors ORDER BY key")


def check_all_three_were_counted(server):
    found = sessions(server)
    claude = found[sid("claude-code", A)]
    # Tokens from the api_request events (not from the token metric); failures apart.
    assert claude == {
        "site": "claude-code", "kind": "agent", "tokens_in": 1_000, "tokens_out": 200,
        "tokens_cache_read": 5_000, "tokens_cache_write": 300, "tokens_reasoning": None,
        "requests": 1, "tool_calls": 1, "models": '["claude-sonnet-4-5"]',
        "lines_changed": 13, "commits": 1, "pull_requests": 1, "active_ms": 42_500,
        "started_at": START}
    agent = found[sid("otel:triage-bot", "conv-7")]
    # GenAI's input holds the cached part: tokens_in is 1,000 - 600 read - 100 written.
    assert agent == {
        "site": "otel:triage-bot", "kind": "agent", "tokens_in": 300, "tokens_out": 300,
        "tokens_cache_read": 600, "tokens_cache_write": 100, "tokens_reasoning": 120,
        "requests": 1, "tool_calls": 1, "models": '["gpt-5-2025-08-07"]',
        "lines_changed": None, "commits": None, "pull_requests": None,
        "active_ms": 48_000, "started_at": START}  # its spans' times, 0 to 0.8 min
    assert len(found) == 2
    assert set(errors_of(server)) == {
        (sid("claude-code", A), f"otlp:{A}:req_failed"),
        (sid("otel:triage-bot", "conv-7"),
         "otlp:5b8efff798038103d269b633813fc60c:0000000000000004")}
    assert rows(server, "SELECT tool FROM agent_tool_calls ORDER BY tool") == [
        ("Bash",), ("open_pull_request",)]
    assert rows(server, "SELECT count(*) FROM agent_prompts") == [(1,)]


def post_all(server, encoding, gzipped=False):
    answers = [post(server, "logs", claude_logs(A), encoding, gzipped),
               post(server, "metrics", claude_metrics(A), encoding, gzipped),
               post(server, "traces", genai_spans("Triage Bot", "conv-7"), encoding, gzipped)]
    for answer, signal in zip(answers, ("logs", "metrics", "traces"), strict=True):
        assert answer.status_code == 200, answer.text
        expected = "application/json" if encoding == "json" else "application/x-protobuf"
        assert answer.headers["Content-Type"] == expected
        # An empty Export*ServiceResponse: nothing refused.
        if encoding == "json":
            assert answer.json() == {}
        else:
            response = MESSAGES[signal][1]()
            response.ParseFromString(answer.content)
            assert not response.HasField("partial_success")
    return answers


@pytest.mark.parametrize("encoding", ["json", "protobuf"])
@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzip"])
def test_each_signal_is_taken_as_json_and_protobuf_plain_and_gzipped(server, encoding,
                                                                      gzipped):
    post_all(server, encoding, gzipped)
    check_all_three_were_counted(server)


def test_a_resent_batch_counts_nothing_twice(server):
    post_all(server, "json")
    before = everything(server)
    # An exporter that timed out sends the same batches again, in either encoding.
    post_all(server, "json")
    post_all(server, "protobuf", gzipped=True)
    assert everything(server) == before
    check_all_three_were_counted(server)


@pytest.mark.parametrize("encoding", ["json", "protobuf"])
def test_codex_and_gemini_cli_log_events_are_counted_as_their_logs_are(server, encoding):
    assert post(server, "logs", codex_logs("019c8a4c-ed82"), encoding).status_code == 200
    assert post(server, "logs", gemini_logs("c0ffee00-33"), encoding).status_code == 200
    found = sessions(server)
    codex = found[sid("codex", "019c8a4c-ed82")]
    # As Codex's rollouts are counted: uncached input, output holding its reasoning.
    assert {k: codex[k] for k in TOKENS} == {
        "tokens_in": 2_000, "tokens_out": 400, "tokens_cache_read": 3_000,
        "tokens_cache_write": None, "tokens_reasoning": 100, "requests": 1, "tool_calls": 1,
        "models": '["gpt-5-codex"]'}
    gemini = found[sid("gemini-cli", "c0ffee00-33")]
    # As Gemini CLI's chats are counted: its thoughts added to its output.
    assert {k: gemini[k] for k in TOKENS} == {
        "tokens_in": 600, "tokens_out": 70, "tokens_cache_read": 400,
        "tokens_cache_write": None, "tokens_reasoning": 20, "requests": 1, "tool_calls": 1,
        "models": '["gemini-2.5-pro"]'}
    assert rows(server, "SELECT tool FROM agent_tool_calls ORDER BY tool") == [
        ("read_file",), ("shell",)]
    assert rows(server, "SELECT count(*) FROM agent_prompts") == [(2,)]
    assert sorted(r[0] for r in errors_of(server)) == sorted(
        [sid("codex", "019c8a4c-ed82"), sid("gemini-cli", "c0ffee00-33")])


TOKENS = ("tokens_in", "tokens_out", "tokens_cache_read", "tokens_cache_write",
          "tokens_reasoning", "requests", "tool_calls", "models")


def test_cumulative_metrics_count_their_latest_point(server):
    post(server, "logs", claude_logs(A))
    for minutes, lines in ((1, 4), (2, 9), (3, 9)):  # cumulative: 9 in all, not 22
        body = claude_metrics(A, minutes, temporality=2)
        body["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["sum"]["dataPoints"] = [
            {"startTimeUnixNano": nanos(0), "timeUnixNano": nanos(minutes),
             "asInt": str(lines), "attributes": attrs(session__id=A, type="added")}]
        assert post(server, "metrics", body).status_code == 200
    assert sessions(server)[sid("claude-code", A)]["lines_changed"] == 9


def test_a_gzip_bomb_is_refused_with_413_and_nothing_is_stored(server):
    post_all(server, "json")
    before = everything(server)
    # 256 MB of blanks as a quarter of a megabyte of gzip: refused once 16 MB came out.
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    blanks = b" " * (1024 * 1024)
    bomb = packer.compress(b"{") + b"".join(packer.compress(blanks) for _ in range(256))
    bomb += packer.compress(b"}") + packer.flush()
    assert len(bomb) < 512 * 1024
    for content_type in ("application/json", "application/x-protobuf"):
        r = requests.post(f"{server.url}/v1/traces", data=bomb, timeout=30, headers={
            **server.headers(), "Content-Type": content_type, "Content-Encoding": "gzip"})
        assert r.status_code == 413, r.text
    assert r.headers["Content-Type"] == "application/x-protobuf"
    # A body too big before it is even inflated: 413 too.
    r = requests.post(f"{server.url}/v1/traces", data=b" " * (5 * 1024 * 1024), timeout=30,
                      headers={**server.headers(), "Content-Type": "application/json"})
    assert r.status_code == 413, r.text
    assert everything(server) == before
    assert requests.get(f"{server.url}/api/v1/health", timeout=5).ok


def test_spans_with_nothing_to_count_store_nothing(server):
    post_all(server, "json")
    before = everything(server)
    body = genai_spans("triage-bot", "conv-9")
    spans = body["resourceSpans"][0]["scopeSpans"][0]["spans"]
    spans[:] = spans[-1:]  # only the HTTP client's span
    assert post(server, "traces", body).status_code == 200
    assert everything(server) == before


NOT_OTLP = [
    ("application/json", b"[1, 2, 3]", "not a JSON object"),
    ("application/json", b'{"events": []}', "it has no resourceSpans"),
    ("application/json", b'{"resourceSpans": [', "not valid JSON"),
    ("application/json", b'{"resourceSpans": 7}', "ExportTraceServiceRequest"),
    ("application/json", b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz"}]}]}]}',
     "Invalid hex string for field 'trace_id'"),
    ("application/json", b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"kind": NaN}]}]}]}',
     "not valid JSON"),
    ("application/x-protobuf", b"\xff\xff\xff\xff not protobuf", "ExportTraceServiceRequest"),
    ("application/x-protobuf", b"hello, world", "ExportTraceServiceRequest"),
    # Well-formed protobuf, but of fields no OTLP request has.
    ("application/x-protobuf", b"\x50\x01\x5a\x03abc", "nothing in it is OTLP"),
]


@pytest.mark.parametrize(("content_type", "body", "named"), NOT_OTLP)
def test_a_body_that_is_not_otlp_is_refused_with_400(server, content_type, body, named):
    post_all(server, "json")
    before = everything(server)
    r = requests.post(f"{server.url}/v1/traces", data=body, timeout=10, headers={
        **server.headers(), "Content-Type": content_type})
    assert r.status_code == 400, r.text
    if content_type == "application/json":  # Candor's one error shape
        assert r.json()["code"] == 400 and named in r.json()["message"], r.json()
    else:  # OTLP's: a google.rpc.Status (code 3: invalid argument, then the message)
        assert r.headers["Content-Type"] == "application/x-protobuf"
        assert r.content.startswith(b"\x08\x03\x12") and named.encode() in r.content
    assert everything(server) == before


def test_a_cut_gzip_body_is_refused_with_400(server):
    data = gzip.compress(json.dumps(genai_spans("x", "c")).encode())[:-20]
    r = requests.post(f"{server.url}/v1/traces", data=data, timeout=10, headers={
        **server.headers(), "Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert r.status_code == 400 and "gzip" in r.json()["message"]
    assert sessions(server) == {}


@pytest.mark.parametrize(("content_type", "encoding"), [
    ("text/plain", None), ("application/x-www-form-urlencoded", None),
    ("multipart/form-data; boundary=x", None), ("application/grpc", None),
    ("application/json", "br")])
def test_another_content_type_or_encoding_is_refused_with_415(server, content_type, encoding):
    headers = {**server.headers(), "Content-Type": content_type}
    if encoding:
        headers["Content-Encoding"] = encoding
    r = requests.post(f"{server.url}/v1/logs", data=json.dumps(claude_logs(A)), timeout=10,
                      headers=headers)
    assert r.status_code == 415, r.text
    assert r.json()["code"] == 415
    assert ("gzip" if encoding else "application/x-protobuf") in r.json()["message"]
    assert sessions(server) == {}


def test_only_the_token_lets_a_sender_in(server):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": server.token},
                    {"Authorization": f"Basic {server.token}"}):
        for signal, body in (("logs", claude_logs(A)), ("traces", genai_spans("x", "c"))):
            r = requests.post(f"{server.url}/v1/{signal}", json=body, headers=headers,
                              timeout=10)
            assert r.status_code == 401, r.text
            assert "token" in r.json()["message"]
    # A protobuf client hears it as OTLP does: a Status with code 16 (unauthenticated).
    r = requests.post(f"{server.url}/v1/traces", data=to_protobuf("traces", genai_spans(
        "x", "c")), headers={"Content-Type": "application/x-protobuf"}, timeout=10)
    assert r.status_code == 401 and r.content.startswith(b"\x08\x10\x12")
    assert sessions(server) == {}


def test_a_web_page_cannot_post_telemetry(server):
    # A page on another origin: refused before anything is read.
    r = post(server, "traces", genai_spans("x", "c"), headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    # No CORS: a preflight from an extension or a page is not answered with an allowance.
    r = requests.options(f"{server.url}/v1/traces", timeout=10, headers={
        "Origin": "chrome-extension://abcdefghijklmnop", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})
    assert "Access-Control-Allow-Origin" not in r.headers
    # The dashboard's login cookie, even from Candor's own page, is not the token.
    browser = requests.Session()
    assert browser.get(server.login_link(), headers=NAVIGATE, timeout=10).ok
    r = browser.post(f"{server.url}/v1/traces", json=genai_spans("x", "c"),
                     headers=SAME_ORIGIN, timeout=10)
    assert r.status_code == 401, r.text
    assert sessions(server) == {}


def test_a_span_with_impossible_numbers_is_refused_and_the_rest_kept(server):
    body = genai_spans("triage-bot", "conv-7")
    spans = body["resourceSpans"][0]["scopeSpans"][0]["spans"]
    bad = copy.deepcopy(spans[1])
    bad["spanId"] = "00000000000000ff"
    bad["attributes"] = attrs(gen_ai__operation__name="chat",
                              gen_ai__usage__input_tokens=-5)
    late = copy.deepcopy(spans[1])
    late["spanId"] = "00000000000000fe"
    late["startTimeUnixNano"] = str((int(time.time()) + 3 * 86400) * 10**9)
    spans += [bad, late]
    r = post(server, "traces", body)
    assert r.status_code == 200
    assert r.json()["partialSuccess"]["rejectedSpans"] == "2"
    assert "gen_ai.usage.input_tokens is not a count" in r.json()["partialSuccess"][
        "errorMessage"]
    assert sessions(server)[sid("otel:triage-bot", "conv-7")]["requests"] == 1


@pytest.mark.parametrize(("service", "site"), [
    ("claude-code", "claude-code"), ("codex", "codex"), ("codex_cli_rs", "codex"),
    ("gemini-cli", "gemini-cli"), ("copilot", "copilot-cli"), ("Copilot", "copilot-cli"),
    ("triage-bot", "otel:triage-bot"), ("Mail Triage / v2", "otel:mail-triage-v2"),
    ("agent.platform_1", "otel:agent.platform_1"), ("x" * 100, "otel:" + "x" * 64),
    ("ünïcode😀", "otel:n-code"), ("", "otel:unknown_service"),
    ("<script>", "otel:script")])
def test_a_senders_service_name_names_its_site(service, site):
    assert telemetry.site_for(service) == site


def test_service_names_become_sites_in_the_journal(server):
    for service in ("claude-code", "codex_cli_rs", "copilot", "Mail Triage / v2"):
        assert post(server, "traces", genai_spans(service, "conv-1")).status_code == 200
    body = genai_spans("x", "conv-2")
    body["resourceSpans"][0]["resource"] = {}  # no service.name at all
    assert post(server, "traces", body).status_code == 200
    assert sorted(s["site"] for s in sessions(server).values()) == [
        "claude-code", "codex", "copilot-cli", "otel:mail-triage-v2", "otel:unknown_service"]
    # The Sessions list and stats name them as people do.
    listed = requests.get(f"{server.url}/api/v1/sessions?kind=agent", headers=server.headers(),
                          timeout=10).json()["sessions"]
    assert {s["site"] for s in listed} >= {"otel:mail-triage-v2", "copilot-cli"}


# --- one path of tokens with transcript scans ----------------------------------------

def transcript(home):
    """Claude Code's own transcript of session A: two requests (other numbers than OTLP's)."""
    return write_lines(home / ".claude" / "projects" / "-home-ann-candor" / f"{A}.jsonl", [
        claude_user(A, 0),
        claude_assistant(A, "msg_1", "req_1", 0.1, (4, 30, 100, 0), tool="toolu_1"),
        claude_assistant(A, "msg_2", "req_2", 2, (2, 20, 0, 100)),
    ])


TRANSCRIPT_TOKENS = {"tokens_in": 6, "tokens_out": 50, "tokens_cache_read": 100,
                     "tokens_cache_write": 100, "requests": 2, "tool_calls": 1}


def tokens_of(session):
    return {k: session[k] for k in TRANSCRIPT_TOKENS}


@pytest.mark.parametrize("otlp_first", [True, False], ids=["otlp-then-scan", "scan-then-otlp"])
def test_otlp_and_a_scan_of_one_claude_code_session_land_together_with_one_path_of_tokens(
        server, tmp_path, otlp_first):
    home = tmp_path / "home"
    transcript(home)

    def scan():
        candor("agents", "scan", "--source", "claude-code", "--path",
               str(home / ".claude" / "projects"), data_dir=server.data_dir, tz="UTC")

    if not otlp_first:
        scan()
    post(server, "logs", claude_logs(A))
    post(server, "metrics", claude_metrics(A))
    if otlp_first:
        assert tokens_of(sessions(server)[sid("claude-code", A)])["tokens_in"] == 1_000
        scan()
    found = sessions(server)
    assert list(found) == [sid("claude-code", A)]
    session = found[sid("claude-code", A)]
    # The transcript's tokens, requests and tool calls, never summed with OTLP's...
    assert tokens_of(session) == TRANSCRIPT_TOKENS
    # ...and OTLP's outcome metrics, which the transcript doesn't have.
    assert (session["lines_changed"], session["commits"], session["pull_requests"],
            session["active_ms"]) == (13, 1, 1, 42_500)


def test_with_the_transcript_switched_on_otlp_adds_no_tokens(tmp_path):
    home = tmp_path / "home"
    transcript(home)
    server = start_server(tmp_path / "data", env={
        "HOME": str(home), "CLAUDE_CONFIG_DIR": "", "CODEX_HOME": "", "XDG_CONFIG_HOME": ""})
    try:
        # Switched on, the background scan reads session A's transcript at once.
        assert requests.put(f"{server.url}/api/v1/settings/agent-sources/claude-code",
                            json={"on": True}, headers=server.headers(), timeout=10).ok
        deadline = time.monotonic() + 20
        while sid("claude-code", A) not in sessions(server):
            assert time.monotonic() < deadline, "the switched-on source was not scanned"
            time.sleep(0.05)
        # OTLP of session A, and of a session whose transcript isn't here (yet).
        body = claude_logs("bbbbbbbb-2222-4222-8222-222222222222")
        assert post(server, "logs", body).status_code == 200
        assert post(server, "logs", claude_logs(A)).status_code == 200
        assert post(server, "metrics", claude_metrics(A)).status_code == 200
        found = sessions(server)
        # A session only OTLP told of makes no tokens while the transcript is the path.
        assert list(found) == [sid("claude-code", A)]
        assert tokens_of(found[sid("claude-code", A)]) == TRANSCRIPT_TOKENS
        assert found[sid("claude-code", A)]["lines_changed"] == 13
        assert rows(server, "SELECT count(*) FROM agent_requests WHERE key LIKE 'otlp:%'") == [
            (0,)]
    finally:
        server.kill()


# --- privacy ------------------------------------------------------------------------

def test_no_text_attribute_reaches_the_data_dir(server):
    bodies = [("logs", claude_logs(A)), ("metrics", claude_metrics(A)),
              ("traces", genai_spans("triage-bot", "conv-7")),
              ("logs", codex_logs("019c8a4c-ed82")), ("logs", gemini_logs("c0ffee00-33"))]
    for encoding in ("json", "protobuf"):
        for signal, body in bodies:
            assert post(server, signal, body, encoding).status_code == 200
    # Refused bodies too: their text goes nowhere (not even into the log).
    r = post(server, "traces", {"resourceSpans": [{"scopeSpans": [{"spans": [
        {"traceId": SECRET}]}]}]})
    assert r.status_code == 400
    assert len(sessions(server)) == 4
    seen = 0
    for path in [*server.data_dir.rglob("*"), *server.data_dir.parent.glob("server-*.log")]:
        if path.is_file():
            seen += 1
            assert SECRET.encode() not in path.read_bytes(), path
    assert seen >= 3
    # The sentinel is in every text attribute the fixtures send: the check above could see it.
    for signal, body in bodies:
        assert json.dumps(body).count(SECRET) >= 3
        assert SECRET.encode() in to_protobuf(signal, body)


# --- the Settings page ----------------------------------------------------------------

def test_settings_shows_the_lines_to_point_agents_here_never_the_token(server):
    browser = requests.Session()
    page = browser.get(server.login_link(), headers=NAVIGATE, timeout=10).text
    page = browser.get(f"{server.url}/settings", headers=NAVIGATE, timeout=10).text
    for line in ("CLAUDE_CODE_ENABLE_TELEMETRY=1", "OTEL_METRICS_EXPORTER=otlp",
                 "OTEL_LOGS_EXPORTER=otlp", "OTEL_EXPORTER_OTLP_PROTOCOL=http/json",
                 f"OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:{server.port}",
                 'OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer%20$(candor token)"'):
        assert line in page, line
    assert server.token not in page
    assert server.token not in browser.get(f"{server.url}/", headers=NAVIGATE, timeout=10).text


# --- a real exporter, configured by the lines Settings shows -------------------------

EXPORTER = """
import sys
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

results = []


class Exporter(OTLPSpanExporter):
    def export(self, spans):
        results.append(super().export(spans).name)
        return results[-1]


provider = TracerProvider(resource=Resource.create({"service.name": "Mail Triage"}))
provider.add_span_processor(SimpleSpanProcessor(Exporter()))  # reads OTEL_EXPORTER_OTLP_*
tracer = provider.get_tracer("agent-platform")
with tracer.start_as_current_span("invoke_agent triage", attributes={
        "gen_ai.operation.name": "invoke_agent", "gen_ai.conversation.id": "thread-9"}):
    with tracer.start_as_current_span("chat gpt-5", attributes={
            "gen_ai.operation.name": "chat", "gen_ai.conversation.id": "thread-9",
            "gen_ai.request.model": "gpt-5", "gen_ai.usage.input_tokens": 2_000,
            "gen_ai.usage.output_tokens": 150, "gen_ai.usage.cache_read.input_tokens": 1_500,
            "gen_ai.input.messages": sys.argv[1]}):
        pass
    with tracer.start_as_current_span("execute_tool archive", attributes={
            "gen_ai.operation.name": "execute_tool", "gen_ai.conversation.id": "thread-9",
            "gen_ai.tool.name": "archive", "gen_ai.tool.call.arguments": sys.argv[1]}):
        pass
provider.shutdown()
print(" ".join(results))
"""


@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_an_opentelemetry_exporter_configured_as_settings_says_is_counted(server, tmp_path,
                                                                         compression):
    script = tmp_path / "exporter.py"
    script.write_text(EXPORTER)

    def export(token):
        env = {**os.environ, "OTEL_EXPORTER_OTLP_ENDPOINT": server.url,
               "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
               "OTEL_EXPORTER_OTLP_COMPRESSION": compression,
               # as Settings writes it, with $(candor token) filled in by the shell
               "OTEL_EXPORTER_OTLP_HEADERS": f"Authorization=Bearer%20{token}"}
        done = subprocess.run([sys.executable, str(script), SECRET], env=env, timeout=60,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert export("wrong") == ["FAILURE"] * 3
    assert sessions(server) == {}
    assert export(server.token) == ["SUCCESS"] * 3
    session = sessions(server)[sid("otel:mail-triage", "thread-9")]
    assert (session["tokens_in"], session["tokens_out"], session["tokens_cache_read"],
            session["requests"], session["tool_calls"]) == (500, 150, 1_500, 1, 1)
    assert not any(SECRET.encode() in p.read_bytes()
                   for p in server.data_dir.rglob("*") if p.is_file())
