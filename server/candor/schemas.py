"""The API's shapes: one marshmallow schema per resource, for input and output alike."""

import json
import re
from datetime import date, datetime, timedelta, timezone

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from .contract import (  # the event contract: contract.json, shared with the extension
    CLIENT_MAX_LENGTHS,
    CONTEXT_FIELDS,
    EVENT_TYPES,
    FIELD_KINDS,
    KNOWN_SITES,
    MAX_ACTIVE_MS,
    MAX_BATCH,
    MAX_COUNT,
    MAX_LENGTHS,
    REQUIRED_FIELDS,
    SIGNALS,
    TOKENIZERS,
)
from .contract import TYPE_FIELDS as _CONTRACT_TYPE_FIELDS
from .labels import MAX_LENGTH as LABEL_MAX_LENGTH
from .labels import MAX_PER_SESSION as LABELS_PER_SESSION
from .labels import BadLabels
from .labels import clean as clean_labels

TAGS = ("real", "busywork", "unsure")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
EARLIEST_TS = datetime(2020, 1, 1, tzinfo=timezone.utc)
# Clocks drift and zones confuse; a day ahead is generous, more is a bug.
MAX_AHEAD = timedelta(days=1)

# Hostname per RFC 1123, lower case, optionally with a port.
CUSTOM_SITE_PATTERN = (
    r"custom:(?=.{1,253}(:|$))[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::[0-9]{1,5})?"
)
SITE_PATTERN = f"^(?:{'|'.join(map(re.escape, KNOWN_SITES))}|{CUSTOM_SITE_PATTERN})$"
UUID_PATTERN = r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$"
FINGERPRINT_PATTERN = r"^[0-9a-f]{16}$"
_SITE = re.compile(SITE_PATTERN)
_UUID = re.compile(UUID_PATTERN)

# Which optional fields each event type may carry (model, url, title: any type).
TYPE_FIELDS = {kind: set(names) for kind, names in _CONTRACT_TYPE_FIELDS.items()}
TYPED_FIELDS = set().union(*TYPE_FIELDS.values())


class BadJSON(ValueError):
    """A body that is not strict JSON (NaN, Infinity, bad UTF-8, too deep, malformed)."""


def _reject_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")


LONE_SURROGATE = "Holds a lone surrogate (\\ud800-\\udfff), not text."


def parse_json(raw, lone_surrogates=False):
    """Parse a request body strictly: no NaN or Infinity, no lone surrogates, bounded nesting.

    With `lone_surrogates`, strings holding one are left for the caller to refuse item by
    item (see lone_surrogate_fields): a batch then loses only the events that hold one.
    """
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
        if not lone_surrogates:
            # "\ud800" is valid JSON but not text: no database can store it.
            json.dumps(body, ensure_ascii=False).encode("utf-8")
        return body
    except RecursionError:
        raise BadJSON("The JSON body is nested too deeply.") from None
    except UnicodeEncodeError:
        raise BadJSON("The body holds a lone surrogate (\\ud800-\\udfff), not text.") from None
    except ValueError as error:  # includes bad UTF-8
        raise BadJSON(f"The body is not valid JSON: {error}") from None


def holds_lone_surrogate(value):
    """Whether `value` (parsed JSON) has a string, key or value, holding a lone surrogate."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def lone_surrogate_fields(item):
    """{field: [message]} for each field of a JSON object whose name or value holds one."""
    return {printable(name): [LONE_SURROGATE] for name, value in item.items()
            if holds_lone_surrogate(name) or holds_lone_surrogate(value)}


def printable(text):
    """`text` with any lone surrogate written as its escape (\\udc80), safe to store or send."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _check_site(value):
    if _SITE.match(value):
        return
    raise ValidationError(
        f"Must be one of {', '.join(KNOWN_SITES)}, or custom:<hostname>."
    )


def _count(**kwargs):
    return fields.Integer(strict=True, validate=validate.Range(0, MAX_COUNT), **kwargs)


