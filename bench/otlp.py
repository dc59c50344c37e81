"""How fast the real server takes in OpenTelemetry spans, beside its own events endpoint.

Starts `candor serve` on 127.0.0.1 and, on one keep-alive connection, posts GenAI spans
to /v1/traces in batches of 100 as OTLP/JSON (each batch one agent run: the agent's own
span, its model calls with exact tokens, its tool calls; ten runs to a conversation),
then the same spans as protobuf; then, on a fresh server, single events to
/api/v1/events as bench/ingest.py measures them: the per-request baseline. Afterwards it
checks the journal holds every model call once.

    .venv/bin/python bench/otlp.py [--spans 20000] [--events 3000]

Target (2 cores): >= 2,000 spans/s through /v1/traces in batches of 100 (JSON).
"""

import argparse
import base64
import json
import sqlite3
import statistics
import time

from _server import LeanClient, Server
from google.protobuf import json_format
from ingest import demo_events, envelope
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

BATCH = 100
RUNS_PER_CONVERSATION = 10


def value(v):
    if isinstance(v, int):
        return {"intValue": str(v)}
    return {"stringValue": v}


def agent_run(service, run, start_ns):
    """One agent run of BATCH spans as OTLP/JSON: invoke_agent, then chat and tool calls."""
    trace = f"{run:032x}"
    conversation = f"conv-{run // RUNS_PER_CONVERSATION}"
    spans = []
    for n in range(BATCH):
        begin = start_ns + n * 2_000_000_000
        if n == 0:
            operation, extra = "invoke_agent", {"gen_ai.agent.name": "triage"}
        elif n % 2:
            operation, extra = "chat", {
                "gen_ai.request.model": "gpt-5", "gen_ai.response.model": "gpt-5-2025-08-07",
                "gen_ai.response.id": f"resp_{run}_{n}", "gen_ai.usage.input_tokens": 4_000 + n,
                "gen_ai.usage.output_tokens": 300 + n,
                "gen_ai.usage.cache_read.input_tokens": 3_000,
                "gen_ai.response.finish_reasons": "stop", "server.address": "api.example"}
        else:
            operation, extra = "execute_tool", {"gen_ai.tool.name": "search_mail",
                                                "gen_ai.tool.call.id": f"call_{run}_{n}",
                                                "gen_ai.tool.type": "function"}
        attributes = {"gen_ai.operation.name": operation, "gen_ai.provider.name": "openai",
                      "gen_ai.conversation.id": conversation, **extra}
        spans.append({
            "traceId": trace, "spanId": f"{run % 2**32:08x}{n:08x}",
            "parentSpanId": "" if n == 0 else f"{run % 2**32:08x}{0:08x}",
            "name": f"{operation} {extra.get('gen_ai.request.model', 'triage')}", "kind": 3,
            "startTimeUnixNano": str(begin), "endTimeUnixNano": str(begin + 1_500_000_000),
            "status": {"code": 0},
            "attributes": [{"key": k, "value": value(v)} for k, v in attributes.items()]})
    return {"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": service}},
        {"key": "service.version", "value": {"stringValue": "1.4.2"}},
        {"key": "telemetry.sdk.language", "value": {"stringValue": "python"}}]},
        "scopeSpans": [{"scope": {"name": "opentelemetry.instrumentation.openai"},
                        "spans": spans}]}]}


