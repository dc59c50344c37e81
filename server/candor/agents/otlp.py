"""OpenTelemetry sent by agents (OTLP/HTTP): bodies decoded, then turned into Records.

An exporter posts traces, logs or metrics as JSON or protobuf, perhaps gzipped. The
bodies are decoded by the opentelemetry-proto message classes; of what they say only
numbers, ids, model and tool names and times are taken: GenAI spans (model calls, tool
calls, failures), Claude Code's log events (requests, the person's prompts, failed
requests, tool results) and its outcome metrics (lines of code, commits, pull requests,
active time). No attribute that carries text (a prompt, a message, a tool's arguments or
result, a log body) is ever kept. The sender's `service.name` names the site.

Everything an exporter may send again after a timeout is keyed: a span by its trace and
span id, a log event by its session and request id (or a hash of the record), a metric
point by its series and time, so a re-sent batch counts nothing twice.
"""

import base64
import binascii
import hashlib
import json
import re
import time
import zlib
from dataclasses import dataclass, field

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.metrics.v1 import metrics_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

from ..schemas import BadJSON, parse_json
from . import Metric, Records, Request, background, scan, session_id, sessions

# Each signal: its request and response messages, and what its partial success counts.
SIGNALS = {
    "traces": (trace_service_pb2.ExportTraceServiceRequest,
               trace_service_pb2.ExportTraceServiceResponse, "rejected_spans", "spans"),
    "logs": (logs_service_pb2.ExportLogsServiceRequest,
             logs_service_pb2.ExportLogsServiceResponse, "rejected_log_records", "log records"),
    "metrics": (metrics_service_pb2.ExportMetricsServiceRequest,
                metrics_service_pb2.ExportMetricsServiceResponse, "rejected_data_points",
                "data points"),
}
JSON, PROTOBUF = "application/json", "application/x-protobuf"
CONTENT_TYPES = (JSON, PROTOBUF)
# A gzipped body is inflated at most to this size: a few kilobytes of gzip can hold
# gigabytes of zeros. Exporters' batches (512 spans by default) stay well under it.
MAX_INFLATED_BYTES = 16 * 1024 * 1024

# service.name -> site, for the agents Candor knows by name; any other is otel:<name>.
SERVICE_SITES = {"claude-code": "claude-code", "codex": "codex", "codex_cli_rs": "codex",
                 "gemini-cli": "gemini-cli", "copilot": "copilot-cli"}
MAX_SERVICE_NAME = 64
MAX_ID = 200
MAX_COUNT = 10**12
# Times before this, or more than a day ahead, are a sender's bug: refused, not stored.
EARLIEST_MS = 1_577_836_800_000  # 2020-01-01
AHEAD_MS = 24 * 3600 * 1000

MODEL_CALLS = {"chat", "generate_content", "text_completion", "embeddings"}
AGENT_SPANS = {"invoke_agent", "create_agent"}
# Claude Code's outcome metrics: what Candor counts each as, and the factor to its unit.
CLAUDE_CODE_METRICS = {
    "claude_code.lines_of_code.count": ("lines_changed", 1),
    "claude_code.commit.count": ("commits", 1),
    "claude_code.pull_request.count": ("pull_requests", 1),
    "claude_code.active_time.total": ("active_ms", 1000),  # seconds
}
CLAUDE_CODE_EVENTS = {"api_request", "api_error", "user_prompt", "tool_result"}
# A request key of this prefix came by OTLP (see sessions.rebuild: one path of tokens).
KEY_PREFIX = "otlp:"


