"""Realistic example sessions: for `candor serve --demo`, the tests and the benchmarks.

The generator makes the kinds of sessions Candor exists to tell apart: focused
work that produces something (few prompts, time spent reading, answers copied),
busywork (near-identical prompts fired in bursts, nothing copied), and the
muddle in between. Older sessions are mostly tagged, recent ones not yet.
"""

import itertools
import random
import uuid
from datetime import datetime, timedelta, timezone

from . import ingest, journal, time_zone
from .contract import KNOWN_SITES

# How often people use each known site, and its models; a site the contract adds
# later shows up rarely, with no model, until it is given a line here.
_PROFILES = {
    "chatgpt": (34, ("gpt-5", "gpt-5-mini", "o4")),
    "claude": (24, ("claude-sonnet-4.5", "claude-opus-4.1")),
    "gemini": (10, ("gemini-2.5-pro", "gemini-2.5-flash")),
    "copilot": (8, ("copilot",)),
    "perplexity": (8, ("sonar", "sonar-pro")),
    "deepseek": (4, ("deepseek-v3",)),
    "grok": (2, ("grok-4",)),
    "mistral": (2, ("mistral-large",)),
    "poe": (2, ("assistant",)),
    "meta": (2, ("llama-4",)),
}
SITES = tuple(  # (site, weight, models): every known site of the contract, and a custom one
    (site, *_PROFILES.get(site, (1, (None,)))) for site in KNOWN_SITES
) + (("custom:ai.corp.example", 4, (None,)),)
TITLES = {
    "real": ("Fix flaky checkout test", "Draft Q3 planning memo", "SQL for churn cohort",
             "Refactor billing retries", "Explain Kafka consumer lag", "Write migration plan",
             "Review PR: auth middleware", "Summarise customer interviews"),
    "busywork": ("Rewrite this again", "Make it sound better", "Give me 10 more ideas",
                 "Summarise the summary", "Status update wording", "Another variation"),
    "unsure": ("Brainstorm team offsite", "Compare vector databases", "Career question",
               "Read up on CRDTs"),
}
ACTIVITY_TICK_MS = 15_000


def _fingerprint(rng, near=None):
    """A 64-bit SimHash as hex; `near` gives a near-repeat (a few bits flipped)."""
    if near is None:
        return f"{rng.getrandbits(64):016x}"
    value = int(near, 16)
    for _ in range(rng.randint(0, 3)):
        value ^= 1 << rng.randrange(64)
    return f"{value:016x}"


def uuid7(ms, rng):
    """A UUID version 7 made at `ms` (Unix milliseconds), as the extension names things.

    Draws 128 bits from `rng` (74 are used) so the rest of a seeded demo stays the same.
    """
    rand = rng.getrandbits(128) & ((1 << 74) - 1)
    value = ((ms << 80) | (0x7 << 76) | ((rand >> 62) << 64)  # time, version, 12 bits
             | (0b10 << 62) | (rand & ((1 << 62) - 1)))  # variant, 62 bits
    return str(uuid.UUID(int=value))