def as_protobuf(body):
    """The same request as protobuf (OTLP/JSON's hex ids are bytes there)."""
    body = json.loads(json.dumps(body))
    for span in body["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        for key in ("traceId", "spanId", "parentSpanId"):
            span[key] = base64.b64encode(bytes.fromhex(span[key])).decode()
    message = json_format.ParseDict(body, trace_service_pb2.ExportTraceServiceRequest())
    return message.SerializeToString()


def post_batches(server, bodies, content_type):
    """POST each body to /v1/traces; returns (seconds, per-request latencies)."""
    client = LeanClient(server)
    client.head = client.head.replace(b"application/json", content_type.encode())
    latencies = []
    start = time.perf_counter()
    for body in bodies:
        sent = time.perf_counter()
        client.sock.sendall(b"POST /v1/traces HTTP/1.1\r\n" + client.head
                            + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        status = int(client.reader.readline().split()[1])
        length = 0
        while (line := client.reader.readline()) != b"\r\n":
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        answer = client.reader.read(length)
        assert status == 200, (status, answer)
        latencies.append(time.perf_counter() - sent)
    elapsed = time.perf_counter() - start
    client.close()
    return elapsed, latencies


def bench_events(events):
    """Single-event POSTs per second to /api/v1/events (as bench/ingest.py), fresh server."""
    with Server() as server:
        client = LeanClient(server)
        bodies = [json.dumps(envelope([event])).encode() for event in events]
        start = time.perf_counter()
        for body in bodies:
            status, answer = client.post("/api/v1/events", body)
            assert status == 200 and answer["accepted"] == 1, answer
        elapsed = time.perf_counter() - start
        client.close()
    return len(events) / elapsed


def stored_requests(server):
    conn = sqlite3.connect(f"file:{server.data_dir / 'candor.db'}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*), count(DISTINCT session_id) FROM agent_requests"
                            ).fetchone()
    finally:
        conn.close()


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=20_000, help="spans sent each way")
    parser.add_argument("--events", type=int, default=3_000, help="single events (baseline)")
    args = parser.parse_args()
    runs = max(1, args.spans // BATCH)
    start_ns = (int(time.time()) - 3 * 86400) * 10**9
    json_bodies = [json.dumps(agent_run("triage-bot", run, start_ns + run * 10**12)).encode()
                   for run in range(runs)]
    proto_bodies = [as_protobuf(agent_run("triage-bot-pb", run, start_ns + run * 10**12))
                    for run in range(runs)]
    warm_up = [json.dumps(agent_run("warm-up", run, start_ns)).encode() for run in range(3)]
    spans = runs * BATCH
    print(f"{spans:,} spans each way in batches of {BATCH} "
          f"({statistics.mean(map(len, json_bodies)) / 1024:.0f} KB of JSON, "
          f"{statistics.mean(map(len, proto_bodies)) / 1024:.0f} KB of protobuf per batch); "
          f"{args.events:,} single events", flush=True)
    with Server() as server:
        post_batches(server, warm_up, "application/json")
        json_seconds, json_latency = post_batches(server, json_bodies, "application/json")
        proto_seconds, proto_latency = post_batches(server, proto_bodies,
                                                    "application/x-protobuf")
        # Every model call once: half of each run's spans but its first are chats.
        requests, sessions = stored_requests(server)
        expected = 2 * runs * (BATCH // 2) + 3 * (BATCH // 2)
        assert requests == expected, (requests, expected)
    events_rate = bench_events(demo_events(args.events, seed=5))
    json_rate = spans / json_seconds
    print(f"{'/v1/traces, OTLP/JSON':<28} {json_rate:>8,.0f} spans/s  "
          f"{runs / json_seconds:>6,.0f} requests/s  p50 {ms(statistics.median(json_latency))}"
          f", p99 {ms(statistics.quantiles(json_latency, n=100)[98])}   (target >= 2,000 spans/s)")
    print(f"{'/v1/traces, protobuf':<28} {spans / proto_seconds:>8,.0f} spans/s  "
          f"{runs / proto_seconds:>6,.0f} requests/s  p50 {ms(statistics.median(proto_latency))}"
          f", p99 {ms(statistics.quantiles(proto_latency, n=100)[98])}")
    print(f"{'/api/v1/events, one a POST':<28} {events_rate:>8,.0f} events/s {events_rate:>7,.0f}"
          f" requests/s   (baseline: the extension's endpoint, per request)")
    print(f"spans through /v1/traces are {json_rate / events_rate:.1f}x the events endpoint's "
          f"single events per second; {requests:,} model calls stored once each, "
          f"in {sessions:,} sessions")


if __name__ == "__main__":
    main()
