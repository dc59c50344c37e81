"""Agent sessions read from coding agents' own usage logs: one module per source.

A source module knows its log format and nothing else: it finds its files and turns
their lines into Records (requests, times, tool call ids, the project). Only numbers,
ids, model names, timestamps and the working folder's name are taken, never a
message, a tool's input or output, or a file's contents. `scan` stores them.
"""

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime

# Names agent sessions: uuid5 of "<site>:<the source's session id>".
SESSION_NAMESPACE = uuid.UUID("3b0f6f1e-5c7a-5d43-9a0e-6f1c2d8b7a90")


class BadRecord(ValueError):
    """A line that is JSON but not a record of the shape its source writes."""


def session_id(site, source_id):
    """The journal's id for the source's session `source_id`."""
    return str(uuid.uuid5(SESSION_NAMESPACE, f"{site}:{source_id}"))


def ms(timestamp):
    """An ISO 8601 timestamp (UTC) as milliseconds since the epoch; BadRecord if it isn't one."""
    if not isinstance(timestamp, str):
        raise BadRecord("timestamp is not text")
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        raise BadRecord("timestamp is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise BadRecord("timestamp has no time zone")
    return int(moment.timestamp() * 1000)


def count(mapping, name, default=0):
    """mapping[name] as a token count (a non-negative integer); BadRecord for another type."""
    value = mapping.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadRecord(f"{name} is not a count")
    return value


def text(mapping, name):
    """mapping[name] if it is text, None if missing; BadRecord for another type."""
    value = mapping.get(name)
    if value is None or isinstance(value, str):
        return value
    raise BadRecord(f"{name} is not text")


def obj(mapping, name):
    """mapping[name] if it is an object, {} if missing; BadRecord for another type."""
    value = mapping.get(name)
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    raise BadRecord(f"{name} is not an object")


def tool_name(mapping):
    """A tool's name (mapping["name"]) if it is text, else None; never its input."""
    value = mapping.get("name")
    return value[:100] if isinstance(value, str) and value else None


def project(cwd, branch=None):
    """The working folder's last part, and the git branch: 'candor (main)'."""
    if not isinstance(cwd, str) or not cwd.strip("/\\"):
        return None
    name = re.split(r"[/\\]", cwd.rstrip("/\\"))[-1][:200]
    if isinstance(branch, str) and branch and branch != "HEAD":
        return f"{name} ({branch[:200]})"
    return name


@dataclass
class Request:
    """One model request, as its source counts it."""

    key: str
    session: str  # the source's session id
    ts: int
    model: str | None
    tokens_in: int | None
    tokens_out: int | None
    tokens_cache_read: int | None
    tokens_cache_write: int | None
    tokens_reasoning: int | None
    preferred: bool = True  # False for a replayed copy (a side chain)

    @property
    def rank(self):
        """Of two copies of one request the preferred one wins, then the larger total.

        As ccusage counts: a copy outside any side chain caught while streaming (partial
        output) still beats a side chain's whole one.
        """
        total = ((self.tokens_in or 0) + (self.tokens_out or 0) + (self.tokens_cache_read or 0)
                 + (self.tokens_cache_write or 0))
        return (int(self.preferred) << 62) + min(total, (1 << 62) - 1)


@dataclass(frozen=True)
class Metric:
    """One point of a metric an agent reported about a session (OTLP).

    `series` names the metric and its attributes; a point is kept once per series and
    time. `name` is what Candor counts it as: one of METRIC_NAMES.
    """

    session: str
    series: str
    ts: int
    name: str
    value: float
    cumulative: bool = False


# What agent metrics Candor counts: lines of code changed, commits, pull requests made,
# and the agent's own measure of active time (milliseconds).
METRIC_NAMES = ("lines_changed", "commits", "pull_requests", "active_ms")


@dataclass
class Records:
    """What a source's lines said: requests, record times, tool calls, prompts, failed
    requests, metric points, projects."""

    requests: list = field(default_factory=list)
    times: set = field(default_factory=set)        # (session, ms)
    tool_calls: set = field(default_factory=set)   # (session, call id, tool name, ms)
    prompts: set = field(default_factory=set)      # (session, ms): the person asked
    errors: set = field(default_factory=set)       # (session, request key, ms): it failed
    metrics: set = field(default_factory=set)      # Metric points
    projects: dict = field(default_factory=dict)   # session -> (ms, project)
    skipped: list = field(default_factory=list)    # "path:line: why"
    lines: int = 0

    def add(self, other):
        """Take in what another batch of lines said, as if this batch had read them too."""
        self.requests.extend(other.requests)
        self.times |= other.times
        self.tool_calls |= other.tool_calls
        self.prompts |= other.prompts
        self.errors |= other.errors
        self.metrics |= other.metrics
        for session, (ts, name) in other.projects.items():
            kept = self.projects.get(session)
            # The one a session's rebuild would pick of the two: the latest, then by name.
            if kept is None or (ts, kept[1]) > (kept[0], name):
                self.projects[session] = (ts, name)
        self.skipped.extend(other.skipped)
        self.lines += other.lines

    def skip(self, path, line, why):
        """Note a line (or a file, line None) that was skipped, and why."""
        where = f"{path}:{line}" if line else str(path)
        self.skipped.append(f"{where}: {why}")