def session_events(rng, start_ms, kind):
    """One session's events (as stored rows, `ts` in ms) of the given kind."""
    session_id = uuid7(start_ms, rng)
    site, _, models = rng.choices(SITES, weights=[s[1] for s in SITES])[0]
    model = rng.choice(models)
    title = rng.choice(TITLES[kind])
    conv = uuid.UUID(int=rng.getrandbits(128)).hex[:12]
    host = site.split(":", 1)[1] if site.startswith("custom:") else f"{site}.example"
    url = f"https://{host}/c/{conv}"

    def event(kind_, ts, **fields):
        row = {"id": uuid7(ts, rng),
               "session_id": session_id, "type": kind_, "ts": ts, "site": site}
        row.update({k: v for k, v in fields.items() if v is not None})
        return row

    events = [event("session_start", start_ms, url=f"https://{host}/")]
    t = start_ms
    prompts = {"real": rng.randint(2, 6), "busywork": rng.randint(5, 14),
               "unsure": rng.randint(2, 8)}[kind]
    repeat_of = _fingerprint(rng) if kind == "busywork" else None
    for n in range(prompts):
        t += rng.randint(20_000, 180_000) if kind != "busywork" else rng.randint(4_000, 30_000)
        chars = rng.randint(40, 1200)
        fp = _fingerprint(rng, near=repeat_of if rng.random() < 0.7 else None)
        events.append(event("prompt", t, prompt_chars=chars, est_tokens=-(-chars // 4),
                            fingerprint=fp, model=model))
        t += rng.randint(3_000, 40_000)
        answer = rng.randint(300, 9000)
        # The conversation gets its URL and title with the first answer.
        events.append(event("response", t, response_chars=answer, est_tokens=-(-answer // 4),
                            model=model, url=url, title=title if n == 0 else None))
        reading = rng.randint(20_000, 120_000) if kind == "real" else rng.randint(2_000, 30_000)
        while reading > 0:
            tick = min(ACTIVITY_TICK_MS, reading)
            t += tick
            reading -= tick
            events.append(event("activity", t, active_ms=tick))
        if kind == "real" and rng.random() < 0.6 or kind == "unsure" and rng.random() < 0.2:
            t += rng.randint(1_000, 10_000)
            events.append(event("copy", t, response_chars=rng.randint(50, answer)))
    t += rng.randint(1_000, 60_000)
    events.append(event("session_end", t))
    return session_id, events


def generate(rng, first_day, days, per_workday=(3, 9), per_weekend=(0, 2), zone=None):
    """Yield (session_id, kind, events) for each session over `days` days from `first_day`.

    Days and hours are in `zone` (a ZoneInfo; default: the process's local time).
    """
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        low, high = per_weekend if day.weekday() >= 5 else per_workday
        for _ in range(rng.randint(low, high)):
            hour = rng.choices(range(7, 23), weights=(1, 4, 8, 9, 8, 5, 7, 8, 8, 7, 5, 3, 2, 2, 2,
                                                      1))[0]
            local = datetime.combine(day, datetime.min.time()).replace(
                hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
            local = local.replace(tzinfo=zone) if zone else local.astimezone()
            start_ms = int(local.timestamp() * 1000)
            kind = rng.choices(("real", "busywork", "unsure"), weights=(55, 30, 15))[0]
            session_id, events = session_events(rng, start_ms, kind)
            yield session_id, kind, events


# Sessions of the last two weeks were counted by an extension with the o200k tokenizer
# (English prose comes to about a fifth of its characters); older ones by characters / 4.
O200K_DAYS = 14


def counted_with_o200k(events):
    """`events` as the extension counts them with o200k: est_tokens and tokenizer."""
    for event in events:
        chars = event.get("prompt_chars", event.get("response_chars"))
        if event["type"] in ("prompt", "response") and chars is not None:
            event["est_tokens"] = -(-chars // 5)
            event["tokenizer"] = "o200k"
    return events


def verdict(rng, kind):
    """The tag a user would probably give a session of this kind (people err a little)."""
    if rng.random() < 0.85:
        return kind
    return rng.choice(("real", "busywork", "unsure"))


def fill(db, days=21, end=None, seed=1, batch=1000, **per_day):
    """Fill `db` with `days` days of sessions ending at `end` (today); returns counts.

    Sessions that ended more than two days before `end` are mostly tagged, the
    next evening, as a user reviewing their week would.
    """
    rng = random.Random(seed)
    zone = time_zone.zone(db)  # the journal's days, whatever this process's TZ
    end = end or datetime.now(zone)
    first_day = (end - timedelta(days=days - 1)).date()
    end_ms = int(end.timestamp() * 1000)
    pending, tags = [], []
    counts = {"sessions": 0, "events": 0, "tagged": 0}
    for session_id, kind, events in generate(rng, first_day, days, zone=zone, **per_day):
        events = [e for e in events if e["ts"] <= end_ms]
        if not events:
            continue
        if end_ms - events[0]["ts"] < O200K_DAYS * 86_400_000:
            counted_with_o200k(events)
        counts["sessions"] += 1
        counts["events"] += len(events)
        pending.extend(events)
        last = events[-1]["ts"]
        if end_ms - last > 2 * 86_400_000 and rng.random() < 0.8:
            tags.append((session_id, verdict(rng, kind), last + rng.randint(2, 30) * 3_600_000))
        if len(pending) >= batch:
            ingest.store_events(db, pending)
            pending = []
    if pending:
        ingest.store_events(db, pending)
    counts["tagged"] = journal.apply_tags(db, tags)
    return counts


# Coding agents' sessions, for the demo: (site, weight, models, the tool that edits, the
# tools that look around).
AGENTS = (
    ("claude-code", 3, ("claude-sonnet-4-5-20250929", "claude-opus-4-5-20251101"),
     "Edit", ("Read", "Grep", "Glob", "Bash")),
    ("codex", 1, ("gpt-5.3-codex",), "apply_patch", ("exec_command", "update_plan")),
)
AGENT_PROJECTS = ("billing (main)", "checkout (fix-flaky-test)", "infra (terraform-upgrade)",
                  "docs (main)")


BUSYWORK_STYLES = ("loop", "unattended", "retries")


def agent_records(rng, start_ms, kind, style=None):
    """(site, Records) of one coding agent's session of the given kind.

    Real work: prompts now and then, files read and edited. Busywork (`style`): the agent
    reading round in circles (loop), left alone for most of an hour (unattended), or
    failing and retrying (retries); many tokens, few edits.
    """
    from .agents import Records, Request

    site, _, models, edit, look = rng.choices(AGENTS, weights=[a[1] for a in AGENTS])[0]
    source = str(uuid.UUID(int=rng.getrandbits(128)))
    records = Records()
    model = rng.choice(models)
    records.projects[source] = (start_ms, rng.choice(AGENT_PROJECTS))
    style = (style or rng.choice(BUSYWORK_STYLES)) if kind == "busywork" else kind
    calls = {"real": rng.randint(15, 60), "unsure": rng.randint(10, 30), "loop": 40,
             "unattended": rng.randint(30, 40), "retries": rng.randint(10, 20)}[style]
    t = start_ms
    records.prompts.add((source, t))
    for n in range(calls):
        t += rng.randint(70_000, 100_000) if style == "unattended" else rng.randint(5_000, 60_000)
        if style in ("real", "unsure") and rng.random() < 0.1:
            records.prompts.add((source, t - 2_000))
        if style == "loop" and 5 <= n < 35:
            tool = look[0]
        elif style == "real" and rng.random() < 0.35:
            tool = edit
        else:
            tool = rng.choice(look)
        context = 20_000 + n * 1_500
        records.requests.append(Request(
            key=f"demo:{source}:{n}", session=source, ts=t, model=model,
            tokens_in=rng.randint(1, 50), tokens_out=rng.randint(200, 2_500),
            tokens_cache_read=context, tokens_cache_write=rng.randint(500, 8_000),
            tokens_reasoning=None))
        records.tool_calls.add((source, f"call_{source[:8]}_{n}", tool, t + 500))
        if style == "retries" and n == calls // 2:
            for attempt in range(rng.randint(5, 9)):
                records.errors.add((source, f"retry-{attempt}", t + 1_000 + attempt * 4_000))
    return site, records


def fill_agents(db, days=21, end=None, seed=2):
    """Add `days` days of coding agents' sessions to `db` (1 or 2 a workday); returns counts.

    Older ones are mostly tagged, as fill() tags chats.
    """
    from .agents import session_id as agent_session_id
    from .agents import sessions as agent_sessions
    from .db import write

    rng = random.Random(seed)
    zone = time_zone.zone(db)
    end = end or datetime.now(zone)
    end_ms = int(end.timestamp() * 1000)
    first_day = (end - timedelta(days=days - 1)).date()
    counts, tags = {"sessions": 0, "tagged": 0}, []
    styles = itertools.cycle(BUSYWORK_STYLES)  # each kind of agent busywork shows
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for _ in range(rng.randint(1, 2) if day.weekday() < 5 else 0):
            local = datetime.combine(day, datetime.min.time()).replace(
                hour=rng.randint(9, 17), minute=rng.randrange(60), tzinfo=zone)
            start_ms = int(local.timestamp() * 1000)
            kind = rng.choices(("real", "busywork", "unsure"), weights=(55, 30, 15))[0]
            site, records = agent_records(rng, start_ms, kind,
                                          next(styles) if kind == "busywork" else None)
            if max(r.ts for r in records.requests) > end_ms:
                continue
            with write(db):
                agent_sessions.store(db, site, records)
            counts["sessions"] += 1
            if end_ms - start_ms > 3 * 86_400_000 and rng.random() < 0.8:
                sid = agent_session_id(site, next(iter(records.projects)))
                tags.append((sid, verdict(rng, kind), start_ms + 86_400_000))
    counts["tagged"] = journal.apply_tags(db, tags)
    return counts


def as_json(row):
    """A stored-row event as the extension sends it (ISO time with zone)."""
    event = dict(row)
    event["ts"] = datetime.fromtimestamp(row["ts"] / 1000, tz=timezone.utc).isoformat(
        timespec="milliseconds")
    return event
