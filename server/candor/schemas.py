"""The API's shapes: one marshmallow schema per resource, for input and output alike."""

import re
from datetime import datetime, timedelta, timezone

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

EVENT_TYPES = ("session_start", "prompt", "response", "activity", "copy", "session_end")
KNOWN_SITES = (
    "chatgpt", "claude", "gemini", "copilot", "perplexity",
    "deepseek", "grok", "mistral", "poe", "meta",
)
TAGS = ("real", "busywork", "unsure")
MAX_BATCH = 1000
MAX_COUNT = 10_000_000
MAX_ACTIVE_MS = 3_600_000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
EARLIEST_TS = datetime(2020, 1, 1, tzinfo=timezone.utc)
# Clocks drift and zones confuse; a day ahead is generous, more is a bug.
MAX_AHEAD = timedelta(days=1)

# Hostname per RFC 1123, lower case, optionally with a port.
_CUSTOM_SITE = re.compile(
    r"^custom:(?=.{1,253}(:|$))[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::[0-9]{1,5})?$"
)

# Which optional fields each event type may carry (model, url, title: any type).
TYPE_FIELDS = {
    "session_start": set(),
    "prompt": {"prompt_chars", "est_tokens", "fingerprint"},
    "response": {"response_chars", "est_tokens"},
    "activity": {"active_ms"},
    "copy": {"response_chars"},
    "session_end": set(),
}
TYPED_FIELDS = set().union(*TYPE_FIELDS.values())


def _check_site(value):
    if value in KNOWN_SITES or _CUSTOM_SITE.match(value):
        return
    raise ValidationError(
        f"Must be one of {', '.join(KNOWN_SITES)}, or custom:<hostname>."
    )


def _count(**kwargs):
    return fields.Integer(strict=True, validate=validate.Range(0, MAX_COUNT), **kwargs)


class EventSchema(Schema):
    """One thing the extension saw in an AI tool (never the text itself)."""

    id = fields.UUID(required=True, metadata={"description": "Client-made; the idempotency key"})
    session_id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    ts = fields.AwareDateTime(
        required=True, format="iso", metadata={"description": "ISO 8601 with a zone"}
    )
    site = fields.String(
        required=True,
        validate=[validate.Length(max=270), _check_site],
        metadata={"description": "A known site name, or custom:<hostname>"},
    )
    active_ms = fields.Integer(strict=True, validate=validate.Range(0, MAX_ACTIVE_MS))
    prompt_chars = _count()
    response_chars = _count()
    est_tokens = _count(metadata={"description": "Estimated: characters / 4"})
    fingerprint = fields.String(
        validate=validate.Regexp(r"^[0-9a-f]{16}$", error="Must be 16 lower-case hex digits."),
        metadata={"description": "64-bit SimHash of the prompt, to spot repeats"},
    )
    model = fields.String(validate=validate.Length(max=100))
    url = fields.String(validate=validate.Length(max=2048))
    title = fields.String(validate=validate.Length(max=512))

    @validates_schema(skip_on_field_errors=False)
    def _fits_type(self, data, **kwargs):
        kind = data.get("type")
        if kind not in TYPE_FIELDS:
            return
        errors = {
            name: [f"Not allowed on a {kind} event."]
            for name in TYPED_FIELDS - TYPE_FIELDS[kind]
            if name in data
        }
        if kind == "activity" and "active_ms" not in data:
            errors["active_ms"] = ["Missing data for required field."]
        ts = data.get("ts")
        if ts is not None and not EARLIEST_TS <= ts <= datetime.now(timezone.utc) + MAX_AHEAD:
            errors["ts"] = ["Must be after 2020-01-01 and not more than a day ahead."]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _to_row(self, data, **kwargs):
        data["id"] = str(data["id"])
        data["session_id"] = str(data["session_id"])
        # Exact integer milliseconds: float timestamps would round differently.
        data["ts"] = (data["ts"] - _EPOCH) // timedelta(milliseconds=1)
        return data


class ClientSchema(Schema):
    """Which browser and extension sent a batch."""

    id = fields.String(required=True, validate=validate.Length(1, 100))
    browser = fields.String(validate=validate.Length(max=100))
    extension_version = fields.String(validate=validate.Length(max=50))


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


class BatchResultSchema(Schema):
    """What happened to each event of a batch."""

    accepted = fields.Integer(required=True)
    duplicates = fields.Integer(required=True)
    rejected = fields.List(fields.Nested(RejectedEventSchema), required=True)


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
    model = fields.String(dump_only=True, allow_none=True)
    url = fields.String(dump_only=True, allow_none=True)
    title = fields.String(dump_only=True, allow_none=True)
    tag = fields.String(dump_only=True, allow_none=True)
    note = fields.String(dump_only=True, allow_none=True)
    outcome_url = fields.String(dump_only=True, allow_none=True)


class SessionChangeSchema(Schema):
    """What the user may change on a session."""

    tag = fields.String(allow_none=True, validate=validate.OneOf(TAGS))
    note = fields.String(allow_none=True, validate=validate.Length(max=10_000))
    outcome_url = fields.String(
        allow_none=True,
        validate=[validate.Length(max=2048), validate.URL(schemes={"http", "https"})],
    )

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one of tag, note, outcome_url.", "_schema")


class DateRangeSchema(Schema):
    """Inclusive local dates, in the server machine's time zone."""

    class Meta:
        unknown = EXCLUDE

    from_ = fields.Date(data_key="from", metadata={"description": "YYYY-MM-DD, inclusive"})
    to = fields.Date(metadata={"description": "YYYY-MM-DD, inclusive"})

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("Must not be before 'from'.", "to")


class SessionQuerySchema(DateRangeSchema):
    """Filters for the list of sessions."""

    site = fields.String(validate=validate.Length(max=270))
    tag = fields.String(validate=validate.OneOf(TAGS + ("untagged",)))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    cursor = fields.String(validate=validate.Length(max=200))


class SessionPageSchema(Schema):
    sessions = fields.List(fields.Nested(SessionSchema))
    next_cursor = fields.String(allow_none=True)


class StatsSchema(Schema):
    """Active time by tag, the value ratio and its coverage."""

    real_seconds = fields.Float()
    busywork_seconds = fields.Float()
    unsure_seconds = fields.Float()
    untagged_seconds = fields.Float()
    value_ratio = fields.Float(allow_none=True, metadata={
        "description": "real / (real + busywork); null when both are 0"})
    coverage = fields.Float(allow_none=True, metadata={
        "description": "tagged / all active time; null when there is none"})


class HealthSchema(Schema):
    status = fields.String()
    version = fields.String()
