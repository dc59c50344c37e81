"""OpenTelemetry sent by agents, turned into Records: only numbers, ids, names and times.

Of what an OTLP request says (decoded by otlp.py) only these are taken: GenAI spans
(model calls with their tokens, tool calls, failed calls), the log events of Claude
Code, Codex and Gemini CLI (requests with their tokens, the time of each prompt, failed
requests, tool results) and Claude Code's outcome metrics (lines of code, commits, pull
requests, active time), tokens counted as each agent's log reader counts them. No attribute
that carries text (a prompt, a message, a tool's arguments or result, a log body) is
ever kept. The sender's `service.name` names the site.

Everything an exporter may send again after a timeout is keyed: a span by its trace and
span id, a log event by its session and request id (or a hash of the record), a metric
point by its series and time, so a re-sent batch counts nothing twice.

The readers take the protobuf messages and OTLP/JSON's dataclasses alike: both have the
same fields; only how an unset field looks differs (see _has).
"""

import hashlib
import json
import re
import time
from dataclasses import dataclass, field

from . import Metric, Records, Request, background, scan, session_id, sessions

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
STATUS_ERROR = 2  # a span's status code: failed
CUMULATIVE = 2  # a sum's aggregation temporality
# Claude Code's outcome metrics: what Candor counts each as, and the factor to its unit.
CLAUDE_CODE_METRICS = {
    "claude_code.lines_of_code.count": ("lines_changed", 1),
    "claude_code.commit.count": ("commits", 1),
    "claude_code.pull_request.count": ("pull_requests", 1),
    "claude_code.active_time.total": ("active_ms", 1000),  # seconds
}
# The agents' own log events, by full name: what each tells (a model request, a failed
# one, the person's prompt, a tool's result). Any other record is left alone.
LOG_EVENTS = {
    "claude_code.api_request": "request", "claude_code.api_error": "error",
    "claude_code.user_prompt": "prompt", "claude_code.tool_result": "tool",
    "codex.sse_event": "request", "codex.api_request": "error",
    "codex.user_prompt": "prompt", "codex.tool_result": "tool",
    "gemini_cli.api_response": "request", "gemini_cli.api_error": "error",
    "gemini_cli.user_prompt": "prompt", "gemini_cli.tool_call": "tool",
}
# Claude Code names its events short in `event.name` (api_request): their prefix by site.
EVENT_PREFIXES = {"claude-code": "claude_code.", "codex": "codex.", "gemini-cli": "gemini_cli."}
# A key of this prefix came by OTLP (see sessions.rebuild: one path of tokens).
KEY_PREFIX = "otlp:"


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

    def says_anything(self):
        """Whether any of it is for the journal (else no write is needed at all)."""
        return any(r.requests or r.times or r.tool_calls or r.prompts or r.errors or r.metrics
                   for r in self.sites.values())

    def reject(self, why):
        """Count an item refused (a time out of range, a negative count), noting the first why."""
        self.rejected += 1
        self.why = self.why or why


# --- what the messages say ---------------------------------------------------------

def site_for(service_name):
    """The site of a sender: a known agent's, or otel:<service.name> ([a-z0-9._-], ≤ 64)."""
    name = (service_name if isinstance(service_name, str) else "").strip().lower()
    if name in SERVICE_SITES:
        return SERVICE_SITES[name]
    name = re.sub(r"[^a-z0-9._-]+", "-", name).strip("-")[:MAX_SERVICE_NAME].strip("-")
    return f"otel:{name or 'unknown_service'}"


def _has(message, name):
    """Whether a field (of a oneof, or a message) is set: protobuf says so, OTLP/JSON's
    dataclasses leave an unset one None."""
    if message is None:
        return False
    if hasattr(message, "HasField"):
        return message.HasField(name)
    return getattr(message, name, None) is not None


_SCALARS = ("string_value", "int_value", "double_value", "bool_value")


def _scalar(value):
    """An AnyValue's text, number or truth; None for arrays, maps, bytes and nothing."""
    for name in _SCALARS:
        if _has(value, name):
            return getattr(value, name)
    return None


def _attributes(pairs):
    """OTLP key-values as {key: a scalar}; arrays, maps and bytes are left out."""
    found = {}
    for pair in pairs or ():
        value = _scalar(pair.value)
        if value is not None:
            found[pair.key] = value
    return found


def _resource(item):
    return _attributes(getattr(item.resource, "attributes", None))


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
        resource = _resource(resource_spans)
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
    if getattr(span.status, "code", 0) == STATUS_ERROR:
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


def _event_name(record, attributes, site):
    """A known agent log event's full name (claude_code.api_request, …), or None."""
    candidates = [record.event_name, attributes.get("event.name")]
    body = _scalar(record.body)
    if isinstance(body, str):
        candidates.append(body[:64])  # matched against the names, never kept
    for name in candidates:
        if not isinstance(name, str) or not name:
            continue
        for full in (name, EVENT_PREFIXES.get(site, "") + name):
            if full in LOG_EVENTS:
                return full
    return None


