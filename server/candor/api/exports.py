"""GET /api/v1/export: the journal as a file for a coach."""

from datetime import date

from flask import Response
from marshmallow import ValidationError, fields, validate, validates

from .. import export
from ..db import get_db
from ..schemas import DateRangeSchema
from .body import Blueprint

blp = Blueprint("exports", __name__, url_prefix="/api/v1", description="Exports for a coach")

_TYPES = {"json": "application/json", "csv": "text/csv", "html": "text/html"}


class ExportQuerySchema(DateRangeSchema):
    """What to export: the format, the local dates and what to leave out."""

    format = fields.String(load_default="json", validate=validate.OneOf(export.FORMATS))
    redact = fields.String(load_default=",".join(export.DEFAULT_REDACTION), metadata={
        "description": "Comma-separated: titles, urls, notes; empty keeps everything"})

    @validates("redact")
    def _known(self, value, **kwargs):
        unknown = {p for p in value.split(",") if p} - set(export.REDACTABLE)
        if unknown:
            raise ValidationError(f"Unknown: {', '.join(sorted(unknown))}. "
                                  f"Choose from {', '.join(export.REDACTABLE)}.")


@blp.route("/export")
@blp.arguments(ExportQuerySchema, location="query")
@blp.response(200, content_type="application/octet-stream")
def export_journal(query):
    """The journal as a download: json (verifiable), csv or a self-contained html report."""
    data = export.build(get_db(), query.get("from_"), query.get("to"),
                        {p for p in query["redact"].split(",") if p})
    fmt = query["format"]
    name = f"candor-journal-{date.today().isoformat()}.{fmt}"
    return Response(export.render(data, fmt), mimetype=_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