class Refused(ValueError):
    """A body Candor does not take; `status` is the HTTP status to answer with."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


@dataclass
class Batch:
    """What one OTLP request said: Records per site, and the items refused (with why)."""

    signal: str
    sites: dict = field(default_factory=dict)  # site -> Records
    rejected: int = 0
    why: str = ""

    def records(self, site):
        """The Records of `site`, made on first use."""
        return self.sites.setdefault(site, Records())

    def reject(self, why):
        """Count an item refused (a time out of range, a negative count), noting the first why."""
        self.rejected += 1
        self.why = self.why or why


# --- bodies ----------------------------------------------------------------------

def inflate(data, limit=MAX_INFLATED_BYTES):
    """A gzip body inflated piece by piece, refused (413) as soon as it passes `limit`."""
    out = bytearray()
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        while data:
            out += inflater.decompress(data, limit + 1 - len(out))
            if len(out) > limit:
                raise Refused(413, f"The gzipped body inflates past {limit // (1024 * 1024)} "
                                   "MB; send smaller batches.")
            data = inflater.unconsumed_tail
            if inflater.eof and inflater.unused_data:  # another gzip member follows
                data = inflater.unused_data
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    except zlib.error as error:
        raise Refused(400, f"The body is not valid gzip: {error}") from None
    if not inflater.eof:
        raise Refused(400, "The gzipped body is cut short.")
    return bytes(out)


_ID_FIELDS = {"traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id"}
_HEX = re.compile(r"^(?:[0-9a-fA-F]{2})*$")


def _ids_as_base64(value):
    """OTLP/JSON writes trace and span ids in hex; protobuf's JSON reader wants base64."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _ID_FIELDS and isinstance(item, str):
                if not _HEX.match(item):
                    raise Refused(400, f"{key} {item[:40]!r} is not a hex id.")
                value[key] = base64.b64encode(bytes.fromhex(item)).decode()
            else:
                _ids_as_base64(item)
    elif isinstance(value, list):
        for item in value:
            _ids_as_base64(item)


def decode(signal, data, content_type, encoding="identity"):
    """The Export*ServiceRequest of `signal` in `data`; Refused (400, 413, 415) if it isn't one."""
    request_class, _, _, _ = SIGNALS[signal]
    if content_type not in CONTENT_TYPES:
        raise Refused(415, f"Send OTLP as {JSON} or {PROTOBUF}, not {content_type or 'nothing'}.")
    encoding = (encoding or "identity").strip().lower()
    if encoding == "gzip":
        data = inflate(data)
    elif encoding != "identity":
        raise Refused(415, f"Content-Encoding {encoding!r} is not taken: gzip or none.")
    message = request_class()
    what = f"an OTLP {signal} request ({request_class.__name__})"
    if content_type == JSON:
        try:
            body = parse_json(data)
        except BadJSON as error:
            raise Refused(400, str(error)) from None
        if not isinstance(body, dict):
            raise Refused(400, f"The body is not {what}: not a JSON object.")
        known = {f.json_name for f in request_class.DESCRIPTOR.fields} | {
            f.name for f in request_class.DESCRIPTOR.fields}
        if body and not known & set(body):
            raise Refused(400, f"The body is not {what}: it has none of "
                               f"{', '.join(sorted(f.json_name for f in request_class.DESCRIPTOR.fields))}.")
        _ids_as_base64(body)
        try:
            json_format.ParseDict(body, message, ignore_unknown_fields=True)
        except (json_format.ParseError, ValueError, TypeError, RecursionError) as error:
            raise Refused(400, f"The body is not {what}: {str(error)[:300]}") from None
    else:
        try:
            message.ParseFromString(data)
        except (DecodeError, ValueError, RecursionError) as error:
            raise Refused(400, f"The body is not {what}: {str(error)[:300]}") from None
        message.DiscardUnknownFields()
        if data and not message.ByteSize():
            raise Refused(400, f"The body is not {what}: nothing in it is OTLP.")
    return message


def answer(batch, content_type):
    """The Export*ServiceResponse for `batch`, in the request's content type (bytes)."""
    _, response_class, rejected_field, noun = SIGNALS[batch.signal]
    response = response_class()
    if batch.rejected:
        setattr(response.partial_success, rejected_field, batch.rejected)
        response.partial_success.error_message = f"{batch.rejected} {noun} refused: {batch.why}"
    if content_type == PROTOBUF:
        return response.SerializeToString()
    return json.dumps(json_format.MessageToDict(response), separators=(",", ":")).encode()


