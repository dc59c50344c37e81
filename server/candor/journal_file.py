"""What a journal file must hold before it is imported: its header and each session record.

The hash chain says a file wasn't changed after export, not that what was exported is
well formed (a file made by hand, or by a buggy exporter, verifies too). So a journal
is checked here, whole, before anything of it is written; the first problem is named
by record and field. These schemas mirror journal.schema.json (tests check they agree).

The records are first checked all at once by msgspec types as strict as the schemas
(a year's 20,000 records in a fraction of the time): only a journal that fails that
check goes through the schemas record by record, to name what is wrong.
"""

import numbers
import re
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Literal

import msgspec
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from .contract import SIGNALS
from .export import FORMAT, REDACTABLE
from .schemas import TAGS

_SHA256 = validate.Regexp(r"^[0-9a-f]{64}$", error="Not a SHA-256 in hex.")
_UUID = validate.Regexp(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$",
                        error="Not a UUID.")
_LARGEST = 2**63 - 1  # what SQLite stores as an integer
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def moment_ms(text):
    """An ISO 8601 time with a zone (Z too) as epoch milliseconds; ValueError otherwise."""
    if not isinstance(text, str) or len(text) > 40:
        raise ValueError("Not a date-time.")
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)  # raises ValueError
    if moment.utcoffset() is None:
        raise ValueError("Not a date-time with a zone.")
    return (moment - _EPOCH) // timedelta(milliseconds=1)


class _Moment(fields.String):
    """An ISO 8601 time with a zone, kept as text."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            moment_ms(value)
        except (ValueError, OverflowError):
            raise ValidationError(
                "Not an ISO 8601 date-time with a zone (e.g. 2026-11-20T09:00:00+00:00)."
            ) from None
        return value


class _Day(fields.String):
    """A YYYY-MM-DD date, kept as text."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValidationError("Not a date (YYYY-MM-DD).")
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValidationError("Not a date (YYYY-MM-DD).") from None
        return value


class _Integer(fields.Integer):
    """A JSON integer (not true/false, not 1.0, not "1")."""

    def __init__(self, minimum=0, **kwargs):
        super().__init__(strict=True, validate=validate.Range(minimum, _LARGEST), **kwargs)


class _Number(fields.Float):
    """A JSON number (not true/false, not "1"), finite."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValidationError("Not a number.")
        return super()._deserialize(value, attr, data, **kwargs)


def _text(**kwargs):
    return fields.String(required=True, allow_none=True, **kwargs)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class TagChangeSchema(_Strict):
    tag = fields.String(required=True, allow_none=True, validate=validate.OneOf(TAGS))
    at = _Moment(required=True)
    after_end_seconds = _Integer(required=True, minimum=-_LARGEST)


class SignalSchema(_Strict):
    name = fields.String(required=True, validate=validate.OneOf(SIGNALS))
    reason = fields.String(required=True)


class RecordSchema(_Strict):
    """One session record of a journal."""

    id = fields.String(required=True, validate=_UUID)
    site = fields.String(required=True, validate=validate.Length(1, 270))
    started_at = _Moment(required=True)
    ended_at = _Moment(required=True)
    active_seconds = _Number(required=True, allow_nan=False,
                             validate=validate.Range(0, 10**12))
    prompts = _Integer(required=True)
    responses = _Integer(required=True)
    copies = _Integer(required=True)
    est_tokens_in = _Integer(required=True)
    est_tokens_out = _Integer(required=True)
    # Since tokens were counted with a tokenizer; older journals lack it (and still verify).
    tokenizer = fields.String(allow_none=True,
                              validate=validate.OneOf(("o200k", "chars/4", "mixed")))
    model = _text()
    url = _text()
    title = _text()
    tag = _text(validate=validate.OneOf(TAGS))
    tag_history = fields.List(fields.Nested(TagChangeSchema), required=True)
    signals = fields.List(fields.Nested(SignalSchema), required=True)
    note = _text()
    outcome_url = _text()
    chain = fields.String(required=True, validate=_SHA256)


class RecordSchemaV2(RecordSchema):
    """A session record of a version 2 journal: its kind, and an agent session's counts."""

    kind = fields.String(required=True, validate=validate.OneOf(("chat", "agent")))
    tokens_in = _Integer(required=True, allow_none=True)
    tokens_out = _Integer(required=True, allow_none=True)
    tokens_cache_read = _Integer(required=True, allow_none=True)
    tokens_cache_write = _Integer(required=True, allow_none=True)
    tokens_reasoning = _Integer(required=True, allow_none=True)
    requests = _Integer(required=True, allow_none=True)
    tool_calls = _Integer(required=True, allow_none=True)
    models = fields.List(fields.String(validate=validate.Length(max=200)), required=True,
                         allow_none=True)
    project = _text(validate=validate.Length(max=1000))
    # What an agent session produced, and the session's labels (left out by exports made
    # before them).
    edits = _Integer(allow_none=True)
    lines_changed = _Integer(allow_none=True)
    commits = _Integer(allow_none=True)
    pull_requests = _Integer(allow_none=True)
    labels = fields.List(fields.String(validate=validate.Length(1, 40)),
                         validate=validate.Length(max=10))