class UUIDString(fields.UUID):
    """A UUID in its canonical text form (lower case), kept as text for storage."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not _UUID.match(value):
            raise self.make_error("invalid_uuid")
        return value.lower()


def timestamp_ms(value):
    """An ISO 8601 time with a zone, from 2020 to a day ahead, as epoch milliseconds.

    Raises ValueError with a message for the user. A trailing Z is read the same
    on every Python version (3.10's parser does not know it).
    """
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("Not a valid datetime.")
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("Not a valid datetime.") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Not a valid aware datetime: give a zone, e.g. Z or +01:00.")
    if not EARLIEST_TS <= moment <= datetime.now(timezone.utc) + MAX_AHEAD:
        raise ValueError("Must be after 2020-01-01 and not more than a day ahead.")
    # Exact integer milliseconds: float timestamps would round differently.
    return (moment - _EPOCH) // timedelta(milliseconds=1)


class Timestamp(fields.AwareDateTime):
    """An ISO 8601 time with a zone, loaded as epoch milliseconds (see timestamp_ms)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return timestamp_ms(value)
        except ValueError as error:
            raise ValidationError(str(error)) from None


_FIELD_DOCS = {
    "active_ms": "Required on activity events",
    "est_tokens": "Tokens, counted as `tokenizer` says (none: characters / 4)",
    "fingerprint": "64-bit SimHash of the prompt, to spot repeats",
    "tokenizer": "How est_tokens was counted: o200k (OpenAI's o200k_base encoding) or "
                 "chars/4 (characters / 4, an estimate)",
}


def _typed_field(name, required=False):
    """The marshmallow field for one of the contract's typed fields, by its kind."""
    kind, doc = FIELD_KINDS[name], {"description": _FIELD_DOCS[name]} if name in _FIELD_DOCS else {}
    if kind == "count":
        return _count(required=required, metadata=doc)
    if kind == "active_ms":
        return fields.Integer(required=required, strict=True,
                              validate=validate.Range(0, MAX_ACTIVE_MS), metadata=doc)
    if kind == "fingerprint":
        return fields.String(required=required, metadata=doc, validate=validate.Regexp(
            FINGERPRINT_PATTERN, error="Must be 16 lower-case hex digits."))
    if kind == "tokenizer":
        return fields.String(required=required, metadata=doc, validate=validate.OneOf(TOKENIZERS))
    raise ValueError(f"contract.json: field {name!r} is of an unknown kind {kind!r}")


class _EventBase(Schema):
    id = UUIDString(required=True, metadata={"description": "Client-made; the idempotency key"})
    session_id = UUIDString(required=True)
    type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    ts = Timestamp(required=True, format="iso", metadata={"description": "ISO 8601 with a zone"})
    site = fields.String(
        required=True,
        validate=[validate.Length(max=MAX_LENGTHS["site"]), _check_site],
        metadata={"description": "A known site name, or custom:<hostname>"},
    )


# The typed and context fields come from the contract, so they are added by name.
EventSchema = type("EventSchema", (_EventBase,), {
    "__doc__": "One thing the extension saw in an AI tool (never the text itself).",
    **{name: _typed_field(name) for name in FIELD_KINDS},
    **{name: fields.String(validate=validate.Length(max=MAX_LENGTHS[name]))
       for name in CONTEXT_FIELDS},
})

_COMMON_FIELDS = ("id", "session_id", "type", "ts", "site", *CONTEXT_FIELDS)


def _event_schema(kind):
    """The schema of one event type: only its fields, the required ones required."""
    required = REQUIRED_FIELDS.get(kind, ())
    cls = EventSchema if not required else type(
        f"_{kind.title().replace('_', '')}EventSchema", (EventSchema,),
        {name: _typed_field(name, required=True) for name in required})
    return cls(only=_COMMON_FIELDS + tuple(sorted(TYPE_FIELDS[kind])))


# One schema per event type, holding only the fields that type may carry: a
# field of another type is then an unknown field, and each event is checked
# against fewer fields (this is the hottest code in the service).
EVENT_SCHEMAS = {kind: _event_schema(kind) for kind in EVENT_TYPES}


_ANY_EVENT = EventSchema()


def load_event(raw):
    """Check one event (a dict) and return it as a row; raises ValidationError naming fields."""
    schema = EVENT_SCHEMAS.get(raw.get("type")) if isinstance(raw.get("type"), str) else None
    if schema is None:
        return _ANY_EVENT.load(raw)  # reports the bad type, and anything else wrong
    try:
        return schema.load(raw)
    except ValidationError as error:
        messages = error.messages
        for name in TYPED_FIELDS.intersection(messages):
            if name not in schema.fields:
                messages[name] = [f"Not allowed on a {raw['type']} event."]
        raise


class StrictBoolean(fields.Boolean):
    """true or false, and nothing that merely looks like one ("yes", 1, "true")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class ClientSchema(Schema):
    """Which browser and extension sent a batch."""

    id = fields.String(required=True, validate=validate.Length(1, CLIENT_MAX_LENGTHS["id"]))
    browser = fields.String(validate=validate.Length(max=CLIENT_MAX_LENGTHS["browser"]))
    extension_version = fields.String(
        validate=validate.Length(max=CLIENT_MAX_LENGTHS["extension_version"]))
    waiting = _count(metadata={
        "description": "Events the extension still holds to send after this batch"})
    titles = StrictBoolean(metadata={
        "description": "Whether it keeps conversation titles (its own choice, in its options)"})


class BatchEnvelopeSchema(Schema):
    """A batch before its events are checked one by one."""

    client = fields.Nested(ClientSchema, required=True)
    events = fields.List(
        fields.Raw(), required=True, validate=validate.Length(1, MAX_BATCH)
    )


class BatchSchema(Schema):
    """A batch of events, as documented (each event is checked on its own)."""

    client = fields.Nested(ClientSchema, required=True)
    events = fields.List(
        fields.Nested(EventSchema), required=True, validate=validate.Length(1, MAX_BATCH)
    )


class RejectedEventSchema(Schema):
    index = fields.Integer(required=True)
    id = fields.Raw(allow_none=True, metadata={"description": "The event's id as sent, if any"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class AskedSettingsSchema(Schema):
    """Settings the Settings page asks an extension to change at this sync."""

    titles = fields.Boolean(metadata={
        "description": "Keep conversation titles (true) or leave them out (false)"})


class BatchResultSchema(Schema):
    """What happened to each event of a batch."""

    accepted = fields.Integer(required=True)
    duplicates = fields.Integer(required=True)
    rejected = fields.List(fields.Nested(RejectedEventSchema), required=True)
    settings = fields.Nested(AskedSettingsSchema, metadata={
        "description": "Present only while the Settings page asks this extension to change "
                       "a setting it reported otherwise (its `client` object): it applies it, "
                       "and its next batch says so"})


class SessionSchema(Schema):
    """A session's totals and the user's verdict on it."""

    id = fields.String(dump_only=True)
    site = fields.String(dump_only=True)
    started_at = fields.String(dump_only=True)
    ended_at = fields.String(dump_only=True)
    active_seconds = fields.Float(dump_only=True)
    prompts = fields.Integer(dump_only=True)
    responses = fields.Integer(dump_only=True)
    copies = fields.Integer(dump_only=True)
    est_tokens_in = fields.Integer(dump_only=True)
    est_tokens_out = fields.Integer(dump_only=True)
    tokenizer = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "How the session's tokens were counted: o200k, chars/4, mixed (some "
                       "each way), or null (no tokens)"})
    model = fields.String(dump_only=True, allow_none=True)
    url = fields.String(dump_only=True, allow_none=True)
    title = fields.String(dump_only=True, allow_none=True)
    tag = fields.String(dump_only=True, allow_none=True)
    note = fields.String(dump_only=True, allow_none=True)
    outcome_url = fields.String(dump_only=True, allow_none=True)
    signals = fields.List(fields.Nested(lambda: SignalSchema()), dump_only=True, metadata={
        "description": "Reasons to suspect busywork: suggestions, never tags"})
    kind = fields.String(dump_only=True, metadata={
        "description": "chat (from the extension) or agent (from an agent's usage logs)"})
    tokens_in = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "Agent sessions: input tokens not read from the cache"})
    tokens_out = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "Agent sessions: output tokens, thinking included"})
    tokens_cache_read = fields.Integer(dump_only=True, allow_none=True)
    tokens_cache_write = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "Agent sessions: null where the source does not say"})
    tokens_reasoning = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "Agent sessions: the part of tokens_out spent thinking, where known"})
    requests = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "Agent sessions: model requests"})
    tool_calls = fields.Integer(dump_only=True, allow_none=True)
    models = fields.List(fields.String(), dump_only=True, allow_none=True)
    project = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "Agent sessions: the working folder's name and git branch"})
    edits = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "Agent sessions: calls of tools that change files (Edit, Write, "
                       "apply_patch…)"})
    lines_changed = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "Agent sessions: lines of code added and removed, as the agent "
                       "reports them (OpenTelemetry); null where it did not say"})
    commits = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "Agent sessions: commits made, as the agent reports them; null where "
                       "it did not say"})
    pull_requests = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "Agent sessions: pull requests opened, as the agent reports them; null "
                       "where it did not say"})
    labels = fields.List(fields.String(), dump_only=True, metadata={
        "description": "The person's labels (projects, clients), in name order"})
    suggested_tag = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "A tag a rule suggests (real, busywork or unsure): never the tag "
                       "until the person accepts it"})
    machine = fields.Nested(lambda: MachineSchema(), dump_only=True, metadata={
        "description": "The machine the session came from: this one, or another of the "
                       "person's whose journal was merged in (`candor merge`)"})


class MachineSchema(Schema):
    id = fields.String(metadata={"description": "The machine's id, made once per journal"})
    name = fields.String(metadata={"description": "Its name (its host name)"})
    this = fields.Boolean(metadata={"description": "Whether it is this machine"})


class SignalSchema(Schema):
    name = fields.String(metadata={"description": ", ".join(SIGNALS[:-1])
                                                  + f" or {SIGNALS[-1]}"})
    reason = fields.String(metadata={"description": "In plain words, e.g. '7 of 9 prompts "
                                                    "were near-repeats'"})


class TagChangeSchema(Schema):
    old = fields.String(allow_none=True)
    new = fields.String(allow_none=True)
    at = fields.String()


class TimelineEventSchema(Schema):
    type = fields.String()
    at = fields.String()
    active_ms = fields.Integer()
    prompt_chars = fields.Integer()
    response_chars = fields.Integer()
    est_tokens = fields.Integer()
    tokenizer = fields.String()
    model = fields.String()


class SessionDetailSchema(SessionSchema):
    """A session with its tag history and the timeline of its events."""

    tag_history = fields.List(fields.Nested(TagChangeSchema), dump_only=True)
    timeline = fields.List(fields.Nested(TimelineEventSchema), dump_only=True)


class SessionChangeSchema(Schema):
    """What the user may change on a session."""

    tag = fields.String(allow_none=True, validate=validate.OneOf(TAGS))
    note = fields.String(allow_none=True, validate=validate.Length(max=10_000))
    outcome_url = fields.String(
        allow_none=True,
        validate=[validate.Length(max=2048), validate.URL(schemes={"http", "https"})],
    )
    labels = fields.List(fields.String(), validate=lambda value: _check_labels(value),
                         metadata={"description": f"Replace the session's labels: each trimmed, "
                                                  f"at most {LABEL_MAX_LENGTH} characters, at "
                                                  f"most {LABELS_PER_SESSION}"})


def _check_labels(value):
    try:
        clean_labels(value)
    except BadLabels as error:
        raise ValidationError(str(error)) from None


_SANE_DATES = validate.Range(date(2000, 1, 1), date(2999, 12, 31),
                             error="Must be a date from 2000-01-01 to 2999-12-31.")


class LocalDate(fields.Date):
    """A YYYY-MM-DD date; an empty value (an HTML form's empty date box) means none."""

    def deserialize(self, value, attr=None, data=None, **kwargs):
        return super().deserialize(None if value == "" else value, attr, data, **kwargs)


class DateRangeSchema(Schema):
    """Inclusive local dates, in the server machine's time zone."""

    class Meta:
        unknown = EXCLUDE

    from_ = LocalDate(data_key="from", validate=_SANE_DATES, allow_none=True,
                      metadata={"description": "YYYY-MM-DD, inclusive"})
    to = LocalDate(validate=_SANE_DATES, allow_none=True,
                   metadata={"description": "YYYY-MM-DD, inclusive"})

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("Must not be before 'from'.", "to")


KINDS = ("chat", "agent")


class SessionQuerySchema(DateRangeSchema):
    """Filters for the list of sessions."""

    site = fields.String(validate=validate.Length(max=270))
    tag = fields.String(validate=validate.OneOf(TAGS + ("untagged",)))
    signal = fields.String(validate=validate.OneOf(SIGNALS))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    cursor = fields.String(validate=validate.Length(max=200))
    kind = fields.String(validate=validate.OneOf(KINDS))
    label = fields.String(validate=validate.Length(max=LABEL_MAX_LENGTH), metadata={
        "description": "Only sessions with this label"})
    q = fields.String(validate=validate.Length(max=200), metadata={
        "description": "Only sessions whose title, note or (agent sessions) project holds "
                       "this text, in any case; empty means any"})
    sort = fields.String(load_default="newest", validate=validate.OneOf(("newest", "signals")),
                         metadata={"description": "signals: the most signals first (one page, "
                                                  "no cursor)"})


class SessionPageSchema(Schema):
    sessions = fields.List(fields.Nested(SessionSchema))
    next_cursor = fields.String(allow_none=True)


class StatsQuerySchema(DateRangeSchema):
    """A date range, and optionally how to break the totals down."""

    kind = fields.String(validate=validate.OneOf(KINDS),
                         metadata={"description": "Only chat or only agent sessions"})
    group = fields.String(validate=validate.OneOf(("day", "week", "site", "hour", "label")),
                          metadata={"description": "Adds `groups`: by local day, ISO week "
                                                   "(Monday first), site, hour of day, or "
                                                   "label (a session counts under each of its "
                                                   "labels; unlabelled ones under `(none)`)"})


class _Totals(Schema):
    active_seconds = fields.Float(metadata={"description": "All active time, tagged or not"})
    real_seconds = fields.Float()
    busywork_seconds = fields.Float()
    unsure_seconds = fields.Float()
    untagged_seconds = fields.Float()
    value_ratio = fields.Float(allow_none=True, metadata={
        "description": "real / (real + busywork) active time; null when both are 0"})
    coverage = fields.Float(allow_none=True, metadata={
        "description": "tagged / all active time; null when there is none"})
    value_ratio_by_tokens = fields.Float(allow_none=True, metadata={
        "description": "The value ratio weighted by estimated tokens instead of time"})
    value_ratio_by_sessions = fields.Float(allow_none=True, metadata={
        "description": "The value ratio counting sessions instead of time"})
    sessions = fields.Integer(metadata={"description": "Sessions with active time or tokens"})
    tagged_sessions = fields.Integer(metadata={
        "description": "Of those, the sessions tagged real, busywork or unsure"})
    est_tokens = fields.Integer()
    real_tokens = fields.Integer(metadata={"description": "Tokens of sessions tagged real"})
    busywork_tokens = fields.Integer(metadata={
        "description": "Tokens of sessions tagged busywork: what went to busywork"})
    tokens_cache_read = fields.Integer(metadata={
        "description": "Agent sessions' tokens read from the cache (not in est_tokens)"})


class StatsGroupSchema(_Totals):
    key = fields.String(metadata={"description": "2026-11-23, 2026-W48, the site, or 0..23"})


class StatsSchema(_Totals):
    """Active time by tag, the value ratio and its coverage (and per group, if asked)."""

    groups = fields.List(fields.Nested(StatsGroupSchema))


class ForgetEverythingSchema(Schema):
    confirm = fields.String(required=True, validate=validate.Equal(
        "forget everything", error="Send confirm=forget everything to delete every session."))


class ForgottenCountsSchema(Schema):
    sessions = fields.Integer()
    events = fields.Integer()
    tag_changes = fields.Integer(metadata={"description": "Entries of tag history"})
    coach_session_notes = fields.Integer(metadata={"description": "A coach's notes on sessions"})


class ForgottenSchema(Schema):
    """What forgetting everything deleted, and what it kept."""

    forgotten = fields.Integer(metadata={"description": "How many sessions were deleted"})
    deleted = fields.Nested(ForgottenCountsSchema)
    kept = fields.List(fields.String(), metadata={
        "description": "What stays: coach_week_notes, imported_journals, token, "
                       "forgotten_sessions (ids and times, so re-sent events stay out), "
                       "backups, rules, settings, merge_key"})


class BulkTagSchema(Schema):
    """One tag for many sessions."""

    ids = fields.List(UUIDString(), required=True, validate=validate.Length(1, 1000))
    tag = fields.String(required=True, allow_none=True, validate=validate.OneOf(TAGS))
    only_untagged = fields.Boolean(load_default=False, metadata={
        "description": "Tag only the sessions that have no tag yet; the others keep theirs"})


class PreviousTagSchema(Schema):
    id = fields.String()
    previous = fields.String(allow_none=True, metadata={
        "description": "Its tag before: real, busywork, unsure or null (untagged)"})


class BulkTagResultSchema(Schema):
    tagged = fields.Integer(metadata={"description": "How many of the ids are sessions"})
    changed = fields.List(fields.Nested(PreviousTagSchema), metadata={
        "description": "The sessions whose tag this changed, each with its tag before: "
                       "what an undo puts back"})


class HealthSchema(Schema):
    status = fields.String()
    version = fields.String()


# --- credentials: pairing the extension, dashboard logins ----------------------------

class PairingCodeSchema(Schema):
    """A single-use code the extension trades for the token (shown on the Connect page)."""

    code = fields.String(dump_only=True)
    expires_at = fields.String(dump_only=True, metadata={"description": "ISO 8601, UTC"})


class PairingSchema(Schema):
    """The extension's request for the token."""

    code = fields.String(required=True, validate=validate.Length(1, 200))
    client = fields.Nested(ClientSchema, metadata={
        "description": "The extension pairing, listed on the dashboard as paired"})


class TokenSchema(Schema):
    token = fields.String(dump_only=True)


class ClientStatusSchema(Schema):
    """An extension that paired with or synced to this journal."""

    id = fields.String(dump_only=True)
    browser = fields.String(dump_only=True, allow_none=True,
                            metadata={"example": "chrome", "description": "chrome or firefox"})
    extension_version = fields.String(dump_only=True, allow_none=True)
    paired = fields.Boolean(dump_only=True, metadata={
        "description": "Whether it paired or synced since the token was last made or rotated"})
    paired_at = fields.String(dump_only=True, allow_none=True,
                              metadata={"description": "When it last paired (null: never)"})
    last_sync = fields.String(dump_only=True, allow_none=True,
                              metadata={"description": "When its last batch arrived (null: none)"})
    waiting = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "Events it still held to send after its last batch"})
    titles = fields.Boolean(dump_only=True, allow_none=True, metadata={
        "description": "Whether it keeps conversation titles, as its last batch said "
                       "(null: it never said)"})
    titles_asked = fields.Boolean(dump_only=True, allow_none=True, metadata={
        "description": "What the Settings page asked of it about titles, until a batch says "
                       "it was done (null: nothing asked)"})