def _status_class():
    # google.rpc.Status, the error body OTLP/HTTP gives protobuf clients; declared here
    # (code and message) rather than pulling in a package for two fields.
    proto = descriptor_pb2.FileDescriptorProto(name="candor/rpc_status.proto",
                                               package="google.rpc", syntax="proto3")
    status = proto.message_type.add(name="Status")
    status.field.add(name="code", number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_INT32,
                     label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
    status.field.add(name="message", number=2,
                     type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
                     label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("google.rpc.Status"))


Status = _status_class()
# HTTP status -> the gRPC code a Status carries.
_GRPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 405: 12, 413: 8, 415: 3, 422: 3, 429: 8,
               503: 14}


def error_body(http_status, message):
    """An error as OTLP/HTTP answers protobuf clients: a google.rpc.Status (bytes)."""
    return Status(code=_GRPC_CODES.get(http_status, 2), message=message).SerializeToString()


# --- what the messages say ---------------------------------------------------------

def site_for(service_name):
    """The site of a sender: a known agent's, or otel:<service.name> ([a-z0-9._-], ≤ 64)."""
    name = (service_name if isinstance(service_name, str) else "").strip().lower()
    if name in SERVICE_SITES:
        return SERVICE_SITES[name]
    name = re.sub(r"[^a-z0-9._-]+", "-", name).strip("-")[:MAX_SERVICE_NAME].strip("-")
    return f"otel:{name or 'unknown_service'}"


def _attributes(pairs):
    """OTLP key-values as {key: a scalar}; arrays, maps and bytes are left out."""
    found = {}
    for pair in pairs:
        kind = pair.value.WhichOneof("value")
        if kind in ("string_value", "int_value", "double_value", "bool_value"):
            found[pair.key] = getattr(pair.value, kind)
    return found


def _id(value):
    """An id (session, request, tool call) as text of at most MAX_ID characters, else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str) or not value or len(value) > MAX_ID:
        return None
    return value


class _BadValue(ValueError):
    """An item whose numbers or times can't be right: it is refused, the batch goes on."""


def _count(attributes, *names):
    """The first of `names` present, as a token or event count; None if none is."""
    for name in names:
        value = attributes.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise _BadValue(f"{name} is not a number") from None
        if isinstance(value, bool) or not 0 <= value <= MAX_COUNT or value != value:
            raise _BadValue(f"{name} is not a count")
        return int(value)
    return None


def _ms(nanos, now_ms):
    """Nanoseconds since the epoch as milliseconds, if a plausible time."""
    moment = nanos // 1_000_000
    if not EARLIEST_MS <= moment <= now_ms + AHEAD_MS:
        raise _BadValue("its time is before 2020 or more than a day ahead")
    return moment


def _text(value, limit):
    return value[:limit] if isinstance(value, str) and value else None


def read_traces(message, batch, now_ms):
    """GenAI spans: model calls (tokens), tool calls, failed calls."""
    for resource_spans in message.resource_spans:
        resource = _attributes(resource_spans.resource.attributes)
        site = site_for(resource.get("service.name"))
        records = batch.records(site)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                try:
                    _read_span(span, resource, records, now_ms)
                except _BadValue as error:
                    batch.reject(f"a span: {error}")