class RuleSchema(_Strict):
    """A rule that labelled sessions or suggested tags, as its journal was exported with it."""

    field = fields.String(required=True, validate=validate.OneOf(("site", "title", "project",
                                                                   "url")))
    match = fields.String(required=True, validate=validate.OneOf(("glob", "regex")))
    pattern = _text(validate=validate.Length(max=500))  # null: left out with titles or URLs
    action = fields.String(required=True, validate=validate.OneOf(("label", "suggest")))
    value = fields.String(required=True, validate=validate.Length(1, 40))
    matched = _Integer(required=True)


class RangeSchema(_Strict):
    from_ = _Day(data_key="from", required=True, allow_none=True)
    to = _Day(required=True, allow_none=True)


class IntegritySchema(_Strict):
    algorithm = fields.String(required=True, validate=validate.Equal("sha256-chain"))
    header = fields.String(required=True, validate=_SHA256)
    records = _Integer(required=True)
    head = fields.String(required=True, validate=_SHA256)


class HeaderSchema(_Strict):
    """A journal without its records (checked one by one, to name the one that is wrong)."""

    format = fields.String(required=True, validate=validate.Equal(FORMAT))
    version = _Integer(required=True)
    exported_at = _Moment(required=True)
    owner = fields.String(required=True, validate=validate.Length(max=1000))
    range = fields.Nested(RangeSchema, required=True)
    redaction = fields.List(fields.String(validate=validate.OneOf(REDACTABLE)), required=True)
    summary = fields.Dict(required=True)
    sessions = fields.List(fields.Raw(), required=True)
    integrity = fields.Nested(IntegritySchema, required=True)


class HeaderSchemaV2(HeaderSchema):
    """A version 2 journal's header: its id and time zone besides (and its thresholds)."""

    journal_id = fields.String(required=True, validate=_UUID)
    time_zone = fields.String(required=True, validate=validate.Length(1, 100))
    # The signal thresholds it was exported with (left out by exports made before them).
    thresholds = fields.Dict(keys=fields.String(validate=validate.Length(1, 100)),
                             values=_Number(validate=validate.Range(min=0)))
    # Its rules (left out by exports made before them).
    rules = fields.List(fields.Nested(RuleSchema))


_SCHEMAS = {1: (HeaderSchema(), RecordSchema()), 2: (HeaderSchemaV2(), RecordSchemaV2())}

# The same records as msgspec types, as strict: no bool for a number, no 1.0 for a count,
# no unknown field. Dates are checked after, with moment_ms, as _Moment does.
_Count = Annotated[int, msgspec.Meta(ge=0, le=_LARGEST)]
_Tag = Literal[TAGS] | None


class _FastTagChange(msgspec.Struct, forbid_unknown_fields=True):
    tag: _Tag
    at: str
    after_end_seconds: Annotated[int, msgspec.Meta(ge=-_LARGEST, le=_LARGEST)]


