"""Imported journals, side by side (the coach's view): read-only."""

from flask import current_app
from flask_smorest import abort
from marshmallow import Schema, fields

from .. import coach, report
from ..db import get_db
from ..schemas import DateRangeSchema, StatsQuerySchema, StatsSchema
from .body import Blueprint

blp = Blueprint("journals", __name__, url_prefix="/api/v1", description="Imported journals")


class JournalFiguresSchema(Schema):
    name = fields.String()
    owner = fields.String()
    verified = fields.Boolean(metadata={"description": "False: it failed its integrity check"})
    value_ratio = fields.Float(allow_none=True)
    coverage = fields.Float(allow_none=True)
    active_seconds = fields.Float()
    sessions = fields.Integer()
    signals = fields.Dict(keys=fields.String(), values=fields.Integer(),
                          metadata={"description": "Sessions with each signal"})


class JournalListSchema(Schema):
    journals = fields.List(fields.Nested(JournalFiguresSchema))


@blp.route("/journals")
@blp.arguments(DateRangeSchema, location="query")
@blp.response(200, JournalListSchema)
def list_journals(query):
    """Every imported journal's value ratio, coverage, active time and signals, side by side."""
    return {"journals": coach.side_by_side(get_db(), current_app.config["DATA_DIR"],
                                           query.get("from_"), query.get("to"))}


@blp.route("/journals/<string:name>/stats")
@blp.arguments(StatsQuerySchema, location="query")
@blp.response(200, StatsSchema)
def journal_stats(query, name):
    """One imported journal's stats, shaped like /api/v1/stats."""
    try:
        jdb = coach.open_journal(get_db(), current_app.config["DATA_DIR"], name)
    except coach.UnknownJournal:
        abort(404, message=f"No imported journal {name!r}.")
    try:
        return report.stats(jdb, query.get("from_"), query.get("to"), query.get("group"))
    finally:
        jdb.close()
