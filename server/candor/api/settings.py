"""The journal's settings: all of them (GET, PATCH), and its time zone and owner's name apart."""

from flask_smorest import abort
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from .. import export, journal, settings, signals, time_zone
from ..db import get_db
from .body import Blueprint
from .goals import WeeklyGoalsSchema

blp = Blueprint("settings", __name__, url_prefix="/api/v1", description="Settings")


class TimeZoneSchema(Schema):
    """The journal's time zone: days in reports, filters and exports are its days."""

    time_zone = fields.String(required=True, validate=validate.Length(1, 100), metadata={
        "description": "An IANA time zone name, such as Europe/Paris", "example": "Europe/Paris"})

    @validates("time_zone")
    def _known(self, value, **kwargs):
        if not time_zone.is_zone(value):
            raise ValidationError("Unknown time zone: give an IANA name such as Europe/Paris "
                                  "or America/New_York.")


class TimeZoneChangeSchema(TimeZoneSchema):
    changed = fields.Boolean(dump_only=True, metadata={
        "description": "False when it already was the journal's zone (nothing was rebuilt)"})


@blp.route("/settings/time-zone")
@blp.response(200, TimeZoneSchema)
def get_time_zone():
    """The journal's time zone."""
    return {"time_zone": time_zone.name(get_db())}


@blp.route("/settings/time-zone", methods=["PUT"])
@blp.arguments(TimeZoneSchema)
@blp.response(200, TimeZoneChangeSchema)
def put_time_zone(body):
    """Change the journal's time zone; its per-day totals are rebuilt in the new zone, once."""
    changed = journal.set_time_zone(get_db(), body["time_zone"])
    return {"time_zone": body["time_zone"], "changed": changed}


class OwnerSchema(Schema):
    """The name exports give as the journal's owner ("Candor journal of …")."""

    owner = fields.String(required=True, validate=validate.Length(max=export.OWNER_MAX * 4),
                          metadata={"description": "Your name as a coach sees it; default: your "
                                                   "user name, or 'me'", "example": "Ada Lovelace"})

    @validates("owner")
    def _fit(self, value, **kwargs):
        try:
            export.clean_owner(value)
        except ValueError as error:
            raise ValidationError(str(error)) from None


@blp.route("/settings/owner")
@blp.response(200, OwnerSchema)
def get_owner():
    """The name exports give as the journal's owner."""
    return {"owner": export.owner_name(get_db())}


@blp.route("/settings/owner", methods=["PUT"])
@blp.arguments(OwnerSchema)
@blp.response(200, OwnerSchema)
def put_owner(body):
    """Set the name every later export gives as the journal's owner (trimmed)."""
    return {"owner": export.set_owner(get_db(), body["owner"])}


def _threshold_field(f, **options):
    """A marshmallow field for the signal threshold `f` (a dataclass field), documented."""
    meta = f.metadata
    low, high = meta["low"], meta["high"]
    options.update(
        validate=validate.Range(low, high, error=f"Give a number from {low:,} to {high:,}."),
        metadata={"description": f"{meta['label']} ({meta['unit']}; signal {meta['signal']}; "
                                 f"default {f.default})"})
    if f.type in (int, "int"):
        return fields.Integer(strict=True, **options)  # 2.5 calls is refused, not cut to 2
    return fields.Float(**options)


# Names mapped to values; in a change, null puts one back to its default.
ThresholdsSchema = Schema.from_dict(
    {f.name: _threshold_field(f) for f in signals.threshold_fields()}, name="Thresholds")
ThresholdsChangeSchema = Schema.from_dict(
    {f.name: _threshold_field(f, allow_none=True) for f in signals.threshold_fields()},
    name="ThresholdsChange")


class TitlesSchema(Schema):
    """Whether titles arrive: the extension's choice, set in its options."""

    kept = fields.Boolean(allow_none=True, metadata={
        "description": "Whether the newest chat session came with its title (null: none yet)"})
    session_started_at = fields.String(allow_none=True, metadata={
        "format": "date-time", "description": "When that session started"})


class SettingsSchema(Schema):
    """Every setting of the journal."""

    time_zone = fields.String(metadata={"example": "Europe/Paris"})
    date_format = fields.String(validate=validate.OneOf(settings.DATE_FORMATS), metadata={
        "description": "How pages show dates (exports and the API keep ISO dates)"})
    owner = fields.String(metadata={"description": "Your name as exports give it"})
    thresholds = fields.Nested(ThresholdsSchema)
    threshold_defaults = fields.Nested(ThresholdsSchema, dump_only=True)
    goals = fields.Nested(WeeklyGoalsSchema)
    titles = fields.Nested(TitlesSchema, dump_only=True)


class SettingsChangeSchema(Schema):
    """Settings to change; those left out stay as they are."""

    time_zone = fields.String(validate=validate.Length(1, 100), metadata={
        "description": "An IANA time zone name; the day totals are counted again, once",
        "example": "Europe/Paris"})
    date_format = fields.String(validate=validate.OneOf(settings.DATE_FORMATS), metadata={
        "description": "How pages show dates", "example": "YYYY-MM-DD"})
    owner = fields.String(validate=validate.Length(max=export.OWNER_MAX * 4))
    thresholds = fields.Nested(ThresholdsChangeSchema, allow_none=True, metadata={
        "description": "Thresholds to change (null for one: its default; null for all: every "
                       "default); stored signals are found again in the background"})
    goals = fields.Nested(WeeklyGoalsSchema)

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one setting to change.", "_schema")


@blp.route("/settings")
@blp.response(200, SettingsSchema)
def get_settings():
    """Every setting: time zone, date format, owner, signal thresholds (with their defaults),
    goals, and whether titles arrive."""
    return settings.read(get_db())


@blp.route("/settings", methods=["PATCH"])
@blp.arguments(SettingsChangeSchema)
@blp.response(200, SettingsSchema)
def patch_settings(body):
    """Change some settings; all are checked before any is kept (422 naming the field)."""
    try:
        return settings.change(get_db(), body)
    except settings.SettingError as error:
        path = error.field.split(".")
        errors = {path[-1]: [str(error)]}
        for name in reversed(path[:-1]):
            errors = {name: errors}
        abort(422, message=f"Not changed: {error}", errors={"json": errors})