def _read_span(span, resource, records, now_ms):
    attributes = _attributes(span.attributes)
    if not any(key.startswith("gen_ai.") for key in attributes):
        return  # not an AI call (an HTTP client's span, say): nothing to count
    trace, span_id = span.trace_id.hex(), span.span_id.hex()
    if not trace or not span_id:
        raise _BadValue("it has no trace or span id")
    session = (_id(attributes.get("gen_ai.conversation.id")) or _id(attributes.get("session.id"))
               or _id(resource.get("session.id")) or trace)
    start = _ms(span.start_time_unix_nano, now_ms)
    end = _ms(span.end_time_unix_nano, now_ms) if span.end_time_unix_nano else start
    key = f"{KEY_PREFIX}{trace}:{span_id}"
    operation = attributes.get("gen_ai.operation.name")
    usage = {name: _count(attributes, *names) for name, names in (
        ("input", ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")),
        ("output", ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")),
        ("cache_read", ("gen_ai.usage.cache_read.input_tokens",)),
        ("cache_write", ("gen_ai.usage.cache_creation.input_tokens",)),
        ("reasoning", ("gen_ai.usage.reasoning.output_tokens",)),
    )}
    records.times.update({(session, start), (session, end)})
    if operation == "execute_tool":
        records.tool_calls.add((session, key, _text(attributes.get("gen_ai.tool.name"), 100),
                                start))
        return
    if operation in AGENT_SPANS:
        return  # an agent's own span wraps its model and tool calls: counted there
    if operation not in MODEL_CALLS and usage["input"] is None and usage["output"] is None:
        return
    if span.status.code == trace_pb2.Status.STATUS_CODE_ERROR:
        records.errors.add((session, key, start))
        return
    cache_read, cache_write = usage["cache_read"], usage["cache_write"]
    tokens_in = usage["input"]
    if tokens_in is not None:  # GenAI's input includes the cached part: tokens_in is uncached
        tokens_in = max(0, tokens_in - (cache_read or 0) - (cache_write or 0))
    records.requests.append(Request(
        key=key, session=session, ts=start,
        model=_text(attributes.get("gen_ai.response.model")
                    or attributes.get("gen_ai.request.model"), 100),
        tokens_in=tokens_in, tokens_out=usage["output"], tokens_cache_read=cache_read,
        tokens_cache_write=cache_write, tokens_reasoning=usage["reasoning"]))


def _event_name(record, attributes):
    """A Claude Code log event's short name (api_request, …), or None for any other record."""
    candidates = [record.event_name, attributes.get("event.name")]
    if record.body.WhichOneof("value") == "string_value":
        candidates.append(record.body.string_value[:64])  # matched against names only
    for name in candidates:
        if isinstance(name, str):
            short = name.removeprefix("claude_code.")
            if short in CLAUDE_CODE_EVENTS:
                return short
    return None


def read_logs(message, batch, now_ms):
    """Claude Code's log events: requests (tokens), prompts (their time), failures, tool results."""
    for resource_logs in message.resource_logs:
        resource = _attributes(resource_logs.resource.attributes)
        site = site_for(resource.get("service.name"))
        records = batch.records(site)
        for scope_logs in resource_logs.scope_logs:
            for record in scope_logs.log_records:
                try:
                    _read_log(record, resource, records, now_ms)
                except _BadValue as error:
                    batch.reject(f"a log record: {error}")


def _read_log(record, resource, records, now_ms):
    attributes = _attributes(record.attributes)
    name = _event_name(record, attributes)
    if name is None:
        return
    session = _id(attributes.get("session.id")) or _id(resource.get("session.id"))
    if session is None:
        return  # no session to count it in
    when = _ms(record.time_unix_nano or record.observed_time_unix_nano, now_ms)
    # A re-sent record is the same bytes: its hash knows it when it has no request id.
    known = _id(attributes.get("request_id")) or hashlib.sha256(
        record.SerializeToString(deterministic=True)).hexdigest()[:32]
    key = f"{KEY_PREFIX}{session}:{known}"
    records.times.add((session, when))
    if name == "user_prompt":
        records.prompts.add((session, when))  # when the person asked; never what
    elif name == "api_error":
        records.errors.add((session, key, when))
    elif name == "tool_result":
        call = _id(attributes.get("tool_use_id"))
        records.tool_calls.add((session, f"{KEY_PREFIX}{call}" if call else key,
                                _text(attributes.get("tool_name"), 100), when))
    else:
        records.requests.append(Request(
            key=key, session=session, ts=when, model=_text(attributes.get("model"), 100),
            tokens_in=_count(attributes, "input_tokens"),
            tokens_out=_count(attributes, "output_tokens"),
            tokens_cache_read=_count(attributes, "cache_read_tokens"),
            tokens_cache_write=_count(attributes, "cache_creation_tokens"),
            tokens_reasoning=None))


def read_metrics(message, batch, now_ms):
    """Claude Code's outcome metrics, point by point (its token metric is not read: the
    api_request events carry the same tokens)."""
    cumulative = metrics_pb2.AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE
    for resource_metrics in message.resource_metrics:
        resource = _attributes(resource_metrics.resource.attributes)
        site = site_for(resource.get("service.name"))
        records = batch.records(site)
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                counted = CLAUDE_CODE_METRICS.get(metric.name)
                if counted is None or metric.WhichOneof("data") != "sum":
                    continue
                for point in metric.sum.data_points:
                    try:
                        _read_point(site, metric.name, counted, point, resource, records,
                                    metric.sum.aggregation_temporality == cumulative, now_ms)
                    except _BadValue as error:
                        batch.reject(f"a {metric.name} point: {error}")


def _read_point(site, metric_name, counted, point, resource, records, cumulative, now_ms):
    attributes = _attributes(point.attributes)
    session = _id(attributes.get("session.id")) or _id(resource.get("session.id"))
    if session is None:
        return
    value = getattr(point, point.WhichOneof("value") or "as_int")
    if not 0 <= value <= MAX_COUNT:
        raise _BadValue("its value is not a count")
    name, factor = counted
    # A series is the metric and its attributes; kept as a hash (attributes such as a
    # user's email address are not for the journal).
    series = hashlib.sha256(json.dumps(
        [site, session, metric_name, sorted(attributes.items(), key=lambda kv: kv[0])],
        default=str).encode()).hexdigest()[:32]
    records.metrics.add(Metric(session=session, series=f"{name}:{series}",
                               ts=_ms(point.time_unix_nano, now_ms), name=name,
                               value=value * factor, cumulative=cumulative))


READERS = {"traces": read_traces, "logs": read_logs, "metrics": read_metrics}


def read(signal, message, now_ms=None):
    """What an Export*ServiceRequest says, as a Batch of Records per site."""
    batch = Batch(signal)
    READERS[signal](message, batch, int(time.time() * 1000) if now_ms is None else now_ms)
    return batch


# --- storing -----------------------------------------------------------------------

def _one_path(db, site, records):
    """Leave out what the agent's own log counts, where Candor reads that log.

    Tokens, requests, tool calls, prompts and failures of a session come from one path,
    never summed from both: its transcript when Candor scans that source (switched on
    in Settings) or already holds the session from it, else OTLP. Metrics (lines of
    code, commits, pull requests, active time) are OTLP's alone, so they always count.
    """
    source_ids = ({r.session for r in records.requests} | {s for s, _ in records.times}
                  | {c[0] for c in records.tool_calls} | {s for s, _ in records.prompts}
                  | {e[0] for e in records.errors})
    if not source_ids:
        return
    if site in scan.SOURCES and background.is_on(db, site):
        transcribed = source_ids
    else:
        ids = {session_id(site, s): s for s in source_ids}
        transcribed = {ids[row[0]] for row in db.conn.execute(
            "SELECT DISTINCT session_id FROM agent_requests WHERE substr(key, 1, 5) != ? "
            f"AND session_id IN ({', '.join('?' * len(ids))})", [KEY_PREFIX, *ids])}
    if not transcribed:
        return
    records.requests = [r for r in records.requests if r.session not in transcribed]
    records.times = {t for t in records.times if t[0] not in transcribed}
    records.tool_calls = {c for c in records.tool_calls if c[0] not in transcribed}
    records.prompts = {p for p in records.prompts if p[0] not in transcribed}
    records.errors = {e for e in records.errors if e[0] not in transcribed}


def store(db, batch):
    """Store a Batch (inside the caller's write); returns the journal's sessions it changed."""
    changed = set()
    for site, records in sorted(batch.sites.items()):
        _one_path(db, site, records)
        changed |= sessions.store(db, site, records)["changed"]
    return changed