class _FastSignal(msgspec.Struct, forbid_unknown_fields=True):
    name: Literal[SIGNALS]
    reason: str


class _FastRecord(msgspec.Struct, forbid_unknown_fields=True):
    id: Annotated[str, msgspec.Meta(pattern=_UUID.regex.pattern)]
    site: Annotated[str, msgspec.Meta(min_length=1, max_length=270)]
    started_at: str
    ended_at: str
    active_seconds: Annotated[float, msgspec.Meta(ge=0, le=10**12)]
    prompts: _Count
    responses: _Count
    copies: _Count
    est_tokens_in: _Count
    est_tokens_out: _Count
    model: str | None
    url: str | None
    title: str | None
    tag: _Tag
    tag_history: list[_FastTagChange]
    signals: list[_FastSignal]
    note: str | None
    outcome_url: str | None
    chain: Annotated[str, msgspec.Meta(pattern=_SHA256.regex.pattern)]
    tokenizer: Literal["o200k", "chars/4", "mixed"] | None = None


class _FastRecordV2(_FastRecord, forbid_unknown_fields=True, kw_only=True):
    kind: Literal["chat", "agent"]
    tokens_in: _Count | None
    tokens_out: _Count | None
    tokens_cache_read: _Count | None
    tokens_cache_write: _Count | None
    tokens_reasoning: _Count | None
    requests: _Count | None
    tool_calls: _Count | None
    models: list[Annotated[str, msgspec.Meta(max_length=200)]] | None
    project: Annotated[str, msgspec.Meta(max_length=1000)] | None
    # Optional: left out by exports made before them.
    edits: _Count | None = None
    lines_changed: _Count | None = None
    commits: _Count | None = None
    pull_requests: _Count | None = None
    labels: Annotated[list[Annotated[str, msgspec.Meta(min_length=1, max_length=40)]],
                      msgspec.Meta(max_length=10)] = msgspec.field(default_factory=list)


_FAST = {1: list[_FastRecord], 2: list[_FastRecordV2]}


def _all_well_formed(data):
    """Whether every record is well formed, checked at once; False says only "look closer"."""
    try:
        for r in msgspec.convert(data["sessions"], _FAST[data["version"]]):
            for moment in (r.started_at, r.ended_at, *(c.at for c in r.tag_history)):
                moment_ms(moment)
    except (msgspec.ValidationError, ValueError, OverflowError):
        return False
    return True


def _first(messages, path=""):
    """(path, message) of the first error in marshmallow's nested messages."""
    if isinstance(messages, dict):
        key = next(iter(messages))
        if key == "_schema":  # the value as a whole (not an object, say)
            step = ""
        else:
            step = f"[{key}]" if isinstance(key, int) else (f".{key}" if path else str(key))
        return _first(messages[key], path + step)
    if isinstance(messages, list) and messages and not isinstance(messages[0], str):
        return _first(messages[0], path)
    return path, messages[0] if isinstance(messages, list) else str(messages)


def problem(data, at_once=True):
    """What is wrong with a parsed journal, in words naming the record and field; or None.

    `data` is a journal of a version export.verify reads (it checked that first).
    `at_once=False` skips the check of all records at once (tests compare the two).
    """
    header, record_schema = _SCHEMAS[data["version"]]
    try:
        header.load(data)
    except ValidationError as error:
        where, message = _first(error.messages)
        return f"its header's field '{where}' is wrong: {message}"
    if at_once and _all_well_formed(data):
        return None
    for index, record in enumerate(data["sessions"]):
        if not isinstance(record, dict):
            return f"record {index + 1} is not a JSON object"
        try:
            record_schema.load(record)
        except ValidationError as error:
            where, message = _first(error.messages)
            named = record.get("id") if isinstance(record.get("id"), str) else None
            session = f" (session {named[:40]})" if named else ""
            return f"record {index + 1}{session}: field '{where}' is wrong: {message}"
    return None