class ClientListSchema(Schema):
    paired = fields.Boolean(dump_only=True, metadata={
        "description": "Whether any extension is paired with this journal"})
    clients = fields.List(fields.Nested(ClientStatusSchema), dump_only=True,
                          metadata={"description": "Most recently seen first"})


class ProofRequestSchema(Schema):
    """A fresh random nonce from the extension, before it sends the token anywhere."""

    nonce = fields.String(required=True, validate=validate.Regexp(
        r"^[0-9a-f]{32,128}$", error="Must be 32 to 128 lower-case hex digits."))


class ProofSchema(Schema):
    proof = fields.String(dump_only=True, metadata={
        "description": "HMAC-SHA256 of the nonce under the token, in hex"})


class LoginSchema(Schema):
    """A browser logged in to the dashboard."""

    id = fields.String(dump_only=True)
    created_at = fields.String(dump_only=True)
    last_seen_at = fields.String(dump_only=True)
    browser = fields.String(dump_only=True)
    current = fields.Boolean(dump_only=True, metadata={
        "description": "Whether this is the login making the request"})


class LoginListSchema(Schema):
    logins = fields.List(fields.Nested(LoginSchema), dump_only=True)


class AgentSourceSchema(Schema):
    """A coding agent whose usage logs Candor reads, as found on this machine."""

    source = fields.String(dump_only=True, metadata={"example": "claude-code"})
    label = fields.String(dump_only=True, metadata={"example": "Claude Code"})
    folders = fields.List(fields.String(), dump_only=True, metadata={
        "description": "Its log folders that exist on this machine"})
    found = fields.Boolean(dump_only=True, metadata={
        "description": "Whether any of its folders exists here"})
    on = StrictBoolean(required=True, metadata={
        "description": "Whether `candor serve` scans it by itself, about once a minute "
                       "(off until switched on)"})
    sessions = fields.Integer(dump_only=True, metadata={
        "description": "Agent sessions the journal holds from it"})
    last_seen = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "When its newest session ended (null: none yet)"})


