"""GET /api/v1/export: the journal as a file for a coach."""

from flask import Response
from marshmallow import ValidationError, fields, validate, validates

from .. import export, time_zone
from ..db import get_db
from ..schemas import DateRangeSchema
from .body import Blueprint

blp = Blueprint("exports", __name__, url_prefix="/api/v1", description="Exports for a coach")

_TYPES = {"json": "application/json", "csv": "text/csv", "html": "text/html"}


class ExportQuerySchema(DateRangeSchema):
    """What to export: the format, the local dates and what to leave out."""

    format = fields.String(load_default="json", validate=validate.OneOf(export.FORMATS))
    redact = fields.List(fields.String(validate=validate.Length(max=100)), metadata={
        "description": "What to leave out: titles, urls, notes (repeat, or comma-separate); "
                       "'none' alone keeps everything. Default: titles and notes"})

    @validates("redact")
    def _known(self, value, **kwargs):
        unknown = redaction(value) - set(export.REDACTABLE)
        if unknown:
            raise ValidationError(f"Unknown: {', '.join(sorted(unknown))}. "
                                  f"Choose from {', '.join(export.REDACTABLE)}, or none.")


def redaction(values):
    """What to leave out, from the query's redact values (None: the default)."""
    if values is None:
        return set(export.DEFAULT_REDACTION)
    return {p.strip() for v in values for p in v.split(",") if p.strip()} - {"none"}


@blp.route("/export")
@blp.arguments(ExportQuerySchema, location="query")
@blp.response(200, content_type="application/octet-stream")
def export_journal(query):
    """The journal as a download: json (verifiable), csv or a self-contained html report."""
    db = get_db()
    data = export.build(db, query.get("from_"), query.get("to"), redaction(query.get("redact")))
    fmt = query["format"]
    name = f"candor-journal-{time_zone.today(time_zone.zone(db)).isoformat()}.{fmt}"
    return Response(export.render(data, fmt), mimetype=_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
