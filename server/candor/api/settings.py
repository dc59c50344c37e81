"""The journal's settings: its time zone, its owner's name."""

from marshmallow import Schema, ValidationError, fields, validate, validates

from .. import export, journal, time_zone
from ..db import get_db
from .body import Blueprint

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