def _fingerprint(record, name, attributes):
    """A log record's hash, the same whichever encoding brought it: its times, its event
    and its scalar attributes (hashed, so no text of them is kept)."""
    return hashlib.sha256(json.dumps(
        [record.time_unix_nano, record.observed_time_unix_nano, name,
         sorted((k, repr(v)) for k, v in attributes.items())]).encode()).hexdigest()[:32]


def read_logs(message, batch, now_ms):
    """Agents' log events: requests (tokens), prompts (their time), failures, tool results."""
    for resource_logs in message.resource_logs:
        resource = _resource(resource_logs)
        site = site_for(resource.get("service.name"))
        records = batch.records(site)
        for scope_logs in resource_logs.scope_logs:
            for record in scope_logs.log_records:
                try:
                    _read_log(record, resource, site, records, now_ms)
                except _BadValue as error:
                    batch.reject(f"a log record: {error}")


def _read_log(record, resource, site, records, now_ms):
    attributes = _attributes(record.attributes)
    name = _event_name(record, attributes, site)
    if name is None:
        return
    session = (_id(attributes.get("session.id")) or _id(attributes.get("conversation.id"))
               or _id(resource.get("session.id")))
    if session is None:
        return  # no session to count it in
    kind = LOG_EVENTS[name]
    status = attributes.get("http.response.status_code")
    failed = attributes.get("error.message") is not None or (
        status is not None and not str(status).startswith("2"))
    if name == "codex.sse_event" and not failed and (
            attributes.get("event.kind") != "response.completed"):
        return  # one of a response's many stream events: its completion counts it
    when = _ms(record.time_unix_nano or record.observed_time_unix_nano, now_ms)
    # A re-sent record says the same: its hash knows it when it has no request id.
    known = _id(attributes.get("request_id")) or _fingerprint(record, name, attributes)
    key = f"{KEY_PREFIX}{session}:{known}"
    records.times.add((session, when))
    if kind == "prompt":
        records.prompts.add((session, when))  # when the person asked; never what
    elif kind == "tool":
        call = _id(attributes.get("tool_use_id")) or _id(attributes.get("call_id"))
        tool = attributes.get("tool_name") or attributes.get("function_name")
        records.tool_calls.add((session, f"{KEY_PREFIX}{call}" if call else key,
                                _text(tool, 100), when))
    elif failed or (kind == "error" and name != "codex.api_request"):
        records.errors.add((session, key, when))
    elif kind == "request":
        records.requests.append(_logged_request(name, key, session, when, attributes))


def _logged_request(name, key, session, when, attributes):
    """A model request from an agent's log event, its tokens counted as that agent's
    transcript reader counts them (tokens_in is uncached input)."""
    model = _text(attributes.get("model"), 100)
    if name == "claude_code.api_request":
        return Request(key=key, session=session, ts=when, model=model,
                       tokens_in=_count(attributes, "input_tokens"),
                       tokens_out=_count(attributes, "output_tokens"),
                       tokens_cache_read=_count(attributes, "cache_read_tokens"),
                       tokens_cache_write=_count(attributes, "cache_creation_tokens"),
                       tokens_reasoning=None)
    cached_name = "cached_token_count" if name == "codex.sse_event" else (
        "cached_content_token_count")
    tokens_in, cached = _count(attributes, "input_token_count"), _count(attributes, cached_name)
    if tokens_in is not None:
        cached = min(cached or 0, tokens_in)
        tokens_in -= cached
    output = _count(attributes, "output_token_count")
    if name == "codex.sse_event":  # Codex's output already holds its reasoning
        reasoning = _count(attributes, "reasoning_token_count")
    else:  # Gemini's thoughts come on top of its output
        reasoning = _count(attributes, "thoughts_token_count")
        output = None if output is None else output + (reasoning or 0)
    return Request(key=key, session=session, ts=when, model=model, tokens_in=tokens_in,
                   tokens_out=output, tokens_cache_read=cached, tokens_cache_write=None,
                   tokens_reasoning=reasoning)


def read_metrics(message, batch, now_ms):
    """Claude Code's outcome metrics, point by point (its token metric is not read: the
    api_request events carry the same tokens)."""
    for resource_metrics in message.resource_metrics:
        resource = _resource(resource_metrics)
        site = site_for(resource.get("service.name"))
        records = batch.records(site)
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                counted = CLAUDE_CODE_METRICS.get(metric.name)
                if counted is None or not _has(metric, "sum"):
                    continue
                for point in metric.sum.data_points:
                    try:
                        _read_point(site, metric.name, counted, point, resource, records,
                                    metric.sum.aggregation_temporality == CUMULATIVE, now_ms)
                    except _BadValue as error:
                        batch.reject(f"a {metric.name} point: {error}")


def _read_point(site, metric_name, counted, point, resource, records, cumulative, now_ms):
    attributes = _attributes(point.attributes)
    session = _id(attributes.get("session.id")) or _id(resource.get("session.id"))
    if session is None:
        return
    value = point.as_double if _has(point, "as_double") else (point.as_int or 0)
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