class AgentSourceListSchema(Schema):
    sources = fields.List(fields.Nested(AgentSourceSchema), dump_only=True)


class RuleSchema(Schema):
    """A rule: when a session's field matches the pattern, add a label or suggest a tag."""

    id = fields.Integer(dump_only=True)
    field = fields.String(required=True, validate=validate.OneOf(("site", "title", "project",
                                                                   "url")), metadata={
        "description": "What of the session to match: its site (chatgpt, custom:host…), "
                       "title, project (agent sessions) or URL"})
    match = fields.String(required=True, validate=validate.OneOf(("glob", "regex")), metadata={
        "description": "glob: * ? [abc] [!abc], the whole text, any case; regex: RE2 syntax, "
                       "anywhere in the text"})
    pattern = fields.String(required=True, validate=validate.Length(1, 500))
    action = fields.String(required=True, validate=validate.OneOf(("label", "suggest")), metadata={
        "description": "label: add the label `value`; suggest: suggest the tag `value` (never "
                       "set it)"})
    value = fields.String(required=True, validate=validate.Length(1, 100), metadata={
        "description": "The label to add, or the tag to suggest (real, busywork, unsure)"})
    matched = fields.Integer(dump_only=True, metadata={
        "description": "How many sessions the rule has matched"})
    created_at = fields.String(dump_only=True, metadata={"description": "ISO 8601, UTC"})


class RuleListSchema(Schema):
    rules = fields.List(fields.Nested(RuleSchema), dump_only=True)


class RulesAppliedSchema(Schema):
    """What applying the rules to every session did."""

    sessions = fields.Integer(metadata={"description": "Sessions looked at"})
    matched = fields.Integer(metadata={"description": "Sessions some rule matched"})
    labelled = fields.Integer(metadata={"description": "Labels added"})
    suggested = fields.Integer(metadata={"description": "Tags suggested"})
